/**
 * The ApiClient lifecycle: a client registration (or API key pair) that a system lets you
 * create by API. Written once against {@link ClientSystem}; the generic system here is
 * OAuth 2.0 Dynamic Client Registration (RFC 7591) with its management protocol (RFC 7592),
 * and system-specific clients (Alphaus Blue, Exastro, Misskey, Vantage) are further entries
 * in {@link CLIENT_SYSTEMS}.
 *
 * - check: every bad input, named, with a reason; no network call.
 * - diff (every preview/up, no network): where or how the client is registered changed →
 *   replace; client metadata changed → update in place (RFC 7592 PUT), or replace when the
 *   server offers no management; a client secret that expires within 7 days → a warning at
 *   preview, an expired one → replace.
 * - create: registers; if the server registered a client but a later step fails, the error
 *   carries `id` and `properties` so the engine records the client and `destroy` (or the
 *   next `up`, which replaces it) deletes it: nothing is orphaned.
 * - read (refresh): asks the server (RFC 7592 GET); a client that is gone leaves state, so
 *   the next `up` registers a new one; metadata the user set is refreshed from the server,
 *   so drift shows in the next preview and `up` puts it back.
 * - delete: deletes at the server (RFC 7592 DELETE); where the server cannot, says so.
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type Diagnostics, recordingDiagnostics } from "../diagnostics";
import { AccessTokenError, ErrorCode } from "../errors";
import { redact, redactError } from "../http/redact";
import { type Transport, endpointProblem } from "../http/transport";
import * as oauth2 from "../protocols/oauth2";
import * as registration from "../protocols/registration";
import { UNKNOWN, isUnknown, stripProvider } from "./inputs";
import type { InputIssue } from "../protocols/system";

/** Version of the state layout written by this code. */
export const API_CLIENT_STATE_VERSION = 1;

export { UNKNOWN };

/** Outputs that are always secret (besides each system's secret inputs). */
export const CLIENT_SECRET_OUTPUTS = ["clientSecret", "registrationAccessToken"] as const;

/** How soon before the client secret expires `preview` starts warning. */
export const SECRET_EXPIRY_WARNING_WINDOW_MS = 7 * 86_400_000;

/** Everything the lifecycle needs from its environment. */
export interface ApiClientDeps {
  transport: Transport;
  diagnostics?: Diagnostics;
  now?: () => Date;
}

// -----------------------------------------------------------------------------------------
// The interface every client system implements

/** Everything a client system needs during one call. */
export interface ClientContext {
  transport: Transport;
  diagnostics: Diagnostics;
  now(): Date;
  /** Secrets met during the call; every error is redacted of them. */
  secrets: string[];
}

/** A client as a system reports it after register, read or update. */
export interface ClientRecord {
  clientId: string;
  /** Secret. A read or update that returns none keeps the stored one. */
  clientSecret?: string;
  /** RFC 3339. */
  clientIdIssuedAt?: string;
  /** RFC 3339; absent when the secret does not expire. */
  clientSecretExpiresAt?: string;
  /** Other non-secret outputs (endpoints, the registered metadata). */
  outputs: Record<string, unknown>;
  /** Other secret outputs (e.g. `registrationAccessToken`), listed in the system's `secretOutputs`. */
  secrets: Record<string, string>;
}

/** What happened on delete. */
export interface RemoveOutcome {
  removed: boolean;
  /** Why nothing was removed (shown to the user as a warning). */
  note?: string;
}

/** A client system. `I` is its validated inputs. */
export interface ClientSystem<I = Record<string, unknown>> {
  /** The value of the `system` input that selects it. */
  readonly id: string;
  /** Its name in messages, e.g. "OAuth 2.0". */
  readonly displayName: string;
  /** Field-level input schema (strict object shape). */
  readonly inputShape: z.ZodRawShape;
  /** Inputs whose change means another client (replace). */
  readonly replaceInputs: readonly string[];
  /** Inputs whose change {@link update} applies at the server. Other inputs are cosmetic: no network call. */
  readonly updateInputs: readonly string[];
  /** Inputs that hold secrets (secret outputs, redacted from every message). */
  readonly secretInputs: readonly string[];
  /** Outputs that hold secrets besides `clientSecret`. */
  readonly secretOutputs: readonly string[];
  /** Cross-field rules, run on raw inputs even when fields fail. */
  crossFieldIssues(raw: Record<string, unknown>): InputIssue[];
  /**
   * Registers a client. When the system registered one but a later step failed, throw
   * {@link incompleteRegistration} so the client is recorded and later deleted.
   */
  register(inputs: I, ctx: ClientContext): Promise<ClientRecord>;
  /** Asks the system about the client: its record, `"gone"`, or undefined when it cannot tell. */
  read(inputs: I, state: Record<string, unknown>, ctx: ClientContext): Promise<ClientRecord | "gone" | undefined>;
  /** Whether {@link update} can change this client in place; when not, a change of `updateInputs` replaces. */
  canUpdate(state: Record<string, unknown>): boolean;
  /** Applies the inputs at the server. */
  update(inputs: I, state: Record<string, unknown>, ctx: ClientContext): Promise<ClientRecord>;
  /** Deletes the client where the system allows; says why not where it cannot. */
  remove(inputs: I, state: Record<string, unknown>, ctx: ClientContext): Promise<RemoveOutcome>;
  /**
   * Inputs as the server now has them (for refresh), for the inputs the user set: a value
   * changed at the server appears here and the next preview shows the drift.
   */
  driftedInputs?(inputs: I, record: ClientRecord): Record<string, unknown>;
}

