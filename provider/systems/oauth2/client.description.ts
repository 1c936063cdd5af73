/**
 * The OAuth 2.0 ApiClient (RFC 7591 / 7592), described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { clientDescription, nonEmpty, scopeToken } from "../../core/common";
import { input } from "../../core/description";

const nonEmptyList = z.array(nonEmpty);

/** Typed metadata inputs and their RFC 7591 §2 (and OIDC Registration) names. */
export const METADATA_FIELDS = {
  clientName: "client_name",
  redirectUris: "redirect_uris",
  grantTypes: "grant_types",
  responseTypes: "response_types",
  tokenEndpointAuthMethod: "token_endpoint_auth_method",
  applicationType: "application_type",
  clientUri: "client_uri",
  logoUri: "logo_uri",
  tosUri: "tos_uri",
  policyUri: "policy_uri",
  jwksUri: "jwks_uri",
  contacts: "contacts",
  softwareId: "software_id",
  softwareVersion: "software_version",
} as const;

/**
 * Fields a client must never send as metadata: the server issues them (RFC 7591 §3.2.1,
 * RFC 7592 §2.2 "MUST NOT include").
 */
export const SERVER_ISSUED_FIELDS = [
  "client_id",
  "client_secret",
  "client_id_issued_at",
  "client_secret_expires_at",
  "registration_access_token",
  "registration_client_uri",
] as const;

/** Wire fields set by a dedicated input (or issued by the server): refused in `extraMetadata`. */
const RESERVED_METADATA = new Set<string>([...Object.values(METADATA_FIELDS), "scope", ...SERVER_ISSUED_FIELDS]);

/** The OAuth 2.0 ApiClient (RFC 7591 / 7592). */
export const oauth2ClientDescription = clientDescription({
  token: "access-tokens:index:ApiClient",
  doc: "An OAuth 2.0 client registered by Dynamic Client Registration (RFC 7591) and managed by RFC 7592, at any server that offers it.",
  inputs: {
    issuer: input(
      z.string().optional(),
      "The issuer URL; the registration endpoint and the token endpoint come from its discovery document (OIDC Discovery, then RFC 8414), whose `issuer` must match. Set this or `registrationEndpoint` (or both: the given endpoint wins). Changing it registers a new client (replace).",
      { replaces: true },
    ),
    registrationEndpoint: input(
      z.string().optional(),
      "The registration endpoint URL, when not discovered. HTTPS is required except on loopback. Changing it registers a new client (replace).",
      { replaces: true },
    ),
    tokenEndpoint: input(
      z.string().optional(),
      "The token endpoint to report as the `tokenEndpoint` output, when not discovered (the registration never uses it). Changing it updates the output only.",
    ),
    initialAccessToken: input(
      nonEmpty.optional(),
      "The initial access token the server requires for registration (RFC 7591 §3), sent as a Bearer token. Secret. Used only to register: changing it registers nothing.",
      { secret: true },
    ),
    clientName: input(nonEmpty.optional(), "`client_name`: a name shown to users. Updated in place.", {
      updatesAtServer: true,
    }),
    redirectUris: input(
      nonEmptyList.optional(),
      "`redirect_uris`, for redirect-based flows (authorization code). Updated in place.",
      { updatesAtServer: true },
    ),
    grantTypes: input(
      nonEmptyList.optional(),
      '`grant_types`, e.g. `["client_credentials"]`. Default: the server\'s (RFC 7591 says `["authorization_code"]`). Every one asked for must be registered, or the resource fails. Updated in place.',
      { updatesAtServer: true },
    ),
    responseTypes: input(
      nonEmptyList.optional(),
      '`response_types`. Default: the server\'s (RFC 7591 says `["code"]`, which makes most servers require `redirectUris`): set `[]` for a machine-to-machine client. Updated in place.',
      { updatesAtServer: true },
    ),
    scopes: input(
      z.array(scopeToken).optional(),
      "`scope`: the scopes the client may ask for (sent space-separated). Updated in place.",
      { updatesAtServer: true },
    ),
    tokenEndpointAuthMethod: input(
      nonEmpty.optional(),
      "`token_endpoint_auth_method`. Default: the server's (RFC 7591 says `client_secret_basic`). It must be registered as asked, or the resource fails. Updated in place.",
      { updatesAtServer: true },
    ),
    applicationType: input(
      z.enum(["web", "native"], { error: 'must be "web" or "native"' }).optional(),
      "`application_type` (OpenID Connect Registration): `web` (default) or `native`. Updated in place.",
      { updatesAtServer: true },
    ),
    clientUri: input(nonEmpty.optional(), "`client_uri`: the client's home page. Updated in place.", {
      updatesAtServer: true,
    }),
    logoUri: input(nonEmpty.optional(), "`logo_uri`. Updated in place.", { updatesAtServer: true }),
    tosUri: input(nonEmpty.optional(), "`tos_uri`: terms of service. Updated in place.", { updatesAtServer: true }),
    policyUri: input(nonEmpty.optional(), "`policy_uri`: privacy policy. Updated in place.", { updatesAtServer: true }),
    jwksUri: input(nonEmpty.optional(), "`jwks_uri`, for clients that authenticate with keys. Updated in place.", {
      updatesAtServer: true,
    }),
    contacts: input(
      nonEmptyList.optional(),
      "`contacts`: e-mail addresses of the people responsible. Updated in place.",
      { updatesAtServer: true },
    ),
    softwareId: input(nonEmpty.optional(), "`software_id`. Updated in place.", { updatesAtServer: true }),
    softwareVersion: input(nonEmpty.optional(), "`software_version`. Updated in place.", { updatesAtServer: true }),
    extraMetadata: input(
      z
        .record(z.string(), z.unknown())
        .refine((m) => Object.keys(m).every((k) => !RESERVED_METADATA.has(k)), {
          error: `must not set ${[...RESERVED_METADATA].join(", ")} (use the dedicated inputs; the server issues the rest)`,
        })
        .optional(),
      "Other metadata the server understands, by its wire name (e.g. `{ post_logout_redirect_uris: [...] }`). Names that have an input above, and fields the server issues, are refused. Updated in place.",
      { updatesAtServer: true },
    ),
    allowInsecureHttp: input(
      z.boolean().optional(),
      "Allow `http://` endpoints on non-loopback hosts. Default false; never use with real credentials.",
    ),
    allowCrossOriginEndpoints: input(
      z.boolean().optional(),
      "Trust endpoints on another origin than the issuer's. Endpoints discovered from `issuer` (registration and token endpoints) or named by the server (`registration_client_uri`) receive credentials only when they share the origin (scheme, host, port) of where they were found; endpoints you set explicitly are always used. Default false: set it only for a server known to split its endpoints across hosts.",
    ),
  },
  outputs: {},
});
