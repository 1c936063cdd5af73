import * as pulumi from "@pulumi/pulumi";
import { type ApiClient, givenInput, withSecretInputs } from "./api-client";
import { allSecretInputsOf, commonSecretOutputsOf, ownSecretOutputsOf } from "./secret-inputs";
import { ACCESS_TOKEN_TYPE, shimText } from "./shim";
import { quietStacks, restoreStacks, withCallerStack } from "./stacks";

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1); `none` for public clients. */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** The grant that issues the first token. */
export type GrantType = "client_credentials" | "password" | "refresh_token";

/** When and how a token rotates. Shared by every token resource of this package. */
export interface RotationArgs {
  /**
   * Rotate this long after the token was issued, e.g. `"20h"`, `"7d"`, `"1h30m"`. Decided
   * at plan time: a plain `pulumi preview` shows what will rotate and why.
   */
  rotateAfter?: pulumi.Input<string>;
  /** Rotate this long before expiry (`"2h"`) or at this fraction of the lifetime left (`"25%"`). */
  rotateBeforeExpiry?: pulumi.Input<string>;
  /** Any change to this map rotates the token (like `time_rotating`'s triggers). */
  triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Keep the previous token valid this long after a rotation (as the secret output
   * `previousAccessToken`), so stacks that read it later can switch. It is revoked on the
   * first `pulumi up` after the grace period ends, and on destroy.
   */
  gracePeriod?: pulumi.Input<string>;
  /** On `pulumi refresh`, drop a token found revoked or expired so the next `up` re-issues it. Default true. */
  recreateIfInvalid?: pulumi.Input<boolean>;
  /** The HTTP policy of this resource's requests (never replaces the token). */
  http?: pulumi.Input<HttpArgs>;
}

/** Timeouts, retries, rate limit and trust for a token resource's requests. */
export interface HttpArgs {
  /** TCP + TLS connect timeout, e.g. "10s" (default). */
  connectTimeout?: string;
  /** Time to the response headers, e.g. "30s" (default). */
  headersTimeout?: string;
  /** Longest pause inside the response body, e.g. "30s" (default). */
  bodyTimeout?: string;
  /** Total time of one request, headers and whole body, e.g. "60s" (default). */
  requestTimeout?: string;
  /**
   * Time budget of one operation (a create, read, update or delete: every request, retry
   * and wait together), e.g. "5m" (default, at most "10m").
   */
  operationTimeout?: string;
  /** Attempts in all for 429 / 503 / connection failures before sending (default 3, at most 5). */
  maxAttempts?: number;
  /** Longest Retry-After to wait for, e.g. "30s" (default). */
  maxRetryAfter?: string;
  /** Requests per second to the token endpoint's origin, shared by the provider process. */
  requestsPerSecond?: number;
  /** Extra CA certificates (PEM text or a file path), added to Node's roots. TLS is always verified. */
  caBundle?: string;
}

/** Inputs of an {@link AccessToken} besides the client: see {@link AccessTokenArgs}. */
export interface AccessTokenBaseArgs extends RotationArgs {
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
  /** The grant that issues the first token. Default `client_credentials`. Changing it replaces the token. */
  grantType?: pulumi.Input<GrantType>;
  /**
   * The client secret. Stored encrypted in state (needed to renew and revoke); never
   * printed. Changing it updates the resource without issuing a new token. Set this or
   * {@link clientSecretConfigKey}, or neither for a public client.
   */
  clientSecret?: pulumi.Input<string>;
  /**
   * A stack config key (`project:key` or `key`) that holds the client secret, read by the
   * provider at call time, so the secret is never written to this resource's state. Set
   * it with `pulumi config set --secret`.
   */
  clientSecretConfigKey?: pulumi.Input<string>;
  /** Client authentication. Default `client_secret_basic`; `none` for a public client. */
  clientAuthMethod?: pulumi.Input<ClientAuthMethod>;
  /** Resource owner for `grantType: "password"`. Changing it replaces the token. */
  username?: pulumi.Input<string>;
  /** Resource owner password for `grantType: "password"`. Secret. */
  password?: pulumi.Input<string>;
  /**
   * The refresh token to start from, for `grantType: "refresh_token"` (e.g. from the
   * interactive authorization). Secret. The latest refresh token (rotated by the server)
   * is kept in state and used for renewal; a new value here (a new authorization)
   * replaces the resource.
   */
  refreshToken?: pulumi.Input<string>;
  /** Scopes to request (sent space-separated). Changing them replaces the token. */
  scopes?: pulumi.Input<pulumi.Input<string>[]>;
  /** The `audience` parameter (Auth0-style). Changing it replaces the token. */
  audience?: pulumi.Input<string>;
  /** RFC 8707 resource indicators. Changing them replaces the token. */
  resource?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra token request parameters. Reserved OAuth names are refused. Changing them replaces the token. */
  extraParams?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Revoke on delete (RFC 7009). Default: true for tokens without a refresh token (the
   * access token is revoked); for tokens that renew from a refresh token, only when set to
   * true, and then the refresh token is revoked — ending the whole authorization, since a
   * server may revoke a grant when any of its tokens is revoked (RFC 7009 §2.1).
   */
  revokeOnDelete?: pulumi.Input<boolean>;
  /** Allow `http://` endpoints on non-loopback hosts. Default false; never use with real credentials. */
  allowInsecureHttp?: pulumi.Input<boolean>;
  /**
   * Trust endpoints on another origin than the issuer's. Endpoints discovered from `issuer` (token, revocation and introspection endpoints) receive credentials only when they share the origin (scheme, host, port) of
   * where they were found; endpoints you set explicitly are always used. Default false:
   * set it only for a server known to split its endpoints across hosts.
   */
  allowCrossOriginEndpoints?: pulumi.Input<boolean>;
}

