/**
 * Every network fault the transport is tried against, as one table shared by
 * `faults.test.ts` and `scripts/reliability-report.ts`. Each case arranges a fault on the
 * fault server (or a silent listener, a closed port, a proxy, a TLS server), issues a
 * token through the real core (`createAccessToken`: input parsing, the generic OAuth 2.0
 * system, redaction) over the real transport, and records what the user would see.
 */
import { randomUUID } from "node:crypto";
import { ConfigSlot } from "../../provider/config";
import { recordingDiagnostics } from "../../provider/diagnostics";
import { ErrorCode, isAccessTokenError } from "../../provider/errors";
import { resetBackoffs } from "../../provider/http/backoff";
import { type AttemptEvent, type TransportOptions, createTransport } from "../../provider/http/transport";
import { createAccessToken } from "./lifecycles";
import {
  type FaultServer,
  type SilentListener,
  type TestCertificates,
  type TestProxy,
  closedPort,
  makeTestCertificates,
  startFaultServer,
  startSilentListener,
  startTestProxy,
} from "./fault-server";

/** The client id every case uses. */
export const FAULT_CLIENT_ID = "fault-client";
/** The client secret every case sends: it must never appear in any message. */
export const FAULT_CANARY_SECRET = `fault-canary-secret-${randomUUID()}`;

/** Short timeouts and backoffs, so the whole table runs in seconds. */
export const FAST_POLICY = {
  connectTimeoutMs: 300,
  headersTimeoutMs: 300,
  bodyTimeoutMs: 300,
  retry: { baseDelayMs: 25, maxDelayMs: 100, maxRetryAfterMs: 5_000 },
} satisfies TransportOptions;

/** Everything the cases run against. */
export interface FaultEnv {
  /** Plain HTTP fault server on loopback. */
  http: FaultServer;
  /** Accepts TCP and never speaks. */
  silent: SilentListener;
  /** HTTPS with a certificate from a private CA (for 127.0.0.1 and token.example.test). */
  tls?: FaultServer;
  /** HTTPS with a self-signed certificate. */
  selfSigned?: FaultServer;
  /** Forward + CONNECT proxy to `http` / `tls`. */
  proxy: TestProxy;
  pki?: TestCertificates;
  /** Why the TLS cases cannot run, when they cannot. */
  tlsUnavailable?: string;
  close(): Promise<void>;
}

/** Starts every server the cases need. */
export async function startFaultEnv(): Promise<FaultEnv> {
  const http = await startFaultServer();
  const silent = await startSilentListener();
  const made = makeTestCertificates();
  const pki = "unavailable" in made ? undefined : made;
  const tls = pki ? await startFaultServer({ tls: pki.server }) : undefined;
  const selfSigned = pki ? await startFaultServer({ tls: pki.selfSigned }) : undefined;
  const proxy = await startTestProxy({ httpPort: http.port, tlsPort: tls?.port });
  return {
    http,
    silent,
    tls,
    selfSigned,
    proxy,
    pki,
    tlsUnavailable: "unavailable" in made ? made.unavailable : undefined,
    async close() {
      await Promise.all([http.close(), silent.close(), tls?.close(), selfSigned?.close(), proxy.close()]);
      pki?.cleanup();
    },
  };
}

/** How a case is set up. */
export interface Arranged {
  tokenEndpoint: string;
  /** Transport options on top of {@link FAST_POLICY}. */
  transport?: TransportOptions;
  /** Extra resource inputs. */
  inputs?: Record<string, unknown>;
  /** Environment variables set while the case runs (proxies). */
  env?: Record<string, string>;
  /** Requests (or connections) that reached the server so far, to count this case's. */
  reached?: () => number;
  /** The client secret sent instead of {@link FAULT_CANARY_SECRET} (a canary with `+`, `!`, ...). */
  clientSecret?: string;
  /** Extra checks after the run: a list of problems (empty when fine). */
  verify?: (env: FaultEnv) => string[];
  cleanup?: () => Promise<void>;
}

/** What a case must end in. */
export interface FaultExpectation {
  outcome: "success" | "error";
  /** Attempts the transport made (0 when it refused before sending anything). */
  attempts: number;
  code?: ErrorCode;
  status?: number;
  oauthError?: string;
  /** Substrings the error message must contain. */
  says?: string[];
  /** Requests (or connections, for connection faults) the server saw. */
  reached?: number;
  /** The case took at least this long (Retry-After honoured). */
  minElapsedMs?: number;
  /** The case took less than this (a deadline held; a margin no machine can miss). */
  maxElapsedMs?: number;
  /** Substrings the error message must not contain (control characters, escapes). */
  never?: string[];
}

