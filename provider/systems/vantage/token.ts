/**
 * ABBYY Vantage: an IdentityServer token service per region (`https://vantage-{eu,us,au}
 * .abbyy.com/auth2`), optionally tenant-scoped (docs/PROTOCOLS.md, "ABBYY Vantage"). Grants:
 * client_credentials, password (ROPC) and refresh_token, all form-urlencoded.
 *
 * What the system offers, and so what this module does:
 * - endpoints: with `tenantId`, from the tenant's discovery document (as the vendor
 *   recommends), falling back to the documented tenant token endpoint when there is none;
 *   without, the documented `{base}/auth2/connect/token`;
 * - refresh tokens are one-time and rotate: each renewal spends the refresh token in state
 *   and stores the new one, and the 30-day lifetime is absolute from the original sign-in,
 *   so `refreshTokenExpiresAt` is set once and carried over unchanged; `preview` warns
 *   7 days before it ends (refresh_token grant: only a new sign-in helps);
 * - check (refresh): the JWT's expiry, and RFC 7662 introspection only when discovery lists
 *   it and the server lets the client use it (IdentityServer normally reserves it for APIs);
 *   no business API is called;
 * - revoke: access tokens are self-contained JWTs and cannot be revoked (every delete says
 *   so); a refresh token is revoked (RFC 7009) when the core asks for it (a grant chain
 *   deleted with `revokeOnDelete: true`) and the tenant's discovery lists a revocation
 *   endpoint, which Vantage does not document.
 * - API clients (admin API): created by `POST {base}/api/adminapi2/v2/tenants/{tenantId}/clients/`
 *   with a tenant administrator's bearer token; nothing else is documented (no read, list,
 *   update, delete or secret rotation), so they are create-only (`client.ts` beside it).
 */
import { z } from "zod";
import { nowMs } from "../../clock";
import { AccessTokenError, ErrorCode, type RemoteContext, isAccessTokenError, remoteError } from "../../errors";
import { type HttpRequest, type HttpResponse, strictEndpointProblem } from "../../http/transport";
import { epochMsOfClaim } from "../../time";
import * as kit from "../../wire/kit";
import { type OAuth2TokenInputs, authOf, introspectToken, runGrant } from "../oauth2/token";
import * as oauth2 from "../oauth2/wire";
import {
  type InputIssue,
  type Issued,
  type SystemContext,
  type TokenState,
  tokenSystem,
} from "../../core/token-system";
import type { InputsOf } from "../../core/description";
import * as rules from "../../core/rules";
import { vantageTenantId, vantageTokenDescription } from "./token.description";

/** Why `url` is not an acceptable endpoint: HTTPS, except on loopback (this system has no opt-out). */
const urlProblem = strictEndpointProblem;

/** Name used for this system in messages. */
export const SYSTEM = "ABBYY Vantage";

/** Vantage regions and their documented hosts. */
export const VANTAGE_REGIONS = {
  eu: "https://vantage-eu.abbyy.com",
  us: "https://vantage-us.abbyy.com",
  au: "https://vantage-au.abbyy.com",
} as const;

/** The documented scope of every grant. */
export const VANTAGE_DEFAULT_SCOPES = ["openid", "permissions", "global.wildcard"];

/** The documented `productId` of the authorize request (the vendor says it may change). */
export const VANTAGE_DEFAULT_PRODUCT_ID = "a8548c9b-cb90-4c66-8567-d7372bb9b963";

/** The documented refresh token lifetime: 30 days from the original sign-in, not extendable. */
export const VANTAGE_REFRESH_TOKEN_LIFETIME_MS = 30 * 86_400_000;

/**
 * What to do when Vantage rejects a refresh token (replaces the generic hint, which names
 * the generic resource's input).
 */
export const VANTAGE_REAUTHORIZE_HINT =
  "the refresh token was rejected (expired: Vantage refresh tokens end 30 days after the original sign-in, however often they are used; revoked; or already used: each one works once): re-authorize (npx pulumi-access-tokens authorize vantage ...), set the new refresh token as the resource's initialRefreshToken and the sign-in time as refreshTokenIssuedAt, then run pulumi up";

// ---------------------------------------------------------------------------------------
// Inputs

