/**
 * The HTTP transport: shared keep-alive undici dispatchers (one per CA / proxy / connect
 * timeout configuration, see `dispatcher.ts`), explicit timeouts for each phase, a cap on
 * response size, no redirects (a token request must never be replayed to another host),
 * bounded retries only where the server certainly did not process the request (see
 * `retry.ts`), an optional per-origin rate limit, and a URL policy that refuses plain
 * HTTP except on loopback.
 *
 * The transport sends and returns the whole answer; judging it (status, OAuth error body,
 * fields) is the protocol layer's job. It throws only when there is no answer to judge:
 * no connection, a timeout, a broken or oversized body, or a redirect.
 */
import type { Dispatcher } from "undici";
import { AccessTokenError, ErrorCode, type RemoteContext, describeRemote } from "../errors";
import { dispatcherFor } from "./dispatcher";
import { type RateLimit, rateLimitProblem, reserveSlot } from "./rate-limit";
import {
  type ResolvedRetryPolicy,
  type RetryPolicy,
  backoffDelay,
  errorCode,
  failedBeforeSending,
  requestNotSent,
  resolveRetryPolicy,
  statusVerdict,
} from "./retry";

export { MAX_ATTEMPTS, type RetryPolicy } from "./retry";
export type { RateLimit } from "./rate-limit";

/** A request as the protocol layer builds it. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A response as the protocol layer judges it: status, lower-cased headers, body text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
  /** Attempts it took (1 unless a 429 / 503 / unsent connection failure was retried). */
  attempts?: number;
}

/**
 * Sends one request and returns the whole response. `overrides` change the policy for
 * this call only (e.g. a resource's own timeouts).
 */
export type Transport = (req: HttpRequest, ctx: RemoteContext, overrides?: HttpPolicy) => Promise<HttpResponse>;

/**
 * The policy of the default transport: what a user may tune, per process or per call.
 * Every field is optional; defaults are in {@link HTTP_POLICY_DEFAULTS}.
 */
export interface HttpPolicy {
  /**
   * TCP + TLS (+ proxy tunnel) connect timeout. Default 10 s. (undici runs its timeouts on
   * coarse timers: expect up to about a second more than asked.)
   */
  connectTimeoutMs?: number;
  /** Time from sending the request to the response headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Longest pause between two chunks of the response body. Default 30 s. */
  bodyTimeoutMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Retry policy; `false` for a single attempt. Default 3 attempts, see {@link RetryPolicy}. */
  retry?: RetryPolicy | false;
  /** Requests per second to each endpoint origin (shared by the whole process). Default none. */
  rateLimit?: RateLimit;
  /**
   * Extra CA certificates to trust (besides Node's roots), as PEM text or the path of a
   * PEM file, for servers with a private CA. TLS verification itself cannot be turned off.
   */
  caBundle?: string;
}

/** One attempt, as reported to {@link TransportOptions.onAttempt}. */
export interface AttemptEvent {
  /** 1-based. */
  attempt: number;
  maxAttempts: number;
  ctx: RemoteContext;
  /** The server answered (any status), or the attempt failed without an answer. */
  outcome: "response" | "error";
  status?: number;
  /** Error code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...) when it failed. */
  errorCode?: string;
  /** Whether the request was handed to a socket (and so may have reached the server). */
  requestStarted: boolean;
  /** Set when another attempt follows, after this many milliseconds. */
  retryInMs?: number;
  /** Why it is (or is not) retried, when there is something to say. */
  why?: string;
}

/** Options of {@link createTransport}: the policy, plus what tests inject. */
export interface TransportOptions extends HttpPolicy {
  /** Injected dispatcher (tests); default the shared keep-alive dispatchers. */
  dispatcher?: Dispatcher;
  /** Called after every attempt (observability, tests). Must not throw. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Waits between attempts (tests); default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1) (tests); default `Math.random`. */
  random?: () => number;
  /** Clock for the rate limiter and `Retry-After` dates (tests); default `Date.now`. */
  now?: () => number;
}

