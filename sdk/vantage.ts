/**
 * ABBYY Vantage access tokens, and the API clients that get them (create-only).
 *
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { type ClientOrId, type RotationArgs, TokenResource } from "./access-token";
import { ClientResource, givenInput } from "./api-client";

/** A Vantage region: `eu` (`vantage-eu.abbyy.com`), `us` or `au`. */
export type Region = "eu" | "us" | "au";

/** The grants Vantage's token endpoint offers to a program. */
export type GrantType = "client_credentials" | "password" | "refresh_token";

/** How the client authenticates: in the body (`client_secret_post`, documented), HTTP Basic, or `none` (public client). */
export type ClientAuthMethod = "client_secret_post" | "client_secret_basic" | "none";

/** Inputs of a Vantage {@link AccessToken} besides the client: see {@link VantageTokenArgs}. */
export interface VantageTokenBaseArgs extends RotationArgs {
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
 * Inputs of a Vantage {@link AccessToken}: the client is named by `clientId` (with its
 * secret), or given as `client`, an {@link ApiClient} whose outputs fill `clientId`,
 * `clientSecret` (`clientAuthMethod: "none"` for a public client), `tenantId` and the host
 * (`region` or `baseUrl`); inputs set here win. Passing the client also orders it before
 * the token.
 */
export type VantageTokenArgs = VantageTokenBaseArgs & ClientOrId<ApiClient>;

/** Token inputs filled from `client`'s outputs, for those not set in `args`. */
function inputsFromClient(client: ApiClient, args: VantageTokenBaseArgs): Record<string, unknown> {
  const hostGiven = args.region !== undefined || args.baseUrl !== undefined;
  const secretGiven =
    args.clientSecret !== undefined || args.clientSecretConfigKey !== undefined || args.clientAuthMethod === "none";
  return {
    clientId: client.clientId,
    // As given to the client (one of the two): an output never set is unknown at preview.
    ...(hostGiven
      ? {}
      : { region: givenInput<string>(client, "region"), baseUrl: givenInput<string>(client, "baseUrl") }),
    ...(args.tenantId !== undefined ? {} : { tenantId: client.tenantId }),
    ...(secretGiven ? {} : { clientSecret: client.clientSecret }),
    // A public client (created with requireClientSecret: false) has no secret to send.
    ...(args.clientAuthMethod !== undefined
      ? {}
      : { clientAuthMethod: client.metadata.apply((m) => (m?.requireClientSecret === false ? "none" : undefined)) }),
  };
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
 * secret outputs. Pass an {@link ApiClient} as `client` to issue its tokens.
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
    const { client, ...rest } = args;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    super(name, "vantage", client ? { ...inputsFromClient(client, rest), ...given } : { ...rest }, opts, [
      "clientId",
      "tenantId",
    ]);
  }
}

/** The admin API version that creates clients: `v2` (current docs) or `v1` (older docs). */
export type AdminApiVersion = "v2" | "v1";

/**
 * Inputs of a Vantage {@link ApiClient}: where to create it, the administrator's token, and
 * the client's settings (admin API field names). Vantage cannot update a client, so
 * changing any of them except `accessToken` and `apiVersion` creates a NEW client and
 * leaves the old one in Vantage.
 */
