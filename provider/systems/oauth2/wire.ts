/**
 * OAuth 2.0 core: discovery (RFC 8414 / OIDC Discovery), client authentication (RFC 6749
 * §2.3.1), token requests (§4.4 client_credentials), error bodies (§5.2), introspection
 * (RFC 7662) and revocation (RFC 7009).
 *
 * Each step is a pair, as in oauth4webapi: `xxxRequest()` builds the request,
 * `processXxxResponse()` judges the response. Sending happens in between, through an
 * injected {@link Transport}, so every judging function is testable with a plain object.
 */
import { z } from "zod";
import { AccessTokenError, ErrorCode, type RemoteContext, isAccessTokenError, remoteError } from "../../errors";
import {
  type HttpRequest,
  type HttpResponse,
  type Transport,
  credentialTargetProblem,
  printableUrl,
} from "../../http/transport";
import { epochSeconds, lifetimeSeconds } from "../../time";
import { oauthErrorOf } from "../../wire/dialects";
import { clip, parseJsonObject, send, successStrings, validate } from "../../wire/kit";

/** Name used for this system in messages. */
export const SYSTEM = "OAuth 2.0";

// ---------------------------------------------------------------------------------------
// Client authentication

/** How the client authenticates at the token, introspection and revocation endpoints. */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** Applies client authentication to a form request. */
export interface ClientAuth {
  readonly method: ClientAuthMethod;
  apply(headers: Record<string, string>, form: URLSearchParams): void;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * RFC 6749 §2.3.1 HTTP Basic: id and secret form-urlencoded, then Base64.
 * @param clientId - the client id
 * @param clientSecret - the client secret
 * @returns the client authentication
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientSecretBasic(clientId: string, clientSecret: string): ClientAuth {
  if (!clientId) throw new AccessTokenError(ErrorCode.INVALID_INPUT, '"clientId" must be a non-empty string');
  if (!clientSecret) throw new AccessTokenError(ErrorCode.INVALID_INPUT, "client_secret_basic needs a client secret");
  const credentials = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString("base64");
  return {
    method: "client_secret_basic",
    apply(headers) {
      headers.authorization = `Basic ${credentials}`;
    },
  };
}

/**
 * RFC 6749 §2.3.1 `client_id` and `client_secret` in the form body.
 * @param clientId - the client id
 * @param clientSecret - the client secret
 * @returns the client authentication
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientSecretPost(clientId: string, clientSecret: string): ClientAuth {
  if (!clientId) throw new AccessTokenError(ErrorCode.INVALID_INPUT, '"clientId" must be a non-empty string');
  if (!clientSecret) throw new AccessTokenError(ErrorCode.INVALID_INPUT, "client_secret_post needs a client secret");
  return {
    method: "client_secret_post",
    apply(_headers, form) {
      form.set("client_id", clientId);
      form.set("client_secret", clientSecret);
    },
  };
}

/**
 * A public client: only `client_id` in the body.
 * @param clientId - the client id
 * @returns the client authentication
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.1
 */
export function noClientAuth(clientId: string): ClientAuth {
  if (!clientId) throw new AccessTokenError(ErrorCode.INVALID_INPUT, '"clientId" must be a non-empty string');
  return {
    method: "none",
    apply(_headers, form) {
      form.set("client_id", clientId);
    },
  };
}

/**
 * Builds the {@link ClientAuth} for a method name.
 * @param method - the method
 * @param clientId - the client id
 * @param clientSecret - the client secret (not for `none`)
 * @returns the client authentication
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export function clientAuth(method: ClientAuthMethod, clientId: string, clientSecret?: string): ClientAuth {
  switch (method) {
    case "client_secret_basic":
      return clientSecretBasic(clientId, clientSecret ?? "");
    case "client_secret_post":
      return clientSecretPost(clientId, clientSecret ?? "");
    case "none":
      return noClientAuth(clientId);
  }
}

function formRequest(url: string, form: URLSearchParams, auth: ClientAuth): HttpRequest {
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  auth.apply(headers, form);
  return { method: "POST", url, headers, body: form.toString() };
}

// ---------------------------------------------------------------------------------------
// Response judging shared by every endpoint

/**
 * Throws for an RFC 6749 §5.2 error body or an unexpected status. The message names the
 * endpoint, the status and the `error` code; `error_description` is included (servers put
 * no secrets there, and the call's own secrets are removed from it anyway).
 * @param res The answer.
 * @param ctx The call (its hints join the error).
 * @param expected The statuses of success.
 * @throws {AccessTokenError} {@link ErrorCode.OAUTH_ERROR_RESPONSE} with the error object as cause, or {@link ErrorCode.HTTP_STATUS}.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function checkResponseStatus(res: HttpResponse, ctx: RemoteContext, expected: number[] = [200]): void {
  if (expected.includes(res.status)) return;
  const busy = busyNote(res, ctx);
  const body = oauthErrorOf(res.body);
  if (body) {
    const { error, error_description: description } = body;
    const said = `OAuth error "${clip(error, 100, ctx.secrets)}"${description ? ` (${clip(description, 300, ctx.secrets)})` : ""}`;
    const details = { status: res.status, oauthError: error, cause: body };
    throw remoteError(ctx, ErrorCode.OAUTH_ERROR_RESPONSE, `HTTP ${res.status}, ${said}${busy}`, details);
  }
  const challenge = res.headers["www-authenticate"];
  throw remoteError(
    ctx,
    ErrorCode.HTTP_STATUS,
    `HTTP ${res.status}${challenge ? ` (WWW-Authenticate: ${clip(challenge, 300, ctx.secrets)})` : ""}, no OAuth error body${busy}`,
    { status: res.status },
  );
}

/**
 * For a final 429 / 503: how many attempts were made and how long the server asked to wait
 * (RFC 9110 §10.2.3), so the user can tell a busy server from a broken one.
 */
function busyNote(res: HttpResponse, ctx: RemoteContext): string {
  if (res.status !== 429 && res.status !== 503) return "";
  const attempts = res.attempts ?? 1;
  const retryAfter = res.headers["retry-after"];
  const parts = [
    `gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}`,
    ...(retryAfter
      ? [
          `the server asked to retry after ${clip(retryAfter, 300, ctx.secrets)}${/^\d+$/.test(retryAfter.trim()) ? " s" : ""}`,
        ]
      : []),
  ];
  return `; ${parts.join(", ")}`;
}

// ---------------------------------------------------------------------------------------
// Discovery

/** The metadata fields this package uses (RFC 8414 §2). */
export const AuthorizationServerMetadata = z.looseObject({
  issuer: z.string().min(1),
  token_endpoint: z.string().min(1).optional(),
  revocation_endpoint: z.string().min(1).optional(),
  introspection_endpoint: z.string().min(1).optional(),
  registration_endpoint: z.string().min(1).optional(),
  authorization_endpoint: z.string().min(1).optional(),
});
/** Authorization server metadata. */
export type AuthorizationServerMetadata = z.infer<typeof AuthorizationServerMetadata>;

/**
 * The discovery URLs to try for `issuer`, in order: OIDC Discovery
 * (`{issuer}/.well-known/openid-configuration`) and RFC 8414 §3.1
 * (`/.well-known/oauth-authorization-server` inserted before the issuer's path).
 * @param issuer - the issuer
 * @returns the URLs, in the order they are tried
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/**
 * Judges a discovery response; the returned `issuer` must equal the configured one.
 * @param res - the answer
 * @param expectedIssuer - the configured issuer
 * @param ctx - the call
 * @returns the metadata
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function processDiscoveryResponse(
  res: HttpResponse,
  expectedIssuer: string,
  ctx: RemoteContext,
): AuthorizationServerMetadata {
  checkResponseStatus(res, ctx);
  const metadata = validate(AuthorizationServerMetadata, parseJsonObject(res, ctx), res, ctx);
  if (metadata.issuer.replace(/\/$/, "") !== expectedIssuer.replace(/\/$/, "")) {
    throw remoteError(
      ctx,
      ErrorCode.DISCOVERY,
      `metadata is for issuer "${clip(metadata.issuer, 300, ctx.secrets)}", not "${expectedIssuer}"`,
      { status: res.status },
    );
  }
  if (!metadata.token_endpoint) {
    throw remoteError(ctx, ErrorCode.DISCOVERY, `metadata has no token_endpoint`, {
      status: res.status,
    });
  }
  return metadata;
}

/**
 * Fetches the metadata of `issuer`, trying each of {@link discoveryUrls}.
 * @param issuer - the issuer
 * @param transport - sends the requests
 * @param system - the system's name in messages
 * @returns the metadata
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discover(
  issuer: string,
  transport: Transport,
  system = SYSTEM,
): Promise<AuthorizationServerMetadata> {
  let lastError: unknown;
  for (const url of discoveryUrls(issuer)) {
    const call = { system, operation: "discovery", endpoint: url };
    try {
      const request = { method: "GET", url, headers: { accept: "application/json" } } as const;
      return await send({ transport, secrets: [] }, call, request, (res, judged) => {
        // Not here: the next URL may have it.
        if (res.status === 404) throw remoteError(judged, ErrorCode.DISCOVERY, "HTTP 404", { status: 404 });
        return processDiscoveryResponse(res, issuer, judged);
      });
    } catch (error) {
      lastError = error;
      if (error instanceof AccessTokenError && error.code === ErrorCode.TRANSPORT) break;
    }
  }
  throw lastError;
}

/** What an endpoint found by discovery (or set beside an issuer) is checked against. */
export interface DiscoveredEndpoint {
  /** The system's name in messages. */
  system: string;
  /** The issuer discovery ran for. */
  issuer: string;
  /** The endpoint's name in messages, e.g. "token". */
  name: string;
  /** The endpoint. */
  url: string;
  /** True when the server named it (it must then share the issuer's origin). */
  discovered: boolean;
  /** The user's `allowInsecureHttp`. */
  allowInsecureHttp?: boolean;
  /** The user's `allowCrossOriginEndpoints`. */
  allowCrossOriginEndpoints?: boolean;
}

/**
 * Refuses an endpoint that may not receive credentials: one the user set is theirs to
 * choose (https, except on loopback or with `allowInsecureHttp`); one the server named
 * must also share the issuer's origin, unless `allowCrossOriginEndpoints`.
 * @param endpoint The endpoint and what it is checked against.
 * @throws {AccessTokenError} {@link ErrorCode.DISCOVERY} naming the endpoint and the problem.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 */
export function checkDiscoveredEndpoint(endpoint: DiscoveredEndpoint): void {
  const { system, issuer, name, url, discovered } = endpoint;
  const problem = credentialTargetProblem(url, {
    allowInsecureHttp: endpoint.allowInsecureHttp,
    ...(discovered ? { discoveredFrom: issuer } : {}),
    allowCrossOriginEndpoints: endpoint.allowCrossOriginEndpoints,
  });
  if (problem) {
    throw new AccessTokenError(
      ErrorCode.DISCOVERY,
      `${system} discovery for ${issuer}: ${name} endpoint ${printableUrl(url)} ${problem}`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Token endpoint

/** A validated successful token response (RFC 6749 §5.1). */
export interface TokenSet {
  accessToken: string;
  /** As sent by the server; compared case-insensitively. */
  tokenType: string;
  /** Lifetime in seconds, when the server said. */
  expiresIn?: number;
  refreshToken?: string;
  scope?: string;
  idToken?: string;
}

const TokenResponseBody = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  // Some servers send a string; RFC 6749 says number. Bounded; 0 reads as "not stated".
  expires_in: lifetimeSeconds.optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  id_token: z.string().optional(),
});

/**
 * Builds a token request: `grant_type` plus `params`, authenticated with `auth`.
 * @param endpoint - the token endpoint
 * @param grantType - `grant_type`
 * @param params - further parameters (undefined ones are left out; a list repeats the parameter)
 * @param auth - the client's authentication
 * @returns the request
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export function tokenRequest(
  endpoint: string,
  grantType: string,
  params: Record<string, string | string[] | undefined>,
  auth: ClientAuth,
): HttpRequest {
  const form = new URLSearchParams({ grant_type: grantType });
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) form.append(key, v);
  }
  return formRequest(endpoint, form, auth);
}

/** Tokens a server issued in an answer the provider refused (see {@link strayTokensOf}). */
export interface StrayTokens {
  accessToken?: string;
  refreshToken?: string;
}

const STRAY = Symbol("strayTokens");

/**
 * The tokens a successful (2xx) token response carried although it was refused (a bad
 * `expires_in`, an unsupported `token_type`, …): the server issued them, so the lifecycle
 * must revoke them or keep them in state, never forget them.
 *
 * @param error - an error thrown by {@link processTokenResponse}
 * @returns the tokens found in the refused answer, or undefined
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function strayTokensOf(error: unknown): StrayTokens | undefined {
  return error instanceof Error ? (error as unknown as Record<symbol, StrayTokens | undefined>)[STRAY] : undefined;
}

/** Attaches the tokens of a refused 2xx token answer to `error` (non-enumerable). */
function withStrayTokens(error: unknown, res: HttpResponse): unknown {
  const strings = successStrings(res);
  const stray: StrayTokens = {
    ...(strings?.access_token ? { accessToken: strings.access_token } : {}),
    ...(strings?.refresh_token ? { refreshToken: strings.refresh_token } : {}),
  };
  if (error instanceof Error && (stray.accessToken || stray.refreshToken)) {
    Object.defineProperty(error, STRAY, { value: stray, enumerable: false });
  }
  return error;
}

/**
 * Judges a token response (RFC 6749 §5.1 / §5.2). Only `Bearer` tokens are accepted. A
 * refused 2xx answer's tokens stay reachable through {@link strayTokensOf}.
 *
 * @param res - the token endpoint's answer
 * @param ctx - system, operation and endpoint, for messages
 * @returns the validated token set
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function processTokenResponse(res: HttpResponse, ctx: RemoteContext): TokenSet {
  checkResponseStatus(res, ctx);
  try {
    return judgeTokenBody(res, ctx);
  } catch (error) {
    throw withStrayTokens(error, res);
  }
}

function judgeTokenBody(res: HttpResponse, ctx: RemoteContext): TokenSet {
  const body = validate(TokenResponseBody, parseJsonObject(res, ctx), res, ctx);
  if (body.token_type.toLowerCase() !== "bearer") {
    throw remoteError(
      ctx,
      ErrorCode.INVALID_RESPONSE,
      `token_type "${clip(body.token_type, 100, ctx.secrets)}" is not supported (only Bearer)`,
      { status: res.status },
    );
  }
  return {
    accessToken: body.access_token,
    tokenType: "Bearer",
    expiresIn: body.expires_in,
    refreshToken: body.refresh_token,
    scope: body.scope,
    idToken: body.id_token,
  };
}

// ---------------------------------------------------------------------------------------
// Introspection (RFC 7662) and revocation (RFC 7009)

const IntrospectionBody = z.looseObject({
  active: z.boolean(),
  exp: epochSeconds.optional(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
});
/** The fields of an introspection answer this package uses. */
export type Introspection = z.infer<typeof IntrospectionBody>;

/** A form request about `token`, as introspection and revocation send it. */
function aboutToken(endpoint: string, token: string, auth: ClientAuth, hint: string): HttpRequest {
  return formRequest(endpoint, new URLSearchParams({ token, token_type_hint: hint }), auth);
}

/**
 * Builds an introspection request for `token`.
 * @param endpoint - the introspection endpoint
 * @param token - the token asked about
 * @param auth - the client's authentication
 * @param hint - `token_type_hint`
 * @returns the request
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export function introspectionRequest(endpoint: string, token: string, auth: ClientAuth, hint = "access_token") {
  return aboutToken(endpoint, token, auth, hint);
}

/**
 * Judges an introspection response.
 * @param res - the answer
 * @param ctx - the call
 * @returns the fields this package uses
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function processIntrospectionResponse(res: HttpResponse, ctx: RemoteContext): Introspection {
  checkResponseStatus(res, ctx);
  return validate(IntrospectionBody, parseJsonObject(res, ctx), res, ctx);
}

/** The statuses with which an introspection endpoint refuses to answer this client. */
const REFUSAL_STATUSES = [400, 401, 403];

/**
 * True when `error` is an introspection endpoint refusing to answer this client (HTTP 400,
 * 401 or 403, e.g. Keycloak's 403 "Client not allowed" for a public client, or
 * IdentityServer letting only API resources introspect): no evidence about the token
 * either way.
 *
 * @param error - what {@link processIntrospectionResponse} threw
 * @returns whether it is a refusal rather than a failure
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.3
 */
export function isIntrospectionRefusal(error: unknown): error is AccessTokenError {
  return (
    isAccessTokenError(error) &&
    (error.code === ErrorCode.OAUTH_ERROR_RESPONSE || error.code === ErrorCode.HTTP_STATUS) &&
    REFUSAL_STATUSES.includes(error.status ?? 0)
  );
}

/**
 * Builds a revocation request for `token`.
 * @param endpoint - the revocation endpoint
 * @param token - the token to revoke
 * @param auth - the client's authentication
 * @param hint - `token_type_hint`
 * @returns the request
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export function revocationRequest(endpoint: string, token: string, auth: ClientAuth, hint = "access_token") {
  return aboutToken(endpoint, token, auth, hint);
}

/**
 * Judges a revocation response: 200 (even for unknown tokens, RFC 7009 §2.2) or an error.
 * @param res - the answer
 * @param ctx - the call
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 */
export function processRevocationResponse(res: HttpResponse, ctx: RemoteContext): void {
  checkResponseStatus(res, ctx, [200, 204]);
}
