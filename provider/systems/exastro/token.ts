/**
 * Exastro IT Automation / Platform (docs/PROTOCOLS.md, "Exastro"). Each organization is a Keycloak realm
 * behind the Exastro API gateway; system managers use realm `master`.
 *
 * - The token is the *access token* of an offline session. The session's refresh token
 *   (an offline-token JWT) comes from the `initialRefreshToken` input (the Exastro UI's
 *   "トークン発行" menu), or the resource issues it itself with the password grant
 *   (`scope=openid offline_access`, `totp` for two-factor users).
 * - Renewal is the refresh_token grant with the stored refresh token; a rotated refresh
 *   token replaces it. The token's session id (`sid`) and end (`exp`) are read from the JWT
 *   (no verification: the gateway is the judge).
 * - Liveness: the session's `sid` is still listed by `GET …/users/_current/refresh_tokens`.
 * - Revocation: Exastro can only revoke *all* of a user's refresh tokens. That is never done
 *   silently; it is the explicit opt-in `revokeAllSessionsOnDelete`.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import {
  AccessTokenError,
  ErrorCode,
  type HintRule,
  type RemoteContext,
  describeRemote,
  isAccessTokenError,
  remoteError,
} from "../../errors";
import { type HttpRequest, type HttpResponse, endpointProblem } from "../../http/transport";
import { epochSeconds, isoAt } from "../../time";
import { runGrant } from "../oauth2/token";
import * as oauth2 from "../oauth2/wire";
import {
  type InputIssue,
  type Issued,
  type RevokeOutcome,
  type SystemContext,
  type TokenState,
  tokenSystem,
} from "../../core/token-system";
import type { InputsOf } from "../../core/description";
import { exastroTokenDescription } from "./token.description";
import { SERVICE_ACCOUNT_TYPES } from "./client.description";
import { exastroEnvelopeOf, problemOf } from "../../wire/dialects";
import { clip, jwtClaims, send, validate } from "../../wire/kit";

/** Name used for this system in messages. */
export const SYSTEM = "Exastro";

/** The realm and public client of system managers. */
export const MANAGER_REALM = "master";
export const MANAGER_CLIENT_ID = "_platform-api";

/** What the password grant asks for: an offline session, i.e. a long-lived refresh token. */
export const OFFLINE_SCOPE = "openid offline_access";

/** The result code of success in Exastro's envelope. */
const SUCCESS = "000-00000";

// -----------------------------------------------------------------------------------------
// Inputs

/** Validated Exastro inputs. */
export type ExastroInputs = InputsOf<typeof exastroTokenDescription>;

/**
 * Why `baseUrl` (an Exastro `{EXTERNAL_URL}`) cannot be used, or undefined when it can.
 * @param baseUrl - the `baseUrl` input
 * @param allowInsecureHttp - the `allowInsecureHttp` input
 * @returns the problem, or undefined
 * @see https://ita-docs.exastro.org/
 */
export function baseUrlProblem(baseUrl: string, allowInsecureHttp: boolean): string | undefined {
  return endpointProblem(baseUrl, allowInsecureHttp) ?? (new URL(baseUrl).search ? "must not have a query" : undefined);
}

/** Cross-field rules of the Exastro system. */
export function exastroCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  if (typeof v.baseUrl === "string") {
    const problem = baseUrlProblem(v.baseUrl, v.allowInsecureHttp === true);
    if (problem) issues.push({ path: ["baseUrl"], message: problem });
  }
  const manager = v.systemManager === true;
  if (manager && v.organizationId !== undefined) {
    issues.push({
      path: ["organizationId"],
      message: "must not be set with systemManager (system managers use realm master)",
    });
  }
  if (!manager && v.organizationId === undefined) {
    issues.push({ path: ["organizationId"], message: "is required (or set systemManager: true)" });
  }
  if (v.organizationId === MANAGER_REALM) {
    issues.push({ path: ["organizationId"], message: `"master" is the system-manager realm: set systemManager: true` });
  }
  const hasRefresh = v.initialRefreshToken !== undefined;
  const hasPassword = v.username !== undefined || v.password !== undefined;
  if (hasRefresh && hasPassword) {
    issues.push({
      path: ["initialRefreshToken"],
      message: "set either initialRefreshToken or username + password, not both",
    });
  } else if (!hasRefresh && !hasPassword) {
    issues.push({
      path: ["initialRefreshToken"],
      message: "is required (a refresh token from the Exastro UI), or set username + password to issue one",
    });
  } else if (hasPassword) {
    if (v.username === undefined) issues.push({ path: ["username"], message: "is required with password" });
    if (v.password === undefined) issues.push({ path: ["password"], message: "is required with username" });
  }
  if (v.totp !== undefined && !hasPassword) {
    issues.push({ path: ["totp"], message: "is only used with username + password" });
  }
  return issues;
}

