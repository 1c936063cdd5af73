/**
 * `pulumi-access-tokens authorize oauth2|vantage ...`: the one step that needs a human.
 * Runs the authorization code grant with PKCE (RFC 7636, S256) through a loopback redirect
 * listener (RFC 8252 §7.3), checks `state`, exchanges the code, and stores the refresh
 * token as a secret in stack config (`pulumi config set --secret`, value on stdin) or
 * prints it for piping. The token resource then renews from it without a human.
 *
 * In a non-interactive run (no TTY, or CI=true) it never waits: it fails at once and says
 * what to run where a person can approve.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as clock from "../provider/clock";
import { AccessTokenError, ErrorCode } from "../provider/errors";
import { cleanServerText, collectingSecrets, redact } from "../provider/http/redact";
import { createTransport, credentialTargetProblem, endpointProblem, printableUrl } from "../provider/http/transport";
import * as oauth2 from "../provider/systems/oauth2/wire";
import { VANTAGE_DEFAULT_PRODUCT_ID, VANTAGE_DEFAULT_SCOPES, VANTAGE_REGIONS } from "../provider/systems/vantage/token";
import type { CommandIO } from "./status";

/** Default ABBYY Vantage authorize parameters (docs/PROTOCOLS.md, "ABBYY Vantage"; the vendor says they may change). */
export const VANTAGE_DEFAULTS = {
  scope: [...VANTAGE_DEFAULT_SCOPES, "offline_access"].join(" "),
  productId: VANTAGE_DEFAULT_PRODUCT_ID,
  regions: VANTAGE_REGIONS,
} as const;

/** Parsed options of the authorize command. */
export interface AuthorizeOptions {
  system: "oauth2" | "vantage";
  issuer: string;
  clientId: string;
  /** Name of an environment variable holding the client secret (confidential clients). */
  clientSecretEnv?: string;
  scope?: string;
  extra: Record<string, string>;
  port: number;
  timeoutMs: number;
  stack?: string;
  configKey?: string;
  print: boolean;
  cwd?: string;
  openBrowser: boolean;
  /** Trust discovered endpoints on another origin than the issuer's. */
  allowCrossOriginEndpoints: boolean;
}

const USAGE = `usage:
  pulumi-access-tokens authorize oauth2 --issuer URL --client-id ID [--scope "openid offline_access ..."]
  pulumi-access-tokens authorize vantage (--region eu|us|au | --base-url URL) --tenant-id T --client-id ID
      [--client-secret-env VAR] [--param k=v ...] [--port N] [--timeout 5m] [--no-browser]
      [--allow-cross-origin-endpoints]
      (--stack S --config-key KEY [--cwd DIR] | --print)
`;

