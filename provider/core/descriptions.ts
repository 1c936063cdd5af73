/**
 * Every resource's {@link ResourceDescription}, assembled from what the systems already
 * declare: each system's input shape, its material (replacing) inputs and defaults, its
 * secret inputs and secret outputs, plus the outputs every token or client writes.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { CLIENT_SYSTEMS } from "../clients/registry";
import type { ClientSystem } from "../clients/system";
import { HttpPolicyInput } from "../http/policy-inputs";
import { SYSTEMS } from "../protocols/registry";
import type { TokenSystem } from "../protocols/system";
import { clientSecretOutputsOf } from "../resources/api-client";
import { secretOutputsOf } from "../resources/access-token";
import { RotationInputs } from "../resources/rotation";
import type { InputDescription, PropertyDescription, ResourceDescription } from "./description";

/** The module of each system id in the package's type tokens. */
const MODULES: Record<string, string> = {
  oauth2: "index",
  alphaus: "alphaus",
  vantage: "vantage",
  exastro: "exastro",
  misskey: "misskey",
};

/** Client resources named otherwise than `ApiClient` in their module. */
const CLIENT_NAMES: Record<string, string> = { exastro: "ServiceAccount", misskey: "App" };

const TOKEN_DOCS: Record<string, string> = {
  oauth2:
    "An OAuth 2.0 access token issued by a token endpoint (client credentials, password or refresh-token grant): a secret output, rotated through `pulumi up`, revoked on destroy.",
  alphaus: "An Alphaus (Ripple / Wave) access token, issued by Alphaus's OAuth 2.0 token endpoint.",
  vantage: "An ABBYY Vantage access token, issued by the tenant's OAuth 2.0 token endpoint.",
  exastro: "An Exastro IT Automation access token, renewed from a refresh token of a user or service account.",
  misskey: "A Misskey access token: a token checked at the instance, or one issued through an app.",
};

const CLIENT_DOCS: Record<string, string> = {
  oauth2:
    "An OAuth 2.0 client registered by Dynamic Client Registration (RFC 7591), managed by RFC 7592 where the server allows.",
  alphaus: "An Alphaus API client, created with an owner credential.",
  vantage: "An ABBYY Vantage API client of a tenant.",
  exastro: "An Exastro service account of a workspace, with its refresh token.",
  misskey: "A Misskey app, whose secret issues user tokens.",
};

const str = z.string();

/** Outputs every token writes, besides its system's own. */
const TOKEN_OUTPUTS: Record<string, [z.ZodType, string]> = {
  accessToken: [str, "The access token (secret)."],
  tokenType: [str, 'The token type, e.g. "Bearer".'],
  scope: [str, "The scope the server granted, when it said."],
  issuedAt: [str, "When the token was issued (RFC 3339)."],
  expiresAt: [str, "When the token expires (RFC 3339), when known."],
  rotationDueAt: [str, "When the token falls due for rotation (RFC 3339), when a rotation policy is set."],
  previousAccessToken: [str, "The previous token during its grace period after a rotation (secret)."],
  previousRevokeAt: [str, "When the previous token is revoked (RFC 3339)."],
  refreshTokenExpiresAt: [str, "When the refresh token expires (RFC 3339), when the server said."],
  resolvedTokenEndpoint: [str, "The token endpoint used (given or discovered)."],
  liveness: [z.enum(["introspection", "expiry"]), "How refresh decides whether the token still works."],
};

/** Each token system's own outputs. */
const TOKEN_SYSTEM_OUTPUTS: Record<string, Record<string, [z.ZodType, string]>> = {
  oauth2: {
    refreshToken: [str, "The latest refresh token, when the grant issued one (secret)."],
    clientId: [str, "The client id used."],
  },
  alphaus: {
    resolvedProduct: [str, "The Alphaus product the token is for."],
    resolvedClientId: [str, "The client id used."],
    resolvedGrantType: [str, "The grant used."],
    credentialSource: [str, "Where the credential came from (inputs or environment)."],
  },
  vantage: {
    refreshToken: [str, "The latest refresh token, when the grant issued one (secret)."],
    clientId: [str, "The client id used."],
    tenantId: [str, "The Vantage tenant."],
  },
  exastro: {
    refreshToken: [str, "The latest refresh token (secret)."],
    sessionId: [str, "The session the refresh token belongs to."],
  },
  misskey: {
    userId: [str, "The id of the user the token acts as."],
    username: [str, "The user name the token acts as."],
    verifiedAt: [str, "When the instance last confirmed the token (RFC 3339)."],
  },
};

/** Outputs every client writes, besides its system's own. */
const CLIENT_OUTPUTS: Record<string, [z.ZodType, string]> = {
  clientId: [str, "The client id."],
  clientSecret: [str, "The client secret, when the client has one (secret)."],
  clientIdIssuedAt: [str, "When the client id was issued (RFC 3339)."],
  clientSecretExpiresAt: [str, "When the client secret expires (RFC 3339); absent when it does not."],
  createdAt: [str, "When this resource created the client (RFC 3339)."],
  rotationDueAt: [str, "When the client falls due for rotation (RFC 3339), when `rotateAfter` is set."],
  tokenEndpoint: [str, "The token endpoint where the client obtains tokens."],
};

