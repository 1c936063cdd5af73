/**
 * The generic OAuth 2.0 AccessToken, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { tokenDescription, nonEmpty, scopeToken } from "../../core/common";
import { input, output } from "../../core/description";
import { requiredString } from "../../core/token-system";

/** Token request parameters that have an input of their own: refused in `extraParams`. */
const RESERVED_PARAMS = new Set([
  "grant_type",
  "client_id",
  "client_secret",
  "scope",
  "audience",
  "resource",
  "username",
  "password",
  "refresh_token",
  "code",
]);

/** The generic OAuth 2.0 AccessToken. */
export const oauth2TokenDescription = tokenDescription({
  token: "access-tokens:index:AccessToken",
  doc: "An OAuth 2.0 access token from any compliant server, issued by the client_credentials (RFC 6749 \u00a74.4, default), password (\u00a74.3) or refresh_token (\u00a76) grant; revoked on delete (RFC 7009) where the server offers it.",
  inputs: {
    tokenEndpoint: input(
      z.string().optional(),
      "The token endpoint URL. Set this or `issuer`. HTTPS is required except on loopback. Changing it replaces the token.",
      { replaces: true },
    ),
    issuer: input(
      z.string().optional(),
      "The issuer URL; endpoints come from its discovery document (OIDC Discovery, then RFC 8414), whose `issuer` must match. Set this or `tokenEndpoint`. Changing it replaces the token.",
      { replaces: true },
    ),
    revocationEndpoint: input(
      z.string().optional(),
      "RFC 7009 revocation endpoint, when not discovered. Used on delete.",
    ),
    introspectionEndpoint: input(
      z.string().optional(),
      "RFC 7662 introspection endpoint, when not discovered. Used by `pulumi refresh`.",
    ),
    grantType: input(
      z
        .enum(["client_credentials", "password", "refresh_token"], {
          error: 'must be "client_credentials", "password" or "refresh_token"',
        })
        .optional(),
      "The grant that issues the first token. Default `client_credentials`. Changing it replaces the token.",
      { replaces: true },
    ),
    clientId: input(requiredString(), "The client id; default the client's. Changing it replaces the token.", {
      replaces: true,
    }),
    clientSecret: input(
      nonEmpty.optional(),
      "The client secret. Stored encrypted in state (needed to renew and revoke); never printed. Changing it updates the resource without issuing a new token. Set this or `clientSecretConfigKey`, or neither for a public client.",
      { secret: true },
    ),
    clientSecretConfigKey: input(
      nonEmpty.optional(),
      "A stack config key (`project:key` or `key`) that holds the client secret, read by the provider at call time, so the secret is never written to this resource's state. Set it with `pulumi config set --secret`.",
    ),
    clientAuthMethod: input(
      z
        .enum(["client_secret_basic", "client_secret_post", "none"], {
          error: 'must be "client_secret_basic", "client_secret_post" or "none"',
        })
        .optional(),
      "Client authentication. Default `client_secret_basic`; `none` for a public client.",
    ),
    username: input(
      nonEmpty.optional(),
      'Resource owner for `grantType: "password"`. Changing it replaces the token.',
      {
        replaces: true,
      },
    ),
    password: input(nonEmpty.optional(), 'Resource owner password for `grantType: "password"`. Secret.', {
      secret: true,
    }),
    refreshToken: input(
      nonEmpty.optional(),
      'The refresh token to start from, for `grantType: "refresh_token"` (e.g. from the interactive authorization). Secret. The latest refresh token (rotated by the server) is kept in state and used for renewal; a new value here (a new authorization) replaces the resource.',
      { replaces: true, secret: true },
    ),
    scopes: input(
      z.array(scopeToken).optional(),
      "Scopes to request (sent space-separated). Changing them replaces the token.",
      { replaces: true },
    ),
    audience: input(nonEmpty.optional(), "The `audience` parameter (Auth0-style). Changing it replaces the token.", {
      replaces: true,
    }),
    resource: input(
      z.array(z.string().min(1)).optional(),
      "RFC 8707 resource indicators. Changing them replaces the token.",
      { replaces: true },
    ),
    extraParams: input(
      z
        .record(z.string(), z.string())
        .refine((p) => Object.keys(p).every((k) => !RESERVED_PARAMS.has(k)), {
          error: `must not set ${[...RESERVED_PARAMS].join(", ")} (use the dedicated inputs)`,
        })
        .optional(),
      "Extra token request parameters. Reserved OAuth names are refused. Changing them replaces the token.",
      { replaces: true },
    ),
    revokeOnDelete: input(
      z.boolean().optional(),
      "Revoke on delete (RFC 7009). Default: true for tokens without a refresh token (the access token is revoked); for tokens that renew from a refresh token, only when set to true, and then the refresh token is revoked — ending the whole authorization, since a server may revoke a grant when any of its tokens is revoked (RFC 7009 §2.1).",
    ),
    allowInsecureHttp: input(
      z.boolean().optional(),
      "Allow `http://` endpoints on non-loopback hosts. Default false; never use with real credentials.",
    ),
    allowCrossOriginEndpoints: input(
      z.boolean().optional(),
      "Trust endpoints on another origin than the issuer's. Endpoints discovered from `issuer` (token, revocation and introspection endpoints) receive credentials only when they share the origin (scheme, host, port) of where they were found; endpoints you set explicitly are always used. Default false: set it only for a server known to split its endpoints across hosts.",
    ),
  },
  outputs: {
    clientId: output(z.string(), "The client id."),
  },
});