export { vantageTenantId };

/** Validated Vantage inputs. */
export type VantageInputs = InputsOf<typeof vantageTokenDescription>;

/** The rules of the host inputs (`region` xor `baseUrl`), shared by every Vantage resource. */
export function vantageHostIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  issues.push(...rules.exactlyOne(v, "region", "baseUrl", 'set exactly one of region ("eu", "us", "au") or baseUrl'));
  if (typeof v.baseUrl === "string") {
    const problem = urlProblem(v.baseUrl);
    if (problem) issues.push({ path: ["baseUrl"], message: problem });
    else if (new URL(v.baseUrl).search) issues.push({ path: ["baseUrl"], message: "must not have a query" });
  }
  return issues;
}

function vantageCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues = vantageHostIssues(v);
  issues.push(...rules.clientSecretIssues(v));
  const grant = v.grantType ?? "client_credentials";
  issues.push(...rules.requiredForGrant(v, grant, "password", ["username", "password"]));
  if (grant === "refresh_token" && v.initialRefreshToken === undefined) {
    issues.push({
      path: ["initialRefreshToken"],
      message: 'is required for grantType "refresh_token" (the refresh token of an interactive sign-in)',
    });
  }
  issues.push(
    ...rules.onlyWithGrants(v, grant, ["password"], ["username", "password", "offlineAccess"]),
    ...rules.onlyWithGrants(v, grant, ["refresh_token"], ["initialRefreshToken", "refreshTokenIssuedAt"]),
  );
  if (typeof v.refreshTokenIssuedAt === "string" && Date.parse(v.refreshTokenIssuedAt) > nowMs() + 300_000) {
    issues.push({ path: ["refreshTokenIssuedAt"], message: "must not be in the future" });
  }
  issues.push(...rules.publicClientGrantIssues(v, grant));
  return issues;
}

// ---------------------------------------------------------------------------------------
// Endpoints

/**
 * The host of the inputs: `baseUrl`, or the documented host of `region`.
 * @param inputs - `baseUrl` or `region`
 * @returns the base URL
 * @see https://docs.abbyy.com/vantage/documentation/tenant-admin/tenant-management/manage-api-clients
 */
export function vantageBase(inputs: Pick<VantageInputs, "region" | "baseUrl">): string {
  const base = inputs.baseUrl ?? VANTAGE_REGIONS[inputs.region ?? "eu"];
  return base.replace(/\/+$/, "");
}

/**
 * The issuer of a tenant: `{base}/auth2/{tenantId}`, or `{base}/auth2` without one.
 * @param inputs - `baseUrl` or `region`, and `tenantId`
 * @returns the issuer
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#IssuerDiscovery
 */
export function vantageIssuer(inputs: Pick<VantageInputs, "region" | "baseUrl" | "tenantId">): string {
  return `${vantageBase(inputs)}/auth2${inputs.tenantId ? `/${inputs.tenantId}` : ""}`;
}