/** Where the token endpoint and the API of one Exastro user live. */
export interface ExastroEndpoints {
  /** Keycloak realm: the organization id, or `master`. */
  realm: string;
  /** The realm's public API client. */
  clientId: string;
  token: string;
  /** `…/users/_current/refresh_tokens`: list (liveness) and revoke-all. */
  refreshTokens: string;
}

/**
 * The endpoints for an organization user or (`organizationId` undefined) a system manager.
 * @param baseUrl - the Exastro base URL
 * @param organizationId - the organization (its Keycloak realm), or undefined for a system manager
 * @returns the token endpoint, realm, public client id and the refresh-token list
 * @see https://ita-docs.exastro.org/
 */
export function exastroEndpoints(baseUrl: string, organizationId: string | undefined): ExastroEndpoints {
  const base = baseUrl.replace(/\/+$/, "");
  const realm = organizationId ?? MANAGER_REALM;
  const org = encodeURIComponent(realm);
  return {
    realm,
    clientId: organizationId === undefined ? MANAGER_CLIENT_ID : `_${realm}-api`,
    token: `${base}/auth/realms/${org}/protocol/openid-connect/token`,
    refreshTokens:
      organizationId === undefined
        ? `${base}/api/platform/users/_current/refresh_tokens`
        : `${base}/api/${org}/platform/users/_current/refresh_tokens`,
  };
}

function endpointsOf(inputs: ExastroInputs): ExastroEndpoints {
  return exastroEndpoints(inputs.baseUrl, inputs.systemManager ? undefined : inputs.organizationId);
}

// -----------------------------------------------------------------------------------------
// JWT claims (read, never verified: the gateway decides)

const Claims = z.looseObject({
  sid: z.string().min(1).optional(),
  sub: z.string().optional(),
  // A claim out of range is ignored (the token is the server's; its other claims still count).
  exp: epochSeconds.optional().catch(undefined),
  typ: z.string().optional(),
  scope: z.string().optional(),
  preferred_username: z.string().optional(),
});
/** The claims this module reads from Keycloak tokens. */
export type ExastroClaims = z.infer<typeof Claims>;

/**
 * Decodes a JWT's claims without verifying it; undefined when `token` is not a JWT.
 * @param token - a Keycloak token
 * @returns the claims this module reads, or undefined
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */
export function decodeClaims(token: string): ExastroClaims | undefined {
  const claims = jwtClaims(token);
  return claims && Claims.safeParse(claims).data;
}

const isoFromEpoch = (seconds: number): string | undefined => isoAt(seconds * 1000);

// -----------------------------------------------------------------------------------------
// The API gateway: `{result, data, message, ts}` envelopes, or problem+json from connexion

const SessionRows = z.array(
  z.looseObject({
    id: z.string(),
    start_timestamp: z.string().nullable().optional(),
    expire_timestamp: z.string().nullable().optional(),
  }),
);

/**
 * A bearer-authenticated call to the gateway; `body` is sent as JSON.
 * @param method - the HTTP method
 * @param url - the gateway URL
 * @param accessToken - the caller's access token
 * @param body - the JSON body
 * @returns the request
 * @see https://ita-docs.exastro.org/
 */
export function apiRequest(
  method: HttpRequest["method"],
  url: string,
  accessToken: string,
  body?: Record<string, unknown>,
): HttpRequest {
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, accept: "application/json" };
  if (body === undefined) return { method, url, headers };
  return { method, url, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) };
}

