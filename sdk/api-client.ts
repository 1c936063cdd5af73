import * as pulumi from "@pulumi/pulumi";
import {
  type ResourceKind,
  allSecretInputsOf,
  commonSecretOutputsOf,
  ownSecretOutputsOf,
  secretInputsOf,
} from "./secret-inputs";
import { API_CLIENT_TYPE, shimText } from "./shim";
import { quietStacks, restoreStacks, withCallerStack } from "./stacks";

/**
 * How the client authenticates at the token endpoint (RFC 7591 §2). The three named here
 * are the ones an {@link AccessToken} can use; servers may offer more.
 */
export type TokenEndpointAuthMethod = "client_secret_basic" | "client_secret_post" | "none" | (string & {});

/**
 * Rotation of an API client, for systems that can delete one: a new client is registered,
 * what uses the old one (e.g. a token given it as `client`) switches to the new one in the
 * same `pulumi up`, and then the old client is deleted. Decided at plan time, so `pulumi
 * preview` shows it and says why. Systems that cannot delete a client (Misskey, Vantage),
 * or must delete it first (Exastro), refuse these inputs at preview.
 */
export interface ClientRotationArgs {
  /**
   * Register a new client this long after the current one was created, e.g. `"90d"`
   * (units s, m, h, d, w; `"1h30m"`). Changing it only reschedules (the `rotationDueAt`
   * output), unless the new schedule is already due.
   */
  rotateAfter?: pulumi.Input<string>;
  /** Any change to this map registers a new client (e.g. `{ quarter: "2026-Q4" }`). */
  triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Inputs of an {@link ApiClient}: OAuth 2.0 Dynamic Client Registration (RFC 7591). */
export interface ApiClientArgs extends ClientRotationArgs {
  /**
   * The issuer URL; the registration endpoint and the token endpoint come from its
   * discovery document (OIDC Discovery, then RFC 8414), whose `issuer` must match. Set this
   * or {@link registrationEndpoint} (or both: the given endpoint wins). Changing it
   * registers a new client (replace).
   */
  issuer?: pulumi.Input<string>;
  /**
   * The registration endpoint URL, when not discovered. HTTPS is required except on
   * loopback. Changing it registers a new client (replace).
   */
  registrationEndpoint?: pulumi.Input<string>;
  /**
   * The token endpoint to report as the `tokenEndpoint` output, when not discovered (the
   * registration never uses it). Changing it updates the output only.
   */
  tokenEndpoint?: pulumi.Input<string>;
  /**
   * The initial access token the server requires for registration (RFC 7591 §3), sent as a
   * Bearer token. Secret. Used only to register: changing it registers nothing.
   */
  initialAccessToken?: pulumi.Input<string>;
  /** `client_name`: a name shown to users. Updated in place. */
  clientName?: pulumi.Input<string>;
  /** `redirect_uris`, for redirect-based flows (authorization code). Updated in place. */
  redirectUris?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `grant_types`, e.g. `["client_credentials"]`. Default: the server's (RFC 7591 says
   * `["authorization_code"]`). Every one asked for must be registered, or the resource
   * fails. Updated in place.
   */
  grantTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `response_types`. Default: the server's (RFC 7591 says `["code"]`, which makes most
   * servers require `redirectUris`): set `[]` for a machine-to-machine client. Updated in
   * place.
   */
  responseTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** `scope`: the scopes the client may ask for (sent space-separated). Updated in place. */
  scopes?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * `token_endpoint_auth_method`. Default: the server's (RFC 7591 says
   * `client_secret_basic`). It must be registered as asked, or the resource fails. Updated
   * in place.
   */
  tokenEndpointAuthMethod?: pulumi.Input<TokenEndpointAuthMethod>;
  /** `application_type` (OpenID Connect Registration): `web` (default) or `native`. Updated in place. */
  applicationType?: pulumi.Input<"web" | "native">;
  /** `client_uri`: the client's home page. Updated in place. */
  clientUri?: pulumi.Input<string>;
  /** `logo_uri`. Updated in place. */
  logoUri?: pulumi.Input<string>;
  /** `tos_uri`: terms of service. Updated in place. */
  tosUri?: pulumi.Input<string>;
  /** `policy_uri`: privacy policy. Updated in place. */
  policyUri?: pulumi.Input<string>;
  /** `jwks_uri`, for clients that authenticate with keys. Updated in place. */
  jwksUri?: pulumi.Input<string>;
  /** `contacts`: e-mail addresses of the people responsible. Updated in place. */
  contacts?: pulumi.Input<pulumi.Input<string>[]>;
  /** `software_id`. Updated in place. */
  softwareId?: pulumi.Input<string>;
  /** `software_version`. Updated in place. */
  softwareVersion?: pulumi.Input<string>;
  /**
   * Other metadata the server understands, by its wire name (e.g. `{ post_logout_redirect_uris: [...] }`).
   * Names that have an input above, and fields the server issues, are refused. Updated in place.
   */
  extraMetadata?: pulumi.Input<Record<string, unknown>>;
  /** Allow `http://` endpoints on non-loopback hosts. Default false; never use with real credentials. */
  allowInsecureHttp?: pulumi.Input<boolean>;
  /**
   * Trust endpoints on another origin than the issuer's. Endpoints discovered from `issuer` (registration and token endpoints) or named by the server (`registration_client_uri`) receive credentials only when they share the origin (scheme, host, port) of
   * where they were found; endpoints you set explicitly are always used. Default false:
   * set it only for a server known to split its endpoints across hosts.
   */
  allowCrossOriginEndpoints?: pulumi.Input<boolean>;
}