/** One fault. */
export interface FaultCase {
  id: string;
  /** The fault, for a person. */
  fault: string;
  arrange(env: FaultEnv): Promise<Arranged | { skip: string }> | Arranged | { skip: string };
  expect: FaultExpectation;
}

/** What happened. */
export interface FaultResult {
  id: string;
  fault: string;
  skipped?: string;
  outcome?: "success" | "error";
  attempts: number;
  reached?: number;
  /** The error message as the user sees it (redacted by the core). */
  message?: string;
  code?: string;
  status?: number;
  oauthError?: string;
  /** The canary secret appears in no message, stack, cause or diagnostic. */
  secretAbsent: boolean;
  elapsedMs: number;
  /** Differences from the expectation (empty when as expected). */
  problems: string[];
  events: AttemptEvent[];
}

const HTML_500 =
  "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1></body></html>";
const HTML_502 =
  "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
const HTML_503 = "<html><body><h1>503 Service Unavailable</h1>Maintenance in progress.</body></html>";

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Scripts `path` on the plain fault server and counts its requests. */
function onHttp(env: FaultEnv, path: string, actions: Parameters<FaultServer["script"]>[1]): Arranged {
  return { tokenEndpoint: env.http.script(path, actions), reached: () => env.http.requestsTo(path) };
}

function needTls(env: FaultEnv): { skip: string } | undefined {
  return env.tls && env.selfSigned && env.pki ? undefined : { skip: `TLS cases skipped: ${env.tlsUnavailable}` };
}