/**
 * The endpoints to use. With `tenantId`: from `{issuer}/.well-known/openid-configuration`
 * (whose `issuer` must match), or the documented `{issuer}/connect/token` when the document
 * does not exist (404). Without: the documented `{base}/auth2/connect/token`.
 * @param inputs - the token's inputs
 * @param ctx - the transport and the call's secrets
 * @returns the token endpoint, and the revocation endpoint when discovery names one
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function vantageEndpoints(inputs: VantageInputs, ctx: SystemContext): Promise<Record<string, string>> {
  const issuer = vantageIssuer(inputs);
  if (!inputs.tenantId) return { token: `${issuer}/connect/token` };
  const url = `${issuer}/.well-known/openid-configuration`;
  const rctx = { system: SYSTEM, operation: "discovery", endpoint: url };
  const metadata = await kit.send(
    ctx,
    rctx,
    { method: "GET", url, headers: { accept: "application/json" } },
    (res, call) => (res.status === 404 ? undefined : oauth2.processDiscoveryResponse(res, issuer, call)),
  );
  if (!metadata) return { token: `${issuer}/connect/token` };
  const found: Record<string, string | undefined> = {
    token: metadata.token_endpoint,
    revocation: metadata.revocation_endpoint,
    introspection: metadata.introspection_endpoint,
  };
  const endpoints: Record<string, string> = {};
  for (const [name, value] of Object.entries(found)) {
    if (value === undefined) continue;
    const problem = urlProblem(value);
    if (problem) {
      throw new AccessTokenError(
        ErrorCode.DISCOVERY,
        `${SYSTEM} discovery at ${url}: ${name} endpoint ${value} ${problem}`,
        { endpoint: url },
      );
    }
    endpoints[name] = value;
  }
  return endpoints;
}

/**
 * The URL a user opens to sign in (authorization code + PKCE S256), as documented:
 * `{base}/auth2/connect/authorize` with `productId`. Asks for `offline_access` so the code
 * yields a refresh token (the client needs "Allow issuing refresh tokens").
 * @param inputs - where the server is, the client id, scopes and product id
 * @param request - state, PKCE challenge and redirect URI
 * @returns the URL
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function vantageAuthorizeUrl(
  inputs: Pick<VantageInputs, "region" | "baseUrl" | "clientId" | "scopes" | "productId">,
  request: { redirectUri: string; state: string; codeChallenge: string },
): string {
  const url = new URL(`${vantageBase(inputs)}/auth2/connect/authorize`);
  const scopes = inputs.scopes ?? VANTAGE_DEFAULT_SCOPES;
  url.search = new URLSearchParams({
    client_id: inputs.clientId,
    redirect_uri: request.redirectUri,
    response_type: "code",
    scope: [...scopes, ...(scopes.includes("offline_access") ? [] : ["offline_access"])].join(" "),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: "S256",
    productId: inputs.productId ?? VANTAGE_DEFAULT_PRODUCT_ID,
  }).toString();
  return url.toString();
}

// ---------------------------------------------------------------------------------------
// Grants

function authFor(inputs: VantageInputs, ctx: SystemContext): Promise<oauth2.ClientAuth> {
  // The documented requests carry client_id and client_secret in the body.
  const generic: OAuth2TokenInputs = {
    clientId: inputs.clientId,
    clientSecret: inputs.clientSecret,
    clientSecretConfigKey: inputs.clientSecretConfigKey,
    clientAuthMethod: inputs.clientAuthMethod ?? "client_secret_post",
  };
  return authOf(generic, ctx);
}

function scopeOf(inputs: VantageInputs): string {
  const scopes = inputs.scopes ?? VANTAGE_DEFAULT_SCOPES;
  const offline = inputs.offlineAccess === true && !scopes.includes("offline_access");
  return [...scopes, ...(offline ? ["offline_access"] : [])].join(" ");
}

/** When the refresh token of a refresh_token-grant token dies, from `refreshTokenIssuedAt`. */
function declaredRefreshEnd(inputs: Partial<VantageInputs>): string | undefined {
  const at = typeof inputs.refreshTokenIssuedAt === "string" ? Date.parse(inputs.refreshTokenIssuedAt) : NaN;
  return Number.isNaN(at) ? undefined : new Date(at + VANTAGE_REFRESH_TOKEN_LIFETIME_MS).toISOString();
}

async function refreshGrant(
  endpoint: string,
  refreshToken: string,
  inputs: VantageInputs,
  ctx: SystemContext,
): Promise<oauth2.TokenSet> {
  // No scope: the refresh keeps the original grant's scopes (offline_access included).
  return runGrant(
    SYSTEM,
    endpoint,
    "refresh_token",
    { refresh_token: refreshToken },
    await authFor(inputs, ctx),
    ctx,
    VANTAGE_REAUTHORIZE_HINT,
  );
}

function issuedFrom(
  tokens: oauth2.TokenSet,
  endpoints: Record<string, string>,
  refreshToken: string | undefined,
  refreshTokenExpiresAt: string | undefined,
): Issued {
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
    ...(refreshToken ? { refreshToken } : {}),
    ...(refreshToken && refreshTokenExpiresAt ? { refreshTokenExpiresAt } : {}),
    endpoints,
  };
}

/** The `exp` of a JWT in milliseconds, read without verification; undefined if not a JWT with one. */
function jwtExpiryMs(token: string): number | undefined {
  return epochMsOfClaim(kit.jwtClaims(token)?.exp);
}