/**
 * Inputs of an {@link AccessToken} (generic OAuth 2.0 server): the client is named by
 * `clientId` (with its secret), or given as `client`, an {@link ApiClient} whose outputs
 * fill `clientId`, `clientSecret`, `clientAuthMethod` and `issuer` (else `tokenEndpoint`);
 * inputs set here win. Passing the client also orders it before the token.
 */
export type AccessTokenArgs = AccessTokenBaseArgs & ClientOrId<ApiClient>;

/**
 * How a token names its client: by `clientId`, or by `client`, an API client resource of
 * this package whose outputs fill the client id, secret and where it lives (inputs set
 * beside it win), or both.
 */
export type ClientOrId<C> =
  | {
      /** The client id. Changing it replaces the token. */
      clientId: pulumi.Input<string>;
      /** An API client resource to take the client id, secret and endpoints from. */
      client?: C;
    }
  | {
      /** An API client resource to take the client id, secret and endpoints from. */
      client: C;
      /** The client id; default the client's. Changing it replaces the token. */
      clientId?: pulumi.Input<string>;
    };

/** Token inputs filled from `client`'s outputs, for those not set in `args`. */
function inputsFromClient(client: ApiClient, args: AccessTokenBaseArgs): Record<string, unknown> {
  const endpointGiven = args.issuer !== undefined || args.tokenEndpoint !== undefined;
  const secretGiven =
    args.clientSecret !== undefined || args.clientSecretConfigKey !== undefined || args.clientAuthMethod === "none";
  return {
    clientId: client.clientId,
    ...(secretGiven ? {} : { clientSecret: client.clientSecret }),
    ...(args.clientAuthMethod !== undefined
      ? {}
      : { clientAuthMethod: client.metadata.apply((m) => m?.token_endpoint_auth_method as string | undefined) }),
    ...(endpointGiven ? {} : endpointsFromClient(client)),
  };
}

/**
 * The client's issuer, or else its token endpoint. The issuer is taken as given to the
 * client: its output is unknown at preview when it was never set, which would plan an
 * update of the token on every preview.
 */
function endpointsFromClient(client: ApiClient): Record<string, unknown> {
  const issuer = givenInput<string>(client, "issuer");
  if (issuer === undefined) return { tokenEndpoint: client.tokenEndpoint };
  if (!pulumi.Output.isInstance(issuer) && !(issuer instanceof Promise)) return { issuer };
  // Known only later: the discovered token endpoint only when there is no issuer to discover from.
  return {
    issuer,
    tokenEndpoint: pulumi.all([issuer, client.tokenEndpoint]).apply(([i, t]) => (i ? undefined : t)),
  };
}

export { ACCESS_TOKEN_TYPE };

/** Outputs that are always secret, whatever the caller's options say (every system's secret inputs among them). */
export const ACCESS_TOKEN_SECRET_OUTPUTS = [
  ...new Set([...commonSecretOutputsOf("AccessToken"), ...allSecretInputsOf("AccessToken")]),
];

/** Output names every token resource has. */
const TOKEN_OUTPUTS = [
  "accessToken",
  "tokenType",
  "scope",
  "issuedAt",
  "expiresAt",
  "rotationDueAt",
  "previousAccessToken",
  "previousRevokeAt",
  "refreshTokenExpiresAt",
  "resolvedTokenEndpoint",
  "liveness",
];