/** Parses argv; returns the options or a usage error message. */
export function parseAuthorizeArgs(argv: string[]): AuthorizeOptions | string {
  const [system, ...rest] = argv;
  if (system !== "oauth2" && system !== "vantage") return `authorize: unknown system ${system ?? "(none)"}\n${USAGE}`;
  const flags: Record<string, string[]> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (!arg.startsWith("--")) return `authorize: unexpected argument ${arg}\n${USAGE}`;
    const name = arg.slice(2);
    if (name === "print" || name === "no-browser" || name === "allow-cross-origin-endpoints") {
      flags[name] = ["true"];
      continue;
    }
    const value = rest[++i];
    if (value === undefined) return `authorize: ${arg} needs a value\n${USAGE}`;
    (flags[name] ??= []).push(value);
  }
  const one = (k: string) => flags[k]?.[flags[k].length - 1];
  let issuer = one("issuer");
  const extra: Record<string, string> = {};
  for (const kv of flags.param ?? []) {
    const eq = kv.indexOf("=");
    if (eq <= 0) return `authorize: --param expects k=v, got ${kv}`;
    extra[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  let scope = one("scope");
  if (system === "vantage") {
    const region = one("region");
    const base =
      one("base-url") ??
      (region ? VANTAGE_DEFAULTS.regions[region as keyof typeof VANTAGE_DEFAULTS.regions] : undefined);
    if (!base) return `authorize vantage: set --region eu|us|au or --base-url\n${USAGE}`;
    const tenant = one("tenant-id");
    if (!tenant) return `authorize vantage: --tenant-id is required\n${USAGE}`;
    issuer = `${base.replace(/\/$/, "")}/auth2/${tenant}`;
    scope ??= VANTAGE_DEFAULTS.scope;
    extra.productId ??= VANTAGE_DEFAULTS.productId;
  }
  if (!issuer) return `authorize ${system}: --issuer is required\n${USAGE}`;
  const problem = endpointProblem(issuer);
  if (problem) return `authorize: --issuer ${problem}`;
  const clientId = one("client-id");
  if (!clientId) return `authorize ${system}: --client-id is required\n${USAGE}`;
  const print = one("print") === "true";
  const stack = one("stack");
  const configKey = one("config-key");
  if (print === Boolean(configKey)) return `authorize: choose --print, or --stack S --config-key KEY\n${USAGE}`;
  const timeout = one("timeout") ?? "5m";
  const m = /^(\d+)(s|m)$/.exec(timeout);
  if (!m) return `authorize: --timeout must look like 90s or 5m`;
  return {
    system,
    issuer,
    clientId,
    clientSecretEnv: one("client-secret-env"),
    scope: scope ?? "openid offline_access",
    extra,
    port: Number(one("port") ?? 0),
    timeoutMs: Number(m[1]) * (m[2] === "s" ? 1000 : 60_000),
    stack,
    configKey,
    print,
    cwd: one("cwd"),
    openBrowser: one("no-browser") !== "true",
    allowCrossOriginEndpoints: one("allow-cross-origin-endpoints") === "true",
  };
}

/** A PKCE pair (RFC 7636 §4.1–4.2, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Runs the command; returns the exit code. */
export async function authorize(argv: string[], io: CommandIO): Promise<number> {
  const opts = parseAuthorizeArgs(argv);
  if (typeof opts === "string") {
    io.stderr(`${opts}\n`);
    return 2;
  }
  if (!io.isInteractive) {
    io.stderr(
      `authorize needs a person to approve access in a browser, and this run is not interactive (no terminal, or CI=true).\n` +
        `Run it on a workstation instead:\n  npx pulumi-access-tokens authorize ${argv.join(" ")}\n` +
        `It stores the refresh token in the stack's config; the pipeline's pulumi up then renews from it.\n`,
    );
    return 3;
  }
  const secret = opts.clientSecretEnv ? io.env[opts.clientSecretEnv] : undefined;
  if (opts.clientSecretEnv && !secret) {
    io.stderr(`authorize: environment variable ${opts.clientSecretEnv} is empty\n`);
    return 2;
  }
  const secrets: string[] = secret ? [secret] : [];
  try {
    // Every credential a request puts on the wire joins the secrets redacted from messages.
    // (No operation budget: a person's approval sits between discovery and the token
    // request; each request still has its own deadline.)
    const transport = collectingSecrets(createTransport(), secrets);
    const metadata = await oauth2.discover(opts.issuer, transport);
    if (!metadata.authorization_endpoint) {
      throw new AccessTokenError(ErrorCode.DISCOVERY, `${opts.issuer} advertises no authorization_endpoint`);
    }
    if (!metadata.token_endpoint) {
      throw new AccessTokenError(ErrorCode.DISCOVERY, `${opts.issuer} advertises no token_endpoint`);
    }
    // The browser is sent to the authorization endpoint and the code, verifier and client
    // secret go to the token endpoint: both pass the provider's endpoint rule first.
    for (const [name, url] of [
      ["authorization", metadata.authorization_endpoint],
      ["token", metadata.token_endpoint],
    ] as const) {
      const problem = credentialTargetProblem(url, {
        discoveredFrom: opts.issuer,
        allowCrossOriginEndpoints: opts.allowCrossOriginEndpoints,
      });
      if (problem) {
        throw new AccessTokenError(
          ErrorCode.DISCOVERY,
          `discovery for ${opts.issuer}: ${name} endpoint ${printableUrl(url)} ${problem}`,
        );
      }
    }
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(16).toString("base64url");
    const { redirectUri, code } = await receiveCode(opts, metadata.authorization_endpoint, challenge, state, io);
    const auth = oauth2.clientAuth(secret ? "client_secret_basic" : "none", opts.clientId, secret);
    const ctx = {
      system: opts.system === "vantage" ? "ABBYY Vantage" : oauth2.SYSTEM,
      operation: "token request (authorization_code)",
      endpoint: metadata.token_endpoint as string,
    };
    const tokens = oauth2.processTokenResponse(
      await transport(
        oauth2.tokenRequest(
          ctx.endpoint,
          "authorization_code",
          { code, redirect_uri: redirectUri, code_verifier: verifier },
          auth,
        ),
        ctx,
      ),
      ctx,
    );
    secrets.push(tokens.accessToken, ...(tokens.refreshToken ? [tokens.refreshToken] : []));
    if (!tokens.refreshToken) {
      throw new AccessTokenError(
        ErrorCode.INVALID_RESPONSE,
        `${ctx.endpoint} returned no refresh token: request the offline_access scope and allow refresh tokens for client ${opts.clientId}`,
      );
    }
    if (opts.print) {
      io.stdout(`${tokens.refreshToken}\n`);
      return 0;
    }
    storeConfig(opts, opts.configKey as string, tokens.refreshToken, true, io);
    // When the authorization happened: systems with an absolute refresh-token lifetime
    // (ABBYY Vantage: 30 days) warn before it ends.
    storeConfig(opts, `${opts.configKey}IssuedAt`, clock.now(io.env).toISOString(), false, io);
    io.stderr(
      `Stored the refresh token as a secret in ${opts.stack ? `stack ${opts.stack}` : "the current stack"}, config key ${opts.configKey} (and ${opts.configKey}IssuedAt).\n`,
    );
    return 0;
  } catch (error) {
    io.stderr(`authorize failed: ${redact(error instanceof Error ? error.message : String(error), secrets)}\n`);
    return 1;
  }
}

/**
 * Listens on loopback, prints (and opens) the URL, waits for the redirect with a deadline.
 *
 * Only a redirect carrying this run's `state` ends the wait (with its code or its error):
 * any other request to the listener (a stray local request, a forged or stale redirect) is
 * answered 400 and ignored, so nothing but the deadline or the real redirect ends it. When
 * it ends, every connection is closed, so a kept-alive one cannot reach it afterwards.
 */
function receiveCode(
  opts: AuthorizeOptions,
  authorizationEndpoint: string,
  challenge: string,
  state: string,
  io: CommandIO,
): Promise<{ redirectUri: string; code: string }> {
  return new Promise((resolve, reject) => {
    let redirectUri = "";
    let ignored = 0;
    let settled = false;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", redirectUri);
      const finish = (status: number, message: string) => {
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(`${message}\n`);
      };
      if (settled) {
        finish(410, "This authorization has already ended.");
        return;
      }
      if (url.pathname !== "/callback") {
        res.writeHead(404, { connection: "close" }).end();
        return;
      }
      if (url.searchParams.get("state") !== state) {
        ignored++;
        finish(400, "State mismatch: this response was not for this request; ignored.");
        return;
      }
      const error = url.searchParams.get("error");
      if (error) {
        finish(400, `Authorization failed: ${cleanServerText(error, 100)}`);
        const description = url.searchParams.get("error_description");
        return done(
          new Error(
            `the authorization server answered error "${cleanServerText(error, 100)}"${description ? ` (${cleanServerText(description)})` : ""}`,
          ),
        );
      }
      const code = url.searchParams.get("code");
      if (!code) {
        finish(400, "No code in the redirect.");
        return done(new Error("the redirect carried no code"));
      }
      finish(200, "Authorized. You can close this window and return to the terminal.");
      done(undefined, code);
    });
    let timer: NodeJS.Timeout | undefined;
    const done = (error?: Error, code?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Stop listening, and end every connection: idle kept-alive ones at once, busy ones
      // as soon as their answer is written (each answer says "connection: close").
      server.close();
      server.closeIdleConnections();
      setImmediate(() => server.closeAllConnections());
      if (error) reject(error);
      else resolve({ redirectUri, code: code as string });
    };
    server.listen(opts.port, "127.0.0.1", () => {
      redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
      const url = new URL(authorizationEndpoint);
      const params: Record<string, string> = {
        response_type: "code",
        client_id: opts.clientId,
        redirect_uri: redirectUri,
        scope: opts.scope ?? "openid offline_access",
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
        ...(opts.scope?.split(" ").includes("offline_access") ? { prompt: "consent" } : {}),
        ...opts.extra,
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      io.stderr(
        `Open this URL in a browser and approve access (waiting ${Math.round(opts.timeoutMs / 1000)}s):\n\n  ${url}\n\n`,
      );
      if (opts.openBrowser) openBrowser(url.toString(), io.env);
      timer = setTimeout(() => {
        const stray = ignored ? ` (${ignored} redirect(s) with another state were refused and ignored)` : "";
        done(new Error(`no approval within ${Math.round(opts.timeoutMs / 1000)}s${stray}; run the command again`));
      }, opts.timeoutMs);
    });
    server.on("error", reject);
  });
}

function openBrowser(url: string, env: NodeJS.ProcessEnv): void {
  if (env.BROWSER === "none") return;
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "start" : "xdg-open";
  if (process.platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY) return;
  try {
    spawn(env.BROWSER || opener, [url], { stdio: "ignore", detached: true })
      .on("error", () => {})
      .unref();
  } catch {
    // No browser: the printed URL is enough.
  }
}

function storeConfig(opts: AuthorizeOptions, key: string, value: string, secret: boolean, io: CommandIO): void {
  const args = [
    "config",
    "set",
    secret ? "--secret" : "--plaintext",
    key,
    "--non-interactive",
    ...(opts.stack ? ["--stack", opts.stack] : []),
  ];
  // The value goes on stdin, never in argv (visible in process lists).
  const result = spawnSync("pulumi", args, { cwd: opts.cwd ?? io.cwd, env: io.env, input: value, encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(`pulumi ${args.join(" ")} failed: ${result.error?.message ?? result.stderr.trim()}`);
  }
}