const INCOMPLETE = Symbol.for("pulumi-access-tokens.IncompleteRegistration");

/**
 * Marks `error` as thrown after the system registered (or changed) a client: `record` is
 * what is known about it, so the lifecycle can record it instead of orphaning it.
 */
export function incompleteRegistration(error: unknown, record: ClientRecord): unknown {
  const target = error instanceof Error ? error : new Error(String(error));
  Object.defineProperty(target, INCOMPLETE, { value: record, enumerable: false });
  return target;
}

function incompleteRecordOf(error: unknown): ClientRecord | undefined {
  return error instanceof Error
    ? (error as unknown as Record<symbol, ClientRecord | undefined>)[INCOMPLETE]
    : undefined;
}

// -----------------------------------------------------------------------------------------
// The generic system: RFC 7591 / RFC 7592

const scopeToken = z
  .string()
  .min(1, "must not be empty")
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "must be a single RFC 6749 §3.3 scope token (no spaces or quotes)");
const nonEmpty = z.string().min(1, "must not be empty");
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

/** Wire fields set by a dedicated input (or issued by the server): refused in `extraMetadata`. */
const RESERVED_METADATA = new Set<string>([
  ...Object.values(METADATA_FIELDS),
  "scope",
  ...registration.SERVER_ISSUED_FIELDS,
]);

/** Input fields of the generic (RFC 7591) client system. */
export const registrationInputShape = {
  issuer: z.string().optional(),
  registrationEndpoint: z.string().optional(),
  tokenEndpoint: z.string().optional(),
  initialAccessToken: nonEmpty.optional(),
  clientName: nonEmpty.optional(),
  redirectUris: nonEmptyList.optional(),
  grantTypes: nonEmptyList.optional(),
  responseTypes: nonEmptyList.optional(),
  scopes: z.array(scopeToken).optional(),
  tokenEndpointAuthMethod: nonEmpty.optional(),
  applicationType: z.enum(["web", "native"], { error: 'must be "web" or "native"' }).optional(),
  clientUri: nonEmpty.optional(),
  logoUri: nonEmpty.optional(),
  tosUri: nonEmpty.optional(),
  policyUri: nonEmpty.optional(),
  jwksUri: nonEmpty.optional(),
  contacts: nonEmptyList.optional(),
  softwareId: nonEmpty.optional(),
  softwareVersion: nonEmpty.optional(),
  extraMetadata: z
    .record(z.string(), z.unknown())
    .refine((m) => Object.keys(m).every((k) => !RESERVED_METADATA.has(k)), {
      error: `must not set ${[...RESERVED_METADATA].join(", ")} (use the dedicated inputs; the server issues the rest)`,
    })
    .optional(),
  allowInsecureHttp: z.boolean().optional(),
};

/** Validated generic inputs. */
export type RegistrationInputs = z.infer<z.ZodObject<typeof registrationInputShape>>;

const SECRET_AUTH_METHODS = new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt"]);