export { API_CLIENT_TYPE };

/** Outputs that are always secret, whatever the caller's options say (every system's secret inputs among them). */
export const API_CLIENT_SECRET_OUTPUTS = [
  ...new Set([...commonSecretOutputsOf("ApiClient"), ...allSecretInputsOf("ApiClient")]),
];

/**
 * `args` with every secret input of the kind and system (the list the provider uses too)
 * wrapped in `pulumi.secret`, so state keeps it encrypted however the program passed it.
 *
 * @param kind - the resource kind
 * @param system - the value of the resource's `system` input
 * @param args - the provider inputs
 * @returns a copy of `args`, secret inputs wrapped
 */
export function withSecretInputs(
  kind: ResourceKind,
  system: string,
  args: Record<string, unknown>,
): Record<string, unknown> {
  const wrapped = { ...args };
  for (const key of secretInputsOf(kind, system)) {
    const value = wrapped[key];
    if (value !== undefined) wrapped[key] = pulumi.secret(value as pulumi.Input<unknown>);
  }
  return wrapped;
}

/** Output names every API client resource has. */
const CLIENT_OUTPUTS = [
  "clientId",
  "clientSecret",
  "clientIdIssuedAt",
  "clientSecretExpiresAt",
  "registrationAccessToken",
  "registrationClientUri",
  "issuer",
  "tokenEndpoint",
  "metadata",
  "createdAt",
  "rotationDueAt",
];

/** The arguments each client resource was constructed with (for chaining, see {@link givenInput}). */
const GIVEN = new WeakMap<object, Readonly<Record<string, unknown>>>();

/**
 * An argument as the program gave it to `client`, or undefined when it gave none. Chained
 * tokens take optional settings (an endpoint, `allowInsecureHttp`) from here rather than from
 * the client's outputs: during preview, an output the provider left unset is unknown, which
 * would plan an update of every chained token on every preview.
 */
export function givenInput<T>(client: ClientResource, key: string): pulumi.Input<T> | undefined {
  const given = GIVEN.get(client);
  // A client made by another copy of this package: its output is all there is.
  if (!given) return (client as unknown as Record<string, pulumi.Input<T> | undefined>)[key];
  return given[key] as pulumi.Input<T> | undefined;
}

/**
 * The base of every API client resource: the outputs, the shim, and the secret-output rule.
 * Presets (generic OAuth 2.0 and each system) differ only in their arguments.
 */