/**
 * Judges a gateway response: returns `data` for HTTP 200 with result `000-00000`; otherwise
 * throws an error naming the endpoint, the HTTP status and Exastro's result code, with its
 * (localized, non-secret) message. Keyed on the HTTP status: bodies that are not the
 * envelope (problem+json from request validation, proxies' HTML) are described as such.
 * @param res - the answer
 * @param ctx - the call
 * @returns the envelope's data
 * @throws {AccessTokenError} with the envelope (or problem) as cause and its result code as `oauthError`
 * @see https://ita-docs.exastro.org/
 */
export function processEnvelopeResponse(res: HttpResponse, ctx: RemoteContext): unknown {
  const envelope = exastroEnvelopeOf(res.body);
  if (res.status === 200 && envelope?.result === SUCCESS) return envelope.data;
  const clipped = (text: string, max = 300) => clip(text, max, ctx.secrets);
  if (envelope) {
    const { result, message } = envelope;
    throw remoteError(
      ctx,
      ErrorCode.HTTP_STATUS,
      `HTTP ${res.status}, result ${clipped(result, 100)}${message ? ` (${clipped(message)})` : ""}`,
      { status: res.status, oauthError: result, cause: envelope },
    );
  }
  const problem = problemOf(res.body);
  if (problem) {
    const { title, detail } = problem;
    throw remoteError(
      ctx,
      ErrorCode.HTTP_STATUS,
      `HTTP ${res.status}${title ? ` ${clipped(title, 100)}` : ""}${detail ? `: ${clipped(detail)}` : ""}`,
      { status: res.status, cause: problem },
    );
  }
  throw remoteError(
    ctx,
    res.status === 200 ? ErrorCode.INVALID_RESPONSE : ErrorCode.HTTP_STATUS,
    `HTTP ${res.status}, ${res.status === 200 ? "not an Exastro response envelope" : "no Exastro result code"} (content-type ${res.headers["content-type"] ?? "missing"})`,
    { status: res.status },
  );
}

/**
 * Judges a refresh-token list (`GET …/users/_current/refresh_tokens`).
 * @param res - the answer
 * @param ctx - the call
 * @returns the user's sessions (the refresh tokens' `sid`s)
 * @see https://ita-docs.exastro.org/
 */
export function processSessionListResponse(res: HttpResponse, ctx: RemoteContext): z.infer<typeof SessionRows> {
  return validate(SessionRows, processEnvelopeResponse(res, ctx), res, ctx);
}

// -----------------------------------------------------------------------------------------
// Service-account users (API clients): `…/workspaces/{ws}/service-account-users`

export { SERVICE_ACCOUNT_TYPES };

/** Result code of a duplicate username (sent with HTTP 400 by the real controller). */
export const USER_EXISTS = "409-25001";

/** Result code of an unknown user id on `GET/PUT/DELETE …/service-account-users/{id}`. */
export const USER_NOT_FOUND = "404-25001";

/** The service-account-user endpoints of one workspace. */
export interface ServiceAccountEndpoints {
  /** `GET` lists, `POST` creates. */
  collection: string;
  /** `GET`, `PUT {description}`, `DELETE` one user. */
  user(id: string): string;
  /** `POST {}` issues a refresh token, `GET` lists its sessions, `DELETE` revokes all of them. */
  refreshTokens(id: string): string;
}

/**
 * The service-account-user endpoints of workspace `workspaceId` of `organizationId`.
 * @param baseUrl - the Exastro base URL
 * @param organizationId - the organization
 * @param workspaceId - the workspace
 * @returns the collection, one user's and one user's refresh-token URLs
 * @see https://ita-docs.exastro.org/
 */
export function serviceAccountEndpoints(
  baseUrl: string,
  organizationId: string,
  workspaceId: string,
): ServiceAccountEndpoints {
  const collection = `${baseUrl.replace(/\/+$/, "")}/api/${encodeURIComponent(organizationId)}/platform/workspaces/${encodeURIComponent(workspaceId)}/service-account-users`;
  const user = (id: string) => `${collection}/${encodeURIComponent(id)}`;
  return { collection, user, refreshTokens: (id) => `${user(id)}/refresh_tokens` };
}

const ServiceAccountRow = z.looseObject({
  id: z.string().min(1),
  username: z.string(),
  service_account_user_type: z.string().optional(),
  description: z.string().nullable().optional(),
});
/** A service-account user as the gateway lists or reads it. */
export type ServiceAccountRow = z.infer<typeof ServiceAccountRow>;

