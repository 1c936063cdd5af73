import * as pulumi from "@pulumi/pulumi";
import { shimText } from "./shim";

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

/** Inputs of an {@link AccessToken}. */
export interface AccessTokenArgs {
  /**
   * The token endpoint URL. Set this or {@link issuer}. HTTPS is required except on
   * loopback. Changing it replaces the token.
   */
  tokenEndpoint?: pulumi.Input<string>;
  /**
   * The issuer URL; endpoints come from its discovery document (OIDC Discovery, then RFC
   * 8414), whose `issuer` must match. Set this or {@link tokenEndpoint}. Changing it
   * replaces the token.
   */
  issuer?: pulumi.Input<string>;
  /** RFC 7009 revocation endpoint, when not discovered. Used on delete. */
  revocationEndpoint?: pulumi.Input<string>;
  /** RFC 7662 introspection endpoint, when not discovered. Used by `pulumi refresh`. */
  introspectionEndpoint?: pulumi.Input<string>;
  /** The OAuth client id. Changing it replaces the token. */
  clientId: pulumi.Input<string>;
  /**
   * The client secret. Stored encrypted in state (needed to revoke on delete); never
   * printed. Changing it updates the resource without issuing a new token. Set this or
   * {@link clientSecretConfigKey}.
   */
  clientSecret?: pulumi.Input<string>;
  /**
   * A stack config key (`project:key` or `key`) that holds the client secret, read by the
   * provider at call time, so the secret is never written to this resource's state. Set
   * it with `pulumi config set --secret`.
   */
  clientSecretConfigKey?: pulumi.Input<string>;
  /** Client authentication. Default `client_secret_basic`. Changing it does not issue a new token. */
  clientAuthMethod?: pulumi.Input<ClientAuthMethod>;
  /** Scopes to request (sent space-separated). Changing them replaces the token. */
  scopes?: pulumi.Input<pulumi.Input<string>[]>;
  /** The `audience` parameter (Auth0-style). Changing it replaces the token. */
  audience?: pulumi.Input<string>;
  /** RFC 8707 resource indicators. Changing them replaces the token. */
  resource?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra token request parameters. Reserved OAuth names are refused. Changing them replaces the token. */
  extraParams?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Revoke the token (RFC 7009) when the resource is deleted or replaced. Default true. */
  revokeOnDelete?: pulumi.Input<boolean>;
  /** Allow `http://` endpoints on non-loopback hosts. Default false; never use with real credentials. */
  allowInsecureHttp?: pulumi.Input<boolean>;
}

/** The Pulumi type token of {@link AccessToken} (a dynamic resource served by the shim). */
export const ACCESS_TOKEN_TYPE = "pulumi-nodejs:dynamic/access-tokens:AccessToken";

/** Outputs that are always secret, whatever the caller's options say. */
export const ACCESS_TOKEN_SECRET_OUTPUTS = ["accessToken", "clientSecret", "refreshToken"];

/**
 * An OAuth 2.0 access token issued by the client_credentials grant (RFC 6749 §4.4).
 *
 * - create: discovers endpoints when `issuer` is set, then calls the token endpoint.
 * - refresh: asks RFC 7662 introspection (when offered) whether the token is active; a
 *   revoked or expired token is reported gone, and the next `pulumi up` issues a new one.
 * - delete: revokes the token (RFC 7009) when the server offers revocation.
 *
 * `accessToken` is always a secret output.
 *
 * @example
 * ```ts
 * const token = new AccessToken("reporting", {
 *   issuer: "https://auth.example.com",
 *   clientId: "reporting",
 *   clientSecret: config.requireSecret("clientSecret"),
 *   scopes: ["reports:read"],
 * });
 * export const accessToken = token.accessToken; // [secret]
 * ```
 */
export class AccessToken extends pulumi.CustomResource {
  /** The access token. Secret. */
  declare readonly accessToken: pulumi.Output<string>;
  /** The token type; always `Bearer`. */
  declare readonly tokenType: pulumi.Output<string>;
  /** The scope granted, when the server said (space-separated). */
  declare readonly scope: pulumi.Output<string | undefined>;
  /** When the token was issued (RFC 3339). */
  declare readonly issuedAt: pulumi.Output<string>;
  /** When the token expires (RFC 3339), when the server gave `expires_in`. */
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  /** The token endpoint used (discovered when `issuer` was given). */
  declare readonly resolvedTokenEndpoint: pulumi.Output<string>;
  /** The client id. */
  declare readonly clientId: pulumi.Output<string>;

  /** True if `obj` is an AccessToken, even one from another copy of this package. */
  static override isInstance(obj: unknown): obj is AccessToken {
    return (
      obj !== null && typeof obj === "object" && (obj as { __pulumiType?: string }).__pulumiType === ACCESS_TOKEN_TYPE
    );
  }

  constructor(name: string, args: AccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = {
      ...args,
      __provider: shimText("AccessToken"),
      accessToken: undefined,
      tokenType: undefined,
      scope: undefined,
      issuedAt: undefined,
      expiresAt: undefined,
      resolvedTokenEndpoint: undefined,
    };
    super(
      ACCESS_TOKEN_TYPE,
      name,
      props,
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ACCESS_TOKEN_SECRET_OUTPUTS }),
    );
  }
}