/** Defaults of {@link HttpPolicy}. */
export const HTTP_POLICY_DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  maxResponseBytes: 1 << 20,
} as const;

interface ResolvedPolicy {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  retry: ResolvedRetryPolicy;
  rateLimit?: RateLimit;
  caBundle?: string;
}

function resolvePolicy(base: HttpPolicy, overrides: HttpPolicy | undefined): ResolvedPolicy {
  const pick = <K extends keyof typeof HTTP_POLICY_DEFAULTS>(key: K): number => {
    const value = overrides?.[key] ?? base[key] ?? HTTP_POLICY_DEFAULTS[key];
    return Number.isFinite(value) && value > 0 ? value : HTTP_POLICY_DEFAULTS[key];
  };
  return {
    connectTimeoutMs: pick("connectTimeoutMs"),
    headersTimeoutMs: pick("headersTimeoutMs"),
    bodyTimeoutMs: pick("bodyTimeoutMs"),
    maxResponseBytes: pick("maxResponseBytes"),
    retry: resolveRetryPolicy(base.retry, overrides?.retry),
    rateLimit: overrides?.rateLimit ?? base.rateLimit,
    caBundle: overrides?.caBundle ?? base.caBundle,
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds a transport. Cheap: connections are shared by every transport of the process. */
export function createTransport(options: TransportOptions = {}): Transport {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  return async (req, ctx, overrides) => {
    const policy = resolvePolicy(options, overrides);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (cause) {
      throw new AccessTokenError(ErrorCode.INVALID_INPUT, `${describeRemote(ctx)} failed: not an absolute URL`, {
        endpoint: ctx.endpoint,
        cause,
      });
    }
    const limitProblem = policy.rateLimit && rateLimitProblem(policy.rateLimit);
    if (limitProblem) {
      throw new AccessTokenError(ErrorCode.INVALID_INPUT, `${describeRemote(ctx)} failed: rateLimit: ${limitProblem}`, {
        endpoint: ctx.endpoint,
      });
    }
    let dispatcher: Dispatcher;
    try {
      dispatcher =
        options.dispatcher ??
        dispatcherFor(
          { connectTimeoutMs: policy.connectTimeoutMs, caBundle: policy.caBundle },
          isLoopbackHost(url.hostname),
        );
    } catch (error) {
      if (error instanceof AccessTokenError) error.message = `${describeRemote(ctx)} failed: ${error.message}`;
      throw error;
    }
    const max = policy.retry.maxAttempts;

    for (let attempt = 1; ; attempt++) {
      if (policy.rateLimit) {
        const wait = reserveSlot(url.origin, policy.rateLimit, now());
        if (wait > 0) await sleep(wait);
      }
      const result = await sendOnce(dispatcher, req, url, policy);
      const base = { attempt, maxAttempts: max, ctx };

      if (result.kind === "response") {
        if (isRedirect(result.status)) {
          options.onAttempt?.({ ...base, outcome: "response", status: result.status, requestStarted: true });
          throw redirectError(ctx, url, result, attempt);
        }
        const verdict = statusVerdict(
          result.status,
          result.headers["retry-after"],
          attempt,
          policy.retry,
          now(),
          random,
        );
        options.onAttempt?.({
          ...base,
          outcome: "response",
          status: result.status,
          requestStarted: true,
          ...(verdict.retry ? { retryInMs: verdict.delayMs } : {}),
          ...(verdict.why ? { why: verdict.why } : {}),
        });
        if (verdict.retry) {
          await sleep(verdict.delayMs);
          continue;
        }
        // undici hands the keep-alive socket back to its pool one event-loop turn after the
        // response ends; returning before that makes the caller's next request open another
        // connection (measured: 16 sockets for 8 requests in flight, 8 with this wait).
        await new Promise((resolve) => setImmediate(resolve));
        if (result.body === undefined) {
          // Replacement characters would be stored as if the server had sent them.
          throw new AccessTokenError(
            ErrorCode.INVALID_RESPONSE,
            `${describeRemote(ctx)} failed: HTTP ${result.status}, body is not valid UTF-8`,
            { status: result.status, endpoint: ctx.endpoint },
          );
        }
        return { status: result.status, headers: result.headers, body: result.body, attempts: attempt };
      }

      if (result.error instanceof ResponseTooLarge) {
        options.onAttempt?.({
          ...base,
          outcome: "error",
          status: result.status,
          errorCode: "RESPONSE_TOO_LARGE",
          requestStarted: true,
        });
        throw new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${describeRemote(ctx)} failed: HTTP ${result.status}, response larger than ${policy.maxResponseBytes} bytes${attemptsNote(attempt)}`,
          { endpoint: ctx.endpoint, status: result.status },
        );
      }
      const unsent = requestNotSent(result.error, result.started);
      const again = failedBeforeSending(result.error, result.started) && attempt < max;
      const delay = again ? backoffDelay(attempt, policy.retry, random) : undefined;
      options.onAttempt?.({
        ...base,
        outcome: "error",
        ...(result.status !== undefined ? { status: result.status } : {}),
        errorCode: errorCode(result.error) ?? "UNKNOWN",
        requestStarted: result.started,
        ...(delay !== undefined ? { retryInMs: delay } : {}),
        why: unsent
          ? again
            ? "transient failure before the request was sent"
            : "the request was not sent"
          : "the request may have reached the server",
      });
      if (delay !== undefined) {
        await sleep(delay);
        continue;
      }
      throw transportError(ctx, url, policy, result, attempt, unsent);
    }
  };
}

// -----------------------------------------------------------------------------------------
// One attempt

type AttemptResult =
  | { kind: "response"; status: number; headers: Record<string, string | undefined>; body: string | undefined }
  | { kind: "error"; error: unknown; started: boolean; status?: number };

class ResponseTooLarge extends Error {}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text; undefined when it is not valid UTF-8 (the caller refuses it). */
function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Sends once through `dispatcher`, collecting the whole (bounded) body. Never rejects. */
function sendOnce(dispatcher: Dispatcher, req: HttpRequest, url: URL, policy: ResolvedPolicy): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let started = false;
    let status: number | undefined;
    let headers: Record<string, string | undefined> = {};
    let size = 0;
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {
        // Called just before the request is written to a socket: from here on, the server
        // may receive it.
        started = true;
      },
      onResponseStart(controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = flattenHeaders(responseHeaders);
        const declared = Number(headers["content-length"]);
        if (Number.isFinite(declared) && declared > policy.maxResponseBytes) controller.abort(new ResponseTooLarge());
      },
      onResponseData(controller, chunk) {
        size += chunk.length;
        if (size > policy.maxResponseBytes) {
          controller.abort(new ResponseTooLarge());
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        finish({ kind: "response", status: status ?? 0, headers, body: utf8OrUndefined(Buffer.concat(chunks)) });
      },
      onResponseError(_controller, error) {
        finish({ kind: "error", error, started, ...(status !== undefined ? { status } : {}) });
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: { "user-agent": "pulumi-access-tokens", ...req.headers },
          body: req.body ?? null,
          headersTimeout: policy.headersTimeoutMs,
          bodyTimeout: policy.bodyTimeoutMs,
        },
        handler,
      );
    } catch (error) {
      finish({ kind: "error", error, started });
    }
  });
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

// -----------------------------------------------------------------------------------------
// Errors

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

function attemptsNote(attempts: number): string {
  return attempts > 1 ? ` (${attempts} attempts)` : "";
}

function redirectError(
  ctx: RemoteContext,
  url: URL,
  res: { status: number; headers: Record<string, string | undefined> },
  attempts: number,
): AccessTokenError {
  const location = res.headers.location;
  let target = "no Location";
  if (location) {
    try {
      const to = new URL(location, url);
      // Only the origin: a redirect URL may carry codes or tokens in its path or query.
      target = to.host === url.host ? `${to.origin} (same host)` : `${to.origin} (another host)`;
    } catch {
      target = "an invalid Location";
    }
  }
  return new AccessTokenError(
    ErrorCode.HTTP_STATUS,
    `${describeRemote(ctx)} failed: HTTP ${res.status} redirect to ${target}; redirects are not followed (credentials must not be replayed elsewhere): set the endpoint to the final URL${attemptsNote(attempts)}`,
    { endpoint: ctx.endpoint, status: res.status },
  );
}

const UNTRUSTED_CERT = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

/** A short reason for a failed attempt, for a person. */
export function describeFailure(error: unknown, url: URL, policy: HttpPolicy = {}): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const p = { ...HTTP_POLICY_DEFAULTS, ...policy };
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ECONNRESET":
      return "connection reset (ECONNRESET)";
    case "UND_ERR_SOCKET":
      return `connection closed by the server (UND_ERR_SOCKET: ${message})`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return `no connection within ${p.connectTimeoutMs} ms (UND_ERR_CONNECT_TIMEOUT: TCP/TLS handshake did not complete)`;
    case "UND_ERR_HEADERS_TIMEOUT":
      return `no response within ${p.headersTimeoutMs} ms (UND_ERR_HEADERS_TIMEOUT)`;
    case "UND_ERR_BODY_TIMEOUT":
      return `response body stalled for ${p.bodyTimeoutMs} ms (UND_ERR_BODY_TIMEOUT)`;
    case "ENOTFOUND":
      return `host ${url.hostname} not found (ENOTFOUND)`;
    case "EAI_AGAIN":
      return `temporary DNS failure for ${url.hostname} (EAI_AGAIN)`;
    case "CERT_HAS_EXPIRED":
      return "TLS: the server's certificate has expired (CERT_HAS_EXPIRED)";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS: the server's certificate is not valid for ${url.hostname} (ERR_TLS_CERT_ALTNAME_INVALID)`;
    default:
      if (code && UNTRUSTED_CERT.has(code)) {
        return `TLS: the server's certificate is not trusted (${code}); for a private CA, set caBundle`;
      }
      return code ? `${code}: ${message}` : message;
  }
}

function transportError(
  ctx: RemoteContext,
  url: URL,
  policy: ResolvedPolicy,
  result: { error: unknown; status?: number },
  attempts: number,
  unsent: boolean,
): AccessTokenError {
  const status = result.status !== undefined ? `HTTP ${result.status}, ` : "";
  const mayHaveArrived = unsent ? "" : "; not retried, as the server may have processed the request";
  return new AccessTokenError(
    ErrorCode.TRANSPORT,
    `${describeRemote(ctx)} failed: ${status}${describeFailure(result.error, url, policy)}${mayHaveArrived}${attemptsNote(attempts)}`,
    { endpoint: ctx.endpoint, ...(result.status !== undefined ? { status: result.status } : {}), cause: result.error },
  );
}

// -----------------------------------------------------------------------------------------
// URL policy

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True for hosts that never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname.endsWith(".localhost");
}

/**
 * Why `value` is not an acceptable endpoint URL, or undefined when it is: absolute
 * http(s), no credentials or fragment, and HTTPS unless the host is loopback or
 * `allowInsecureHttp` is set.
 */
export function endpointProblem(value: string, allowInsecureHttp = false): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must use https (got ${url.protocol})`;
  if (url.username || url.password) return "must not carry credentials";
  if (url.hash) return "must not have a fragment";
  if (url.protocol === "http:" && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    return "must use https for a non-loopback host (set allowInsecureHttp to override)";
  }
  return undefined;
}