export abstract class ClientResource extends pulumi.CustomResource {
  /** The client id issued by the server. */
  declare readonly clientId: pulumi.Output<string>;
  /** The client secret, when the server issued one (not for public clients). Secret. */
  declare readonly clientSecret: pulumi.Output<string | undefined>;
  /** When the client id was issued (RFC 3339), when the server said. */
  declare readonly clientIdIssuedAt: pulumi.Output<string | undefined>;
  /** When the client secret expires (RFC 3339); undefined when it does not. */
  declare readonly clientSecretExpiresAt: pulumi.Output<string | undefined>;
  /**
   * The registration access token (RFC 7592) that reads, updates and deletes this client.
   * Secret. Undefined when the server offers no management.
   */
  declare readonly registrationAccessToken: pulumi.Output<string | undefined>;
  /** The client configuration endpoint (RFC 7592), when the server offers management. */
  declare readonly registrationClientUri: pulumi.Output<string | undefined>;
  /** When this client was created by this resource (RFC 3339). */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** When rotation falls due (RFC 3339), when `rotateAfter` is set. */
  declare readonly rotationDueAt: pulumi.Output<string | undefined>;
  /** The issuer, when given. */
  declare readonly issuer: pulumi.Output<string | undefined>;
  /** The token endpoint: the given one, else the one discovered from {@link issuer}. */
  declare readonly tokenEndpoint: pulumi.Output<string | undefined>;
  /**
   * The client's metadata as the server registered it, with RFC 7591 names (server defaults
   * included, secrets left out), e.g. `metadata.token_endpoint_auth_method`.
   */
  declare readonly metadata: pulumi.Output<Record<string, unknown>>;

  /** True if `obj` is an API client resource of this package, even from another copy of it. */
  static override isInstance(obj: unknown): obj is ClientResource {
    return (
      obj !== null && typeof obj === "object" && (obj as { __pulumiType?: string }).__pulumiType === API_CLIENT_TYPE
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
        ...withSecretInputs("ApiClient", system, args),
        system,
        resourceName: name,
        __provider: shimText("ApiClient"),
      };
      for (const key of [...CLIENT_OUTPUTS, ...extraOutputs]) if (!(key in props)) props[key] = undefined;
      super(
        API_CLIENT_TYPE,
        name,
        props,
        pulumi.mergeOptions(opts, {
          additionalSecretOutputs: [...API_CLIENT_SECRET_OUTPUTS, ...ownSecretOutputsOf("ApiClient", system)],
        }),
      );
      GIVEN.set(this, args);
    } catch (error) {
      throw withCallerStack(error, limit, new.target);
    } finally {
      restoreStacks(limit);
    }
  }
}

/**
 * An OAuth 2.0 client registered by Dynamic Client Registration (RFC 7591) and managed by
 * RFC 7592, at any server that offers it.
 *
 * - create: discovers the registration endpoint when `issuer` is set, then registers. If
 *   the server registers a client but the answer is unusable (e.g. a requested grant was
 *   not granted), the client is still recorded, and the next `up` (or `destroy`) deletes it.
 * - diff (every preview/up): a new `issuer` or `registrationEndpoint` registers a new
 *   client; changed metadata is updated in place (RFC 7592 PUT), or registers a new client
 *   where the server offers no management. A client secret expiring within 7 days is
 *   warned about at preview; an expired one registers a new client.
 * - refresh: reads the client (RFC 7592 GET); a client deleted at the server leaves state,
 *   and the next `pulumi up` registers a new one. Metadata changed at the server shows as a
 *   diff, and `up` puts it back.
 * - rotation (`rotateAfter`, `triggers`): a new client is registered, the tokens given it
 *   as `client` switch to it in the same `pulumi up`, then the old client is deleted.
 * - delete: deletes the client (RFC 7592 DELETE). Where the server offers no management
 *   (or refuses deletion), the client stays registered and a warning says so.
 *
 * `clientSecret`, `registrationAccessToken` and `initialAccessToken` are always secret.
 * Pass the resource as `client` to an {@link AccessToken} to issue its tokens.
 *
 * @example
 * ```ts
 * const client = new ApiClient("reporting", {
 *   issuer: "https://auth.example.com",
 *   initialAccessToken: config.requireSecret("initialAccessToken"),
 *   clientName: "reporting",
 *   grantTypes: ["client_credentials"],
 *   responseTypes: [],
 *   scopes: ["reports:read"],
 * });
 * const token = new AccessToken("reporting", { client, scopes: ["reports:read"] });
 * export const clientSecret = client.clientSecret; // [secret]
 * ```
 */
export class ApiClient extends ClientResource {
  constructor(name: string, args: ApiClientArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, "oauth2", { ...args }, opts);
  }
}
