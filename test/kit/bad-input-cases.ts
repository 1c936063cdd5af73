/**
 * The bad-input matrix: invalid token and API client resource inputs that `check` must reject at
 * `pulumi preview`, each with the property it must name and the reason it must give.
 * Shared by `bad-input.engine.test.ts` and `scripts/reliability-report.ts`.
 *
 * Cost: the engine stops a preview at the first resource that fails `check` (it bails
 * the whole deployment), so one resource per case would mean one engine run per case.
 * Instead, cases that touch disjoint inputs are packed into one resource (all its
 * failures are reported together), and the packing is proven harmless without the
 * engine: `checkInputs` of the packed inputs must give exactly the union of what each
 * case gives alone. The packed resources then run as one preview per stack, in parallel.
 */
import { randomUUID } from "node:crypto";
import * as sdk from "../../sdk";
import { checkInputs } from "./lifecycles";
import { checkApiClient } from "./lifecycles";
import { type FaultServer, startFaultServer } from "./fault-server";
import { Program, createProgram } from "./harness";

/** Placeholder for the counting server's origin, replaced at run time. */
export const SERVER = "$SERVER";

const run = randomUUID().slice(0, 8);
/** A secret value unique to a case, which must never appear in the output. */
export const canary = (name: string) => `canary-${name}-${run}`;

/** One invalid input. */
export interface BadInputCase {
  id: string;
  /** SDK export: "AccessToken", "alphaus.AccessToken", ... */
  kind: string;
  /** The mistake, for a person. */
  what: string;
  /** Inputs set (over the kind's valid base). */
  set?: Record<string, unknown>;
  /** Base inputs removed. */
  unset?: string[];
  /** Inputs passed as Pulumi secrets (as `config.requireSecret` would). */
  secretArgs?: string[];
  /** Every failure `check` must report: the property and (a substring of) the reason. */
  expect: { property: string; reason: string }[];
  /** Must run alone (a rule that reads every input). */
  exclusive?: boolean;
  /** Secret values in this case's inputs. */
  canaries?: string[];
}

/** Valid inputs per kind; each case changes them. */
export const BASE_ARGS: Record<string, Record<string, unknown>> = {
  AccessToken: { tokenEndpoint: `${SERVER}/token`, clientId: "bad-input-client", clientSecret: canary("base") },
  "alphaus.AccessToken": {
    authUrl: `${SERVER}/ripple/access_token`,
    clientId: "bad-input-alphaus",
    clientSecret: canary("base-alphaus"),
  },
  "vantage.AccessToken": { baseUrl: SERVER, clientId: "bad-input-vantage", clientSecret: canary("base-vantage") },
  "exastro.AccessToken": { baseUrl: SERVER, organizationId: "org1", initialRefreshToken: canary("base-exastro") },
  "misskey.AccessToken": { baseUrl: SERVER, token: canary("base-misskey") },
  ApiClient: { registrationEndpoint: `${SERVER}/reg`, initialAccessToken: canary("base-client"), clientName: "bad" },
  "alphaus.ApiClient": { name: "bad-input", apiUrl: `${SERVER}/m/blue`, accessToken: canary("base-alphaus-client") },
  "exastro.ServiceAccount": {
    baseUrl: SERVER,
    organizationId: "org1",
    workspaceId: "ws1",
    username: "bad-input-agent",
    accessToken: canary("base-exastro-sa"),
  },
  "misskey.App": { baseUrl: SERVER, name: "bad-input" },
  "vantage.ApiClient": {
    baseUrl: SERVER,
    tenantId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    accessToken: canary("base-vantage-client"),
  },
};

const SYSTEM_OF: Record<string, string> = {
  AccessToken: "oauth2",
  "alphaus.AccessToken": "alphaus",
  "vantage.AccessToken": "vantage",
  "exastro.AccessToken": "exastro",
  "misskey.AccessToken": "misskey",
  ApiClient: "oauth2",
  "alphaus.ApiClient": "alphaus",
  "exastro.ServiceAccount": "exastro",
  "misskey.App": "misskey",
  "vantage.ApiClient": "vantage",
};

/** Kinds that are API client resources (checked by the ApiClient lifecycle). */
const CLIENT_KINDS = new Set([
  "ApiClient",
  "alphaus.ApiClient",
  "exastro.ServiceAccount",
  "misskey.App",
  "vantage.ApiClient",
]);

/** SDK arguments the SDK passes to the provider under another name. */
const PROVIDER_NAMES: Record<string, Record<string, string>> = {
  "vantage.ApiClient": { clientId: "requestedClientId" },
};

const DURATION = 'must be a duration such as "90s", "30m", "20h", "7d" or "1h30m"';
const GRANTS = 'must be "client_credentials", "password" or "refresh_token"';

