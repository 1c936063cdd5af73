/**
 * Alphaus (Ripple / Octo, Wave / Wave PRO) access tokens.
 *
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";

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
 * `accessToken` is always a secret output.
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
    super(name, "alphaus", { ...args }, opts, [
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
