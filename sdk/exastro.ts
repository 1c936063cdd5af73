/**
 * Exastro IT Automation / Platform access tokens.
 *
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";

/** Inputs of an Exastro {@link AccessToken}. */
export interface AccessTokenArgs extends RotationArgs {
  /**
   * The Exastro URL: `{EXTERNAL_URL}` for organization users, `{EXTERNAL_URL_MNG}` for system
   * managers, e.g. `https://ita.example.com`. Both the token endpoint
   * (`/auth/realms/{org}/protocol/openid-connect/token`) and the API (`/api/...`) are under
   * it. HTTPS is required except on loopback (see {@link allowInsecureHttp}). Changing it
   * replaces the token.
   */
  baseUrl: pulumi.Input<string>;
  /**
   * The organization id (the Keycloak realm; the API client is `_{organizationId}-api`).
   * Required unless {@link systemManager} is set. Changing it replaces the token.
   */
  organizationId?: pulumi.Input<string>;
  /**
   * Act as a system manager: realm `master`, client `_platform-api`, the
   * `/api/platform/...` paths. Default false. Changing it replaces the token.
   */
  systemManager?: pulumi.Input<boolean>;
  /**
   * A refresh token issued in the Exastro UI (user menu → トークン発行), e.g. from
   * `config.requireSecret("exastroRefreshToken")`. Secret. The resource turns it into access
   * tokens; the refresh token in use is kept (encrypted) in the `refreshToken` output and
   * replaced if the server rotates it. Set this, or {@link username} + {@link password}.
   * Changing it replaces the token (the new refresh token is adopted).
   */
  initialRefreshToken?: pulumi.Input<string>;
  /**
   * Sign in as this user to issue the refresh token (password grant, `scope=openid
   * offline_access`), instead of {@link initialRefreshToken}. Changing it replaces the token.
   */
  username?: pulumi.Input<string>;
  /**
   * The user's password. Secret, stored encrypted in state: without two-factor
   * authentication it lets the resource issue a new session by itself when the old one has
   * ended. Changing it updates in place.
   */
  password?: pulumi.Input<string>;
  /**
   * The current one-time code, for a user with two-factor authentication. Secret. It is
   * only good for seconds, so it is read only when a session must be issued (create,
   * replace, or an ended session): set it right before such a `pulumi up`. Changing it
   * updates in place.
   */
  totp?: pulumi.Input<string>;
  /**
   * Exastro cannot revoke one refresh token: its only call revokes ALL of the user's refresh
   * tokens, including every token used outside this stack. Set true to do exactly that when
   * this resource is deleted (destroy or replace) — a warning lists the sessions ended. It is
   * refused when it would also end a session issued in the same update (a replacement's).
   * Default false: delete leaves the session valid until it expires (365 days by default)
   * and says so. Changing it updates in place.
   */
  revokeAllSessionsOnDelete?: pulumi.Input<boolean>;
  /** Allow an `http://` {@link baseUrl} on a non-loopback host. Default false; never with real credentials. */
  allowInsecureHttp?: pulumi.Input<boolean>;
}

/**
 * An Exastro access token: the access token of an offline session (refresh token), renewed
 * through `pulumi up`.
 *
 * - create: the refresh_token grant with {@link AccessTokenArgs.initialRefreshToken}, or the
 *   password grant (`scope=openid offline_access`, `totp` for two-factor users) that issues a
 *   new offline session.
 * - rotation (`rotateAfter`, `rotateBeforeExpiry`, `triggers`, expiry after 24 h by
 *   default): renewed in place with the stored refresh token.
 * - refresh: the token's session (`sessionId`) must still be listed by
 *   `GET …/users/_current/refresh_tokens`; a revoked session is dropped from state and the
 *   next `pulumi up` issues a new one (password mode) — with a refresh token from the UI,
 *   set a new `initialRefreshToken`.
 * - delete: nothing is revoked unless `revokeAllSessionsOnDelete` is set (see there); a
 *   warning says how long the token stays valid.
 * - `preview` warns 7 days before the refresh token ends (`refreshTokenExpiresAt`).
 *
 * @example
 * ```ts
 * const token = new exastro.AccessToken("ita", {
 *   baseUrl: "https://ita.example.com",
 *   organizationId: "org1",
 *   initialRefreshToken: config.requireSecret("exastroRefreshToken"),
 *   rotateAfter: "12h",
 * });
 * export const accessToken = token.accessToken; // [secret]
 * ```
 */
export class AccessToken extends TokenResource {
  /** The Keycloak session id (`sid`) of the refresh token: the `id` the Exastro UI lists. */
  declare readonly sessionId: pulumi.Output<string | undefined>;
  /** The refresh token in use (from the input, or rotated by the server). Secret. */
  declare readonly refreshToken: pulumi.Output<string>;

  constructor(name: string, args: AccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      name,
      "exastro",
      { ...args },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["initialRefreshToken", "totp"] }),
      ["sessionId", "refreshToken"],
    );
  }
}
