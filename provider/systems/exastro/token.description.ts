/**
 * The Exastro AccessToken, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { tokenDescription, nonEmpty } from "../../core/common";
import { input, output } from "../../core/description";

/** The Exastro AccessToken. */
export const exastroTokenDescription = tokenDescription({
  token: "access-tokens:exastro:AccessToken",
  doc: "An Exastro IT Automation / Platform access token, renewed from a refresh token of the organization's `_{org}-api` client (given, or issued by a password sign-in).",
  inputs: {
    baseUrl: input(
      z.string({ error: "is required" }).min(1, "must not be empty"),
      "The Exastro URL: `{EXTERNAL_URL}` for organization users, `{EXTERNAL_URL_MNG}` for system managers, e.g. `https://ita.example.com`. Both the token endpoint (`/auth/realms/{org}/protocol/openid-connect/token`) and the API (`/api/...`) are under it. HTTPS is required except on loopback (see `allowInsecureHttp`). Required unless `serviceAccount` is set. Changing it replaces the token.",
      { replaces: true },
    ),
    organizationId: input(
      z
        .string()
        .min(1, "must not be empty")
        .regex(/^[^\s/?#%]+$/, "must be an organization id (no spaces, slashes or URL syntax)")
        .optional(),
      "The organization id (the Keycloak realm; the API client is `_{organizationId}-api`). Required unless `systemManager` is set. Changing it replaces the token.",
      { replaces: true },
    ),
    systemManager: input(
      z.boolean().optional(),
      "Act as a system manager: realm `master`, client `_platform-api`, the `/api/platform/...` paths. Default false. Changing it replaces the token.",
      { replaces: true },
    ),
    initialRefreshToken: input(
      nonEmpty.optional(),
      'A refresh token issued in the Exastro UI (user menu → トークン発行), e.g. from `config.requireSecret("exastroRefreshToken")`. Secret. The resource turns it into access tokens; the refresh token in use is kept (encrypted) in the `refreshToken` output and replaced if the server rotates it. Set this, or `username` + `password`. Changing it replaces the token (the new refresh token is adopted).',
      { replaces: true, secret: true },
    ),
    username: input(
      nonEmpty.optional(),
      "Sign in as this user to issue the refresh token (password grant, `scope=openid offline_access`), instead of `initialRefreshToken`. Changing it replaces the token.",
      { replaces: true },
    ),
    password: input(
      nonEmpty.optional(),
      "The user's password. Secret, stored encrypted in state: without two-factor authentication it lets the resource issue a new session by itself when the old one has ended. Changing it updates in place.",
      { secret: true },
    ),
    totp: input(
      z
        .string()
        .regex(/^\d{6,8}$/, "must be the current 6-8 digit one-time code")
        .optional(),
      "The current one-time code, for a user with two-factor authentication. Secret. It is only good for seconds, so it is read only when a session must be issued (create, replace, or an ended session): set it right before such a `pulumi up`. Changing it updates in place.",
      { secret: true },
    ),
    revokeAllSessionsOnDelete: input(
      z.boolean().optional(),
      "Exastro cannot revoke one refresh token: its only call revokes ALL of the user's refresh tokens, including every token used outside this stack. Set true to do exactly that when this resource is deleted (destroy or replace) — a warning lists the sessions ended. It is refused when it would also end a session issued in the same update (a replacement's). Default false: delete leaves the session valid until it expires (365 days by default) and says so. Changing it updates in place.",
    ),
    allowInsecureHttp: input(
      z.boolean().optional(),
      "Allow an `http://` `baseUrl` on a non-loopback host. Default false; never with real credentials.",
    ),
  },
  outputs: {
    sessionId: output(
      z.string().optional(),
      "The Keycloak session id (`sid`) of the refresh token: the `id` the Exastro UI lists.",
    ),
  },
});