/** The table. */
export const BAD_INPUT_CASES: BadInputCase[] = [
  // --- Credentials ------------------------------------------------------------------------
  {
    id: "missing-client-id",
    kind: "AccessToken",
    what: "clientId missing",
    unset: ["clientId"],
    expect: [{ property: "clientId", reason: "is required" }],
  },
  {
    id: "empty-client-id",
    kind: "AccessToken",
    what: 'clientId ""',
    set: { clientId: "" },
    expect: [{ property: "clientId", reason: "must not be empty" }],
  },
  {
    id: "client-id-number",
    kind: "AccessToken",
    what: "clientId 123 (a number)",
    set: { clientId: 123 },
    expect: [{ property: "clientId", reason: "must be a string" }],
  },
  {
    id: "missing-client-secret",
    kind: "AccessToken",
    what: "clientSecret missing for a confidential client",
    unset: ["clientSecret"],
    expect: [{ property: "clientSecret", reason: "is required (or name a stack config key in clientSecretConfigKey" }],
  },
  {
    id: "empty-client-secret",
    kind: "AccessToken",
    what: 'clientSecret ""',
    set: { clientSecret: "" },
    expect: [{ property: "clientSecret", reason: "must not be empty" }],
  },
  {
    id: "secret-and-config-key",
    kind: "AccessToken",
    what: "clientSecret and clientSecretConfigKey both set",
    set: { clientSecretConfigKey: "tokens:clientSecret" },
    expect: [
      { property: "clientSecretConfigKey", reason: "set either clientSecret or clientSecretConfigKey, not both" },
    ],
  },
  {
    id: "public-client-with-secret",
    kind: "AccessToken",
    what: 'clientAuthMethod "none" (public client) with a clientSecret',
    set: {
      clientAuthMethod: "none",
      grantType: "password",
      username: "alice",
      password: canary("public-pw"),
      clientSecret: canary("public-secret"),
    },
    secretArgs: ["password", "clientSecret"],
    expect: [{ property: "clientSecret", reason: 'must not be set for a public client (clientAuthMethod "none")' }],
    canaries: [canary("public-pw"), canary("public-secret")],
  },
  {
    id: "public-client-credentials",
    kind: "AccessToken",
    what: "a public client with the client_credentials grant",
    set: { clientAuthMethod: "none" },
    unset: ["clientSecret"],
    expect: [
      { property: "clientAuthMethod", reason: 'a public client ("none") cannot use the client_credentials grant' },
    ],
  },
  {
    id: "unknown-client-auth-method",
    kind: "AccessToken",
    what: 'clientAuthMethod "private_key_jwt" (not supported)',
    set: { clientAuthMethod: "private_key_jwt" },
    expect: [{ property: "clientAuthMethod", reason: 'must be "client_secret_basic", "client_secret_post" or "none"' }],
  },

  // --- Endpoints --------------------------------------------------------------------------
  {
    id: "token-endpoint-not-a-url",
    kind: "AccessToken",
    what: 'tokenEndpoint "not a url"',
    set: { tokenEndpoint: "not a url" },
    expect: [{ property: "tokenEndpoint", reason: "must be an absolute URL" }],
  },
  {
    id: "token-endpoint-http-public",
    kind: "AccessToken",
    what: "tokenEndpoint http:// to a public host",
    set: { tokenEndpoint: "http://auth.example.com/oauth/token" },
    expect: [{ property: "tokenEndpoint", reason: "must use https for a non-loopback host" }],
  },
  {
    id: "token-endpoint-credentials",
    kind: "AccessToken",
    what: "tokenEndpoint with user:password@ in the URL",
    set: { tokenEndpoint: `https://client:${canary("url-pw")}@auth.example.com/token` },
    expect: [{ property: "tokenEndpoint", reason: "must not carry credentials" }],
    canaries: [canary("url-pw")],
  },
  {
    id: "endpoint-and-issuer",
    kind: "AccessToken",
    what: "tokenEndpoint and issuer both set (conflicting)",
    set: { issuer: "https://auth.example.com" },
    expect: [{ property: "issuer", reason: "set exactly one of tokenEndpoint or issuer" }],
  },
  {
    id: "no-endpoint",
    kind: "AccessToken",
    what: "neither tokenEndpoint nor issuer",
    unset: ["tokenEndpoint"],
    expect: [{ property: "tokenEndpoint", reason: "set exactly one of tokenEndpoint or issuer" }],
  },
  {
    id: "issuer-http-public",
    kind: "AccessToken",
    what: "issuer http:// to a public host",
    set: { issuer: "http://auth.example.com" },
    unset: ["tokenEndpoint"],
    expect: [{ property: "issuer", reason: "must use https for a non-loopback host" }],
  },
  {
    id: "revocation-endpoint-http-public",
    kind: "AccessToken",
    what: "revocationEndpoint http:// to a public host",
    set: { revocationEndpoint: "http://auth.example.com/revoke" },
    expect: [{ property: "revocationEndpoint", reason: "must use https for a non-loopback host" }],
  },
  {
    id: "revocation-endpoint-ftp",
    kind: "AccessToken",
    what: "revocationEndpoint with ftp://",
    set: { revocationEndpoint: "ftp://auth.example.com/revoke" },
    expect: [{ property: "revocationEndpoint", reason: "must use https (got ftp:)" }],
  },
  {
    id: "introspection-endpoint-relative",
    kind: "AccessToken",
    what: 'introspectionEndpoint "/oauth/introspect" (relative)',
    set: { introspectionEndpoint: "/oauth/introspect" },
    expect: [{ property: "introspectionEndpoint", reason: "must be an absolute URL" }],
  },
  {
    id: "introspection-endpoint-fragment",
    kind: "AccessToken",
    what: "introspectionEndpoint with a #fragment",
    set: { introspectionEndpoint: "https://auth.example.com/introspect#v2" },
    expect: [{ property: "introspectionEndpoint", reason: "must not have a fragment" }],
  },
  {
    id: "resource-not-a-url",
    kind: "AccessToken",
    what: 'resource ["api"] (RFC 8707 needs absolute URIs)',
    set: { resource: ["api"] },
    expect: [{ property: "resource.0", reason: "must be an absolute URL" }],
  },

  // --- Grants -----------------------------------------------------------------------------
  {
    id: "unknown-grant",
    kind: "AccessToken",
    what: 'grantType "implicit"',
    set: { grantType: "implicit" },
    expect: [{ property: "grantType", reason: GRANTS }],
  },
  {
    id: "password-grant-incomplete",
    kind: "AccessToken",
    what: 'grantType "password" without username and password',
    set: { grantType: "password" },
    expect: [
      { property: "username", reason: 'is required for grantType "password"' },
      { property: "password", reason: 'is required for grantType "password"' },
    ],
  },
  {
    id: "username-with-client-credentials",
    kind: "AccessToken",
    what: "username with the client_credentials grant",
    set: { username: "alice" },
    expect: [{ property: "username", reason: 'is only used with grantType "password"' }],
  },
  {
    id: "password-with-client-credentials",
    kind: "AccessToken",
    what: "password (a secret) with the client_credentials grant",
    set: { password: canary("cc-pw") },
    secretArgs: ["password"],
    expect: [{ property: "password", reason: 'is only used with grantType "password"' }],
    canaries: [canary("cc-pw")],
  },
  {
    id: "refresh-grant-without-token",
    kind: "AccessToken",
    what: 'grantType "refresh_token" without refreshToken',
    set: { grantType: "refresh_token" },
    expect: [{ property: "refreshToken", reason: 'is required for grantType "refresh_token"' }],
  },

  // --- Request parameters -----------------------------------------------------------------
  {
    id: "scope-with-space",
    kind: "AccessToken",
    what: 'scopes ["api:read api:write"] (two scopes in one string)',
    set: { scopes: ["api:read api:write"] },
    expect: [{ property: "scopes.0", reason: "must be a single RFC 6749 §3.3 scope token" }],
  },
  {
    id: "empty-scope",
    kind: "AccessToken",
    what: 'scopes [""]',
    set: { scopes: [""] },
    expect: [
      { property: "scopes.0", reason: "must not be empty" },
      { property: "scopes.0", reason: "must be a single RFC 6749 §3.3 scope token" },
    ],
  },
  {
    id: "scopes-not-a-list",
    kind: "AccessToken",
    what: 'scopes "api:read" (a string, not a list)',
    set: { scopes: "api:read" },
    expect: [{ property: "scopes", reason: "must be a list" }],
  },
  {
    id: "empty-audience",
    kind: "AccessToken",
    what: 'audience ""',
    set: { audience: "" },
    expect: [{ property: "audience", reason: "must not be empty" }],
  },
  {
    id: "reserved-extra-param",
    kind: "AccessToken",
    what: "extraParams sets grant_type (reserved)",
    set: { extraParams: { grant_type: "password" } },
    expect: [{ property: "extraParams", reason: "must not set grant_type, client_id, client_secret" }],
  },
  {
    id: "reserved-extra-param-secret",
    kind: "AccessToken",
    what: "extraParams smuggles client_secret (reserved)",
    set: { extraParams: { client_secret: canary("extra-secret") } },
    expect: [{ property: "extraParams", reason: "(use the dedicated inputs)" }],
    canaries: [canary("extra-secret")],
  },
  {
    id: "extra-param-not-a-string",
    kind: "AccessToken",
    what: "extraParams value 3600 (a number)",
    set: { extraParams: { max_age: 3600 } },
    expect: [{ property: "extraParams.max_age", reason: "must be a string" }],
  },

  // --- Rotation and flags -----------------------------------------------------------------
  {
    id: "rotate-after-soon",
    kind: "AccessToken",
    what: 'rotateAfter "soon"',
    set: { rotateAfter: "soon" },
    expect: [{ property: "rotateAfter", reason: DURATION }],
  },
  {
    id: "rotate-before-expiry-150-percent",
    kind: "AccessToken",
    what: 'rotateBeforeExpiry "150%"',
    set: { rotateBeforeExpiry: "150%" },
    expect: [
      { property: "rotateBeforeExpiry", reason: 'must be a duration such as "2h" or a fraction of the lifetime' },
    ],
  },
  {
    id: "grace-period-negative",
    kind: "AccessToken",
    what: 'gracePeriod "-1h"',
    set: { gracePeriod: "-1h" },
    expect: [{ property: "gracePeriod", reason: DURATION }],
  },
  {
    id: "rotate-after-overflow",
    kind: "AccessToken",
    what: 'rotateAfter "300000000d" (passes the format, overflows a date)',
    set: { rotateAfter: "300000000d" },
    expect: [{ property: "rotateAfter", reason: "must be at most 100 years (36500d)" }],
  },
  {
    id: "rotate-after-zero",
    kind: "AccessToken",
    what: 'rotateAfter "0s"',
    set: { rotateAfter: "0s" },
    expect: [{ property: "rotateAfter", reason: "must be at least 1s" }],
  },
  {
    id: "rotate-after-fraction-of-a-second",
    kind: "AccessToken",
    what: 'rotateAfter "0.5s" (fractions are fine, under a second is not)',
    set: { rotateAfter: "0.5s" },
    expect: [{ property: "rotateAfter", reason: "must be at least 1s" }],
  },
  {
    id: "rotate-before-expiry-overflow",
    kind: "AccessToken",
    what: 'rotateBeforeExpiry "99999999w"',
    set: { rotateBeforeExpiry: "99999999w" },
    expect: [{ property: "rotateBeforeExpiry", reason: "must be at most 100 years (36500d)" }],
  },
  {
    id: "rotate-before-expiry-zero-percent",
    kind: "AccessToken",
    what: 'rotateBeforeExpiry "0%"',
    set: { rotateBeforeExpiry: "0%" },
    expect: [{ property: "rotateBeforeExpiry", reason: "strictly between 0% and 100%" }],
  },
  {
    id: "grace-period-overflow",
    kind: "AccessToken",
    what: 'gracePeriod "300000000d"',
    set: { gracePeriod: "300000000d" },
    expect: [{ property: "gracePeriod", reason: "must be at most 100 years (36500d)" }],
  },
  {
    id: "grace-period-exponent",
    kind: "AccessToken",
    what: 'gracePeriod "1e9d" (no exponents)',
    set: { gracePeriod: "1e9d" },
    expect: [{ property: "gracePeriod", reason: DURATION }],
  },
  {
    id: "triggers-not-strings",
    kind: "AccessToken",
    what: "triggers { build: 42 } (a number)",
    set: { triggers: { build: 42 } },
    expect: [{ property: "triggers.build", reason: "must be a string" }],
  },
  {
    id: "recreate-if-invalid-string",
    kind: "AccessToken",
    what: 'recreateIfInvalid "yes" (a string)',
    set: { recreateIfInvalid: "yes" },
    expect: [{ property: "recreateIfInvalid", reason: "must be true or false" }],
  },
  {
    id: "revoke-on-delete-string",
    kind: "AccessToken",
    what: 'revokeOnDelete "no" (a string)',
    set: { revokeOnDelete: "no" },
    expect: [{ property: "revokeOnDelete", reason: "must be true or false" }],
  },
  {
    id: "allow-insecure-http-string",
    kind: "AccessToken",
    what: 'allowInsecureHttp "true" (a string)',
    set: { allowInsecureHttp: "true" },
    expect: [{ property: "allowInsecureHttp", reason: "must be true or false" }],
  },
  {
    id: "unknown-input",
    kind: "AccessToken",
    what: 'an unknown input "colour"',
    set: { colour: "blue" },
    expect: [{ property: "(inputs)", reason: "unknown input(s): colour" }],
  },
  {
    id: "snake-case-input",
    kind: "AccessToken",
    what: "client_secret (snake_case) instead of clientSecret",
    set: { client_secret: canary("snake") },
    expect: [{ property: "(inputs)", reason: "unknown input(s): client_secret" }],
    canaries: [canary("snake")],
  },

  // --- Presets ----------------------------------------------------------------------------
  {
    id: "alphaus-unknown-product",
    kind: "alphaus.AccessToken",
    what: 'Alphaus product "octo" (Octo uses Ripple tokens)',
    set: { product: "octo" },
    expect: [{ property: "product", reason: 'must be "ripple" or "wave"' }],
  },
  {
    id: "alphaus-unknown-environment",
    kind: "alphaus.AccessToken",
    what: 'Alphaus environment "staging"',
    set: { environment: "staging" },
    expect: [{ property: "environment", reason: 'must be "production" or "beta"' }],
  },
  {
    id: "alphaus-http-auth-url",
    kind: "alphaus.AccessToken",
    what: "Alphaus authUrl http:// to a public host",
    set: { authUrl: "http://login.alphaus.example/access_token" },
    expect: [{ property: "authUrl", reason: "must use https for a non-loopback host" }],
  },
  {
    id: "alphaus-username-with-client-credentials",
    kind: "alphaus.AccessToken",
    what: 'Alphaus username with grantType "client_credentials"',
    set: { grantType: "client_credentials", username: "alice" },
    expect: [{ property: "username", reason: 'is only used with grantType "password"' }],
  },
  {
    id: "vantage-unknown-region",
    kind: "vantage.AccessToken",
    what: 'Vantage region "asia"',
    set: { region: "asia" },
    unset: ["baseUrl"],
    expect: [{ property: "region", reason: 'must be "eu", "us" or "au"' }],
  },
  {
    id: "vantage-region-and-base-url",
    kind: "vantage.AccessToken",
    what: "Vantage region and baseUrl both set (conflicting)",
    set: { region: "eu" },
    expect: [{ property: "baseUrl", reason: 'set exactly one of region ("eu", "us", "au") or baseUrl' }],
  },
  {
    id: "vantage-password-grant-incomplete",
    kind: "vantage.AccessToken",
    what: 'Vantage grantType "password" without username and password',
    set: { grantType: "password" },
    expect: [
      { property: "username", reason: 'is required for grantType "password"' },
      { property: "password", reason: 'is required for grantType "password"' },
    ],
  },
  {
    id: "vantage-tenant-id-path",
    kind: "vantage.AccessToken",
    what: 'Vantage tenantId "../admin"',
    set: { tenantId: "../admin" },
    expect: [{ property: "tenantId", reason: "must be a tenant id" }],
  },
  {
    id: "exastro-missing-base-url",
    kind: "exastro.AccessToken",
    what: "Exastro baseUrl missing",
    unset: ["baseUrl"],
    expect: [{ property: "baseUrl", reason: "is required" }],
  },
  {
    id: "exastro-master-realm",
    kind: "exastro.AccessToken",
    what: 'Exastro organizationId "master" without systemManager',
    set: { organizationId: "master" },
    expect: [{ property: "organizationId", reason: '"master" is the system-manager realm' }],
  },
  {
    id: "exastro-refresh-token-and-password",
    kind: "exastro.AccessToken",
    what: "Exastro initialRefreshToken and username + password both set",
    set: { username: "alice", password: canary("exastro-pw") },
    secretArgs: ["password", "initialRefreshToken"],
    expect: [{ property: "initialRefreshToken", reason: "set either initialRefreshToken or username + password" }],
    canaries: [canary("base-exastro"), canary("exastro-pw")],
  },
  {
    id: "exastro-bad-totp",
    kind: "exastro.AccessToken",
    what: 'Exastro totp "12ab56" (not digits)',
    set: { totp: "12ab56" },
    expect: [
      { property: "totp", reason: "must be the current 6-8 digit one-time code" },
      { property: "totp", reason: "is only used with username + password" },
    ],
  },
  {
    id: "misskey-host-with-scheme",
    kind: "misskey.AccessToken",
    what: 'Misskey host "https://misskey.io" (a URL, not a host name)',
    set: { host: "https://misskey.io" },
    unset: ["baseUrl"],
    expect: [{ property: "host", reason: "must be a host name such as misskey.io" }],
  },
  {
    id: "misskey-grace-period",
    kind: "misskey.AccessToken",
    what: "Misskey gracePeriod (tokens cannot be re-issued unattended)",
    set: { gracePeriod: "1h" },
    expect: [{ property: "gracePeriod", reason: "is not supported" }],
  },
  {
    id: "misskey-rotate-before-expiry",
    kind: "misskey.AccessToken",
    what: "Misskey rotateBeforeExpiry (tokens never expire)",
    set: { rotateBeforeExpiry: "2h" },
    expect: [{ property: "rotateBeforeExpiry", reason: "is not supported: Misskey tokens never expire" }],
  },
  {
    id: "misskey-token-and-app-credentials",
    kind: "misskey.AccessToken",
    what: "Misskey token and appAccessToken + appSecret both set",
    set: { appAccessToken: canary("mk-app"), appSecret: canary("mk-app-secret") },
    secretArgs: ["token", "appAccessToken", "appSecret"],
    expect: [{ property: "token", reason: "set either token or appAccessToken + appSecret, not both" }],
    canaries: [canary("base-misskey"), canary("mk-app"), canary("mk-app-secret")],
  },

  // --- API clients ------------------------------------------------------------------------
  {
    id: "client-no-endpoint",
    kind: "ApiClient",
    what: "ApiClient with neither issuer nor registrationEndpoint",
    unset: ["registrationEndpoint"],
    expect: [{ property: "registrationEndpoint", reason: "set issuer (the registration endpoint is discovered)" }],
  },
  {
    id: "client-relative-redirect",
    kind: "ApiClient",
    what: 'ApiClient redirect URI "/callback" (relative)',
    set: { redirectUris: ["/callback"] },
    expect: [{ property: "redirectUris.0", reason: "must be an absolute URI" }],
  },
  {
    id: "client-application-type",
    kind: "ApiClient",
    what: 'ApiClient applicationType "desktop"',
    set: { applicationType: "desktop" },
    expect: [{ property: "applicationType", reason: 'must be "web" or "native"' }],
  },
  {
    id: "client-extra-metadata-secret",
    kind: "ApiClient",
    what: "ApiClient extraMetadata sets client_secret (a secret the server issues)",
    set: { extraMetadata: { client_secret: canary("client-extra") } },
    expect: [{ property: "extraMetadata", reason: "must not set" }],
    canaries: [canary("client-extra"), canary("base-client")],
  },
  {
    id: "client-public-client-credentials",
    kind: "ApiClient",
    what: 'ApiClient public ("none") with the client_credentials grant',
    set: { tokenEndpointAuthMethod: "none", grantTypes: ["client_credentials"] },
    expect: [{ property: "tokenEndpointAuthMethod", reason: "cannot use the client_credentials grant" }],
  },
  {
    id: "client-rotate-after",
    kind: "ApiClient",
    what: 'ApiClient rotateAfter "soon"',
    set: { rotateAfter: "soon" },
    expect: [{ property: "rotateAfter", reason: "must be a duration" }],
  },
  {
    id: "client-rotate-after-overflow",
    kind: "ApiClient",
    what: 'ApiClient rotateAfter "300000000d"',
    set: { rotateAfter: "300000000d" },
    expect: [{ property: "rotateAfter", reason: "must be at most 100 years (36500d)" }],
  },
  {
    id: "misskey-app-rotation",
    kind: "misskey.App",
    what: "Misskey app with rotateAfter (Misskey cannot delete the old app)",
    set: { rotateAfter: "90d" },
    expect: [{ property: "rotateAfter", reason: "Misskey clients cannot rotate: Misskey has no API to delete apps" }],
  },
  {
    id: "alphaus-client-no-name",
    kind: "alphaus.ApiClient",
    what: "Alphaus API client without a name",
    unset: ["name"],
    expect: [{ property: "name", reason: "is required" }],
  },
  {
    id: "alphaus-client-environment",
    kind: "alphaus.ApiClient",
    what: 'Alphaus API client environment "staging"',
    set: { environment: "staging" },
    expect: [{ property: "environment", reason: 'must be "production" or "beta"' }],
  },
  {
    id: "alphaus-client-http-api",
    kind: "alphaus.ApiClient",
    what: "Alphaus API client apiUrl http:// to a public host",
    set: { apiUrl: "http://blue.example.com/m/blue" },
    secretArgs: ["accessToken"],
    expect: [{ property: "apiUrl", reason: "must use https for a non-loopback host" }],
    canaries: [canary("base-alphaus-client")],
  },
  {
    id: "exastro-sa-no-username",
    kind: "exastro.ServiceAccount",
    what: "Exastro service account without a username",
    unset: ["username"],
    expect: [{ property: "username", reason: "is required" }],
  },
  {
    id: "exastro-sa-type",
    kind: "exastro.ServiceAccount",
    what: 'Exastro service account type "robot"',
    set: { type: "robot" },
    expect: [{ property: "type", reason: 'must be "ansible-execution-agent" or "oase-agent"' }],
  },
  {
    id: "exastro-sa-description-number",
    kind: "exastro.ServiceAccount",
    what: "Exastro service account description 5 (a number)",
    set: { description: 5 },
    expect: [{ property: "description", reason: "must be a string" }],
  },
  {
    id: "exastro-sa-no-access-token",
    kind: "exastro.ServiceAccount",
    what: "Exastro service account without the workspace administrator's accessToken",
    unset: ["accessToken"],
    expect: [{ property: "accessToken", reason: "is required" }],
  },
  {
    id: "misskey-app-no-name",
    kind: "misskey.App",
    what: "Misskey app without a name",
    unset: ["name"],
    expect: [{ property: "name", reason: "is required" }],
  },
  {
    id: "misskey-app-repeated-permission",
    kind: "misskey.App",
    what: "Misskey app permission listed twice",
    set: { permissions: ["read:account", "read:account"] },
    expect: [{ property: "permissions.1", reason: 'repeats "read:account"' }],
  },
  {
    id: "misskey-app-callback",
    kind: "misskey.App",
    what: 'Misskey app callbackUrl "not a url"',
    set: { callbackUrl: "not a url" },
    expect: [{ property: "callbackUrl", reason: "must be an absolute URL" }],
  },
  {
    id: "vantage-client-no-tenant",
    kind: "vantage.ApiClient",
    what: "Vantage API client without tenantId",
    unset: ["tenantId"],
    expect: [{ property: "tenantId", reason: "is required" }],
  },
  {
    id: "vantage-client-api-version",
    kind: "vantage.ApiClient",
    what: 'Vantage API client apiVersion "v3"',
    set: { apiVersion: "v3" },
    expect: [{ property: "apiVersion", reason: 'must be "v2" or "v1"' }],
  },
  {
    id: "vantage-client-empty-client-id",
    kind: "vantage.ApiClient",
    what: 'Vantage API client clientId "" (named as the SDK argument)',
    set: { clientId: "" },
    expect: [{ property: "clientId", reason: "must not be empty" }],
  },
  {
    id: "vantage-client-no-access-token",
    kind: "vantage.ApiClient",
    what: "Vantage API client without the administrator's accessToken",
    unset: ["accessToken"],
    expect: [{ property: "accessToken", reason: "is required" }],
  },
];

