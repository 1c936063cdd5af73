/**
 * Alphaus (Ripple / Octo, Wave / Wave PRO): product-specific token endpoints that take a
 * `multipart/form-data` POST with the client_credentials or password grant and answer a
 * JWT access token (docs/PROTOCOLS.md, "Alphaus").
 *
 * What the system offers, and so what this module does:
 * - issue: the grant, sent as documented (`multipart/form-data`, `scope=openid`), with the
 *   credentials from the inputs or, as `bluectl` and the vendor SDKs do, from the
 *   environment of the `pulumi` process, read at call time and never stored;
 * - renew: there is no refresh grant, so a rotation runs the grant again (no `renew`);
 *   the refresh token the password grant returns is useless and not kept;
 * - check (refresh): no introspection exists; the expiry is read from the JWT's `exp`;
 * - revoke: no revocation API exists; the token stays valid until it expires, and the
 *   core prints that as a warning;
 * - the documented limit of 100 requests per second per user is kept with a per-client
 *   limiter shared by every token of the provider process; a 429 is retried by the
 *   transport, into the server's next one-second window.
 *
 * The Blue API calls that manage API clients (create, list, delete; google.rpc.Status
 * errors; a list stream that may end in an in-band error under HTTP 200) are at the end,
 * as `xxxRequest()` / `processXxxResponse()` pairs; the client adapter `client.ts` beside it uses them.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AccessTokenError, ErrorCode, type RemoteContext, hintRules, remoteError } from "../../errors";
import { RateLimiter } from "../../http/rate-limit";
import { type HttpPolicy, type HttpRequest, type HttpResponse, strictEndpointProblem } from "../../http/transport";
import { epochMsOfClaim } from "../../time";
import { oauthErrorOf, rpcCodeName, rpcStatusOf, type RpcStatus } from "../../wire/dialects";
import {
  type Wire,
  clip,
  keepSecrets,
  jwtClaims,
  parseJson,
  parseJsonObject,
  send,
  successStrings,
  validate,
} from "../../wire/kit";
import * as oauth2 from "../oauth2/wire";
import { type InputIssue, type Issued, tokenSystem } from "../../core/token-system";
import type { InputsOf } from "../../core/description";
import { onlyWithGrants } from "../../core/rules";
import { alphausTokenDescription } from "./token.description";

/** Why `url` is not an acceptable endpoint: HTTPS, except on loopback (this system has no opt-out). */
export const urlProblem = strictEndpointProblem;

/** Name used for this system in messages. */
export const SYSTEM = "Alphaus";

/** The two token families: Octo shares Ripple's, Wave PRO shares Wave's. Tokens are not interchangeable. */
export type AlphausProduct = "ripple" | "wave";
/** Production, or the beta ("next") environment. */
export type AlphausEnvironment = "production" | "beta";

/** The documented token endpoints, by environment and product. */
export const ALPHAUS_TOKEN_ENDPOINTS: Record<AlphausEnvironment, Record<AlphausProduct, string>> = {
  production: {
    ripple: "https://login.alphaus.cloud/ripple/access_token",
    wave: "https://login.alphaus.cloud/access_token",
  },
  beta: {
    ripple: "https://loginnext.alphaus.cloud/ripple/access_token",
    wave: "https://loginnext.alphaus.cloud/access_token",
  },
};

/** The documented limit: calls per second per user, across every Alphaus endpoint. */
export const ALPHAUS_DOCUMENTED_RATE_LIMIT = 100;

/**
 * Token requests this provider process starts per client id in any rolling second: half the
 * documented limit, leaving room for the user's other tools (bluectl, SDKs, the Blue API
 * calls the tokens are for) and for network jitter moving requests between the server's
 * one-second windows.
 */
export const ALPHAUS_REQUESTS_PER_SECOND = 50;

/** Attempts of one token request when the server answers 429 (a throttled request mints nothing, so retrying is safe). */
export const ALPHAUS_MAX_ATTEMPTS = 3;

/**
 * The transport policy of token requests: the transport retries a 429 (honouring
 * `Retry-After`); the backoff starts at a full second (1–2 s, then 2–4 s) so each retry
 * lands in a later one-second window of the server's counter.
 */
export const ALPHAUS_HTTP_POLICY: HttpPolicy = { retry: { maxAttempts: ALPHAUS_MAX_ATTEMPTS, baseDelayMs: 2000 } };