/** Cross-field rules of the generic system. */
export function registrationCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  const has = (k: string) => typeof v[k] === "string" && v[k] !== "";
  if (!has("issuer") && !has("registrationEndpoint")) {
    issues.push({
      path: ["registrationEndpoint"],
      message: "set issuer (the registration endpoint is discovered) or registrationEndpoint",
    });
  }
  for (const key of ["issuer", "registrationEndpoint", "tokenEndpoint"]) {
    const value = v[key];
    if (value === undefined) continue;
    const problem =
      typeof value === "string" ? endpointProblem(value, v.allowInsecureHttp === true) : "must be a URL string";
    if (problem) issues.push({ path: [key], message: problem });
  }
  for (const key of ["clientUri", "logoUri", "tosUri", "policyUri", "jwksUri"]) {
    const value = v[key];
    if (typeof value === "string" && value !== "") {
      const problem = endpointProblem(value, true);
      if (problem) issues.push({ path: [key], message: problem });
    }
  }
  if (Array.isArray(v.redirectUris)) {
    for (const [i, value] of v.redirectUris.entries()) {
      if (typeof value !== "string" || value === "") continue;
      // Native apps may use private-use schemes (RFC 8252 §7.1): only absolute, no fragment.
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        issues.push({ path: ["redirectUris", i], message: "must be an absolute URI" });
      }
      if (url?.hash) issues.push({ path: ["redirectUris", i], message: "must not have a fragment (RFC 6749 §3.1.2)" });
    }
  }
  const grants = Array.isArray(v.grantTypes) ? (v.grantTypes as unknown[]) : [];
  if (grants.includes("client_credentials") && v.tokenEndpointAuthMethod === "none") {
    issues.push({
      path: ["tokenEndpointAuthMethod"],
      message: 'a public client ("none") cannot use the client_credentials grant',
    });
  }
  const responses = Array.isArray(v.responseTypes) ? (v.responseTypes as unknown[]) : undefined;
  if (grants.includes("authorization_code") && responses && !responses.some((r) => String(r).includes("code"))) {
    issues.push({
      path: ["responseTypes"],
      message: 'must include "code" when grantTypes includes "authorization_code" (RFC 7591 §2.1)',
    });
  }
  return issues;
}

/** The wire metadata (RFC 7591 §2) for the inputs. */
export function metadataOf(inputs: RegistrationInputs): registration.ClientMetadata {
  const metadata: registration.ClientMetadata = { ...inputs.extraMetadata };
  for (const [input, wire] of Object.entries(METADATA_FIELDS)) {
    const value = inputs[input as keyof RegistrationInputs];
    if (value !== undefined) metadata[wire] = value;
  }
  if (inputs.scopes !== undefined) metadata.scope = inputs.scopes.join(" ");
  return metadata;
}

function rfc3339(epochSeconds: number | undefined): string | undefined {
  return epochSeconds ? new Date(epochSeconds * 1000).toISOString() : undefined;
}

/** The record of a client the server described; `base` adds outputs known from the call. */
function recordOf(client: registration.RegisteredClient, base: Record<string, unknown> = {}): ClientRecord {
  const issuedAt = rfc3339(client.clientIdIssuedAt);
  const expiresAt = rfc3339(client.clientSecretExpiresAt);
  return {
    clientId: client.clientId,
    ...(client.clientSecret !== undefined ? { clientSecret: client.clientSecret } : {}),
    ...(issuedAt ? { clientIdIssuedAt: issuedAt } : {}),
    ...(expiresAt ? { clientSecretExpiresAt: expiresAt } : {}),
    outputs: {
      ...base,
      ...(client.registrationClientUri ? { registrationClientUri: client.registrationClientUri } : {}),
      metadata: client.metadata,
    },
    secrets: client.registrationAccessToken ? { registrationAccessToken: client.registrationAccessToken } : {},
  };
}

/**
 * Checks that the server registered what the inputs need (RFC 7591 §3.2.1 lets it replace
 * values): the requested client authentication, every requested grant, and a secret when
 * the registered authentication uses one. Returns the problems.
 */
export function registeredProblems(inputs: RegistrationInputs, client: registration.RegisteredClient): string[] {
  const problems: string[] = [];
  const method = client.metadata.token_endpoint_auth_method;
  if (
    inputs.tokenEndpointAuthMethod !== undefined &&
    method !== undefined &&
    method !== inputs.tokenEndpointAuthMethod
  ) {
    problems.push(
      `the server registered token_endpoint_auth_method "${String(method)}" instead of the requested "${inputs.tokenEndpointAuthMethod}"`,
    );
  }
  const grants = client.metadata.grant_types;
  if (inputs.grantTypes && Array.isArray(grants)) {
    const missing = inputs.grantTypes.filter((g) => !grants.includes(g));
    if (missing.length) problems.push(`the server did not register the requested grant type(s) ${missing.join(", ")}`);
  }
  const effective = typeof method === "string" ? method : (inputs.tokenEndpointAuthMethod ?? "client_secret_basic");
  if (SECRET_AUTH_METHODS.has(effective) && client.clientSecret === undefined) {
    problems.push(`the server issued no client_secret for a client that authenticates with ${effective}`);
  }
  return problems;
}

function hasManagement(state: Record<string, unknown>): boolean {
  return typeof state.registrationClientUri === "string" && typeof state.registrationAccessToken === "string";
}