function notRevocableNote(token: string): string {
  const exp = jwtExpiryMs(token);
  return `a Vantage access token is a self-contained JWT and cannot be revoked; it stays valid until it expires${exp === undefined ? "" : ` (at ${new Date(exp).toISOString()})`}`;
}

// ---------------------------------------------------------------------------------------
// The system

/** The ABBYY Vantage system. */
export const vantageSystem = tokenSystem<VantageInputs>(vantageTokenDescription, SYSTEM, {
  crossFieldIssues: vantageCrossFieldIssues,

  inputWarnings(inputs) {
    if (inputs.grantType === "refresh_token" && !inputs.refreshTokenIssuedAt) {
      return [
        "refreshTokenIssuedAt is not set: the refresh token's 30-day end is unknown, so preview cannot warn before it",
      ];
    }
    return [];
  },

  async issue(inputs, ctx) {
    // The absolute end of a refresh token from this sign-in counts from now (never later than the server's).
    const signedInAt = ctx.now().getTime();
    const endpoints = await vantageEndpoints(inputs, ctx);
    const grant = inputs.grantType ?? "client_credentials";
    if (grant === "refresh_token") {
      const initial = inputs.initialRefreshToken as string;
      const tokens = await refreshGrant(endpoints.token as string, initial, inputs, ctx);
      // A server that does not rotate keeps the initial refresh token valid.
      return issuedFrom(tokens, endpoints, tokens.refreshToken ?? initial, declaredRefreshEnd(inputs));
    }
    const tokens = await runGrant(
      SYSTEM,
      endpoints.token as string,
      grant,
      {
        scope: scopeOf(inputs),
        ...(grant === "password" ? { username: inputs.username, password: inputs.password } : {}),
      },
      await authFor(inputs, ctx),
      ctx,
    );
    return issuedFrom(
      tokens,
      endpoints,
      tokens.refreshToken,
      new Date(signedInAt + VANTAGE_REFRESH_TOKEN_LIFETIME_MS).toISOString(),
    );
  },

  async renew(inputs, state, ctx) {
    if (!state.refreshToken) return this.issue(inputs, ctx);
    const endpoints = state.endpoints ?? (await vantageEndpoints(inputs, ctx));
    const end =
      (typeof state.refreshTokenExpiresAt === "string" ? state.refreshTokenExpiresAt : undefined) ??
      declaredRefreshEnd(inputs);
    const password = inputs.grantType === "password";
    // With the password in hand, a refresh token at its absolute end is replaced by a new sign-in.
    if (password && end !== undefined && Date.parse(end) <= ctx.now().getTime()) return this.issue(inputs, ctx);
    let tokens: oauth2.TokenSet;
    try {
      tokens = await refreshGrant(endpoints.token as string, state.refreshToken, inputs, ctx);
    } catch (error) {
      if (password && isAccessTokenError(error) && error.oauthError === "invalid_grant") {
        await ctx.diagnostics.info(
          `${SYSTEM}: the stored refresh token was rejected; signing in again with the password grant`,
        );
        return this.issue(inputs, ctx);
      }
      throw error;
    }
    // One-time refresh tokens: the new one replaces the spent one; the absolute end does not move.
    return issuedFrom(tokens, endpoints, tokens.refreshToken ?? state.refreshToken, end);
  },

  // The JWT's own expiry (IdentityServer lets API resources introspect, not clients).
  async check(_inputs, state, ctx) {
    const exp = jwtExpiryMs(state.accessToken);
    if (exp === undefined) return undefined;
    return exp <= ctx.now().getTime() ? { active: false } : { active: true, expiresAt: new Date(exp).toISOString() };
  },

  // Only where the tenant's discovery lists an endpoint.
  async introspect(inputs, state, token, ctx) {
    const endpoint = state.endpoints?.introspection;
    if (!endpoint) return undefined;
    return introspectToken(SYSTEM, endpoint, token, await authFor(inputs, ctx), ctx);
  },

  async revoke(inputs, state, token, ctx, kind = "access_token") {
    if (kind !== "refresh_token") return { revoked: false, note: notRevocableNote(token) };
    const endpoint = state.endpoints?.revocation;
    if (!endpoint) {
      const end = typeof state.refreshTokenExpiresAt === "string" ? state.refreshTokenExpiresAt : "its 30-day end";
      return {
        revoked: false,
        note: `Vantage documents no revocation endpoint${inputs.tenantId ? " and the tenant's discovery lists none" : " (only a tenant's discovery could list one: set tenantId)"}; it stays usable until ${end}`,
      };
    }
    const rctx = { system: SYSTEM, operation: "revocation", endpoint };
    const request = oauth2.revocationRequest(endpoint, token, await authFor(inputs, ctx), "refresh_token");
    await kit.send(ctx, rctx, request, oauth2.processRevocationResponse);
    await ctx.diagnostics.info(
      `${SYSTEM}: the refresh token was revoked, so no new token can be issued from it; ${notRevocableNote(state.accessToken)}`,
    );
    return { revoked: true };
  },

  upstreamExpiries(inputs: Partial<VantageInputs>, state: TokenState) {
    // Only the refresh_token grant needs a human; the password grant signs in again by itself.
    if (inputs.grantType !== "refresh_token") return [];
    const at =
      (typeof state.refreshTokenExpiresAt === "string" ? state.refreshTokenExpiresAt : undefined) ??
      declaredRefreshEnd(inputs);
    return at ? [{ what: "the Vantage refresh token (30 days from the original sign-in, not extendable)", at }] : [];
  },
});

