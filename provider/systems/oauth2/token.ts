/**
 * The generic OAuth 2.0 / OIDC token system: any compliant server, by token endpoint or
 * issuer discovery. Grants: client_credentials (§4.4), password (§4.3), refresh_token (§6).
 * Renewal uses the latest stored refresh token when there is one (a rotated refresh token
 * replaces it); read is RFC 7662 introspection; delete is RFC 7009 revocation.
 */
import { AccessTokenError, ErrorCode, type HintRule, hintRules, isAccessTokenError } from "../../errors";
import { endpointProblem } from "../../http/transport";
import { introspectedExpiry } from "../../time";
import { type Wire, keepSecrets, send } from "../../wire/kit";
import * as oauth2 from "./wire";
import {
  type InputIssue,
  type Introspected,
  type Issued,
  type SystemContext,
  tokenSystem,
} from "../../core/token-system";
import type { InputsOf } from "../../core/description";
import * as rules from "../../core/rules";
import { oauth2TokenDescription } from "./token.description";

/** Validated generic inputs. */
export type OAuth2TokenInputs = InputsOf<typeof oauth2TokenDescription>;

/** Cross-field rules of the generic system. */
export function oauth2TokenCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  const has = (raw: Record<string, unknown>, k: string) => typeof raw[k] === "string" && raw[k] !== "";
  issues.push(...rules.exactlyOne(v, "tokenEndpoint", "issuer", "set exactly one of tokenEndpoint or issuer", has));
  for (const key of ["tokenEndpoint", "issuer", "revocationEndpoint", "introspectionEndpoint"]) {
    const value = v[key];
    if (value === undefined) continue;
    const problem =
      typeof value === "string" ? endpointProblem(value, v.allowInsecureHttp === true) : "must be a URL string";
    if (problem) issues.push({ path: [key], message: problem });
  }
  if (Array.isArray(v.resource)) {
    for (const [i, value] of v.resource.entries()) {
      const problem = typeof value === "string" ? endpointProblem(value, true) : undefined;
      if (problem) issues.push({ path: ["resource", i], message: problem });
    }
  }
  issues.push(...rules.clientSecretIssues(v));
  const grant = v.grantType ?? "client_credentials";
  issues.push(
    ...rules.requiredForGrant(v, grant, "password", ["username", "password"]),
    ...rules.onlyWithGrants(v, grant, ["password"], ["username", "password"]),
  );
  if (grant === "refresh_token" && v.refreshToken === undefined) {
    issues.push({ path: ["refreshToken"], message: 'is required for grantType "refresh_token"' });
  }
  if (grant !== "refresh_token" && v.refreshToken !== undefined) {
    issues.push({ path: ["refreshToken"], message: 'is only used with grantType "refresh_token"' });
  }
  issues.push(...rules.publicClientGrantIssues(v, grant));
  return issues;
}

async function clientSecretOf(inputs: OAuth2TokenInputs, ctx: SystemContext): Promise<string | undefined> {
  if (inputs.clientAuthMethod === "none") return undefined;
  if (inputs.clientSecret) return inputs.clientSecret;
  const key = inputs.clientSecretConfigKey as string;
  const value = await ctx.config.get(key);
  if (!value) {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `clientSecretConfigKey: stack config "${key}" is not set (pulumi config set --secret ${key} ...)`,
    );
  }
  keepSecrets(ctx, value);
  return value;
}