// -----------------------------------------------------------------------------------------
// Packing

/** A resource of the program: several cases' mistakes in one set of inputs. */
export interface PackedResource {
  name: string;
  kind: string;
  args: Record<string, unknown>;
  secretArgs: string[];
  cases: BadInputCase[];
}

/** True when the SDK of this checkout exports `kind` (presets may come and go). */
export function kindAvailable(kind: string): boolean {
  let found: unknown = sdk;
  for (const part of kind.split(".")) found = (found as Record<string, unknown> | undefined)?.[part];
  return typeof found === "function" && SYSTEM_OF[kind] !== undefined;
}

function keysOf(c: BadInputCase): Set<string> {
  return new Set([
    ...Object.keys(c.set ?? {}),
    ...(c.unset ?? []),
    ...c.expect.map((e) => e.property.split(".")[0] as string),
  ]);
}

function argsOf(kind: string, cases: BadInputCase[]): Record<string, unknown> {
  const args: Record<string, unknown> = { ...BASE_ARGS[kind] };
  for (const c of cases) for (const key of c.unset ?? []) delete args[key];
  for (const c of cases) Object.assign(args, c.set);
  return args;
}

/**
 * Packs cases into as few resources as possible (first fit): a case joins a resource when
 * it sets, unsets and expects other inputs than the cases already there, and `check` of
 * the joined inputs gives exactly the union of each case's failures alone (rules that read
 * several inputs would otherwise hide or add failures).
 */