// ---------------------------------------------------------------------------------------
// Admin API: API clients (create only)

/** Versions of the admin API that create API clients: `v2`, and `v1` of older docs. */
export type VantageAdminApiVersion = "v2" | "v1";

/**
 * The admin API route that creates API clients in a tenant, trailing slash as documented:
 * `{base}/api/adminapi2/{version}/tenants/{tenantId}/clients/`. Only POST is documented there.
 * @param inputs - `baseUrl` or `region`
 * @param tenantId - the tenant
 * @param apiVersion - the admin API version
 * @returns the URL
 * @see https://docs.abbyy.com/vantage/documentation/tenant-admin/tenant-management/create-client-using-api
 */
export function vantageAdminClientsUrl(
  inputs: Pick<VantageInputs, "region" | "baseUrl">,
  tenantId: string,
  apiVersion: VantageAdminApiVersion = "v2",
): string {
  return `${vantageBase(inputs)}/api/adminapi2/${apiVersion}/tenants/${encodeURIComponent(tenantId)}/clients/`;
}

/** An API client as the admin API describes it after creating it. */
export interface VantageCreatedClient {
  clientId: string;
  /** Secret, shown this once. Absent (`null` on the wire) for a public client (`requireClientSecret: false`). */
  clientSecret?: string;
  /** Every other field of the answer: the client as created, server defaults included. */
  client: Record<string, unknown>;
}

/** What a create request asked for, to explain a refusal. */
export interface CreateClientFacts {
  tenantId: string;
  /** The client id asked for, when not left to the server. */
  clientId?: string;
}

/**
 * Builds the create request: POST the client (admin API field names) as JSON, with a tenant
 * administrator's access token as the Bearer token.
 * @param url - {@link vantageAdminClientsUrl}
 * @param accessToken - a tenant administrator's access token
 * @param client - the client, in the admin API's field names
 * @returns the request
 * @see https://docs.abbyy.com/vantage/documentation/tenant-admin/tenant-management/create-client-using-api
 */