/** Why the registration client URI cannot be used, or undefined when it can. */
function managementProblem(state: Record<string, unknown>, inputs: RegistrationInputs): string | undefined {
  const problem = endpointProblem(String(state.registrationClientUri), inputs.allowInsecureHttp === true);
  return problem && `the server's registration_client_uri ${String(state.registrationClientUri)} ${problem}`;
}

function sameSet(a: unknown[], b: unknown[]): boolean {
  const left = new Set(a.map((x) => JSON.stringify(x)));
  const right = new Set(b.map((x) => JSON.stringify(x)));
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/** True when two metadata values mean the same (lists are unordered in RFC 7591 metadata). */
export function sameMetadataValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return sameSet(a, b);
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

const NO_MANAGEMENT_NOTE =
  "the server offered no client management (RFC 7592: no registration_client_uri and registration_access_token) when it registered this client";

/** The generic OAuth 2.0 client system: RFC 7591 registration, RFC 7592 management. */
export const registrationSystem: ClientSystem<RegistrationInputs> = {
  id: "oauth2",
  displayName: registration.SYSTEM,
  inputShape: registrationInputShape,
  replaceInputs: ["issuer", "registrationEndpoint"],
  updateInputs: [...Object.keys(METADATA_FIELDS), "scopes", "extraMetadata"],
  secretInputs: ["initialAccessToken"],
  secretOutputs: ["registrationAccessToken"],
  crossFieldIssues: registrationCrossFieldIssues,

  async register(inputs, ctx) {
    let endpoint = inputs.registrationEndpoint;
    let discoveredTokenEndpoint: string | undefined;
    if (inputs.issuer) {
      const metadata = await oauth2.discover(inputs.issuer, ctx.transport);
      discoveredTokenEndpoint = metadata.token_endpoint;
      endpoint ??= metadata.registration_endpoint;
      if (!endpoint) {
        throw new AccessTokenError(
          ErrorCode.DISCOVERY,
          `${registration.SYSTEM} discovery for ${inputs.issuer}: the server offers no registration_endpoint (dynamic client registration, RFC 7591, is not enabled there); set registrationEndpoint if it has one elsewhere`,
        );
      }
      for (const [name, url] of [
        ["registration", endpoint],
        ["token", discoveredTokenEndpoint],
      ] as const) {
        const problem = url === undefined ? undefined : endpointProblem(url, inputs.allowInsecureHttp);
        if (problem) {
          throw new AccessTokenError(
            ErrorCode.DISCOVERY,
            `${registration.SYSTEM} discovery for ${inputs.issuer}: ${name} endpoint ${url} ${problem}`,
          );
        }
      }
    }
    const rctx = { system: registration.SYSTEM, operation: "client registration", endpoint: endpoint as string };
    const res = await ctx.transport(
      registration.registrationRequest(endpoint as string, metadataOf(inputs), inputs.initialAccessToken),
      rctx,
    );
    const base = {
      registrationEndpointUsed: endpoint,
      ...(discoveredTokenEndpoint ? { discoveredTokenEndpoint } : {}),
    };
    let client: registration.RegisteredClient;
    try {
      client = registration.processRegistrationResponse(res, rctx, inputs.initialAccessToken !== undefined);
    } catch (error) {
      const handles = registration.registrationHandles(res);
      if (!handles) throw error;
      ctx.secrets.push(...[handles.clientSecret, handles.registrationAccessToken].filter((s): s is string => !!s));
      throw incompleteRegistration(error, {
        clientId: handles.clientId,
        ...(handles.clientSecret ? { clientSecret: handles.clientSecret } : {}),
        outputs: {
          ...base,
          ...(handles.registrationClientUri ? { registrationClientUri: handles.registrationClientUri } : {}),
        },
        secrets: handles.registrationAccessToken ? { registrationAccessToken: handles.registrationAccessToken } : {},
      });
    }
    ctx.secrets.push(
      ...[client.clientSecret, client.registrationAccessToken].filter((s): s is string => s !== undefined),
    );
    const record = recordOf(client, base);
    const problems = registeredProblems(inputs, client);
    if (client.registrationClientUri) {
      const problem = managementProblem({ registrationClientUri: client.registrationClientUri }, inputs);
      if (problem) problems.push(problem);
    }
    if (problems.length) {
      throw incompleteRegistration(
        new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${registration.SYSTEM} client registration at ${endpoint as string} registered client "${client.clientId}", but ${problems.join("; ")}`,
          { status: res.status, endpoint },
        ),
        record,
      );
    }
    return record;
  },

  async read(inputs, state, ctx) {
    if (!hasManagement(state)) return undefined;
    const problem = managementProblem(state, inputs);
    if (problem) throw new AccessTokenError(ErrorCode.INVALID_INPUT, problem);
    const uri = state.registrationClientUri as string;
    const rctx = { system: registration.SYSTEM, operation: "client read (RFC 7592)", endpoint: uri };
    const res = await ctx.transport(registration.readRequest(uri, state.registrationAccessToken as string), rctx);
    const answer = registration.processReadResponse(res, rctx);
    if (answer === "gone") return "gone";
    if (answer.clientId !== state.clientId) {
      throw new AccessTokenError(
        ErrorCode.INVALID_RESPONSE,
        `${registration.SYSTEM} client read at ${uri} failed: the server describes client "${answer.clientId}", not "${String(state.clientId)}"`,
        { status: res.status, endpoint: uri },
      );
    }
    ctx.secrets.push(
      ...[answer.clientSecret, answer.registrationAccessToken].filter((s): s is string => s !== undefined),
    );
    return recordOf(answer);
  },

  canUpdate: hasManagement,

  async update(inputs, state, ctx) {
    const problem = managementProblem(state, inputs);
    if (problem) throw new AccessTokenError(ErrorCode.INVALID_INPUT, problem);
    const uri = state.registrationClientUri as string;
    const rctx = { system: registration.SYSTEM, operation: "client update (RFC 7592)", endpoint: uri };
    const res = await ctx.transport(
      registration.updateRequest(
        uri,
        state.registrationAccessToken as string,
        String(state.clientId),
        metadataOf(inputs),
      ),
      rctx,
    );
    let client: registration.RegisteredClient;
    try {
      client = registration.processUpdateResponse(res, rctx);
    } catch (error) {
      // The server may have rotated the registration access token before the answer went
      // wrong: keep the new one, or the client could never be managed (or deleted) again.
      const handles = registration.registrationHandles(res);
      if (!handles?.registrationAccessToken) throw error;
      ctx.secrets.push(...[handles.clientSecret, handles.registrationAccessToken].filter((s): s is string => !!s));
      throw incompleteRegistration(error, {
        clientId: String(state.clientId),
        ...(handles.clientSecret ? { clientSecret: handles.clientSecret } : {}),
        outputs: handles.registrationClientUri ? { registrationClientUri: handles.registrationClientUri } : {},
        secrets: { registrationAccessToken: handles.registrationAccessToken },
      });
    }
    ctx.secrets.push(
      ...[client.clientSecret, client.registrationAccessToken].filter((s): s is string => s !== undefined),
    );
    const record = recordOf(client);
    const problems = registeredProblems(inputs, client);
    if (problems.length) {
      throw incompleteRegistration(
        new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${registration.SYSTEM} client update at ${uri} updated client "${client.clientId}", but ${problems.join("; ")}`,
          { status: res.status, endpoint: uri },
        ),
        record,
      );
    }
    return record;
  },

  async remove(inputs, state, ctx) {
    if (!hasManagement(state)) {
      return {
        removed: false,
        note: `${NO_MANAGEMENT_NOTE}, so it cannot be deleted by API: client "${String(state.clientId)}" stays registered; remove it with the server's own tools`,
      };
    }
    const problem = managementProblem(state, inputs);
    if (problem) throw new AccessTokenError(ErrorCode.INVALID_INPUT, problem);
    const uri = state.registrationClientUri as string;
    const rctx = { system: registration.SYSTEM, operation: "client delete (RFC 7592)", endpoint: uri };
    const res = await ctx.transport(registration.deleteRequest(uri, state.registrationAccessToken as string), rctx);
    const outcome = registration.processDeleteResponse(res, rctx);
    if (outcome === "unsupported") {
      return {
        removed: false,
        note: `the server does not support deleting clients (HTTP 405 from ${uri}): client "${String(state.clientId)}" stays registered; remove it with the server's own tools`,
      };
    }
    if (outcome === "gone") {
      await ctx.diagnostics.info(
        `${registration.SYSTEM} client "${String(state.clientId)}" was already gone at the server (HTTP ${res.status} from ${uri})`,
      );
    }
    return { removed: true };
  },

  driftedInputs(inputs, record) {
    const server = record.outputs.metadata as registration.ClientMetadata | undefined;
    if (!server) return {};
    const out: Record<string, unknown> = {};
    for (const [input, wire] of Object.entries(METADATA_FIELDS)) {
      const mine = inputs[input as keyof RegistrationInputs];
      if (mine === undefined || !(wire in server)) continue;
      if (!sameMetadataValue(mine, server[wire])) out[input] = server[wire];
    }
    if (inputs.scopes !== undefined && typeof server.scope === "string") {
      const theirs = server.scope.split(" ").filter(Boolean);
      if (!sameSet(inputs.scopes, theirs)) out.scopes = theirs;
    }
    if (inputs.extraMetadata) {
      const extra = { ...inputs.extraMetadata };
      let changed = false;
      for (const [key, mine] of Object.entries(inputs.extraMetadata)) {
        if (key in server && !sameMetadataValue(mine, server[key])) {
          extra[key] = server[key];
          changed = true;
        }
      }
      if (changed) out.extraMetadata = extra;
    }
    return out;
  },
};