export function pack(cases: BadInputCase[]): PackedResource[] {
  const groups: { kind: string; keys: Set<string>; cases: BadInputCase[]; failures: string[] }[] = [];
  for (const c of cases) {
    const keys = keysOf(c);
    const alone = directFailures(c.kind, argsOf(c.kind, [c]));
    const group = c.exclusive
      ? undefined
      : groups.find((g) => {
          if (g.kind !== c.kind || g.cases.some((x) => x.exclusive) || [...keys].some((k) => g.keys.has(k)))
            return false;
          const joined = directFailures(c.kind, argsOf(c.kind, [...g.cases, c]));
          return JSON.stringify(joined) === JSON.stringify([...g.failures, ...alone].sort());
        });
    if (group) {
      for (const k of keys) group.keys.add(k);
      group.cases.push(c);
      group.failures.push(...alone);
    } else {
      groups.push({ kind: c.kind, keys, cases: [c], failures: [...alone] });
    }
  }
  return groups.map((g, i) => ({
    name: `bad-${String(i + 1).padStart(2, "0")}`,
    kind: g.kind,
    args: argsOf(g.kind, g.cases),
    secretArgs: [...new Set(g.cases.flatMap((c) => c.secretArgs ?? []))],
    cases: g.cases,
  }));
}