/**
 * The base of every token resource: the outputs, the shim, and the secret-output rule.
 * Presets (generic OAuth 2.0 and each system) differ only in their arguments.
 */
export abstract class TokenResource extends pulumi.CustomResource {
  /** The access token. Secret. */
  declare readonly accessToken: pulumi.Output<string>;
  /** The token type; always `Bearer`. */
  declare readonly tokenType: pulumi.Output<string>;
  /** The scope granted, when the system said (space-separated). */
  declare readonly scope: pulumi.Output<string | undefined>;
  /** When the current token was issued (RFC 3339): the last rotation. */
  declare readonly issuedAt: pulumi.Output<string>;
  /** When the token expires (RFC 3339), when the system gave a lifetime. */
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  /** When rotation falls due (RFC 3339), when a rotation policy is set. */
  declare readonly rotationDueAt: pulumi.Output<string | undefined>;
  /** The previous token, kept during its grace period after a rotation. Secret. */
  declare readonly previousAccessToken: pulumi.Output<string | undefined>;
  /** When the previous token will be revoked (on the first `up` after this time). */
  declare readonly previousRevokeAt: pulumi.Output<string | undefined>;
  /** When the stored refresh token dies, when the system says. */
  declare readonly refreshTokenExpiresAt: pulumi.Output<string | undefined>;
  /** The token endpoint used. */
  declare readonly resolvedTokenEndpoint: pulumi.Output<string | undefined>;
  /**
   * How `pulumi refresh` judges whether the token still works, for systems with RFC 7662
   * introspection (OAuth 2.0, Vantage): `"introspection"` when the server called a token it
   * had just issued active (then `active: false` means revoked, and the token leaves
   * state), `"expiry"` when its introspection cannot judge this client's tokens (none
   * offered, refused, or it called a fresh token inactive; a warning says so) and only
   * expiry counts.
   */
  declare readonly liveness: pulumi.Output<"introspection" | "expiry" | undefined>;

  /** True if `obj` is a token resource of this package, even from another copy of it. */
  static override isInstance(obj: unknown): obj is TokenResource {
    return (
      obj !== null && typeof obj === "object" && (obj as { __pulumiType?: string }).__pulumiType === ACCESS_TOKEN_TYPE
    );
  }

  protected constructor(
    name: string,
    system: string,
    args: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions | undefined,
    extraOutputs: string[] = [],
  ) {
    // Registered without a stack per property promise (see ./stacks).
    const limit = quietStacks();
    try {
      const props: Record<string, unknown> = {
        // Secret from the start, so the inputs are encrypted in state too, however they were given.
        ...withSecretInputs("AccessToken", system, args),
        system,
        resourceName: name,
        __provider: shimText("AccessToken"),
      };
      for (const key of [...TOKEN_OUTPUTS, ...extraOutputs]) if (!(key in props)) props[key] = undefined;
      super(
        ACCESS_TOKEN_TYPE,
        name,
        props,
        pulumi.mergeOptions(opts, {
          additionalSecretOutputs: [...ACCESS_TOKEN_SECRET_OUTPUTS, ...ownSecretOutputsOf("AccessToken", system)],
        }),
      );
    } catch (error) {
      throw withCallerStack(error, limit, new.target);
    } finally {
      restoreStacks(limit);
    }
  }
}

/**
 * An OAuth 2.0 access token from any compliant server, issued by the client_credentials
 * (RFC 6749 §4.4, default), password (§4.3) or refresh_token (§6) grant.
 *
 * - create: discovers endpoints when `issuer` is set, then runs the grant.
 * - diff (every preview/up): a material change replaces the token; rotation
 *   (`rotateAfter`, `rotateBeforeExpiry`, `triggers`, expiry) is decided here, so
 *   `pulumi preview` shows it, with no network call when nothing is due.
 * - refresh: asks RFC 7662 introspection (when offered, and calibrated for this client:
 *   see {@link TokenResource.liveness}) whether the token is active; a revoked or expired
 *   token is reported gone (with a warning, revoked where it may still work), and the next
 *   `pulumi up` issues a new one. A server that will not judge this client's tokens never
 *   makes a live token leave state.
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
 *   rotateAfter: "20h",
 * });
 * export const accessToken = token.accessToken; // [secret]
 * ```
 */
export class AccessToken extends TokenResource {
  /** The client id. */
  declare readonly clientId: pulumi.Output<string>;

  constructor(name: string, args: AccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const { client, ...rest } = args;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    super(name, "oauth2", client ? { ...inputsFromClient(client, rest), ...given } : { ...rest }, opts, ["clientId"]);
  }
}