/** The table. */
export const FAULT_CASES: FaultCase[] = [
  {
    id: "baseline",
    fault: "none: a well-behaved token endpoint",
    arrange: (env) => onHttp(env, "/baseline/token", [{ kind: "token" }]),
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },

  // --- Connection phase: nothing was sent, so a bounded retry is safe ---------------------
  {
    id: "connect-timeout",
    fault: "connect timeout: TCP accepted, TLS handshake never answered",
    arrange: (env) => ({
      tokenEndpoint: `https://127.0.0.1:${env.silent.port}/token`,
      reached: () => env.silent.connections,
    }),
    expect: {
      outcome: "error",
      attempts: 3,
      code: ErrorCode.TRANSPORT,
      reached: 3,
      says: ["no connection within 300 ms", "UND_ERR_CONNECT_TIMEOUT", "(3 attempts)"],
    },
  },
  {
    id: "connection-refused",
    fault: "connection refused (nothing listening)",
    arrange: async () => ({ tokenEndpoint: `http://127.0.0.1:${await closedPort()}/token` }),
    expect: {
      outcome: "error",
      attempts: 3,
      code: ErrorCode.TRANSPORT,
      says: ["connection refused (ECONNREFUSED)", "(3 attempts)"],
    },
  },
  {
    id: "connection-refused-then-up",
    fault: "connection refused once, then the server is up",
    arrange: async () => {
      const port = await closedPort();
      let later: FaultServer | undefined;
      return {
        tokenEndpoint: `http://127.0.0.1:${port}/token`,
        transport: {
          // The server comes up while the transport backs off.
          sleep: async (ms) => {
            if (!later) {
              later = await startFaultServer({ port });
              later.script("/token", [{ kind: "token" }]);
            }
            await wait(ms);
          },
        },
        reached: () => later?.requestsTo("/token") ?? 0,
        cleanup: async () => later?.close(),
      };
    },
    expect: { outcome: "success", attempts: 2, reached: 1 },
  },
  {
    id: "unknown-host",
    fault: "unknown host (token.invalid: DNS says no such name)",
    arrange: () => ({ tokenEndpoint: "https://token.invalid/oauth/token" }),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.TRANSPORT,
      says: ["host token.invalid not found (ENOTFOUND)"],
    },
  },

  // --- Request sent: never retried (a second token request could mint a second token) ----
  {
    id: "headers-timeout",
    fault: "request received, no answer (headers timeout)",
    arrange: (env) => onHttp(env, "/hang/token", [{ kind: "hang" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.TRANSPORT,
      says: ["no response within 300 ms (UND_ERR_HEADERS_TIMEOUT)", "not retried"],
    },
  },
  {
    id: "body-stall",
    fault: "headers and part of the body, then silence (body timeout)",
    arrange: (env) => onHttp(env, "/stall/token", [{ kind: "stall", partial: '{"access_token":"fault-' }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.TRANSPORT,
      status: 200,
      says: ["HTTP 200", "response body stalled for 300 ms (UND_ERR_BODY_TIMEOUT)", "not retried"],
    },
  },
  {
    id: "body-trickle",
    fault: "headers, then one byte of body every 50 ms for 30 s (each pause below the body timeout)",
    arrange: (env) => ({
      ...onHttp(env, "/trickle/token", [{ kind: "trickle", intervalMs: 50, forMs: 30_000 }]),
      transport: { requestTimeoutMs: 1_000 },
    }),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.TRANSPORT,
      says: ["no complete response within 1000 ms (REQUEST_TIMEOUT", "not retried"],
      maxElapsedMs: 15_000,
    },
  },
  {
    id: "retry-after-beyond-budget",
    fault: "429 with Retry-After: 30 (within maxRetryAfter 60 s), the operation's time budget 1 s",
    arrange: (env) => ({
      ...onHttp(env, "/budget/token", [
        { kind: "json", status: 429, body: { error: "slow_down" }, headers: { "retry-after": "30" } },
      ]),
      transport: { operationTimeoutMs: 1_000, retry: { maxRetryAfterMs: 60_000 } },
    }),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 429,
      says: ["gave up after 1 attempt"],
      maxElapsedMs: 15_000,
    },
  },
  {
    id: "reset-mid-body",
    fault: "connection reset (TCP RST) in the middle of the body",
    arrange: (env) => onHttp(env, "/reset/token", [{ kind: "reset", partial: '{"access_token":"fault-' }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.TRANSPORT,
      status: 200,
      says: ["HTTP 200", "not retried"],
    },
  },
  {
    id: "closed-without-answer",
    fault: "request received, connection closed without a byte of answer",
    arrange: (env) => onHttp(env, "/drop/token", [{ kind: "drop" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.TRANSPORT,
      says: ["connection closed by the server", "not retried"],
    },
  },

  // --- Status codes --------------------------------------------------------------------
  {
    id: "http-500-html",
    fault: "500 with an HTML error page",
    arrange: (env) => onHttp(env, "/500/token", [{ kind: "text", status: 500, body: HTML_500 }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.HTTP_STATUS,
      status: 500,
      says: ["HTTP 500", "no OAuth error body"],
    },
  },
  {
    id: "http-502-html",
    fault: "502 with an HTML page from a gateway",
    arrange: (env) => onHttp(env, "/502/token", [{ kind: "text", status: 502, body: HTML_502 }]),
    expect: { outcome: "error", attempts: 1, reached: 1, code: ErrorCode.HTTP_STATUS, status: 502, says: ["HTTP 502"] },
  },
  {
    id: "http-503-persistent",
    fault: "503 with an HTML page, every time",
    arrange: (env) => onHttp(env, "/503/token", [{ kind: "text", status: 503, body: HTML_503 }]),
    expect: {
      outcome: "error",
      attempts: 3,
      reached: 3,
      code: ErrorCode.HTTP_STATUS,
      status: 503,
      says: ["HTTP 503", "gave up after 3 attempts"],
    },
  },
  {
    id: "http-503-then-token",
    fault: "503 once, then a token",
    arrange: (env) =>
      onHttp(env, "/503-once/token", [{ kind: "text", status: 503, body: HTML_503 }, { kind: "token" }]),
    expect: { outcome: "success", attempts: 2, reached: 2 },
  },
  {
    id: "http-503-oauth-error",
    fault: '503 with an OAuth error body "temporarily_unavailable", every time',
    arrange: (env) =>
      onHttp(env, "/503-oauth/token", [
        { kind: "json", status: 503, body: { error: "temporarily_unavailable", error_description: "try later" } },
      ]),
    expect: {
      outcome: "error",
      attempts: 3,
      reached: 3,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 503,
      oauthError: "temporarily_unavailable",
      says: ['OAuth error "temporarily_unavailable"', "gave up after 3 attempts"],
    },
  },
  {
    id: "http-429-retry-after-seconds",
    fault: "429 with Retry-After: 1 (seconds), then a token",
    arrange: (env) =>
      onHttp(env, "/429-seconds/token", [
        { kind: "text", status: 429, body: "slow down", contentType: "text/plain", headers: { "retry-after": "1" } },
        { kind: "token" },
      ]),
    expect: { outcome: "success", attempts: 2, reached: 2, minElapsedMs: 950 },
  },
  {
    id: "http-429-retry-after-date",
    fault: "429 with Retry-After as an HTTP date (2 s ahead), then a token",
    arrange: (env) =>
      onHttp(env, "/429-date/token", [
        {
          kind: "text",
          status: 429,
          body: "slow down",
          contentType: "text/plain",
          headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() },
        },
        { kind: "token" },
      ]),
    expect: { outcome: "success", attempts: 2, reached: 2, minElapsedMs: 900 },
  },
  {
    id: "http-429-retry-after-too-long",
    fault: "429 with Retry-After: 3600 (beyond the cap)",
    arrange: (env) =>
      onHttp(env, "/429-long/token", [
        { kind: "text", status: 429, body: "quota", contentType: "text/plain", headers: { "retry-after": "3600" } },
      ]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.HTTP_STATUS,
      status: 429,
      says: ["HTTP 429", "gave up after 1 attempt", "the server asked to retry after 3600 s"],
    },
  },
  {
    id: "http-429-persistent",
    fault: "429 without Retry-After, every time",
    arrange: (env) =>
      onHttp(env, "/429/token", [{ kind: "text", status: 429, body: "rate limited", contentType: "text/plain" }]),
    expect: {
      outcome: "error",
      attempts: 3,
      reached: 3,
      code: ErrorCode.HTTP_STATUS,
      status: 429,
      says: ["HTTP 429", "gave up after 3 attempts"],
    },
  },
  {
    id: "oauth-invalid-scope",
    fault: "400 OAuth error invalid_scope",
    arrange: (env) =>
      onHttp(env, "/invalid-scope/token", [
        {
          kind: "json",
          status: 400,
          body: { error: "invalid_scope", error_description: "scope reports:write is not allowed" },
        },
      ]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 400,
      oauthError: "invalid_scope",
      says: ['OAuth error "invalid_scope"'],
    },
  },
  {
    id: "oauth-error-echoes-secret",
    fault: "401 invalid_client whose description repeats the client secret",
    arrange: (env) => onHttp(env, "/echo/token", [{ kind: "echoSecret" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 401,
      oauthError: "invalid_client",
      says: ['OAuth error "invalid_client"', "[secret]"],
    },
  },

  {
    id: "oauth-error-echoes-basic",
    fault: "401 whose description and WWW-Authenticate echo the Basic credential (Base64 of id:secret)",
    arrange: (env) =>
      onHttp(env, "/echo-basic/token", [
        {
          kind: "json",
          status: 401,
          headers: { "www-authenticate": `Basic realm="token", error="invalid_client" got="${basicCredential()}"` },
          body: { error: "invalid_client", error_description: `bad credential Basic ${basicCredential()}` },
        },
      ]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 401,
      oauthError: "invalid_client",
      says: ["[secret]"],
    },
  },
  {
    id: "challenge-echoes-basic",
    fault: "401 without an OAuth body, WWW-Authenticate echoing the Basic credential",
    arrange: (env) =>
      onHttp(env, "/challenge-basic/token", [
        {
          kind: "text",
          status: 401,
          body: "",
          headers: { "www-authenticate": `Basic realm="token" credential="${basicCredential()}"` },
        },
      ]),
    expect: { outcome: "error", attempts: 1, reached: 1, code: ErrorCode.HTTP_STATUS, status: 401, says: ["[secret]"] },
  },
  {
    id: "oauth-error-echoes-form-encoded",
    fault: "400 echoing a secret with a space and ! in its form encoding (+, %21) and JSON-escaped",
    arrange: (env) => ({
      ...onHttp(env, "/echo-form/token", [
        {
          kind: "json",
          status: 400,
          body: {
            error: "invalid_request",
            error_description: `client_secret=${formEncode(FORM_CANARY_SECRET)} (${encodeURIComponent(FORM_CANARY_SECRET)}) "${FORM_CANARY_SECRET}"`,
          },
        },
      ]),
      clientSecret: FORM_CANARY_SECRET,
    }),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 400,
      oauthError: "invalid_request",
      says: ["[secret]"],
    },
  },
  {
    id: "oauth-error-terminal-escapes",
    fault: "400 whose description carries ANSI escapes, a bell and a forged second line",
    arrange: (env) =>
      onHttp(env, "/ansi/token", [
        {
          kind: "json",
          status: 400,
          body: {
            error: "invalid_request",
            error_description: "bad\u001b[2J\u001b[31m request\u0007\r\nerror: everything is fine",
          },
        },
      ]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.OAUTH_ERROR_RESPONSE,
      status: 400,
      says: ["bad request   error: everything is fine"],
      never: ["\u001b", "\u0007", "\n", "\r"],
    },
  },

  // --- Bodies ---------------------------------------------------------------------------
  {
    id: "malformed-json",
    fault: "200 application/json with truncated JSON",
    arrange: (env) =>
      onHttp(env, "/malformed/token", [
        { kind: "text", status: 200, contentType: "application/json", body: '{"access_token":"abc","token_type":' },
      ]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ["HTTP 200", "body is not JSON"],
    },
  },
  {
    id: "html-instead-of-json",
    fault: "200 text/html (a login page) instead of JSON",
    arrange: (env) =>
      onHttp(env, "/html/token", [{ kind: "text", status: 200, body: "<html><body>Please sign in</body></html>" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ["body is not JSON (content-type text/html)"],
    },
  },
  {
    id: "json-labelled-text-plain",
    fault: "a valid token response labelled text/plain (accepted: the body decides)",
    arrange: (env) => onHttp(env, "/text-plain/token", [{ kind: "token", contentType: "text/plain" }]),
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },
  {
    id: "missing-access-token",
    fault: "200 JSON without access_token",
    arrange: (env) => onHttp(env, "/no-token/token", [{ kind: "token", omit: ["access_token"] }]),
    expect: { outcome: "error", attempts: 1, code: ErrorCode.INVALID_RESPONSE, status: 200, says: ['"access_token"'] },
  },
  {
    id: "missing-token-type",
    fault: "200 JSON without token_type",
    arrange: (env) => onHttp(env, "/no-type/token", [{ kind: "token", omit: ["token_type"] }]),
    expect: { outcome: "error", attempts: 1, code: ErrorCode.INVALID_RESPONSE, status: 200, says: ['"token_type"'] },
  },
  {
    id: "token-type-not-bearer",
    fault: 'token_type "mac"',
    arrange: (env) => onHttp(env, "/mac/token", [{ kind: "token", tokenType: "mac" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ['token_type "mac" is not supported'],
    },
  },
  {
    id: "expires-in-not-a-number",
    fault: 'expires_in "soon"',
    arrange: (env) => onHttp(env, "/expires/token", [{ kind: "token", expiresIn: "soon" }]),
    expect: { outcome: "error", attempts: 1, code: ErrorCode.INVALID_RESPONSE, status: 200, says: ['"expires_in"'] },
  },
  {
    id: "expires-in-out-of-range",
    fault: "expires_in 2^53 (a token issued into a date no state can hold)",
    arrange: (env) => onHttp(env, "/expires-huge/token", [{ kind: "token", expiresIn: 2 ** 53 }]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: [
        '"expires_in" is out of range',
        "the token the server issued anyway could not be revoked",
        "kept in state",
      ],
    },
  },
  {
    id: "expires-in-negative",
    fault: "expires_in -1",
    arrange: (env) => onHttp(env, "/expires-negative/token", [{ kind: "token", expiresIn: -1 }]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ['"expires_in" must not be negative'],
    },
  },
  {
    id: "body-not-utf8",
    fault: "200 JSON whose bytes are not valid UTF-8",
    arrange: (env) =>
      onHttp(env, "/not-utf8/token", [
        {
          kind: "text",
          status: 200,
          contentType: "application/json",
          body: Buffer.concat([Buffer.from('{"access_token":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        },
      ]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ["body is not valid UTF-8"],
    },
  },
  {
    id: "oversized-streamed",
    fault: "a 2 MiB body, streamed without Content-Length",
    arrange: (env) => onHttp(env, "/huge/token", [{ kind: "oversized", bytes: 2 << 20 }]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ["response larger than 1048576 bytes"],
    },
  },
  {
    id: "oversized-declared",
    fault: "a 2 MiB body announced by Content-Length (refused before reading)",
    arrange: (env) => onHttp(env, "/huge-declared/token", [{ kind: "oversized", bytes: 2 << 20, declare: true }]),
    expect: {
      outcome: "error",
      attempts: 1,
      code: ErrorCode.INVALID_RESPONSE,
      status: 200,
      says: ["response larger than 1048576 bytes"],
    },
  },

  // --- Redirects ------------------------------------------------------------------------
  {
    id: "redirect-other-host",
    fault: "302 to another host",
    arrange: (env) =>
      onHttp(env, "/redirect/token", [{ kind: "redirect", location: "https://evil.example/steal?x=1" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.HTTP_STATUS,
      status: 302,
      says: ["HTTP 302 redirect to https://evil.example (another host)", "not followed"],
    },
  },
  {
    id: "redirect-same-host",
    fault: "307 to another path on the same host",
    arrange: (env) => onHttp(env, "/redirect-307/token", [{ kind: "redirect", status: 307, location: "/v2/token" }]),
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 1,
      code: ErrorCode.HTTP_STATUS,
      status: 307,
      says: ["HTTP 307 redirect to http://127.0.0.1", "(same host)"],
    },
  },

  // --- TLS ------------------------------------------------------------------------------
  {
    id: "tls-self-signed",
    fault: "HTTPS with a self-signed certificate",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.selfSigned!.script("/token", [{ kind: "token" }]),
        reached: () => env.selfSigned!.requestsTo("/token"),
      },
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 0,
      code: ErrorCode.TRANSPORT,
      says: ["not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)", "set caBundle"],
    },
  },
  {
    id: "tls-self-signed-env-override",
    fault: "self-signed certificate with NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment (still refused)",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.selfSigned!.script("/env/token", [{ kind: "token" }]),
        env: { NODE_TLS_REJECT_UNAUTHORIZED: "0" },
        reached: () => env.selfSigned!.requestsTo("/env/token"),
      },
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 0,
      code: ErrorCode.TRANSPORT,
      says: ["DEPTH_ZERO_SELF_SIGNED_CERT"],
    },
  },
  {
    id: "tls-private-ca-untrusted",
    fault: "HTTPS with a certificate from a private CA, no caBundle",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.tls!.script("/untrusted/token", [{ kind: "token" }]),
        reached: () => env.tls!.requestsTo("/untrusted/token"),
      },
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 0,
      code: ErrorCode.TRANSPORT,
      says: ["not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)"],
    },
  },
  {
    id: "tls-private-ca-pem",
    fault: "private CA trusted through caBundle (PEM text)",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.tls!.script("/ca-pem/token", [{ kind: "token" }]),
        transport: { caBundle: env.pki!.caCert },
        reached: () => env.tls!.requestsTo("/ca-pem/token"),
      },
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },
  {
    id: "tls-private-ca-file",
    fault: "private CA trusted through caBundle (file path)",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.tls!.script("/ca-file/token", [{ kind: "token" }]),
        transport: { caBundle: env.pki!.caFile },
        reached: () => env.tls!.requestsTo("/ca-file/token"),
      },
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },
  {
    id: "tls-wrong-ca",
    fault: "caBundle holds another CA than the server's",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.tls!.script("/wrong-ca/token", [{ kind: "token" }]),
        transport: { caBundle: env.pki!.selfSigned.cert },
        reached: () => env.tls!.requestsTo("/wrong-ca/token"),
      },
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 0,
      code: ErrorCode.TRANSPORT,
      says: ["UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
    },
  },
  {
    id: "tls-host-mismatch",
    fault: "trusted certificate, but for another host name (localhost vs 127.0.0.1)",
    arrange: (env) =>
      needTls(env) ?? {
        tokenEndpoint: env.tls!.script("/mismatch/token", [{ kind: "token" }]).replace("127.0.0.1", "localhost"),
        transport: { caBundle: env.pki!.caCert },
        reached: () => env.tls!.requestsTo("/mismatch/token"),
      },
    expect: {
      outcome: "error",
      attempts: 1,
      reached: 0,
      code: ErrorCode.TRANSPORT,
      says: ["not valid for localhost (ERR_TLS_CERT_ALTNAME_INVALID)"],
    },
  },
  {
    id: "tls-ca-file-missing",
    fault: "caBundle names a file that does not exist",
    arrange: () => ({
      tokenEndpoint: "https://token.example.test/token",
      transport: { caBundle: "/nonexistent/pulumi-access-tokens/ca.pem" },
    }),
    expect: {
      outcome: "error",
      attempts: 0,
      code: ErrorCode.INVALID_INPUT,
      says: ["caBundle: cannot read CA file /nonexistent/pulumi-access-tokens/ca.pem (ENOENT)"],
    },
  },

  // --- Proxies --------------------------------------------------------------------------
  {
    id: "https-proxy",
    fault: "HTTPS_PROXY set: the token request tunnels through the proxy (CONNECT)",
    arrange: (env) => {
      const skip = needTls(env);
      if (skip) return skip;
      env.tls!.script("/token", [{ kind: "token" }]);
      const before = env.proxy.connects.length;
      return {
        tokenEndpoint: "https://token.example.test/token",
        env: { HTTPS_PROXY: env.proxy.url },
        transport: { caBundle: env.pki!.caCert },
        reached: () => env.tls!.requestsTo("/token"),
        verify: (e) =>
          e.proxy.connects.slice(before).includes("token.example.test:443")
            ? []
            : [
                `the proxy saw no CONNECT token.example.test:443 (saw ${JSON.stringify(e.proxy.connects.slice(before))})`,
              ],
      };
    },
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },
  {
    id: "http-proxy",
    fault: "HTTP_PROXY set: a plain-HTTP endpoint (allowInsecureHttp) goes through the proxy",
    arrange: (env) => {
      env.http.script("/proxied/token", [{ kind: "token" }]);
      const before = env.proxy.forwards.length;
      return {
        tokenEndpoint: "http://token.example.test/proxied/token",
        inputs: { allowInsecureHttp: true },
        env: { HTTP_PROXY: env.proxy.url },
        reached: () => env.http.requestsTo("/proxied/token"),
        verify: (e) =>
          e.proxy.forwards.slice(before).includes("http://token.example.test/proxied/token")
            ? []
            : ["the proxy forwarded nothing"],
      };
    },
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },
  {
    id: "no-proxy",
    fault: "HTTPS_PROXY set but NO_PROXY names the host: no proxy (and so DNS fails here)",
    arrange: (env) => {
      const before = env.proxy.connects.length + env.proxy.forwards.length;
      return {
        tokenEndpoint: "https://token.invalid/token",
        env: { HTTPS_PROXY: env.proxy.url, NO_PROXY: "localhost,.invalid" },
        verify: (e) =>
          e.proxy.connects.length + e.proxy.forwards.length === before ? [] : ["the request went through the proxy"],
      };
    },
    expect: { outcome: "error", attempts: 1, code: ErrorCode.TRANSPORT, says: ["ENOTFOUND"] },
  },
  {
    id: "loopback-not-proxied",
    fault: "HTTP_PROXY and HTTPS_PROXY set: a loopback endpoint still goes direct",
    arrange: (env) => {
      const before = env.proxy.connects.length + env.proxy.forwards.length;
      return {
        ...onHttp(env, "/direct/token", [{ kind: "token" }]),
        env: { HTTP_PROXY: env.proxy.url, HTTPS_PROXY: env.proxy.url },
        verify: (e) =>
          e.proxy.connects.length + e.proxy.forwards.length === before ? [] : ["the loopback request was proxied"],
      };
    },
    expect: { outcome: "success", attempts: 1, reached: 1 },
  },
];

const formEncode = (v: string) => new URLSearchParams({ v }).toString().slice(2);

/** The Basic credential the provider sends for the fault client (RFC 6749 §2.3.1: form-encoded, then Base64). */
export function basicCredential(secret: string = FAULT_CANARY_SECRET): string {
  return Buffer.from(`${formEncode(FAULT_CLIENT_ID)}:${formEncode(secret)}`).toString("base64");
}

/** The forms the canary secret travels in (plain, URL- and form-encoded, JSON-escaped, Base64, inside a Basic header). */
export function secretForms(secret: string = FAULT_CANARY_SECRET): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    formEncode(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString("base64"),
    basicCredential(secret),
  ];
}

/** A canary secret with the characters form encoding changes (`+` for a space, `%21` for `!`). */
export const FORM_CANARY_SECRET = `form canary!${randomUUID().slice(0, 8)}`;

function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      texts.push(e.message, e.stack ?? "");
      e = e.cause;
    } else {
      texts.push(String(e));
      break;
    }
  }
  return texts;
}