export function createClientRequest(url: string, accessToken: string, client: Record<string, unknown>): HttpRequest {
  return {
    method: "POST",
    url,
    headers: {
      authorization: `Bearer ${accessToken}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    body: JSON.stringify(client),
  };
}

/** An ASP.NET Core ProblemDetails body (RFC 9457), as the admin API answers errors. */
const ProblemDetails = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().optional(),
  detail: z.string().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
});

const CreatedClientBody = z.looseObject({
  clientId: z.string({ error: "must be a string" }).min(1, "must not be empty"),
  clientSecret: z.string({ error: "must be a string or null" }).min(1, "must not be empty").nullable().optional(),
});

/** What a refusal of the admin API means for the user, by HTTP status. */
function createClientHint(status: number, facts: CreateClientFacts): string | undefined {
  switch (status) {
    case 400:
      return "Vantage refused a field of the client (named above); fix that input";
    case 401:
      return (
        "the bearer token in accessToken was refused: it has probably expired (Vantage access tokens live 24 h). " +
        "When it is the accessToken of a vantage.AccessToken, pulumi up renews that token first once it is expired " +
        "or due (keep its rotateAfter below 24h): run pulumi up again; otherwise set accessToken to a current token " +
        "of a tenant administrator"
      );
    case 403:
      return `the caller behind accessToken may not manage API clients of tenant ${facts.tenantId}: the token must be a tenant administrator's, issued for this tenant`;
    case 404:
      return `no tenant ${facts.tenantId} here: check tenantId and region/baseUrl (or set apiVersion "v1" where the admin API is the older one)`;
    case 405:
      return "this route only creates API clients (POST): Vantage documents no other client operation";
    case 409:
      return facts.clientId === undefined
        ? "Vantage says the client already exists"
        : `a client with clientId "${facts.clientId}" already exists in tenant ${facts.tenantId}: choose another clientId, or leave it unset so Vantage generates one. A client Pulumi replaced is never deleted (Vantage has no API for it): delete the old one in Vantage to reuse its id`;
    default:
      return undefined;
  }
}

/** The error for a non-2xx answer: the ProblemDetails (or whatever came), with what to do. */
function adminApiError(res: HttpResponse, ctx: RemoteContext, hint: string | undefined): AccessTokenError {
  const problem = ProblemDetails.safeParse(kit.parseJson(res.body));
  const clip = (text: string) => kit.clip(text, 300, ctx.secrets);
  let what: string;
  if (problem.success && (problem.data.title !== undefined || problem.data.detail !== undefined)) {
    const { title, detail, errors } = problem.data;
    const fields = Object.entries(errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(" ")}`);
    what = [title && `"${clip(title)}"`, detail && clip(detail), fields.length && `errors: ${clip(fields.join("; "))}`]
      .filter(Boolean)
      .join(", ");
  } else {
    const challenge = res.headers["www-authenticate"];
    what = `no ProblemDetails body${challenge ? ` (WWW-Authenticate: ${clip(challenge)})` : ""}`;
  }
  return remoteError(ctx, ErrorCode.HTTP_STATUS, `HTTP ${res.status}, ${what}`, {
    status: res.status,
    cause: problem.data,
    hints: [hint],
  });
}

/**
 * Judges the create response: 201 (200 tolerated) with the client as created, its secret
 * included once; or a ProblemDetails refusal explained for the user (400 validation with
 * `errors` per field, 401 expired or foreign token, 403 not an administrator, 404 no such
 * tenant, 409 the client id is taken).
 * @param res - the answer
 * @param ctx - the call
 * @param facts - the tenant and the requested client id, for messages
 * @returns the client with its secret (when it has one)
 * @see https://docs.abbyy.com/vantage/documentation/tenant-admin/tenant-management/create-client-using-api
 */
export function processCreateClientResponse(
  res: HttpResponse,
  ctx: RemoteContext,
  facts: CreateClientFacts,
): VantageCreatedClient {
  if (res.status !== 200 && res.status !== 201) throw adminApiError(res, ctx, createClientHint(res.status, facts));
  const body = kit.validate(CreatedClientBody, kit.parseJsonObject(res, ctx), res, ctx);
  const { clientId, clientSecret, ...client } = body;
  return { clientId, ...(typeof clientSecret === "string" ? { clientSecret } : {}), client };
}

/**
 * Reads whatever identifies a client the admin API *did* create, from a success answer that
 * {@link processCreateClientResponse} rejected: enough to record it rather than lose track
 * of it. Undefined when the answer names no client.
 * @param res - the refused answer
 * @returns the client's id and secret, or undefined
 * @see https://docs.abbyy.com/vantage/documentation/tenant-admin/tenant-management/create-client-using-api
 */
export function createdClientHandles(res: HttpResponse): { clientId: string; clientSecret?: string } | undefined {
  const { clientId, clientSecret } = kit.successStrings(res) ?? {};
  return clientId ? { clientId, ...(clientSecret ? { clientSecret } : {}) } : undefined;
}
