/**
 * The ABBYY Vantage ApiClient, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { clientDescription, nonEmpty } from "../../core/common";
import { input, output, redocumented } from "../../core/description";
import { vantageTenantId, vantageTokenDescription } from "./token.description";

// IdentityServer's EF configuration store declares ClientId and ClientName with at most 200
// characters; the admin API's client fields are IdentityServer's, so Vantage is taken to
// share the limit [inferred: not in Vantage's documentation].
const idLike = nonEmpty.max(200, "must be at most 200 characters");
const scopeName = nonEmpty.regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "must be a single scope name (no spaces or quotes)");

/** Client fields of the admin API's create body that have an input of the same name. */
export const VANTAGE_CLIENT_FIELDS = [
  "clientName",
  "allowOfflineAccess",
  "requireClientSecret",
  "requireConsent",
  "allowNoPkce",
  "allowedGrantTypes",
  "allowedCorsOrigins",
  "allowedScopes",
  "redirectUris",
  "postLogoutRedirectUris",
  "allowRopc",
] as const;

/** Body fields set by a dedicated input or issued by Vantage: refused in `extraFields`. */
const RESERVED_FIELDS = new Set<string>([...VANTAGE_CLIENT_FIELDS, "clientId", "clientSecret"]);

/** The grants a client gets when `allowedGrantTypes` is not set. */
export const DEFAULT_GRANTS = ["client_credentials"];

/** The documented `allowedScopes` of an API client. */
export const VANTAGE_CLIENT_DEFAULT_SCOPES = ["openid", "permissions", "publicapi.all"];

/** The ABBYY Vantage ApiClient. */
export const vantageClientDescription = clientDescription({
  token: "access-tokens:vantage:ApiClient",
  doc: "An ABBYY Vantage API client, created in a tenant by the admin API. Vantage has no API to read or delete clients: delete leaves the client in the tenant and says so.",
  inputs: {
    ...redocumented(vantageTokenDescription.inputs, {
      region: "The region whose host creates the client. Set this or `baseUrl`. Changing it creates a new client.",
      baseUrl:
        "The Vantage host (e.g. `https://vantage-eu.abbyy.com`, or a local test server). Set this or `region`. HTTPS is required except on loopback. Changing it creates a new client.",
    }),
    tenantId: input(vantageTenantId, "The tenant the client belongs to. Changing it creates a new client.", {
      replaces: true,
    }),
    apiVersion: input(
      z.enum(["v2", "v1"], { error: 'must be "v2" or "v1"' }).optional(),
      "The admin API version of the create route: `v2` (default) or `v1` (older docs). Changing it later changes nothing: the client is already created.",
      { default: "v2" },
    ),
    accessToken: input(
      z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? "is required: a tenant administrator's access token (e.g. the accessToken of a vantage.AccessToken)"
              : "must be a string",
        })
        .min(1, "must not be empty"),
      "A tenant administrator's access token (Bearer), typically `admin.accessToken` of a `vantage.AccessToken` of an administrator. Secret. Used only to create the client, so a renewed token changes nothing at Vantage. A refused one (HTTP 401) has usually expired (24 h): `pulumi up` renews the vantage.AccessToken that feeds it.",
      { secret: true },
    ),
    requestedClientId: input(
      idLike.optional(),
      "The client id to ask for. Default: Vantage generates one. It must be free in the tenant (HTTP 409 otherwise), also after a replacement, because the old client stays. Changing it creates a new client. (The provider stores it as `requestedClientId`; the `clientId` output is the id Vantage created.)",
      { replaces: true, argumentName: "clientId" },
    ),
    clientName: input(
      idLike.optional(),
      "`clientName`, shown in Vantage. Default: the resource's name. Changing it creates a new client.",
      { replaces: true },
    ),
    allowOfflineAccess: input(
      z.boolean().optional(),
      '`allowOfflineAccess` ("Allow issuing refresh tokens"). Default false. Changing it creates a new client.',
      { replaces: true, default: false },
    ),
    requireClientSecret: input(
      z.boolean().optional(),
      "`requireClientSecret`. Default true; false makes a public client that gets no secret (and cannot use `client_credentials`). Changing it creates a new client.",
      { replaces: true, default: true },
    ),
    requireConsent: input(
      z.boolean().optional(),
      "`requireConsent`. Default false. Changing it creates a new client.",
      {
        replaces: true,
        default: false,
      },
    ),
    allowNoPkce: input(
      z.boolean().optional(),
      "`allowNoPkce`: authorization code without PKCE. Default false. Changing it creates a new client.",
      { replaces: true, default: false },
    ),
    allowedGrantTypes: input(
      z.array(nonEmpty).optional(),
      '`allowedGrantTypes`, e.g. `["client_credentials"]` (default) or `["authorization_code"]` (needs `redirectUris`). Changing it creates a new client.',
      { replaces: true, default: DEFAULT_GRANTS },
    ),
    allowedCorsOrigins: input(
      z.array(nonEmpty).optional(),
      "`allowedCorsOrigins`: origins such as `https://app.example.com`. Default none. Changing it creates a new client.",
      { replaces: true, default: [] },
    ),
    allowedScopes: input(
      z.array(scopeName).optional(),
      '`allowedScopes`. Default `["openid", "permissions", "publicapi.all"]` (documented). Changing it creates a new client.',
      { replaces: true, default: VANTAGE_CLIENT_DEFAULT_SCOPES },
    ),
    redirectUris: input(
      z.array(nonEmpty).optional(),
      "`redirectUris`, for the authorization code flow. Default none. Changing it creates a new client.",
      { replaces: true, default: [] },
    ),
    postLogoutRedirectUris: input(
      z.array(nonEmpty).optional(),
      "`postLogoutRedirectUris`. Default none. Changing it creates a new client.",
      { replaces: true, default: [] },
    ),
    allowRopc: input(
      z.boolean().optional(),
      '`allowRopc` ("Allow Resource Owner Password Credentials Flow"): the password grant. Default false. Changing it creates a new client.',
      { replaces: true, default: false },
    ),
    extraFields: input(
      z
        .record(z.string(), z.unknown())
        .refine((m) => Object.keys(m).every((k) => !RESERVED_FIELDS.has(k)), {
          error: `must not set ${[...RESERVED_FIELDS].join(", ")} (use the dedicated inputs; Vantage issues the secret)`,
        })
        .optional(),
      "Other fields of the admin API's client body, by their wire name. Fields that have an input above, and `clientSecret`, are refused. Changing it creates a new client.",
      { replaces: true },
    ),
  },
  outputs: {
    region: output(z.enum(["eu", "us", "au"]).optional(), "The region, when given."),
    baseUrl: output(z.string().optional(), "The host, when given."),
    tenantId: output(z.string(), "The tenant the client belongs to."),
    metadata: output(
      z.record(z.string(), z.unknown()),
      "The client as Vantage created it (admin API field names, server defaults included, `clientSecret` left out), e.g. `metadata.allowedGrantTypes`.",
    ),
  },
});