/**
 * Client authentication for the inputs (secret from inputs or stack config).
 * @param inputs - the client id, authentication method and secret (or its stack config key)
 * @param ctx - the stack config and the call's secrets
 * @returns the client authentication
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export async function authOf(inputs: OAuth2TokenInputs, ctx: SystemContext): Promise<oauth2.ClientAuth> {
  return oauth2.clientAuth(
    inputs.clientAuthMethod ?? "client_secret_basic",
    inputs.clientId,
    await clientSecretOf(inputs, ctx),
  );
}

async function endpointsOf(inputs: OAuth2TokenInputs, ctx: SystemContext): Promise<Record<string, string>> {
  const endpoints: Record<string, string> = {};
  if (inputs.issuer) {
    const metadata = await discoverOnce(inputs.issuer, ctx);
    // Endpoints the user set are theirs to choose; discovered ones must share the issuer's origin.
    const found: Record<string, [string | undefined, boolean]> = {
      token: [metadata.token_endpoint, true],
      revocation: inputs.revocationEndpoint ? [inputs.revocationEndpoint, false] : [metadata.revocation_endpoint, true],
      introspection: inputs.introspectionEndpoint
        ? [inputs.introspectionEndpoint, false]
        : [metadata.introspection_endpoint, true],
    };
    const { issuer, allowInsecureHttp, allowCrossOriginEndpoints } = inputs;
    const checked = { system: oauth2.SYSTEM, issuer, allowInsecureHttp, allowCrossOriginEndpoints };
    for (const [name, [url, discovered]] of Object.entries(found)) {
      if (url === undefined) continue;
      oauth2.checkDiscoveredEndpoint({ ...checked, name, url, discovered });
      endpoints[name] = url;
    }
  } else {
    endpoints.token = inputs.tokenEndpoint as string;
    if (inputs.revocationEndpoint) endpoints.revocation = inputs.revocationEndpoint;
    if (inputs.introspectionEndpoint) endpoints.introspection = inputs.introspectionEndpoint;
  }
  return endpoints;
}

// Discovery documents, per issuer, for the life of the provider process (one pulumi
// operation): 500 tokens of one issuer need one discovery, not 500. Failures are not kept.
const discovered = new Map<string, Promise<oauth2.AuthorizationServerMetadata>>();
function discoverOnce(issuer: string, ctx: SystemContext): Promise<oauth2.AuthorizationServerMetadata> {
  let pending = discovered.get(issuer);
  if (!pending) {
    pending = oauth2.discover(issuer, ctx.transport);
    discovered.set(issuer, pending);
    pending.catch(() => discovered.delete(issuer));
  }
  return pending;
}

/** Why a token's own client cannot be used any more. */
const CLIENT_GONE = "the OAuth client can no longer authenticate (deleted at the server, or its secret changed)";

/**
 * Asks RFC 7662 introspection about `token` and sorts the answer into a verdict. A refusal
 * to answer this client (HTTP 400 / 401 / 403) is a verdict too, not an error: it says
 * nothing about the token. Other failures (transport, 5xx, a malformed answer) throw.
 *
 * @param system - the system's name in messages
 * @param endpoint - the introspection endpoint
 * @param token - the token asked about
 * @param auth - the client's authentication at the endpoint
 * @param ctx - the call's context
 * @returns active (with the server's expiry), inactive, or refused (with the reason)
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export async function introspectToken(
  system: string,
  endpoint: string,
  token: string,
  auth: oauth2.ClientAuth,
  ctx: SystemContext,
): Promise<Introspected> {
  const rctx = { system, operation: "introspection", endpoint };
  try {
    const request = oauth2.introspectionRequest(endpoint, token, auth);
    const answer = await send(ctx, rctx, request, oauth2.processIntrospectionResponse);
    if (!answer.active) return { verdict: "inactive" };
    const expiresAt = introspectedExpiry(answer.active, answer.exp, ctx.now());
    return { verdict: "active", ...(expiresAt ? { expiresAt } : {}) };
  } catch (error) {
    if (!oauth2.isIntrospectionRefusal(error)) throw error;
    // The client itself is gone or its secret changed: the token's fate cannot be asked.
    const gone = error.oauthError === "invalid_client" ? `${CLIENT_GONE}: ` : "";
    return { verdict: "refused", reason: `${gone}${error.message}` };
  }
}

/** Message added to invalid_grant on a refresh: what to do about it. */
export const REAUTHORIZE_HINT =
  "the refresh token was rejected (expired, revoked, or already used): obtain a new one (npx pulumi-access-tokens authorize ...) and set it as the resource's refreshToken, then run pulumi up";

