/**
 * Alphaus (Ripple / Octo, Wave / Wave PRO) access tokens, and the API clients that issue
 * them (Blue API).
 *
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";
import { ClientResource, type ClientRotationArgs, givenInput } from "./api-client";

/** The token family: Ripple (also valid on Octo) or Wave (also Wave PRO). Tokens are not interchangeable. */
export type Product = "ripple" | "wave";

/** Production, or the beta ("next") environment. */
export type Environment = "production" | "beta";

/** The grants the Alphaus token endpoints document. */
export type GrantType = "client_credentials" | "password";

/**
 * Inputs of an Alphaus {@link AccessToken}.
 *
 * Every credential is optional: what is not given is read by the provider, each time it
 * issues a token, from the environment variables `bluectl` and the Alphaus SDKs use, in the
 * environment of the `pulumi` command. Values read there are never written to state.
 *
 * | Without `product` (SDK order)          | With `product: "wave"` (or `"ripple"`) |
 * | -------------------------------------- | -------------------------------------- |
 * | `ALPHAUS_CLIENT_ID`, `_CLIENT_SECRET`, `_USERNAME`, `_PASSWORD`, then `ALPHAUS_RIPPLE_*`, then `ALPHAUS_WAVE_*` | `ALPHAUS_WAVE_*`, then `ALPHAUS_*` |
 *
 * The first group that sets `CLIENT_ID` (equal to {@link clientId} when that is given) is
 * used; `ALPHAUS_RIPPLE_*` and `ALPHAUS_WAVE_*` also pick their product's endpoint, and
 * `ALPHAUS_AUTH_URL` replaces the endpoint when neither {@link product} nor
 * {@link environment} is set.
 */
export interface AlphausTokenArgs extends RotationArgs {
  /**
   * The product whose token endpoint issues the token. Default: the product of the
   * environment group used, else `ALPHAUS_AUTH_URL`'s, else `ripple` (as the vendor SDKs).
   * Changing it replaces the token.
   */
  product?: pulumi.Input<Product>;
  /** `production` (default, `login.alphaus.cloud`) or `beta` (`loginnext.alphaus.cloud`). Changing it replaces the token. */
  environment?: pulumi.Input<Environment>;
  /**
   * The token endpoint URL, replacing the documented one (e.g. a proxy, or a local test
   * server). HTTPS is required except on loopback. Changing it replaces the token.
   */
  authUrl?: pulumi.Input<string>;
  /**
   * The grant. Default: `password` when a username and a password are known (inputs or
   * environment), else `client_credentials`. Changing it replaces the token.
   */
  grantType?: pulumi.Input<GrantType>;
  /** The API client id. Default: from the environment (see above). Changing it replaces the token. */
  clientId?: pulumi.Input<string>;
  /**
   * The API client secret. Default: from the environment (see above), which keeps it out of
   * state. When given here it is stored encrypted in state; never printed.
   */
  clientSecret?: pulumi.Input<string>;
  /** The account's user name, for the password grant. Default: from the environment. Changing it replaces the token. */
  username?: pulumi.Input<string>;
  /** The account's password, for the password grant. Secret. Default: from the environment. */
  password?: pulumi.Input<string>;
  /**
   * An {@link ApiClient} to issue the token for: its `clientId` and `clientSecret` fill
   * those inputs, the grant is `client_credentials`, and its `environment` is used when
   * neither {@link environment} nor {@link authUrl} is set. Inputs set here win. Passing it
   * also orders the client before the token, and a new client (replaced, or recreated after
   * it was deleted at Alphaus) gives a new token.
   */
  client?: ApiClient;
}

/** Token inputs filled from `client`'s outputs, for those not set in `args`. */
function inputsFromClient(client: ApiClient, args: AlphausTokenArgs): Record<string, unknown> {
  return {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    grantType: "client_credentials",
    // As given to the client: its output is unknown at preview when it was never set.
    ...(args.environment === undefined && args.authUrl === undefined
      ? { environment: givenInput<Environment>(client, "environment") }
      : {}),
  };
}