/** Every client system, by the value of the `system` input. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CLIENT_SYSTEMS: Record<string, ClientSystem<any>> = {
  [registrationSystem.id]: registrationSystem,
};

// -----------------------------------------------------------------------------------------
// Inputs

/** Inputs every client resource has, whatever its system. */
const COMMON_SHAPE = {
  system: z.string().optional(),
  /** The resource's name, passed by the SDK so messages can name it. */
  resourceName: z.string().optional(),
};

function systemId(props: Record<string, unknown>): string {
  return typeof props.system === "string" && props.system !== UNKNOWN ? props.system : registrationSystem.id;
}

/** The client system for a set of inputs or state; throws for an unknown one. */
export function clientSystemOf(props: Record<string, unknown>): ClientSystem {
  const id = systemId(props);
  const system = CLIENT_SYSTEMS[id];
  if (!system) {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `system: unknown API client system "${id}" (known: ${Object.keys(CLIENT_SYSTEMS).join(", ")})`,
    );
  }
  return system;
}

function schemaOf(system: ClientSystem) {
  return z.strictObject({ ...system.inputShape, ...COMMON_SHAPE });
}

function inputKeysOf(system: ClientSystem): string[] {
  return [...Object.keys(system.inputShape), ...Object.keys(COMMON_SHAPE)];
}