/** `check`'s failures for `args` of `kind`, called directly (no engine). */
export function directFailures(kind: string, args: Record<string, unknown>): string[] {
  const given = substitute(args, "http://127.0.0.1:9") as Record<string, unknown>;
  const renamed = PROVIDER_NAMES[kind] ?? {};
  const inputs = Object.fromEntries(Object.entries(given).map(([k, v]) => [renamed[k] ?? k, v]));
  const check = CLIENT_KINDS.has(kind) ? checkApiClient : checkInputs;
  const result = check({ ...inputs, system: SYSTEM_OF[kind], resourceName: "direct" });
  return (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`).sort();
}

/**
 * Problems with the table, found without the engine: each case alone must fail with
 * exactly its expected failures, and each packed resource with exactly the union of its
 * cases' failures (so packing hides nothing and adds nothing).
 */
export function tableProblems(resources: PackedResource[]): string[] {
  const problems: string[] = [];
  for (const r of resources) {
    const union: string[] = [];
    for (const c of r.cases) {
      const alone = directFailures(c.kind, argsOf(c.kind, [c]));
      union.push(...alone);
      const unmatched = alone.filter(
        (f) => !c.expect.some((e) => f.startsWith(`${e.property}: `) && f.includes(e.reason)),
      );
      const missing = c.expect.filter(
        (e) => !alone.some((f) => f.startsWith(`${e.property}: `) && f.includes(e.reason)),
      );
      if (unmatched.length || missing.length) {
        problems.push(`${c.id}: check gives ${JSON.stringify(alone)}, expected ${JSON.stringify(c.expect)}`);
      }
    }
    const packed = directFailures(r.kind, r.args);
    if (JSON.stringify(packed) !== JSON.stringify(union.sort())) {
      problems.push(`${r.name} (${r.cases.map((c) => c.id).join(", ")}): packing changes the failures`);
    }
  }
  return problems;
}

// -----------------------------------------------------------------------------------------
// Running the matrix through the engine

/** One check failure as `pulumi preview` printed it. */
export interface PrintedFailure {
  resource: string;
  property: string;
  /** The value the engine printed beside the property (may hold a secret). */
  value: string;
  reason: string;
}

/** What happened to one case. */
export interface BadInputResult {
  id: string;
  kind: string;
  what: string;
  resource: string;
  /** The expected failures, each found in the preview output. */
  found: { property: string; reason: string; line?: string }[];
  /** Canaries of this case found in the preview output. */
  leaked: string[];
  /** Differences from the expectation (empty when as expected). */
  problems: string[];
}

/** The whole run. */
export interface BadInputReport {
  results: BadInputResult[];
  resources: PackedResource[];
  /** Engine runs (one `pulumi preview` per packed resource). */
  previews: number;
  /** HTTP requests the counting server received (must be 0). */
  requests: number;
  /** Every preview failed, as it must. */
  allPreviewsFailed: boolean;
  tableProblems: string[];
  skippedKinds: string[];
  durationMs: number;
}

/** Parses check failures from preview output (the "Diagnostics:" section). */
export function parseFailures(output: string): PrintedFailure[] {
  const failures: PrintedFailure[] = [];
  const diagnostics = output.slice(Math.max(0, output.indexOf("Diagnostics:")));
  const withProperty = /error: \S+ resource '([^']+)': property (\S+) value (.*?) has a problem: (.*)$/;
  const withoutProperty = /error: \S+ resource '([^']+)'(?: has a problem)?: (.*)$/;
  for (const line of diagnostics.split("\n")) {
    const m = withProperty.exec(line);
    if (m) {
      failures.push({
        resource: m[1] as string,
        property: m[2] as string,
        value: m[3] as string,
        reason: m[4] as string,
      });
      continue;
    }
    const n = withoutProperty.exec(line);
    if (n) {
      // check names the property inside the reason ("clientId: must not be empty") so the
      // engine does not print the value.
      const named = /^([\w.]+|\(inputs\)): (.*)$/.exec(n[2] as string);
      failures.push({
        resource: n[1] as string,
        property: named ? (named[1] as string) : "",
        value: "",
        reason: named ? (named[2] as string) : (n[2] as string),
      });
    }
  }
  return failures;
}

function substitute(value: unknown, origin: string): unknown {
  if (typeof value === "string") return value.split(SERVER).join(origin);
  if (Array.isArray(value)) return value.map((v) => substitute(v, origin));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, origin)]));
  }
  return value;
}

async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/**
 * Runs the matrix: packs the available cases, checks the packing directly, then runs one
 * `pulumi preview` per packed resource (each on its own stack of one program copy) with a
 * counting HTTP server as every endpoint, and matches the printed failures to the cases.
 */
export async function runBadInputMatrix(
  options: { cases?: BadInputCase[]; parallel?: number } = {},
): Promise<BadInputReport> {
  const started = Date.now();
  const all = options.cases ?? BAD_INPUT_CASES;
  const skippedKinds = [...new Set(all.filter((c) => !kindAvailable(c.kind)).map((c) => c.kind))];
  const cases = all.filter((c) => kindAvailable(c.kind));
  const resources = pack(cases);
  const problemsInTable = tableProblems(resources);

  const server: FaultServer = await startFaultServer();
  const first = await createProgram("../test/engine/programs/bad-inputs", resources[0]?.name ?? "empty");
  const outputs = new Map<string, string>();
  let allFailed = true;
  try {
    await inParallel(resources, options.parallel ?? 4, async (r) => {
      const program = r === resources[0] ? first : new Program(first.dir, r.name, first.env);
      if (program !== first) await program.pulumi(["stack", "init", r.name]);
      const entry = {
        name: r.name,
        kind: r.kind,
        args: substitute(r.args, server.origin),
        secretArgs: r.secretArgs,
      };
      // `--config` sets the stack config for this run: one CLI call instead of two.
      const result = await program.pulumi(["preview", "--config", `resources=${JSON.stringify([entry])}`], {
        allowFailure: true,
      });
      if (result.code === 0) allFailed = false;
      outputs.set(r.name, `${result.stdout}\n${result.stderr}`);
    });
  } finally {
    await server.close();
    await first.cleanup();
  }

  const results: BadInputResult[] = [];
  for (const r of resources) {
    const output = outputs.get(r.name) ?? "";
    const printed = parseFailures(output).filter((f) => f.resource === r.name);
    for (const c of r.cases) {
      const problems: string[] = [];
      const found = c.expect.map((e) => {
        const hit = printed.find((p) => p.property === e.property && p.reason.includes(e.reason));
        if (!hit) problems.push(`preview does not show ${e.property}: ${e.reason}`);
        return {
          ...e,
          line: hit ? `property ${hit.property} value ${hit.value} has a problem: ${hit.reason}` : undefined,
        };
      });
      const leaked = (c.canaries ?? []).filter((s) => output.includes(s));
      if (leaked.length) problems.push(`secret printed: ${leaked.map((s) => s.slice(0, 12)).join(", ")}…`);
      results.push({
        id: c.id,
        kind: c.kind,
        what: c.what,
        resource: r.name,
        found,
        leaked,
        problems,
      });
    }
  }
  return {
    results,
    resources,
    previews: resources.length,
    requests: server.requests.length,
    allPreviewsFailed: allFailed,
    tableProblems: problemsInTable,
    skippedKinds,
    durationMs: Date.now() - started,
  };
}