const NOTE_NO_REVOCATION = "Alphaus has no token revocation API; the token stays valid until it expires";

// ---------------------------------------------------------------------------------------
// Inputs

/** Validated Alphaus inputs. */
export type AlphausInputs = InputsOf<typeof alphausTokenDescription>;

function alphausCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  if (typeof v.authUrl === "string") {
    // Plain http only on loopback (the local test server): real credentials never travel unencrypted.
    const problem = urlProblem(v.authUrl);
    if (problem) issues.push({ path: ["authUrl"], message: problem });
  }
  if (v.grantType === "client_credentials") {
    issues.push(...onlyWithGrants(v, v.grantType, ["password"], ["username", "password"]));
  }
  return issues;
}

// ---------------------------------------------------------------------------------------
// Credentials: inputs first, then the environment variables Alphaus users already set

/** Environment variables, as `process.env`. */
export type Environment = Record<string, string | undefined>;

/** One group of environment variables (`ALPHAUS_`, `ALPHAUS_RIPPLE_`, `ALPHAUS_WAVE_`). */
interface EnvSource {
  prefix: string;
  /** The product a product-specific group forces; undefined for the generic `ALPHAUS_` group. */
  product?: AlphausProduct;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

function envSource(env: Environment, prefix: string, product?: AlphausProduct): EnvSource {
  // An empty variable counts as unset, as in the vendor SDKs.
  const read = (name: string) => env[`${prefix}${name}`] || undefined;
  return {
    prefix,
    product,
    clientId: read("CLIENT_ID"),
    clientSecret: read("CLIENT_SECRET"),
    username: read("USERNAME"),
    password: read("PASSWORD"),
  };
}

/** Where the credentials of a token came from (kept in state; names only, never values). */
export type CredentialSource = "inputs" | "ALPHAUS_*" | "ALPHAUS_RIPPLE_*" | "ALPHAUS_WAVE_*";

/**
 * How the credential inputs are called in messages, when a resource names them otherwise
 * (the API client's `ownerClientId`, ...). Default: the token inputs' own names.
 */
export interface CredentialInputNames {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

const TOKEN_INPUT_NAMES: CredentialInputNames = {
  clientId: "clientId",
  clientSecret: "clientSecret",
  username: "username",
  password: "password",
};

/** Everything a token request needs, resolved from inputs and environment. */
export interface AlphausResolution {
  endpoint: string;
  product: AlphausProduct;
  grantType: "client_credentials" | "password";
  clientId: string;
  clientSecret: string;
  username?: string;
  password?: string;
  source: CredentialSource;
}

function productFromUrl(url: string | undefined): AlphausProduct | undefined {
  if (!url) return undefined;
  try {
    const path = new URL(url).pathname.replace(/\/$/, "");
    if (path.endsWith("/ripple/access_token")) return "ripple";
    return path.endsWith("/access_token") ? "wave" : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves endpoint, grant and credentials, the way `bluectl` and the vendor SDKs read the
 * environment, with explicit inputs winning:
 *
 * - Environment groups are tried in order: with `product` set, `ALPHAUS_<PRODUCT>_*` then
 *   `ALPHAUS_*`; without it, `ALPHAUS_*`, then `ALPHAUS_RIPPLE_*`, then `ALPHAUS_WAVE_*`
 *   (a product-specific group also picks its product's endpoint). The group used is the
 *   first that sets `CLIENT_ID` (equal to the `clientId` input, when that is set), so a
 *   secret is never paired with another client's id.
 * - `clientSecret`, `username` and `password` come from the inputs, else from that group.
 * - The grant is `grantType`, else `password` when a username and a password are known,
 *   else `client_credentials`.
 * - The endpoint is `authUrl`; else `ALPHAUS_AUTH_URL` when neither `product` nor
 *   `environment` is set and no product-specific group is used; else the documented
 *   endpoint of the product (default Ripple, as in the SDKs) and environment (default
 *   production).
 *
 * Returns a problem (naming inputs, as `inputNames` calls them, and variables, never
 * values) instead of throwing.
 * @param inputs - the token's (or the API client owner's) inputs
 * @param env - the environment of the pulumi process
 * @param inputNames - how the credential inputs are called in messages
 * @returns the endpoint, grant and credentials, or the problem
 * @see https://docs.alphaus.cloud/projp/wave-pro-for-aws/wave-pro-for-aws/api.md
 */
export function resolveAlphaus(
  inputs: AlphausInputs,
  env: Environment,
  inputNames: CredentialInputNames = TOKEN_INPUT_NAMES,
): AlphausResolution | { problem: string } {
  const groups = inputs.product
    ? [envSource(env, `ALPHAUS_${inputs.product.toUpperCase()}_`, inputs.product), envSource(env, "ALPHAUS_")]
    : [
        envSource(env, "ALPHAUS_"),
        envSource(env, "ALPHAUS_RIPPLE_", "ripple"),
        envSource(env, "ALPHAUS_WAVE_", "wave"),
      ];
  const names = groups.map((g) => `${g.prefix}CLIENT_ID`).join(", ");
  const group = inputs.clientId
    ? groups.find((g) => g.clientId === inputs.clientId)
    : groups.find((g) => g.clientId !== undefined);

  const clientId = inputs.clientId ?? group?.clientId;
  if (!clientId) {
    return {
      problem: `no client id: set the ${inputNames.clientId} input, or one of ${names} in the environment of the pulumi process`,
    };
  }
  const clientSecret = inputs.clientSecret ?? group?.clientSecret;
  if (!clientSecret) {
    return {
      problem: group
        ? `no client secret: set the ${inputNames.clientSecret} input, or ${group.prefix}CLIENT_SECRET in the environment of the pulumi process`
        : `no client secret for client "${clientId}": set the ${inputNames.clientSecret} input, or set one of ${names} to it with the matching …_CLIENT_SECRET in the environment of the pulumi process`,
    };
  }
  const username = inputs.username ?? group?.username;
  const password = inputs.password ?? group?.password;
  const grantType = inputs.grantType ?? (username && password ? "password" : "client_credentials");
  if (grantType === "password" && (!username || !password)) {
    const prefix = group?.prefix ?? "ALPHAUS_";
    return {
      problem: `grantType "password" needs a username and a password: set the ${inputNames.username} and ${inputNames.password} inputs, or ${prefix}USERNAME and ${prefix}PASSWORD in the environment of the pulumi process`,
    };
  }

  const envAuthUrl =
    inputs.product === undefined && inputs.environment === undefined && group?.product === undefined
      ? env.ALPHAUS_AUTH_URL || undefined
      : undefined;
  // ALPHAUS_AUTH_URL still says which product a generic group is for when `environment` is set.
  const envProduct = group?.product === undefined ? productFromUrl(env.ALPHAUS_AUTH_URL) : undefined;
  const product = inputs.product ?? group?.product ?? productFromUrl(inputs.authUrl) ?? envProduct ?? "ripple";
  const endpoint = inputs.authUrl ?? envAuthUrl ?? ALPHAUS_TOKEN_ENDPOINTS[inputs.environment ?? "production"][product];
  if (!inputs.authUrl && envAuthUrl) {
    const problem = urlProblem(envAuthUrl);
    if (problem) return { problem: `ALPHAUS_AUTH_URL (environment of the pulumi process) ${problem}` };
  }

  const fromEnv =
    group !== undefined &&
    (inputs.clientId === undefined ||
      inputs.clientSecret === undefined ||
      (grantType === "password" && (inputs.username === undefined || inputs.password === undefined)));
  const source: CredentialSource = fromEnv ? (`${group.prefix}*` as CredentialSource) : "inputs";
  return {
    endpoint,
    product,
    grantType,
    clientId,
    clientSecret,
    ...(grantType === "password" ? { username, password } : {}),
    source,
  };
}

// ---------------------------------------------------------------------------------------
// Rate limit

/**
 * At most `limit` request starts in any rolling `windowMs`, in arrival order: the rolling
 * window mode of the provider's one {@link RateLimiter}. A rolling window bounds every
 * one-second interval, so also every calendar second the server counts in.
 */
export class RequestRateLimiter extends RateLimiter {
  /**
   * @param limit - request starts allowed in any rolling window
   * @param windowMs - the window's length
   * @param clock - the time in milliseconds (tests pass their own)
   * @param wait - waits that many milliseconds (tests pass one that moves their clock)
   */
  constructor(limit: number, windowMs = 1000, clock?: () => number, wait?: (ms: number) => Promise<void>) {
    super({ mode: "rolling", limit, windowMs }, clock, wait);
  }
}

const limiters = new Map<string, RequestRateLimiter>();

/**
 * The limiter of one client id, shared by every Alphaus token of this provider process.
 * @param clientId - the client id (the documented limit is per user)
 * @returns the limiter (rolling window, see {@link ALPHAUS_REQUESTS_PER_SECOND})
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function limiterFor(clientId: string): RequestRateLimiter {
  let limiter = limiters.get(clientId);
  if (!limiter) {
    limiter = new RequestRateLimiter(ALPHAUS_REQUESTS_PER_SECOND);
    limiters.set(clientId, limiter);
  }
  return limiter;
}

// ---------------------------------------------------------------------------------------
// Token request (multipart/form-data, as documented) and its judging

/**
 * A fresh multipart boundary: random, so no field value can contain it by accident.
 * @returns the boundary
 * @see https://www.rfc-editor.org/rfc/rfc7578#section-4.1
 */
export function randomBoundary(): string {
  return `----pulumi-access-tokens-${randomBytes(18).toString("hex")}`;
}

/**
 * Builds the token request: `POST` with a `multipart/form-data` body (RFC 7578) of text
 * fields, as the Alphaus docs specify.
 * @param endpoint - the product's token endpoint
 * @param fields - the form fields (undefined ones are left out)
 * @param boundary - the multipart boundary
 * @returns the request
 * @see https://docs.alphaus.cloud/projp/wave-pro-for-aws/wave-pro-for-aws/api.md
 * @see https://www.rfc-editor.org/rfc/rfc7578
 */
export function alphausTokenRequest(
  endpoint: string,
  fields: Record<string, string | undefined>,
  boundary = randomBoundary(),
): HttpRequest {
  const entries = Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined);
  if (entries.some(([, value]) => value.includes(boundary))) return alphausTokenRequest(endpoint, fields);
  const parts = entries.map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    method: "POST",
    url: endpoint,
    headers: { "content-type": `multipart/form-data; boundary=${boundary}`, accept: "application/json" },
    body: `${parts.join("")}--${boundary}--\r\n`,
  };
}

/** Why a client is refused at a product's endpoint, most often. */
const INVALID_CLIENT_HINT =
  "check the client id and secret, and that the client belongs to this product (Ripple and Wave clients are not interchangeable)";

/**
 * Judges a token response: 429 (plain text, undocumented body) as rate limiting; error
 * bodies in league/oauth2-server's shape (RFC 6749 §5.2 plus `hint` and `message`,
 * inferred), with its `hint`; then the RFC 6749 §5.1 fields.
 * @param res - the token endpoint's answer
 * @param ctx - the call
 * @returns the validated token set
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://oauth2.thephpleague.com/
 */
export function processAlphausTokenResponse(res: HttpResponse, ctx: RemoteContext): oauth2.TokenSet {
  if (res.status === 429) {
    const attempts = res.attempts && res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
    throw remoteError(ctx, ErrorCode.HTTP_STATUS, `HTTP 429${attempts}, rate limited (${RATE_LIMIT_NOTE})`, {
      status: 429,
    });
  }
  const hint = oauthErrorOf(res.body)?.hint;
  const leagueHints = (f: { code: ErrorCode; oauthError?: string }) =>
    f.code !== ErrorCode.OAUTH_ERROR_RESPONSE
      ? undefined
      : [
          hint ? { text: `hint: ${clip(hint, 200, ctx.secrets)}`, separator: "; " } : undefined,
          f.oauthError === "invalid_client" ? { text: INVALID_CLIENT_HINT, separator: "; " } : undefined,
        ];
  return oauth2.processTokenResponse(res, { ...ctx, hints: hintRules(leagueHints, ctx.hints) });
}

/**
 * The `exp` of a JWT in milliseconds, read without verification.
 * @param token - the token
 * @returns the expiry, or undefined if not a JWT with one
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4
 */
export function jwtExpiryMs(token: string): number | undefined {
  // lcobucci/jwt (under league) writes seconds with a microsecond fraction.
  return epochMsOfClaim(jwtClaims(token)?.exp);
}

/**
 * Runs the grant `r` resolved at its token endpoint (within the per-client rate limit) and
 * judges the answer; every token received goes into `ctx.secrets`.
 * @param r - the resolved endpoint, grant and credentials
 * @param ctx - the transport and the call's secrets
 * @returns the validated token set
 * @see https://docs.alphaus.cloud/projp/wave-pro-for-aws/wave-pro-for-aws/api.md
 */
export async function requestToken(r: AlphausResolution, ctx: Wire): Promise<oauth2.TokenSet> {
  const call = { system: SYSTEM, operation: `token request (${r.grantType})`, endpoint: r.endpoint };
  const fields = {
    grant_type: r.grantType,
    client_id: r.clientId,
    client_secret: r.clientSecret,
    scope: "openid",
    ...(r.grantType === "password" ? { username: r.username, password: r.password } : {}),
  };
  await limiterFor(r.clientId).acquire();
  return send(ctx, call, alphausTokenRequest(r.endpoint, fields), processAlphausTokenResponse, {
    policy: ALPHAUS_HTTP_POLICY,
    secretsOf: (tokens) => [tokens.accessToken, tokens.refreshToken, tokens.idToken],
  });
}

function expiryNote(token: string): string {
  const exp = jwtExpiryMs(token);
  return exp === undefined ? NOTE_NO_REVOCATION : `${NOTE_NO_REVOCATION} (at ${new Date(exp).toISOString()})`;
}

// ---------------------------------------------------------------------------------------
// The system

/** The Alphaus system. */
export const alphausSystem = tokenSystem<AlphausInputs>(alphausTokenDescription, SYSTEM, {
  crossFieldIssues: alphausCrossFieldIssues,

  // The provider host runs with the environment of the `pulumi` command, so check can see
  // the variables create will read. A missing credential is a warning, not a failure:
  // refresh and destroy of an existing token need no credentials, and they validate the
  // same inputs.
  inputWarnings(inputs) {
    const warnings: string[] = [];
    const resolved = resolveAlphaus(inputs, process.env);
    if ("problem" in resolved) warnings.push(`${resolved.problem}; issuing or rotating this token will fail`);
    if (inputs.authUrl && inputs.environment) warnings.push("environment is ignored because authUrl is set");
    return warnings;
  },

  async issue(inputs, ctx) {
    const resolved = resolveAlphaus(inputs, process.env);
    if ("problem" in resolved) {
      throw new AccessTokenError(ErrorCode.INVALID_INPUT, `${SYSTEM} token: ${resolved.problem}`);
    }
    // Secrets read from the environment are unknown to the core: redact them too.
    keepSecrets(ctx, resolved.clientSecret, resolved.password);
    const issuedAt = ctx.now().getTime();
    const tokens = await requestToken(resolved, ctx);
    const exp = jwtExpiryMs(tokens.accessToken);
    const expiresIn =
      tokens.expiresIn ?? (exp !== undefined ? Math.max(0, Math.floor((exp - issuedAt) / 1000)) : undefined);
    const issued: Issued = {
      accessToken: tokens.accessToken,
      tokenType: tokens.tokenType,
      expiresIn,
      // No refresh grant exists: the refresh token of the password grant is never usable, so it is not kept.
      endpoints: { token: resolved.endpoint },
      extra: {
        resolvedProduct: resolved.product,
        resolvedClientId: resolved.clientId,
        resolvedGrantType: resolved.grantType,
        credentialSource: resolved.source,
      },
    };
    return issued;
  },

  // No introspection exists: all that can be known is the JWT's own expiry. A token of a
  // deleted client may still be reported active (the server would accept it anyway).
  async check(_inputs, state, ctx) {
    const exp = jwtExpiryMs(state.accessToken);
    if (exp === undefined) return undefined;
    return exp <= ctx.now().getTime() ? { active: false } : { active: true, expiresAt: new Date(exp).toISOString() };
  },

  async revoke(_inputs, _state, token) {
    return { revoked: false, note: expiryNote(token) };
  },
});

// ---------------------------------------------------------------------------------------
// Blue API: API clients (grpc-gateway in front of gRPC; errors are google.rpc.Status)

/** The documented Blue API bases, by environment. */
export const ALPHAUS_BLUE_API: Record<AlphausEnvironment, string> = {
  production: "https://api.alphaus.cloud/m/blue",
  beta: "https://apinext.alphaus.cloud/m/blue",
};

/** A google.rpc.Status, the Blue API's error body. */
export type { RpcStatus } from "../../wire/dialects";

/**
 * How a status is named in messages: `gRPC INTERNAL (13): "message"`.
 * @param status - the status
 * @param secrets - the call's secrets, kept out of the quoted message
 * @returns the description
 * @see https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto
 */
export function describeRpcStatus(status: RpcStatus, secrets: readonly string[] = []): string {
  const message = status.message ? `: "${clip(status.message, 300, secrets)}"` : "";
  return `gRPC ${rpcCodeName(status) ?? "code"} (${status.code})${message}`;
}

/** The documented limit, as messages about a 429 name it. */
const RATE_LIMIT_NOTE = `Alphaus allows ${ALPHAUS_DOCUMENTED_RATE_LIMIT} requests per second per user, across all its endpoints`;

const nonEmptyString = z.string({ error: "must be a string" }).min(1, "must not be empty");

/** An API client as Blue describes it. The secret comes only in the answer to a create. */
const BlueApiClientBody = z.looseObject({
  clientId: nonEmptyString,
  clientSecret: z.string({ error: "must be a string" }).optional(),
  name: z.string({ error: "must be a string" }).optional(),
  grantType: z.string({ error: "must be a string" }).optional(),
  parent: z.string({ error: "must be a string" }).optional(),
  createTime: z.string({ error: "must be a string" }).optional(),
});
/** An API client as Blue describes it. */
export type BlueApiClient = z.infer<typeof BlueApiClientBody>;

/** The answer to a create: the only one that carries the secret. */
const CreatedBlueApiClientBody = BlueApiClientBody.extend({ clientSecret: nonEmptyString });

/**
 * `<base>/iam/v1/apiclients`, or the URL of one client.
 * @param base - the Blue API base
 * @param clientId - one client's id
 * @returns the URL
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function blueClientsUrl(base: string, clientId?: string): string {
  const root = `${base.replace(/\/+$/, "")}/iam/v1/apiclients`;
  return clientId === undefined ? root : `${root}/${encodeURIComponent(clientId)}`;
}

function blueHeaders(bearer: string): Record<string, string> {
  return { authorization: `Bearer ${bearer}`, accept: "application/json" };
}

/**
 * Throws for a Blue answer other than `expected`: the message names the endpoint, the HTTP
 * status and the google.rpc.Status (gRPC code name, number and message); a final 429 says
 * how many attempts were made and what the documented limit is.
 * @param res - the answer
 * @param ctx - the call
 * @param expected - the statuses of success
 * @throws {AccessTokenError} {@link ErrorCode.HTTP_STATUS} with the gRPC code name as `oauthError` and the status as cause
 * @see https://github.com/googleapis/googleapis/blob/master/google/rpc/status.proto
 */
export function checkBlueStatus(res: HttpResponse, ctx: RemoteContext, expected: number[] = [200]): void {
  if (expected.includes(res.status)) return;
  const status = rpcStatusOf(parseJson(res.body));
  const what = status ? describeRpcStatus(status, ctx.secrets) : "no google.rpc.Status body";
  const attempts = res.attempts && res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
  const limited = res.status === 429 ? `; rate limited${attempts} (${RATE_LIMIT_NOTE})` : "";
  throw remoteError(ctx, ErrorCode.HTTP_STATUS, `HTTP ${res.status}, ${what}${limited}`, {
    status: res.status,
    ...(status ? { oauthError: rpcCodeName(status) ?? String(status.code), cause: status } : {}),
  });
}

/**
 * Builds a create request: `POST /iam/v1/apiclients` with JSON `{"name": ...}` and the owner's bearer.
 * @param base - the Blue API base
 * @param bearer - the owner's access token
 * @param name - the client's name
 * @returns the request
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function blueCreateClientRequest(base: string, bearer: string, name: string): HttpRequest {
  return {
    method: "POST",
    url: blueClientsUrl(base),
    headers: { ...blueHeaders(bearer), "content-type": "application/json" },
    body: JSON.stringify({ name }),
  };
}

/**
 * Judges a create response: 200 with the new client and its secret (sent only here), or a
 * google.rpc.Status error.
 * @param res - the answer
 * @param ctx - the call
 * @returns the client with its secret
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function processBlueCreateClientResponse(
  res: HttpResponse,
  ctx: RemoteContext,
): BlueApiClient & { clientSecret: string } {
  checkBlueStatus(res, ctx);
  return validate(CreatedBlueApiClientBody, parseJsonObject(res, ctx), res, ctx);
}

/**
 * The id and secret of a client a create answer names, read leniently from a 2xx answer
 * that {@link processBlueCreateClientResponse} rejected: enough to record the client and
 * delete it later. Undefined when the answer names none.
 * @param res - the refused answer
 * @returns the client's id and secret, or undefined
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function blueCreatedHandles(res: HttpResponse): { clientId: string; clientSecret?: string } | undefined {
  const { clientId, clientSecret } = successStrings(res) ?? {};
  return clientId ? { clientId, ...(clientSecret ? { clientSecret } : {}) } : undefined;
}

/**
 * Builds a list request: `GET /iam/v1/apiclients` (a server stream of the caller's clients).
 * @param base - the Blue API base
 * @param bearer - the owner's access token
 * @returns the request
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function blueListClientsRequest(base: string, bearer: string): HttpRequest {
  return { method: "GET", url: blueClientsUrl(base), headers: blueHeaders(bearer) };
}

/** A list as Blue streamed it. */
export interface BlueClientList {
  /** The clients received. */
  clients: BlueApiClient[];
  /**
   * Set when the stream failed midway: the in-band `{"error": ...}` chunk (under HTTP 200),
   * as an error naming the endpoint and the gRPC status. `clients` is then incomplete.
   */
  failure?: AccessTokenError;
}

/**
 * Judges a list response. grpc-gateway streams one JSON object per line: `{"result":
 * ApiClient}` for each client and, when the stream fails midway, a last `{"error":
 * google.rpc.Status}` line, the HTTP status being 200 by then. An empty body is an empty
 * list. Throws for an error status or a malformed line; an in-band error is returned as
 * `failure`, so the caller decides what an incomplete list still proves.
 * @param res - the answer
 * @param ctx - the call
 * @returns the clients received, and the failure that ended the stream early
 * @see https://github.com/grpc-ecosystem/grpc-gateway
 */
export function processBlueListClientsResponse(res: HttpResponse, ctx: RemoteContext): BlueClientList {
  checkBlueStatus(res, ctx);
  const clients: BlueApiClient[] = [];
  const lines = res.body.split("\n").map((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    if (line === "") continue;
    const malformed = (why: string) =>
      remoteError(
        ctx,
        ErrorCode.INVALID_RESPONSE,
        `HTTP ${res.status}, unexpected response: line ${i + 1} of the stream ${why}`,
        { status: res.status },
      );
    const chunk = parseJson(line) as Record<string, unknown> | undefined;
    if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) throw malformed("is not a JSON object");
    if (chunk.error !== undefined) {
      const status = rpcStatusOf(chunk.error);
      if (!status) throw malformed('has an "error" that is not a google.rpc.Status');
      const what = `the list stream broke off after ${clients.length} client(s) with an in-band error (under HTTP ${res.status}): ${describeRpcStatus(status, ctx.secrets)}`;
      return {
        clients,
        failure: remoteError(ctx, ErrorCode.HTTP_STATUS, what, {
          status: res.status,
          oauthError: rpcCodeName(status) ?? String(status.code),
          cause: status,
        }),
      };
    }
    const client = BlueApiClientBody.safeParse(chunk.result);
    if (!client.success) {
      const fields = client.error.issues.map((x) => `"result.${x.path.join(".")}" ${x.message}`).join("; ");
      throw malformed(chunk.result === undefined ? 'has neither "result" nor "error"' : `is invalid: ${fields}`);
    }
    clients.push(client.data);
  }
  return { clients };
}

/**
 * Builds a delete request: `DELETE /iam/v1/apiclients/{clientId}`.
 * @param base - the Blue API base
 * @param bearer - the owner's access token
 * @param clientId - the client to delete
 * @returns the request
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function blueDeleteClientRequest(base: string, bearer: string, clientId: string): HttpRequest {
  return { method: "DELETE", url: blueClientsUrl(base, clientId), headers: blueHeaders(bearer) };
}

/**
 * Judges a delete response: 200 `{}` → deleted; 404 → already gone; anything else throws.
 * @param res - the answer
 * @param ctx - the call
 * @returns whether the client was deleted now or was already gone
 * @see https://alphauslabs.github.io/blueapidocs/
 */
export function processBlueDeleteClientResponse(res: HttpResponse, ctx: RemoteContext): "deleted" | "gone" {
  if (res.status === 404) return "gone";
  checkBlueStatus(res, ctx, [200, 204]);
  return "deleted";
}