function pickInputs(system: ClientSystem, props: Record<string, unknown>): Record<string, unknown> {
  const keys = new Set(inputKeysOf(system));
  return Object.fromEntries(Object.entries(props).filter(([k, v]) => keys.has(k) && v !== undefined));
}

/** Validates new inputs: every problem, named by property with a reason, and no network call. */
export function checkApiClient(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
  const inputs = stripProvider(news);
  const id = systemId(inputs);
  const system = CLIENT_SYSTEMS[id];
  if (!system) {
    return {
      inputs: news,
      failures: [
        {
          property: "system",
          reason: `unknown API client system "${id}" (known: ${Object.keys(CLIENT_SYSTEMS).join(", ")})`,
        },
      ],
    };
  }
  const unknownKeys = new Set(Object.keys(inputs).filter((k) => isUnknown(inputs[k])));
  // Unknown values (preview) are validated on the run where they are known.
  const known = Object.fromEntries(Object.entries(inputs).filter(([k, v]) => !unknownKeys.has(k) && v !== undefined));
  const parsed = schemaOf(system).safeParse(known);
  const issues: { path: PropertyKey[]; message: string; keys?: string[]; code?: string }[] = [
    ...(parsed.success ? [] : parsed.error.issues),
    ...(unknownKeys.size ? [] : system.crossFieldIssues(known)),
  ];
  const failures = issues
    .filter((i) => !unknownKeys.has(String(i.path[0] ?? "")))
    .map((i) => ({
      property: i.path.map(String).join(".") || "(inputs)",
      reason: i.code === "unrecognized_keys" && i.keys ? `unknown input(s): ${i.keys.join(", ")}` : i.message,
    }));
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

function parseInputs(system: ClientSystem, props: Record<string, unknown>): Record<string, unknown> {
  const picked = pickInputs(system, props);
  const parsed = schemaOf(system).safeParse(picked);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...system.crossFieldIssues(picked)];
  if (!parsed.success || issues.length) {
    const reasons = issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
    throw new AccessTokenError(ErrorCode.INVALID_INPUT, `invalid ${system.displayName} API client inputs: ${reasons}`);
  }
  return parsed.data;
}

// -----------------------------------------------------------------------------------------
// Diff

function label(props: Record<string, unknown>, system: ClientSystem): string {
  const name = typeof props.resourceName === "string" ? props.resourceName : "(unnamed)";
  return `${system.displayName} API client "${name}"`;
}

/** The `tokenEndpoint` output for inputs and state: the given one, else the discovered one. */
function tokenEndpointOf(news: Record<string, unknown>, olds: Record<string, unknown>): unknown {
  return news.tokenEndpoint ?? olds.discoveredTokenEndpoint;
}

/**
 * Decides replace / update / nothing from old outputs and new inputs, at plan time, with no
 * network call; warns when the client secret is about to expire.
 */