/**
 * An Alphaus access token (a JWT, 24 h by default), issued by the product's token endpoint
 * with the client_credentials or password grant, sent as the documented
 * `multipart/form-data`.
 *
 * - create: runs the grant (at most 50 token requests per second per client id across the
 *   provider process, under the documented 100 per second per user; a 429 is retried twice).
 * - rotation (`rotateAfter`, `rotateBeforeExpiry`, `triggers`, expiry): Alphaus has no
 *   refresh grant, so a rotation runs the grant again; the token is replaced, or renewed in
 *   place with a `gracePeriod`.
 * - refresh: Alphaus offers no introspection; only the JWT's `exp` is checked.
 * - delete: **Alphaus cannot revoke tokens.** The token stays valid until it expires, and
 *   every delete or replacement says so as a warning. Deleting the API client (in the
 *   console or the Blue API) is the only lever, and may not stop tokens already issued.
 *
 * `accessToken` is always a secret output. Pass an {@link ApiClient} as `client` to issue
 * the token for a client the stack creates.
 *
 * @example
 * ```ts
 * // ALPHAUS_CLIENT_ID and ALPHAUS_CLIENT_SECRET are set where `pulumi up` runs.
 * const token = new alphaus.AccessToken("ripple-reports", { product: "ripple", rotateAfter: "20h" });
 * export const accessToken = token.accessToken; // [secret]
 * ```
 */
export class AccessToken extends TokenResource {
  /** The product whose endpoint issued the token. */
  declare readonly resolvedProduct: pulumi.Output<Product>;
  /** The client id used (from the inputs or the environment). */
  declare readonly resolvedClientId: pulumi.Output<string>;
  /** The grant used. */
  declare readonly resolvedGrantType: pulumi.Output<GrantType>;
  /** Where the credentials came from: `inputs`, `ALPHAUS_*`, `ALPHAUS_RIPPLE_*` or `ALPHAUS_WAVE_*`. */
  declare readonly credentialSource: pulumi.Output<string>;

  constructor(name: string, args: AlphausTokenArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const { client, ...rest } = args;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    super(name, "alphaus", client ? { ...inputsFromClient(client, rest), ...given } : { ...rest }, opts, [
      "resolvedProduct",
      "resolvedClientId",
      "resolvedGrantType",
      "credentialSource",
    ]);
  }
}

/** An Alphaus Ripple (and Octo) token: {@link AccessToken} with `product: "ripple"`. */
export class RippleToken extends AccessToken {
  constructor(name: string, args: Omit<AlphausTokenArgs, "product"> = {}, opts?: pulumi.CustomResourceOptions) {
    super(name, { ...args, product: "ripple" }, opts);
  }
}

/** An Alphaus Wave (and Wave PRO) token: {@link AccessToken} with `product: "wave"`. */
export class WaveToken extends AccessToken {
  constructor(name: string, args: Omit<AlphausTokenArgs, "product"> = {}, opts?: pulumi.CustomResourceOptions) {
    super(name, { ...args, product: "wave" }, opts);
  }
}

/**
 * Inputs of an Alphaus {@link ApiClient}.
 *
 * The owner (the user whose API client this is) is authenticated on the Blue API with a
 * bearer token: {@link accessToken}, or, without it, a token the provider issues each time
 * it needs one, from {@link ownerClientId} / {@link ownerClientSecret} (and
 * {@link ownerUsername} / {@link ownerPassword} for the password grant), else from the same
 * `ALPHAUS_*` environment variables as {@link AccessToken} (in the environment of the
 * `pulumi` command; never written to state). None of them is part of what the client is:
 * changing them makes no call and replaces nothing.
 */
export interface ApiClientArgs extends ClientRotationArgs {
  /** The client's name at Alphaus. Required. Alphaus cannot rename a client: changing it replaces the client. */
  name: pulumi.Input<string>;
  /**
   * `production` (default, `api.alphaus.cloud`) or `beta` (`apinext.alphaus.cloud`); also
   * picks the owner's token endpoint when the provider issues the owner's token. Changing
   * it replaces the client.
   */
  environment?: pulumi.Input<Environment>;
  /**
   * The Blue API base URL, replacing the documented one (e.g. a proxy, or a local test
   * server); `/iam/v1/apiclients` is appended. HTTPS is required except on loopback.
   * Changing it replaces the client.
   */
  apiUrl?: pulumi.Input<string>;
  /**
   * The owner's bearer token, typically `owner.accessToken` of an Alphaus
   * {@link AccessToken} that rotates within its 24 h life. Secret. Once its JWT has
   * expired (a `pulumi destroy` days later), the provider issues the owner's token from
   * the owner credentials instead, if there are any. Changing it makes no call.
   */
  accessToken?: pulumi.Input<string>;
  /** The owner's API client id, when no {@link accessToken}. Default: from the environment, as for {@link AccessToken}. */
  ownerClientId?: pulumi.Input<string>;
  /** The owner's API client secret. Secret; stored encrypted in state. Default: from the environment. */
  ownerClientSecret?: pulumi.Input<string>;
  /** The owner's user name, for the password grant. Default: from the environment. */
  ownerUsername?: pulumi.Input<string>;
  /** The owner's password, for the password grant. Secret; stored encrypted in state. Default: from the environment. */
  ownerPassword?: pulumi.Input<string>;
  /**
   * The token endpoint that issues the owner's token, replacing the documented one of
   * {@link environment} (HTTPS except on loopback). Default: `ALPHAUS_AUTH_URL` when
   * {@link environment} is not set, else the documented Ripple endpoint (or Wave's, for
   * `ALPHAUS_WAVE_*` credentials).
   */
  ownerAuthUrl?: pulumi.Input<string>;
}