/**
 * The body of `POST …/service-account-users`.
 * @param username - the user's name (stored lower-cased)
 * @param type - `ansible-execution-agent` or `oase-agent`
 * @param description - the description
 * @returns the body
 * @see https://ita-docs.exastro.org/
 */
export function serviceAccountCreateBody(username: string, type: string, description?: string) {
  return {
    username,
    service_account_user_type: type,
    ...(description !== undefined ? { description } : {}),
  };
}

/**
 * Judges `GET …/service-account-users`: the workspace's service-account users.
 * @param res - the answer
 * @param ctx - the call
 * @returns the users
 * @see https://ita-docs.exastro.org/
 */
export function processServiceAccountListResponse(res: HttpResponse, ctx: RemoteContext): ServiceAccountRow[] {
  return validate(z.array(ServiceAccountRow), processEnvelopeResponse(res, ctx), res, ctx);
}

/**
 * Judges `GET …/service-account-users/{id}`: the user, or `"gone"` (HTTP 404, result `404-25001`).
 * @param res - the answer
 * @param ctx - the call
 * @returns the user, or `"gone"`
 * @see https://ita-docs.exastro.org/
 */
export function processServiceAccountResponse(res: HttpResponse, ctx: RemoteContext): ServiceAccountRow | "gone" {
  if (res.status === 404 && exastroEnvelopeOf(res.body)?.result === USER_NOT_FOUND) return "gone";
  return validate(ServiceAccountRow, processEnvelopeResponse(res, ctx), res, ctx);
}

/**
 * Judges `DELETE …/service-account-users/{id}`: `"deleted"`, or `"gone"` when the user no
 * longer exists (HTTP 404, result `404-25001`).
 * @param res - the answer
 * @param ctx - the call
 * @returns whether the user was deleted now or was already gone
 * @see https://ita-docs.exastro.org/
 */
export function processServiceAccountDeleteResponse(res: HttpResponse, ctx: RemoteContext): "deleted" | "gone" {
  if (res.status === 404 && exastroEnvelopeOf(res.body)?.result === USER_NOT_FOUND) return "gone";
  processEnvelopeResponse(res, ctx);
  return "deleted";
}

/** A refresh token issued for a service-account user. */
export interface ServiceAccountRefreshToken {
  refreshToken: string;
  /** RFC 3339: the controller's RFC 1123 `refresh_token_expire`, else the JWT's `exp`. */
  expiresAt?: string;
  /** The token's session (`sid`), as `GET …/{id}/refresh_tokens` lists it. */
  sessionId?: string;
}

const IssuedRefreshToken = z.looseObject({
  refresh_token: z.string().min(1),
  refresh_token_expire: z.string().nullable().optional(),
});

/**
 * Judges `POST …/service-account-users/{id}/refresh_tokens`.
 * @param res - the answer
 * @param ctx - the call
 * @returns the refresh token, its session id and end
 * @see https://ita-docs.exastro.org/
 */
export function processServiceAccountTokenResponse(res: HttpResponse, ctx: RemoteContext): ServiceAccountRefreshToken {
  const data = validate(IssuedRefreshToken, processEnvelopeResponse(res, ctx), res, ctx);
  const claims = decodeClaims(data.refresh_token);
  const stated = data.refresh_token_expire ? Date.parse(data.refresh_token_expire) : Number.NaN;
  const expiresAt = isoAt(stated) ?? (claims?.exp !== undefined ? isoFromEpoch(claims.exp) : undefined);
  return {
    refreshToken: data.refresh_token,
    ...(expiresAt ? { expiresAt } : {}),
    ...(claims?.sid ? { sessionId: claims.sid } : {}),
  };
}

// -----------------------------------------------------------------------------------------
// Sessions in use by this process

/**
 * The latest access token (hashed) issued by this provider process for each session (keyed by
 * token endpoint and `sid`). A replacement is created before its predecessor is deleted, in
 * the same process: a revoke-all on that delete would end the replacement's session too, so
 * it is refused when a listed session carries a token other than the one being deleted.
 */