/**
 * Runs a grant at `endpoint` and judges the answer; the tokens received join the call's
 * secrets. A refresh token refused with `invalid_grant` gets `reauthorizeHint` (the
 * system's own words on what to do); `hints` adds the caller's own.
 *
 * @param system - the system's name in messages
 * @param endpoint - the token endpoint
 * @param grantType - the grant, e.g. `client_credentials`, `refresh_token`
 * @param params - the grant's parameters (undefined ones are left out)
 * @param auth - the client's authentication at the endpoint
 * @param ctx - the transport and the call's secrets
 * @param reauthorizeHint - what to do when a refresh token is refused
 * @param hints - the caller's hints for a failure
 * @returns the validated token set
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function runGrant(
  system: string,
  endpoint: string,
  grantType: string,
  params: Record<string, string | string[] | undefined>,
  auth: oauth2.ClientAuth,
  ctx: Wire,
  reauthorizeHint: string = REAUTHORIZE_HINT,
  hints?: HintRule,
): Promise<oauth2.TokenSet> {
  const refused: HintRule | undefined =
    grantType === "refresh_token" ? (f) => (f.oauthError === "invalid_grant" ? reauthorizeHint : undefined) : undefined;
  const call = { system, operation: `token request (${grantType})`, endpoint, hints: hintRules(refused, hints) };
  return send(ctx, call, oauth2.tokenRequest(endpoint, grantType, params, auth), oauth2.processTokenResponse, {
    secretsOf: (tokens) => [tokens.accessToken, tokens.refreshToken],
  });
}

function issuedFrom(tokens: oauth2.TokenSet, endpoints: Record<string, string>, previousRefresh?: string): Issued {
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    scope: tokens.scope,
    // RFC 6749 §6: a refresh response may omit the refresh token; the old one stays valid.
    refreshToken: tokens.refreshToken ?? previousRefresh,
    endpoints,
  };
}

function commonParams(inputs: OAuth2TokenInputs): Record<string, string | string[] | undefined> {
  return {
    scope: inputs.scopes?.length ? inputs.scopes.join(" ") : undefined,
    audience: inputs.audience,
    resource: inputs.resource,
    ...inputs.extraParams,
  };
}

/** The generic OAuth 2.0 system. */
export const oauth2TokenSystem = tokenSystem<OAuth2TokenInputs>(oauth2TokenDescription, oauth2.SYSTEM, {
  crossFieldIssues: oauth2TokenCrossFieldIssues,

  async issue(inputs, ctx) {
    const endpoints = await endpointsOf(inputs, ctx);
    const auth = await authOf(inputs, ctx);
    const grant = inputs.grantType ?? "client_credentials";
    const params = {
      ...commonParams(inputs),
      ...(grant === "password" ? { username: inputs.username, password: inputs.password } : {}),
      ...(grant === "refresh_token" ? { refresh_token: inputs.refreshToken } : {}),
    };
    const tokens = await runGrant(oauth2.SYSTEM, endpoints.token as string, grant, params, auth, ctx);
    return issuedFrom(tokens, endpoints, grant === "refresh_token" ? inputs.refreshToken : undefined);
  },

  async renew(inputs, state, ctx) {
    if (!state.refreshToken) return this.issue(inputs, ctx);
    const endpoints = state.endpoints ?? (await endpointsOf(inputs, ctx));
    const tokens = await runGrant(
      oauth2.SYSTEM,
      endpoints.token as string,
      "refresh_token",
      { refresh_token: state.refreshToken, scope: inputs.scopes?.length ? inputs.scopes.join(" ") : undefined },
      await authOf(inputs, ctx),
      ctx,
    );
    return issuedFrom(tokens, endpoints, state.refreshToken);
  },

  // Expiry is judged by the lifecycle from state; no other evidence exists.
  async check() {
    return undefined;
  },

  async introspect(inputs, state, token, ctx) {
    const endpoint = state.endpoints?.introspection;
    if (!endpoint) return undefined;
    return introspectToken(oauth2.SYSTEM, endpoint, token, await authOf(inputs, ctx), ctx);
  },

  async revoke(inputs, state, token, ctx, kind = "access_token") {
    // State without endpoints (a token issued in an answer that was refused): from the inputs.
    const endpoint = (state.endpoints ?? (await endpointsOf(inputs, ctx))).revocation;
    if (!endpoint)
      return {
        revoked: false,
        note: "the server offers no revocation endpoint (RFC 7009); the token stays valid until it expires",
      };
    const rctx = { system: oauth2.SYSTEM, operation: `revocation (${kind})`, endpoint };
    const request = oauth2.revocationRequest(endpoint, token, await authOf(inputs, ctx), kind);
    try {
      await send(ctx, rctx, request, oauth2.processRevocationResponse);
    } catch (error) {
      if (isAccessTokenError(error) && error.oauthError === "invalid_client") {
        return { revoked: false, note: `${CLIENT_GONE}, so it cannot revoke; the token stays valid until it expires` };
      }
      throw error;
    }
    return { revoked: true };
  },
});