/**
 * An Alphaus API client, created with the Blue API (`POST /iam/v1/apiclients`) for the
 * owner whose bearer token the provider uses. Its tokens (Ripple and Wave alike) use the
 * client_credentials grant: pass it as `client` to an {@link AccessToken},
 * {@link RippleToken} or {@link WaveToken}.
 *
 * - create: registers the client; its secret is returned only then, and is kept (secret)
 *   in state.
 * - diff: Alphaus cannot change a client, so a new {@link ApiClientArgs.name | name},
 *   `environment` or `apiUrl` replaces it; the owner's token and credentials are not part
 *   of the client (changing them makes no call).
 * - refresh: lists the owner's clients and looks for this one. A client deleted at Alphaus
 *   leaves state, and the next `pulumi up` creates a new one (and its tokens follow). A list
 *   that fails midway is an error: state is left as it was. A stale
 *   {@link ApiClientArgs.accessToken} (expired, or refused) is a warning, not an error: the
 *   client is kept unchecked until `pulumi up` renews the token that feeds it.
 * - delete: deletes the client (already gone is fine).
 * - rotation (`rotateAfter`, `triggers`): a new client is created, the tokens given it as
 *   `client` switch to it in the same `pulumi up`, then the old client is deleted — the
 *   way to retire a client secret on a schedule.
 *
 * What Alphaus cannot do:
 * - **No token revocation.** Deleting the client is the only lever, and tokens already
 *   issued to it probably stay valid until they expire (24 h after issue); every delete
 *   says so as a warning.
 * - **No update.** The name cannot change in place; the client is replaced (new id and
 *   secret).
 * - The owner's token lives 24 h: state written with {@link ApiClientArgs.accessToken}
 *   stays deletable later only if the token that feeds it is renewed (`pulumi up`) or
 *   owner credentials are available (inputs or `ALPHAUS_*` environment variables).
 *
 * `clientSecret`, `accessToken`, `ownerClientSecret` and `ownerPassword` are always secret.
 *
 * @example
 * ```ts
 * // ALPHAUS_CLIENT_ID and ALPHAUS_CLIENT_SECRET (the owner's) are set where `pulumi up` runs.
 * const client = new alphaus.ApiClient("reports", { name: "reports" });
 * const token = new alphaus.RippleToken("reports", { client, rotateAfter: "20h" });
 * export const clientSecret = client.clientSecret; // [secret]
 * ```
 */
export class ApiClient extends ClientResource {
  /** The client's name at Alphaus. */
  declare readonly name: pulumi.Output<string>;
  /** The environment, when given. */
  declare readonly environment: pulumi.Output<Environment | undefined>;
  /** The grant its tokens use: `client_credentials`. */
  declare readonly grantType: pulumi.Output<string>;
  /** The owner the client belongs to, as Alphaus names it. */
  declare readonly parent: pulumi.Output<string | undefined>;
  /** When Alphaus created the client, as it said (also `clientIdIssuedAt`, RFC 3339). */
  declare readonly createTime: pulumi.Output<string | undefined>;
  /** The Blue API base the client was created at. */
  declare readonly blueApiUrl: pulumi.Output<string>;

  constructor(name: string, args: ApiClientArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, "alphaus", { ...args }, opts, [
      "name",
      "environment",
      "grantType",
      "parent",
      "createTime",
      "blueApiUrl",
    ]);
  }
}