const sessionsInUse = new Map<string, string>();
/** Sessions this process ended with a revoke-all (their previous access tokens died with them). */
const sessionsEnded = new Set<string>();
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const sessionKey = (endpoints: ExastroEndpoints, sid: string) => sha256(`${endpoints.token}#${sid}`);
/** True when this process issued a token of session `sid` other than `accessToken`. */
const heldElsewhere = (endpoints: ExastroEndpoints, sid: string, accessToken: string) => {
  const latest = sessionsInUse.get(sessionKey(endpoints, sid));
  return latest !== undefined && latest !== sha256(accessToken);
};

// -----------------------------------------------------------------------------------------
// Grants

/** What to do when a refresh token is refused. */
export const EXASTRO_REAUTHORIZE_HINT =
  "the Exastro refresh token was rejected (its session was revoked or has ended): issue a new one in the Exastro UI (トークン発行) and set it as initialRefreshToken (a new value replaces the resource), or use username + password so the resource can issue its own; for a token given serviceAccount, run pulumi refresh and pulumi up: the service account issues a new one";

async function refreshGrant(
  endpoints: ExastroEndpoints,
  refreshToken: string,
  ctx: SystemContext,
): Promise<oauth2.TokenSet> {
  // Always send a scope (the gateway needs one): the refresh token's own, a subset Keycloak accepts.
  const scope = decodeClaims(refreshToken)?.scope ?? "openid";
  return runGrant(
    SYSTEM,
    endpoints.token,
    "refresh_token",
    { refresh_token: refreshToken, scope },
    oauth2.noClientAuth(endpoints.clientId),
    ctx,
    EXASTRO_REAUTHORIZE_HINT,
  );
}

async function passwordGrant(
  inputs: ExastroInputs,
  endpoints: ExastroEndpoints,
  ctx: SystemContext,
): Promise<oauth2.TokenSet> {
  // Keycloak answers a stale one-time code exactly like a wrong password.
  const staleTotp: HintRule = (f) =>
    f.oauthError === "invalid_grant" && inputs.totp !== undefined
      ? "for a two-factor user, set the current one-time code as totp right before pulumi up"
      : undefined;
  return runGrant(
    SYSTEM,
    endpoints.token,
    "password",
    { scope: OFFLINE_SCOPE, username: inputs.username, password: inputs.password, totp: inputs.totp },
    oauth2.noClientAuth(endpoints.clientId),
    ctx,
    undefined,
    staleTotp,
  );
}

async function issuedFrom(
  tokens: oauth2.TokenSet,
  endpoints: ExastroEndpoints,
  previousRefresh: string | undefined,
  ctx: SystemContext,
): Promise<Issued> {
  // Keycloak may omit the refresh token or hand the same one back; a new one replaces the old.
  const refreshToken = tokens.refreshToken ?? previousRefresh;
  if (!refreshToken) {
    throw new AccessTokenError(
      ErrorCode.INVALID_RESPONSE,
      `${describeRemote({ system: SYSTEM, operation: "token request", endpoint: endpoints.token })} failed: the response has no refresh token (is offline_access allowed for this user?)`,
      { endpoint: endpoints.token },
    );
  }
  const claims = decodeClaims(refreshToken);
  if (claims?.typ !== undefined && claims.typ !== "Offline") {
    await ctx.diagnostics.warn(
      `${SYSTEM}: the refresh token is a "${claims.typ}" token, not an offline token: it ends with the login session (hours, not a year). Issue an offline token (scope offline_access) instead.`,
    );
  }
  const sid = claims?.sid ?? decodeClaims(tokens.accessToken)?.sid;
  if (sid) sessionsInUse.set(sessionKey(endpoints, sid), sha256(tokens.accessToken));
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
    refreshToken,
    ...(claims?.exp !== undefined && isoFromEpoch(claims.exp)
      ? { refreshTokenExpiresAt: isoFromEpoch(claims.exp) }
      : {}),
    endpoints: { token: endpoints.token, refreshTokens: endpoints.refreshTokens },
    extra: {
      ...(sid ? { sessionId: sid } : {}),
    },
  };
}

// -----------------------------------------------------------------------------------------
// Revoke-all

/** How messages name the resource (as the lifecycle does). */
const labelOf = (state: TokenState) =>
  `${SYSTEM} token "${typeof state.resourceName === "string" ? state.resourceName : "(unnamed)"}"`;

