/**
 * ABBYY Vantage access tokens.
 *
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";

/** A Vantage region: `eu` (`vantage-eu.abbyy.com`), `us` or `au`. */
export type Region = "eu" | "us" | "au";

/** The grants Vantage's token endpoint offers to a program. */
export type GrantType = "client_credentials" | "password" | "refresh_token";

/** How the client authenticates: in the body (`client_secret_post`, documented), HTTP Basic, or `none` (public client). */
export type ClientAuthMethod = "client_secret_post" | "client_secret_basic" | "none";

/** Inputs of a Vantage {@link AccessToken}. */
export interface VantageTokenArgs extends RotationArgs {
  /** The region whose host issues the token. Set this or {@link baseUrl}. Changing it replaces the token. */
  region?: pulumi.Input<Region>;
  /**
   * The Vantage host (e.g. `https://vantage-eu.abbyy.com`, or a local test server). Set this
   * or {@link region}. HTTPS is required except on loopback. Changing it replaces the token.
   */
  baseUrl?: pulumi.Input<string>;
  /**
   * The tenant id. When set, endpoints come from the tenant's discovery document and tokens
   * from the tenant-scoped endpoint (needed when one e-mail belongs to several tenants);
   * it is also the only way revocation can be found. Changing it replaces the token.
   */
  tenantId?: pulumi.Input<string>;
  /** The grant. Default `client_credentials`. Changing it replaces the token. */
  grantType?: pulumi.Input<GrantType>;
  /** The Vantage API client id. Changing it replaces the token. */
  clientId: pulumi.Input<string>;
  /**
   * The client secret. Stored encrypted in state (needed to renew); never printed. Set this
   * or {@link clientSecretConfigKey}, or neither for a public client.
   */
  clientSecret?: pulumi.Input<string>;
  /** A stack config key holding the client secret, read by the provider at call time (kept out of state). */
  clientSecretConfigKey?: pulumi.Input<string>;
  /** Client authentication. Default `client_secret_post`, as documented. */
  clientAuthMethod?: pulumi.Input<ClientAuthMethod>;
  /** The user's e-mail, for `grantType: "password"`. Changing it replaces the token. */
  username?: pulumi.Input<string>;
  /** The user's password, for `grantType: "password"`. Secret. */
  password?: pulumi.Input<string>;
  /**
   * With `grantType: "password"`: also ask for `offline_access`, so Vantage returns a refresh
   * token (the client needs "Allow issuing refresh tokens") and rotations renew from it
   * instead of sending the password again. When the refresh token reaches its 30-day end
   * the provider signs in with the password again by itself. Default false. Changing it
   * replaces the token.
   */
  offlineAccess?: pulumi.Input<boolean>;
  /**
   * For `grantType: "refresh_token"`: the refresh token of an interactive sign-in
   * (authorization code + PKCE). Secret. It is spent when the resource is created: Vantage
   * refresh tokens work once, so every renewal stores the new one in state (the secret
   * output `refreshToken`) and uses it next time. A new value (after a new sign-in)
   * replaces the token.
   */
  initialRefreshToken?: pulumi.Input<string>;
  /**
   * For `grantType: "refresh_token"`: when {@link initialRefreshToken} was issued (RFC 3339).
   * Vantage refresh tokens end 30 days after the original sign-in whatever happens, so this
   * sets `refreshTokenExpiresAt`, and `pulumi preview` warns in the last 7 days.
   */
  refreshTokenIssuedAt?: pulumi.Input<string>;
  /**
   * Scopes to request. Default `openid permissions global.wildcard` (documented; the vendor
   * says it may change). Changing them replaces the token.
   */
  scopes?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The `productId` of the interactive authorize request. Default
   * `a8548c9b-cb90-4c66-8567-d7372bb9b963` (documented; the vendor says it may change). Not
   * sent by token requests; kept here for the authorize command.
   */
  productId?: pulumi.Input<string>;
  /**
   * On delete, for a token that renews from a refresh token: `true` revokes the refresh
   * token (ending the sign-in) when the tenant's discovery lists a revocation endpoint
   * (Vantage documents none). Default: not revoked, with a warning. Access tokens cannot be
   * revoked at all; `false` also silences that warning.
   */
  revokeOnDelete?: pulumi.Input<boolean>;
}

/**
 * An ABBYY Vantage access token (a JWT, 24 h), issued by the client_credentials (default),
 * password, or refresh_token grant.
 *
 * - create: discovers the tenant's endpoints when `tenantId` is set, then runs the grant.
 * - rotation: with a refresh token in state (refresh_token grant, or password grant with
 *   `offlineAccess`), renews in place from it; Vantage refresh tokens are one-time, so the
 *   new one replaces it in state. Otherwise the grant runs again and the token is replaced.
 * - `refreshTokenExpiresAt`: 30 days after the original sign-in, carried over unchanged by
 *   every renewal; preview warns 7 days before it (refresh_token grant). A rejected refresh
 *   token fails with what to do: re-authorize.
 * - refresh: checks the JWT's expiry (and introspection only when discovery offers it and
 *   the server allows the client to use it); no business API is called.
 * - delete: **access tokens cannot be revoked** (self-contained JWTs, valid until they
 *   expire), and a warning says so. The refresh token is revoked only with
 *   `revokeOnDelete: true` and only when the tenant's discovery lists a revocation
 *   endpoint, which Vantage does not document.
 *
 * `accessToken`, `refreshToken`, `initialRefreshToken`, `clientSecret` and `password` are
 * secret outputs.
 *
 * @example
 * ```ts
 * const token = new vantage.AccessToken("skills", {
 *   region: "eu",
 *   clientId: config.require("clientId"),
 *   clientSecret: config.requireSecret("clientSecret"),
 *   rotateAfter: "20h",
 * });
 * ```
 */
export class AccessToken extends TokenResource {
  /** The client id. */
  declare readonly clientId: pulumi.Output<string>;
  /** The tenant id, when set. */
  declare readonly tenantId: pulumi.Output<string | undefined>;

  constructor(name: string, args: VantageTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, "vantage", { ...args }, opts, ["clientId", "tenantId"]);
  }
}
