/**
 * The ABBYY Vantage AccessToken, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { tokenDescription, nonEmpty, scopeToken } from "../../core/common";
import { input, output } from "../../core/description";

const rfc3339 = z.string().refine((v) => /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v)), {
  error: 'must be an RFC 3339 date-time such as "2025-01-31T09:00:00Z"',
});

/** A Vantage tenant id (a GUID). */
export const vantageTenantId = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .regex(/^[A-Za-z0-9-]+$/, "must be a tenant id (a GUID such as 3f1b8c2e-5d7a-4e96-9b0c-2a6d4f8e1c57)");

/** The ABBYY Vantage AccessToken. */
export const vantageTokenDescription = tokenDescription({
  token: "access-tokens:vantage:AccessToken",
  doc: "An ABBYY Vantage access token, issued by the client_credentials, password or refresh_token grant at a region's or tenant's endpoint.",
  inputs: {
    region: input(
      z.enum(["eu", "us", "au"], { error: 'must be "eu", "us" or "au"' }).optional(),
      "The region whose host issues the token. Set this or `baseUrl`. Changing it replaces the token.",
      { replaces: true },
    ),
    baseUrl: input(
      z.string().optional(),
      "The Vantage host (e.g. `https://vantage-eu.abbyy.com`, or a local test server). Set this or `region`. HTTPS is required except on loopback. Changing it replaces the token.",
      { replaces: true },
    ),
    tenantId: input(
      vantageTenantId.optional(),
      "The tenant id. When set, endpoints come from the tenant's discovery document and tokens from the tenant-scoped endpoint (needed when one e-mail belongs to several tenants); it is also the only way revocation can be found. Changing it replaces the token.",
      { replaces: true },
    ),
    grantType: input(
      z
        .enum(["client_credentials", "password", "refresh_token"], {
          error: 'must be "client_credentials", "password" or "refresh_token"',
        })
        .optional(),
      "The grant. Default `client_credentials`. Changing it replaces the token.",
      { replaces: true },
    ),
    clientId: input(
      z.string({ error: "is required" }).min(1, "must not be empty"),
      "The client id; default the client's. Changing it replaces the token.",
      { replaces: true },
    ),
    clientSecret: input(
      nonEmpty.optional(),
      "The client secret. Stored encrypted in state (needed to renew); never printed. Set this or `clientSecretConfigKey`, or neither for a public client.",
      { secret: true },
    ),
    clientSecretConfigKey: input(
      nonEmpty.optional(),
      "A stack config key holding the client secret, read by the provider at call time (kept out of state).",
    ),
    clientAuthMethod: input(
      z
        .enum(["client_secret_post", "client_secret_basic", "none"], {
          error: 'must be "client_secret_post", "client_secret_basic" or "none"',
        })
        .optional(),
      "Client authentication. Default `client_secret_post`, as documented.",
    ),
    username: input(
      nonEmpty.optional(),
      'The user\'s e-mail, for `grantType: "password"`. Changing it replaces the token.',
      { replaces: true },
    ),
    password: input(nonEmpty.optional(), 'The user\'s password, for `grantType: "password"`. Secret.', {
      secret: true,
    }),
    offlineAccess: input(
      z.boolean().optional(),
      'With `grantType: "password"`: also ask for `offline_access`, so Vantage returns a refresh token (the client needs "Allow issuing refresh tokens") and rotations renew from it instead of sending the password again. When the refresh token reaches its 30-day end the provider signs in with the password again by itself. Default false. Changing it replaces the token.',
      { replaces: true },
    ),
    initialRefreshToken: input(
      nonEmpty.optional(),
      'For `grantType: "refresh_token"`: the refresh token of an interactive sign-in (authorization code + PKCE). Secret. It is spent when the resource is created: Vantage refresh tokens work once, so every renewal stores the new one in state (the secret output `refreshToken`) and uses it next time. A new value (after a new sign-in) replaces the token.',
      { replaces: true, secret: true },
    ),
    refreshTokenIssuedAt: input(
      rfc3339.optional(),
      'For `grantType: "refresh_token"`: when `initialRefreshToken` was issued (RFC 3339). Vantage refresh tokens end 30 days after the original sign-in whatever happens, so this sets `refreshTokenExpiresAt`, and `pulumi preview` warns in the last 7 days.',
    ),
    scopes: input(
      z.array(scopeToken).min(1, "must name at least one scope").optional(),
      "Scopes to request. Default `openid permissions global.wildcard` (documented; the vendor says it may change). Changing them replaces the token.",
      { replaces: true },
    ),
    productId: input(
      nonEmpty.optional(),
      "The `productId` of the interactive authorize request. Default `a8548c9b-cb90-4c66-8567-d7372bb9b963` (documented; the vendor says it may change). Not sent by token requests; kept here for the authorize command.",
    ),
    revokeOnDelete: input(
      z.boolean().optional(),
      "On delete, for a token that renews from a refresh token: `true` revokes the refresh token (ending the sign-in) when the tenant's discovery lists a revocation endpoint (Vantage documents none). Default: not revoked, with a warning. Access tokens cannot be revoked at all; `false` also silences that warning.",
    ),
  },
  outputs: {
    clientId: output(z.string(), "The client id."),
    tenantId: output(z.string().optional(), "The tenant id, when set."),
  },
});