/** Each client system's own outputs. */
const CLIENT_SYSTEM_OUTPUTS: Record<string, Record<string, [z.ZodType, string]>> = {
  oauth2: {
    registrationAccessToken: [str, "The RFC 7592 registration access token (secret)."],
    registrationClientUri: [str, "The RFC 7592 client configuration endpoint."],
    issuer: [str, "The issuer the client is registered at."],
    metadata: [z.record(z.string(), z.unknown()), "The registered client metadata, as the server answered."],
  },
  alphaus: {
    name: [str, "The client's name."],
    environment: [str, "The Alphaus environment."],
    grantType: [str, "The grant the client uses."],
    parent: [str, "The parent account."],
    createTime: [str, "When Alphaus created the client."],
    blueApiUrl: [str, "The API base URL."],
  },
  vantage: {
    region: [str, "The Vantage region."],
    baseUrl: [str, "The tenant's base URL."],
    tenantId: [str, "The Vantage tenant."],
    metadata: [z.record(z.string(), z.unknown()), "The client's settings, as Vantage answered."],
  },
  exastro: {
    baseUrl: [str, "The Exastro base URL."],
    organizationId: [str, "The organization."],
    workspaceId: [str, "The workspace."],
    allowInsecureHttp: [z.boolean(), "Whether plain HTTP was allowed."],
    refreshToken: [str, "The service account's refresh token (secret)."],
    refreshTokenExpiresAt: [str, "When the refresh token expires (RFC 3339)."],
    refreshTokenSessionId: [str, "The session of the refresh token."],
  },
  misskey: {
    origin: [str, "The instance origin."],
    name: [str, "The app's name."],
    permissions: [z.array(z.string()), "The permissions asked for."],
    registeredPermissions: [z.array(z.string()), "The permissions the instance registered."],
  },
};

/** Rotation and HTTP inputs every token has. */
const TOKEN_COMMON_INPUTS: z.ZodRawShape = { http: HttpPolicyInput.optional(), ...RotationInputs };

/** Rotation inputs every client has. */
const CLIENT_COMMON_INPUTS: z.ZodRawShape = {
  rotateAfter: RotationInputs.rotateAfter,
  triggers: RotationInputs.triggers,
};

const COMMON_INPUT_DOCS: Record<string, string> = {
  http: "Timeouts, retries, rate limit and CA bundle of this resource's requests (never replaces it).",
  rotateAfter: 'Rotate this long after issue, e.g. "20h", "7d".',
  rotateBeforeExpiry: 'Rotate this long before expiry ("2h") or at this fraction of the lifetime left ("25%").',
  triggers: "Any change to this map rotates the resource.",
  gracePeriod: "Keep the previous token valid this long after a rotation (as `previousAccessToken`).",
  recreateIfInvalid: "On refresh, drop a token found revoked or expired so the next up issues a new one. Default true.",
};

function inputDoc(schema: z.ZodType, name: string): string {
  const described = COMMON_INPUT_DOCS[name] ?? schema.description;
  return described ?? `The \`${name}\` input.`;
}

function outputsOf(
  table: Record<string, [z.ZodType, string]>,
  secret: readonly string[],
): Record<string, PropertyDescription> {
  return Object.fromEntries(
    Object.entries(table).map(([name, [schema, doc]]) => [name, { schema, doc, secret: secret.includes(name) }]),
  );
}

function tokenDescription(system: TokenSystem): ResourceDescription {
  const shape: z.ZodRawShape = { ...system.inputShape, ...TOKEN_COMMON_INPUTS };
  const inputs: Record<string, InputDescription> = {};
  for (const [name, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    if (name === "system" || name === "resourceName") continue;
    inputs[name] = {
      schema,
      doc: inputDoc(schema, name),
      secret: system.secretInputs.includes(name),
      replaces: system.materialInputs.includes(name),
    };
  }
  const secret = secretOutputsOf(system);
  return {
    kind: "AccessToken",
    system: system.id,
    token: `access-tokens:${MODULES[system.id] ?? system.id}:AccessToken`,
    doc: TOKEN_DOCS[system.id] ?? `A ${system.displayName} access token.`,
    inputs,
    outputs: outputsOf({ ...TOKEN_OUTPUTS, ...(TOKEN_SYSTEM_OUTPUTS[system.id] ?? {}) }, secret),
  };
}

function clientDescription(system: ClientSystem): ResourceDescription {
  const shape: z.ZodRawShape = { ...system.inputShape, ...CLIENT_COMMON_INPUTS };
  const inputs: Record<string, InputDescription> = {};
  for (const [name, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    if (name === "system" || name === "resourceName") continue;
    const defaults = system.inputDefaults ?? {};
    inputs[name] = {
      schema,
      doc: inputDoc(schema, name),
      secret: system.secretInputs.includes(name),
      replaces: system.replaceInputs.includes(name) || name === "triggers",
      ...(Object.hasOwn(defaults, name) ? { default: defaults[name] } : {}),
    };
  }
  const secret = clientSecretOutputsOf(system);
  return {
    kind: "ApiClient",
    system: system.id,
    token: `access-tokens:${MODULES[system.id] ?? system.id}:${CLIENT_NAMES[system.id] ?? "ApiClient"}`,
    doc: CLIENT_DOCS[system.id] ?? `A ${system.displayName} API client.`,
    inputs,
    outputs: outputsOf({ ...CLIENT_OUTPUTS, ...(CLIENT_SYSTEM_OUTPUTS[system.id] ?? {}) }, secret),
  };
}

let cached: readonly ResourceDescription[] | undefined;

/**
 * Every resource of the package: one AccessToken per token system and one client resource
 * per client system.
 *
 * @returns the descriptions, tokens first, in registry order
 */
export function resourceDescriptions(): readonly ResourceDescription[] {
  cached ??= [
    ...Object.values(SYSTEMS).map((s) => tokenDescription(s)),
    ...Object.values(CLIENT_SYSTEMS).map((s) => clientDescription(s)),
  ];
  return cached;
}