function sessionIdOf(state: TokenState): string | undefined {
  return typeof state.sessionId === "string" ? state.sessionId : decodeClaims(state.accessToken)?.sid;
}

function expiredJwt(token: string, now: Date): boolean {
  const exp = decodeClaims(token)?.exp;
  return exp !== undefined && exp * 1000 <= now.getTime();
}

/** An access token the gateway accepts now: the stored one, or a fresh one from the refresh token. */
async function workingAccessToken(
  endpoints: ExastroEndpoints,
  state: TokenState,
  ctx: SystemContext,
  stale = false,
): Promise<string | undefined> {
  if (!stale && !expiredJwt(state.accessToken, ctx.now())) return state.accessToken;
  if (!state.refreshToken) return undefined;
  try {
    return (await refreshGrant(endpoints, state.refreshToken, ctx)).accessToken;
  } catch (error) {
    if (isAccessTokenError(error) && error.oauthError === "invalid_grant") return undefined;
    throw error;
  }
}

/** Lists the sessions of the user behind `accessToken`, the answer judged by `judge`. */
function listSessions<T>(
  endpoint: string,
  accessToken: string,
  ctx: SystemContext,
  judge: (res: HttpResponse, call: RemoteContext) => T,
): Promise<T> {
  const call = { system: SYSTEM, operation: "refresh-token list", endpoint };
  return send(ctx, call, apiRequest("GET", endpoint, accessToken), judge);
}

/** The sessions listed, or undefined when the gateway refused the token (401: its session ended). */
const sessionsUnlessRefused = (res: HttpResponse, call: RemoteContext) =>
  res.status === 401 ? undefined : processSessionListResponse(res, call);

async function revokeAll(
  inputs: ExastroInputs,
  state: TokenState,
  endpoints: ExastroEndpoints,
  sid: string | undefined,
  ctx: SystemContext,
): Promise<RevokeOutcome> {
  const who = `user "${inputs.username ?? decodeClaims(state.accessToken)?.preferred_username ?? "(unknown)"}" of ${inputs.systemManager ? "the system-manager realm" : `organization ${endpoints.realm}`}`;
  let accessToken = await workingAccessToken(endpoints, state, ctx);
  const list = (token: string | undefined) =>
    token ? listSessions(endpoints.refreshTokens, token, ctx, sessionsUnlessRefused) : undefined;
  let rows = await list(accessToken);
  if (accessToken && !rows) {
    accessToken = await workingAccessToken(endpoints, state, ctx, true);
    rows = await list(accessToken);
  }
  if (!accessToken || !rows) {
    return {
      revoked: false,
      note: `the session had already ended, so no access token was left to revoke the other refresh tokens of ${who} (revokeAllSessionsOnDelete); revoke them in the Exastro UI (トークン発行) if needed`,
    };
  }
  const held = [...new Set([...rows.map((r) => r.id), ...(sid ? [sid] : [])])].filter((id) =>
    heldElsewhere(endpoints, id, state.accessToken),
  );
  if (held.length > 0) {
    return {
      revoked: false,
      note: `revokeAllSessionsOnDelete is set, but revoking all refresh tokens of ${who} would also end session(s) ${held.join(", ")}, just issued in this update (to this resource's replacement or another resource), so nothing was revoked. Session ${sid ?? "(unknown)"} stays valid until ${String(state.refreshTokenExpiresAt ?? "it expires")}; delete it in the Exastro UI (トークン発行) if needed`,
    };
  }
  const call = { system: SYSTEM, operation: "revoke all refresh tokens", endpoint: endpoints.refreshTokens };
  await send(ctx, call, apiRequest("DELETE", endpoints.refreshTokens, accessToken), processEnvelopeResponse);
  if (sid) sessionsEnded.add(sessionKey(endpoints, sid));
  await ctx.diagnostics.warn(
    `${labelOf(state)}: revokeAllSessionsOnDelete: revoked ALL ${rows.length} refresh token(s) of ${who} (sessions ${rows.map((r) => r.id).join(", ") || "none listed"}). Every API token of this user, including tokens used outside this stack, has stopped working.`,
  );
  return { revoked: true };
}

// -----------------------------------------------------------------------------------------
// The system