function withEnv(vars: Record<string, string> | undefined): () => void {
  if (!vars) return () => {};
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Runs one case and compares the outcome with its expectation. */
export async function runFaultCase(c: FaultCase, env: FaultEnv): Promise<FaultResult> {
  const arranged = await c.arrange(env);
  if ("skip" in arranged) {
    return {
      id: c.id,
      fault: c.fault,
      skipped: arranged.skip,
      attempts: 0,
      secretAbsent: true,
      elapsedMs: 0,
      problems: [],
      events: [],
    };
  }
  // Each case stands for a fresh provider process: no backoff left by the case before.
  resetBackoffs();
  const events: AttemptEvent[] = [];
  const transport = createTransport({
    ...FAST_POLICY,
    ...arranged.transport,
    retry: { ...FAST_POLICY.retry, ...(arranged.transport?.retry || {}) },
    onAttempt: (e) => events.push(e),
  });
  const config = new ConfigSlot();
  config.set({ get: () => undefined });
  const diagnostics = recordingDiagnostics();
  const reachedBefore = arranged.reached?.() ?? 0;
  const restoreEnv = withEnv(arranged.env);
  const started = Date.now();
  const result: FaultResult = {
    id: c.id,
    fault: c.fault,
    attempts: 0,
    secretAbsent: true,
    elapsedMs: 0,
    problems: [],
    events,
  };
  const texts: string[] = [];
  try {
    const created = await createAccessToken(
      {
        system: "oauth2",
        resourceName: c.id,
        tokenEndpoint: arranged.tokenEndpoint,
        clientId: FAULT_CLIENT_ID,
        clientSecret: arranged.clientSecret ?? FAULT_CANARY_SECRET,
        ...arranged.inputs,
      },
      { transport, config, diagnostics },
    );
    result.outcome = "success";
    if (typeof created.outs?.accessToken !== "string") result.problems.push("no accessToken in the outputs");
  } catch (error) {
    result.outcome = "error";
    result.message = error instanceof Error ? error.message : String(error);
    if (isAccessTokenError(error)) {
      result.code = error.code;
      result.status = error.status;
      result.oauthError = error.oauthError;
    }
    texts.push(...errorTexts(error));
  } finally {
    restoreEnv();
    result.elapsedMs = Date.now() - started;
    result.attempts = events.length;
    if (arranged.reached) result.reached = arranged.reached() - reachedBefore;
    result.problems.push(...(arranged.verify?.(env) ?? []));
    await arranged.cleanup?.();
  }
  texts.push(...diagnostics.messages.map((m) => m.message));
  const forms = secretForms(arranged.clientSecret ?? FAULT_CANARY_SECRET);
  result.secretAbsent = !texts.some((t) => forms.some((s) => t.includes(s)));
  result.problems.push(...compare(result, c.expect));
  if (result.message !== undefined) {
    // Every error names the system and the endpoint (status and OAuth code are checked above).
    if (!result.message.startsWith("OAuth 2.0 token request")) result.problems.push("message does not name the system");
    if (!result.message.includes(arranged.tokenEndpoint)) result.problems.push("message does not name the endpoint");
  }
  return result;
}

function compare(r: FaultResult, e: FaultExpectation): string[] {
  const problems: string[] = [];
  const same = (what: string, actual: unknown, expected: unknown) => {
    if (expected !== undefined && actual !== expected) {
      problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  same("outcome", r.outcome, e.outcome);
  same("attempts", r.attempts, e.attempts);
  same("code", r.code, e.code);
  same("status", r.status, e.status);
  same("oauthError", r.oauthError, e.oauthError);
  same("requests reaching the server", r.reached, e.reached);
  for (const text of e.says ?? []) {
    if (!r.message?.includes(text)) problems.push(`message lacks ${JSON.stringify(text)}`);
  }
  for (const text of e.never ?? []) {
    if (r.message?.includes(text)) problems.push(`message contains ${JSON.stringify(text)}`);
  }
  if (e.maxElapsedMs !== undefined && r.elapsedMs >= e.maxElapsedMs) {
    problems.push(`took ${r.elapsedMs} ms, expected less than ${e.maxElapsedMs} ms (a deadline)`);
  }
  if (e.minElapsedMs !== undefined && r.elapsedMs < e.minElapsedMs) {
    problems.push(`took ${r.elapsedMs} ms, expected at least ${e.minElapsedMs} ms (Retry-After)`);
  }
  if (!r.secretAbsent) problems.push("the client secret appears in the error or a diagnostic");
  return problems;
}