export async function diffApiClient(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: Pick<ApiClientDeps, "diagnostics" | "now"> = {},
): Promise<pulumi.dynamic.DiffResult> {
  const system = clientSystemOf(isUnknown(news.system) ? olds : news);
  const diagnostics = deps.diagnostics ?? recordingDiagnostics();
  const now = (deps.now ?? (() => new Date()))();
  const changed = (k: string) => isUnknown(news[k]) || !sameValue(olds[k], news[k]);
  const replaces = ["system", ...system.replaceInputs].filter(changed);
  const updates = system.updateInputs.filter(changed);
  const handled = new Set(["system", ...system.replaceInputs, ...system.updateInputs, "tokenEndpoint"]);
  const cosmetic = inputKeysOf(system).filter((k) => !handled.has(k) && changed(k));
  if (!sameValue(olds.tokenEndpoint, tokenEndpointOf(news, olds))) cosmetic.push("tokenEndpoint");

  if (olds.registrationIncomplete === true && !replaces.length) {
    await diagnostics.info(
      `${label(news, system)}: the last registration did not complete; a new client will be registered and the incomplete one deleted`,
    );
    replaces.push("registrationIncomplete");
  }
  if (updates.length && !replaces.length && !system.canUpdate(olds)) {
    await diagnostics.info(
      `${label(news, system)}: ${updates.join(", ")} changed, but the server offers no way to update this client in place; a new client will be registered`,
    );
    replaces.push(...updates);
  }
  if (typeof olds.clientSecretExpiresAt === "string") {
    const at = olds.clientSecretExpiresAt;
    const left = Date.parse(at) - now.getTime();
    if (left <= 0) {
      await diagnostics.warn(
        `${label(news, system)}: the client secret expired at ${at}; a new client will be registered`,
      );
      if (!replaces.length) replaces.push("clientSecret");
    } else if (left <= SECRET_EXPIRY_WARNING_WINDOW_MS) {
      await diagnostics.warn(
        `${label(news, system)}: the client secret expires at ${at} (in ${Math.ceil(left / 86_400_000)} day(s)); once it has, the next pulumi up registers a new client`,
      );
    }
  }
  return {
    changes: replaces.length > 0 || updates.length > 0 || cosmetic.length > 0,
    replaces,
    deleteBeforeReplace: false,
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

// -----------------------------------------------------------------------------------------
// Create / read / update / delete

function secretsOf(system: ClientSystem, ...props: Record<string, unknown>[]): string[] {
  const keys = [...CLIENT_SECRET_OUTPUTS, ...system.secretOutputs, ...system.secretInputs];
  return props.flatMap((p) => keys.map((k) => p[k]).filter((v): v is string => typeof v === "string"));
}

function contextFor(deps: ApiClientDeps, secrets: string[]): ClientContext {
  return {
    transport: deps.transport,
    diagnostics: deps.diagnostics ?? recordingDiagnostics(),
    now: deps.now ?? (() => new Date()),
    secrets,
  };
}

/** Runs `fn`, redacting every secret of the call from any error it throws. */
async function guarded<T>(secrets: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw redactError(error, secrets);
  }
}

/** Fields a record sets in state (cleared before a new registration is written). */
const RECORD_FIELDS = ["clientId", "clientSecret", "clientIdIssuedAt", "clientSecretExpiresAt"];

/**
 * Writes `record` into `state`. A fresh registration replaces everything; a read or update
 * keeps what the server did not repeat (a secret it did not re-send stays valid).
 */
function applyRecord(state: Record<string, unknown>, record: ClientRecord, fresh: boolean): void {
  if (fresh) for (const key of RECORD_FIELDS) delete state[key];
  state.clientId = record.clientId;
  if (record.clientSecret !== undefined) state.clientSecret = record.clientSecret;
  if (record.clientIdIssuedAt !== undefined) state.clientIdIssuedAt = record.clientIdIssuedAt;
  if (record.clientSecretExpiresAt !== undefined) state.clientSecretExpiresAt = record.clientSecretExpiresAt;
  else if (fresh || record.clientSecret !== undefined) delete state.clientSecretExpiresAt;
  Object.assign(state, record.outputs, record.secrets);
}

/**
 * The error the engine records as a created-but-failed resource (PULUMI.md): `id` and
 * `properties` (with `__provider`, so delete can run), so a client the server registered is
 * never orphaned.
 */
function recordedFailure(
  error: unknown,
  id: string,
  properties: Record<string, unknown>,
  providerText: unknown,
): unknown {
  const target = error instanceof Error ? error : new Error(String(error));
  const props = JSON.parse(JSON.stringify({ ...properties, registrationIncomplete: true }));
  if (typeof providerText === "string") props.__provider = providerText;
  return Object.assign(target, { id, properties: props, reasons: [target.message] });
}

/** Registers a client from inputs. */
export async function createApiClient(
  props: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.CreateResult> {
  const system = clientSystemOf(props);
  const secrets = secretsOf(system, props);
  return guarded(secrets, async () => {
    const inputs = parseInputs(system, props);
    const ctx = contextFor(deps, secrets);
    const state: Record<string, unknown> = {
      ...pickInputs(system, props),
      system: system.id,
      stateVersion: API_CLIENT_STATE_VERSION,
    };
    const id = randomUUID();
    let record: ClientRecord;
    try {
      record = await system.register(inputs, ctx);
    } catch (error) {
      const partial = incompleteRecordOf(error);
      if (!partial) throw error;
      applyRecord(state, partial, true);
      state.tokenEndpoint = tokenEndpointOf(props, state);
      throw recordedFailure(redactError(error, secrets), id, state, props.__provider);
    }
    applyRecord(state, record, true);
    const tokenEndpoint = tokenEndpointOf(props, state);
    if (tokenEndpoint !== undefined) state.tokenEndpoint = tokenEndpoint;
    return { id, outs: state };
  });
}

/**
 * Asks the system about the client. A client that is gone leaves state (the next `pulumi
 * up` registers a new one); metadata the user set is refreshed from the server.
 */
export async function readApiClient(
  id: string,
  props: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.ReadResult> {
  const system = clientSystemOf(props);
  const secrets = secretsOf(system, props);
  return guarded(secrets, async () => {
    const ctx = contextFor(deps, secrets);
    const state = stripProvider(props);
    if (state.registrationIncomplete === true) return { id, props: state };
    const inputs = parseInputs(system, state);
    const answer = await system.read(inputs, state, ctx);
    if (answer === undefined) return { id, props: state };
    if (answer === "gone") {
      await ctx.diagnostics.info(
        `${label(state, system)}: client "${String(state.clientId)}" no longer exists at the server; the next pulumi up registers a new one`,
      );
      return { id: "", props: {} };
    }
    const next = { ...state, ...(system.driftedInputs?.(inputs, answer) ?? {}) };
    applyRecord(next, answer, false);
    return { id, props: next };
  });
}

/**
 * Updates in place: applies changed metadata at the server (RFC 7592 PUT), storing what it
 * answers (a rotated registration access token, a new secret); cosmetic changes make no
 * network call.
 */
export async function updateApiClient(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.UpdateResult> {
  const system = clientSystemOf(news);
  const secrets = secretsOf(system, olds, news);
  return guarded(secrets, async () => {
    const inputs = parseInputs(system, news);
    const ctx = contextFor(deps, secrets);
    const next: Record<string, unknown> = { ...stripProvider(olds) };
    for (const key of inputKeysOf(system)) {
      if (news[key] === undefined) delete next[key];
      else next[key] = news[key];
    }
    const tokenEndpoint = tokenEndpointOf(news, olds);
    if (tokenEndpoint === undefined) delete next.tokenEndpoint;
    else next.tokenEndpoint = tokenEndpoint;
    next.stateVersion = API_CLIENT_STATE_VERSION;
    if (system.updateInputs.some((k) => !sameValue(olds[k], news[k]))) {
      try {
        applyRecord(next, await system.update(inputs, olds, ctx), false);
      } catch (error) {
        const partial = incompleteRecordOf(error);
        if (!partial) throw error;
        applyRecord(next, partial, false);
        throw recordedFailure(redactError(error, secrets), id, next, news.__provider ?? olds.__provider);
      }
    }
    return { outs: next };
  });
}

/** Deletes the client where the system allows; says so plainly where it cannot. */
export async function deleteApiClient(props: Record<string, unknown>, deps: ApiClientDeps): Promise<void> {
  const system = clientSystemOf(props);
  const secrets = secretsOf(system, props);
  await guarded(secrets, async () => {
    const ctx = contextFor(deps, secrets);
    const state = stripProvider(props);
    if (typeof state.clientId !== "string") return;
    const inputs = parseInputs(system, state);
    const outcome = await system.remove(inputs, state, ctx);
    if (!outcome.removed && outcome.note) {
      await ctx.diagnostics.warn(redact(`${label(state, system)}: not deleted: ${outcome.note}`, secrets));
    }
  });
}

/** Secret output keys for a client system (used by the SDK). */
export function clientSecretOutputsOf(system: ClientSystem): string[] {
  return [...new Set([...CLIENT_SECRET_OUTPUTS, ...system.secretOutputs, ...system.secretInputs])];
}