export interface VantageApiClientArgs {
  /** The region whose host creates the client. Set this or {@link baseUrl}. Changing it creates a new client. */
  region?: pulumi.Input<Region>;
  /**
   * The Vantage host (e.g. `https://vantage-eu.abbyy.com`, or a local test server). Set this
   * or {@link region}. HTTPS is required except on loopback. Changing it creates a new client.
   */
  baseUrl?: pulumi.Input<string>;
  /** The tenant the client belongs to. Changing it creates a new client. */
  tenantId: pulumi.Input<string>;
  /**
   * The admin API version of the create route: `v2` (default) or `v1` (older docs). Changing
   * it later changes nothing: the client is already created.
   */
  apiVersion?: pulumi.Input<AdminApiVersion>;
  /**
   * A tenant administrator's access token (Bearer), typically `admin.accessToken` of a
   * {@link AccessToken} of an administrator. Secret. Used only to create the client, so a
   * renewed token changes nothing at Vantage. A refused one (HTTP 401) has usually expired
   * (24 h): `pulumi up` renews the vantage.AccessToken that feeds it.
   */
  accessToken: pulumi.Input<string>;
  /**
   * The client id to ask for. Default: Vantage generates one. It must be free in the
   * tenant (HTTP 409 otherwise), also after a replacement, because the old client stays.
   * Changing it creates a new client. (The provider stores it as `requestedClientId`; the
   * `clientId` output is the id Vantage created.)
   */
  clientId?: pulumi.Input<string>;
  /** `clientName`, shown in Vantage. Default: the resource's name. Changing it creates a new client. */
  clientName?: pulumi.Input<string>;
  /** `allowOfflineAccess` ("Allow issuing refresh tokens"). Default false. Changing it creates a new client. */
  allowOfflineAccess?: pulumi.Input<boolean>;
  /**
   * `requireClientSecret`. Default true; false makes a public client that gets no secret
   * (and cannot use `client_credentials`). Changing it creates a new client.
   */
  requireClientSecret?: pulumi.Input<boolean>;
  /** `requireConsent`. Default false. Changing it creates a new client. */
  requireConsent?: pulumi.Input<boolean>;
  /** `allowNoPkce`: authorization code without PKCE. Default false. Changing it creates a new client. */
  allowNoPkce?: pulumi.Input<boolean>;
  /**
   * `allowedGrantTypes`, e.g. `["client_credentials"]` (default) or `["authorization_code"]`
   * (needs {@link redirectUris}). Changing it creates a new client.
   */
  allowedGrantTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** `allowedCorsOrigins`: origins such as `https://app.example.com`. Default none. Changing it creates a new client. */
  allowedCorsOrigins?: pulumi.Input<pulumi.Input<string>[]>;
  /** `allowedScopes`. Default `["openid", "permissions", "publicapi.all"]` (documented). Changing it creates a new client. */
  allowedScopes?: pulumi.Input<pulumi.Input<string>[]>;
  /** `redirectUris`, for the authorization code flow. Default none. Changing it creates a new client. */
  redirectUris?: pulumi.Input<pulumi.Input<string>[]>;
  /** `postLogoutRedirectUris`. Default none. Changing it creates a new client. */
  postLogoutRedirectUris?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `allowRopc` ("Allow Resource Owner Password Credentials Flow"): the password grant.
   * Default false. Changing it creates a new client.
   */
  allowRopc?: pulumi.Input<boolean>;
  /**
   * Other fields of the admin API's client body, by their wire name. Fields that have an
   * input above, and `clientSecret`, are refused. Changing it creates a new client.
   */
  extraFields?: pulumi.Input<Record<string, unknown>>;
}

/**
 * An ABBYY Vantage API client, created by the admin API
 * (`POST {base}/api/adminapi2/v2/tenants/{tenantId}/clients/`) with a tenant
 * administrator's access token. **Create-only**: Vantage documents no API to read, list,
 * update or delete API clients, or to rotate their secrets.
 *
 * - create: creates the client; Vantage shows its secret this once, and it is kept in state
 *   (secret). Errors say what to do: 401 (the administrator's token expired), 403 (not a
 *   tenant administrator), 404 (no such tenant), 409 (the client id exists).
 * - diff: every change (except `accessToken` and `apiVersion`) creates a NEW client, and
 *   preview warns that the old one is NOT deleted.
 * - refresh: cannot check the client (Vantage cannot read it) and says so; state is kept.
 *   If the client was deleted in Vantage, `pulumi up --replace <urn>` creates a new one.
 * - delete (and replacement): **the client stays in Vantage**, its secret valid, and a
 *   warning says so: delete it in Vantage as a tenant administrator (the tenant's API
 *   clients, see ABBYY's "Managing Tenant Vantage API Clients").
 *
 * `clientSecret` and `accessToken` are always secret. Pass the resource as `client` to a
 * {@link AccessToken} to issue its tokens.
 *
 * @example
 * ```ts
 * const admin = new vantage.AccessToken("admin", {
 *   region: "eu",
 *   tenantId,
 *   clientId: config.require("adminClientId"),
 *   clientSecret: config.requireSecret("adminClientSecret"),
 *   rotateAfter: "20h",
 * });
 * const client = new vantage.ApiClient("reporting", {
 *   region: "eu",
 *   tenantId,
 *   accessToken: admin.accessToken,
 *   allowedGrantTypes: ["client_credentials"],
 * });
 * const token = new vantage.AccessToken("reporting", { client, rotateAfter: "20h" });
 * ```
 */
export class ApiClient extends ClientResource {
  /** The region, when given. */
  declare readonly region: pulumi.Output<Region | undefined>;
  /** The host, when given. */
  declare readonly baseUrl: pulumi.Output<string | undefined>;
  /** The tenant the client belongs to. */
  declare readonly tenantId: pulumi.Output<string>;
  /**
   * The client as Vantage created it (admin API field names, server defaults included,
   * `clientSecret` left out), e.g. `metadata.allowedGrantTypes`.
   */
  declare readonly metadata: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: VantageApiClientArgs, opts?: pulumi.CustomResourceOptions) {
    const { clientId, ...rest } = args;
    super(name, "vantage", { ...rest, ...(clientId !== undefined ? { requestedClientId: clientId } : {}) }, opts, [
      "region",
      "baseUrl",
      "tenantId",
    ]);
  }
}