/** The Exastro system. */
export const exastroSystem = tokenSystem<ExastroInputs>(exastroTokenDescription, SYSTEM, {
  // revoke() decides: the revoke-all only with revokeAllSessionsOnDelete, else a note.
  decidesRevocationOnDelete: true,
  crossFieldIssues: exastroCrossFieldIssues,

  inputWarnings(inputs) {
    const warnings: string[] = [];
    if (inputs.revokeAllSessionsOnDelete === true) {
      warnings.push(
        "revokeAllSessionsOnDelete is set: deleting this resource revokes EVERY refresh token of the user (Exastro cannot revoke one), including tokens used outside this stack",
      );
    }
    return warnings;
  },

  async issue(inputs, ctx) {
    const endpoints = endpointsOf(inputs);
    if (inputs.initialRefreshToken) {
      const tokens = await refreshGrant(endpoints, inputs.initialRefreshToken, ctx);
      return issuedFrom(tokens, endpoints, inputs.initialRefreshToken, ctx);
    }
    return issuedFrom(await passwordGrant(inputs, endpoints, ctx), endpoints, undefined, ctx);
  },

  async renew(inputs, state, ctx) {
    const endpoints = endpointsOf(inputs);
    if (!state.refreshToken) return this.issue(inputs, ctx);
    try {
      return await issuedFrom(
        await refreshGrant(endpoints, state.refreshToken, ctx),
        endpoints,
        state.refreshToken,
        ctx,
      );
    } catch (error) {
      // With credentials at hand, an ended session is replaced by a new one.
      if (isAccessTokenError(error) && error.oauthError === "invalid_grant" && inputs.password !== undefined) {
        await ctx.diagnostics.info(
          `${labelOf(state)}: the stored session has ended; issuing a new one with the password grant`,
        );
        return issuedFrom(await passwordGrant(inputs, endpoints, ctx), endpoints, undefined, ctx);
      }
      throw error;
    }
  },

  async check(inputs, state, ctx) {
    const endpoints = endpointsOf(inputs);
    const sid = sessionIdOf(state);
    if (!sid) return undefined;
    // The gateway introspects every token: 401 means this token's session is gone.
    const active = await listSessions(endpoints.refreshTokens, state.accessToken, ctx, (res, call) => {
      if (res.status === 498) return "maintenance";
      return sessionsUnlessRefused(res, call)?.some((row) => row.id === sid) ?? false;
    });
    if (active === "maintenance") {
      await ctx.diagnostics.warn(
        `${labelOf(state)}: Exastro is in maintenance (HTTP 498 from ${endpoints.refreshTokens}); the token was not checked`,
      );
      return undefined;
    }
    return { active };
  },

  async revoke(inputs, state, token, ctx, kind) {
    const endpoints = endpointsOf(inputs);
    const sid = sessionIdOf(state);
    if (kind !== "refresh_token" && token !== state.accessToken) {
      // A previous access token of the same session: it cannot be revoked on its own.
      const tokenSid = decodeClaims(token)?.sid;
      if (tokenSid && sessionsEnded.has(sessionKey(endpoints, tokenSid))) return { revoked: true };
      const exp = decodeClaims(token)?.exp;
      return {
        revoked: false,
        note: `Exastro cannot revoke a single access token; it stays valid until ${(exp !== undefined ? isoFromEpoch(exp) : undefined) ?? "it expires"} (its session lives on with the current token)`,
      };
    }
    if (inputs.revokeAllSessionsOnDelete !== true) {
      return {
        revoked: false,
        note: `Exastro can only revoke all of a user's refresh tokens at once; set revokeAllSessionsOnDelete to do that. The token stays valid until ${String(state.expiresAt ?? "it expires")} and its refresh token (session ${sid ?? "unknown"}) until ${String(state.refreshTokenExpiresAt ?? "it expires")}; delete it in the Exastro UI (トークン発行) to end it sooner (that, too, ends all of the user's tokens)`,
      };
    }
    return revokeAll(inputs, state, endpoints, sid, ctx);
  },

  upstreamExpiries(inputs, state) {
    const at = state.refreshTokenExpiresAt;
    // Without a one-time code the password grant replaces an ended session by itself.
    if (typeof at !== "string" || (inputs.password !== undefined && inputs.totp === undefined)) return [];
    return [{ what: `the Exastro refresh token (session ${String(state.sessionId ?? "unknown")})`, at }];
  },
});
