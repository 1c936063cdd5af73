/**
 * The AccessToken lifecycle: validate inputs (check), decide replace/update (diff), issue
 * (create), ask the server whether the token still works (read), revoke (delete).
 *
 * State layout (the resource's outputs) is versioned by `stateVersion`; inputs are echoed
 * so `diff`, `read` and `delete`, which only see old outputs, have what they need.
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { ConfigSlot } from "../config";
import { AccessTokenError, ErrorCode } from "../errors";
import { redactError } from "../http/redact";
import { type Transport, endpointProblem } from "../http/transport";
import * as oauth2 from "../protocols/oauth2";

/** Version of the state layout written by this code. */
export const STATE_VERSION = 1;

/** The value Pulumi sends for inputs not yet known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const scopeToken = z
  .string()
  .min(1, "must not be empty")
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "must be a single RFC 6749 §3.3 scope token (no spaces or quotes)");

const RESERVED_PARAMS = new Set([
  "grant_type",
  "client_id",
  "client_secret",
  "scope",
  "audience",
  "resource",
  "username",
  "password",
  "refresh_token",
  "code",
]);

/** The inputs of an AccessToken, as they reach the provider. */
export const AccessTokenInputs = z.strictObject({
  tokenEndpoint: z.string().optional(),
  issuer: z.string().optional(),
  revocationEndpoint: z.string().optional(),
  introspectionEndpoint: z.string().optional(),
  clientId: z.string({ error: "is required" }).min(1, "must not be empty"),
  clientSecret: z.string().min(1, "must not be empty").optional(),
  clientSecretConfigKey: z.string().min(1, "must not be empty").optional(),
  clientAuthMethod: z
    .enum(["client_secret_basic", "client_secret_post"], {
      error: 'must be "client_secret_basic" or "client_secret_post"',
    })
    .optional(),
  scopes: z.array(scopeToken).optional(),
  audience: z.string().min(1, "must not be empty").optional(),
  resource: z.array(z.string().min(1)).optional(),
  extraParams: z
    .record(z.string(), z.string())
    .refine((p) => Object.keys(p).every((k) => !RESERVED_PARAMS.has(k)), {
      error: `must not set ${[...RESERVED_PARAMS].join(", ")} (use the dedicated inputs)`,
    })
    .optional(),
  revokeOnDelete: z.boolean().optional(),
  allowInsecureHttp: z.boolean().optional(),
});
/** Validated AccessToken inputs. */
export type AccessTokenInputs = z.infer<typeof AccessTokenInputs>;

/**
 * Rules across fields, run even when single fields fail so `preview` reports every
 * problem at once. Works on the raw (unvalidated) inputs.
 */
export function crossFieldIssues(v: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const str = (k: string) => (typeof v[k] === "string" && v[k] !== "" ? (v[k] as string) : undefined);
  if (!str("tokenEndpoint") === !str("issuer")) {
    issues.push({
      path: [str("tokenEndpoint") ? "issuer" : "tokenEndpoint"],
      message: "set exactly one of tokenEndpoint or issuer",
    });
  }
  for (const key of ["tokenEndpoint", "issuer", "revocationEndpoint", "introspectionEndpoint"]) {
    const value = v[key];
    if (value === undefined) continue;
    const problem =
      typeof value === "string" ? endpointProblem(value, v.allowInsecureHttp === true) : "must be a URL string";
    if (problem) issues.push({ path: [key], message: problem });
  }
  if (Array.isArray(v.resource)) {
    for (const [i, value] of v.resource.entries()) {
      const problem = typeof value === "string" ? endpointProblem(value, true) : undefined;
      if (problem) issues.push({ path: ["resource", i], message: problem });
    }
  }
  if (v.clientSecret !== undefined && v.clientSecretConfigKey !== undefined) {
    issues.push({
      path: ["clientSecretConfigKey"],
      message: "set either clientSecret or clientSecretConfigKey, not both",
    });
  }
  if (v.clientSecret === undefined && v.clientSecretConfigKey === undefined) {
    issues.push({
      path: ["clientSecret"],
      message: "is required (or name a stack config key in clientSecretConfigKey)",
    });
  }
  return issues;
}

/** What an AccessToken stores as outputs. */
export interface AccessTokenState extends AccessTokenInputs {
  stateVersion: number;
  /** The token endpoint actually used (from discovery when `issuer` is set). */
  resolvedTokenEndpoint: string;
  resolvedRevocationEndpoint?: string;
  resolvedIntrospectionEndpoint?: string;
  accessToken: string;
  tokenType: string;
  scope?: string;
  issuedAt: string;
  expiresAt?: string;
}

/** Inputs whose change means a different token: the resource is replaced. */
export const MATERIAL_INPUTS = [
  "tokenEndpoint",
  "issuer",
  "clientId",
  "scopes",
  "audience",
  "resource",
  "extraParams",
] as const;

/** Inputs that can change without a new token: updated in place, no network call. */
export const COSMETIC_INPUTS = [
  "clientSecret",
  "clientSecretConfigKey",
  "clientAuthMethod",
  "revocationEndpoint",
  "introspectionEndpoint",
  "revokeOnDelete",
  "allowInsecureHttp",
] as const;

function stripProvider(props: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...rest } = props;
  return rest;
}

function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (value && typeof value === "object") return Object.values(value).some(isUnknown);
  return false;
}

/** Maps zod issues on inputs to Pulumi check failures: property named, reason given. */
export function checkInputs(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
  const inputs = stripProvider(news);
  const unknownKeys = new Set(Object.keys(inputs).filter((k) => isUnknown(inputs[k])));
  // Unknown values (preview) are validated on the next run, when they are known.
  const known = Object.fromEntries(Object.entries(inputs).filter(([k]) => !unknownKeys.has(k)));
  const parsed = AccessTokenInputs.safeParse(known);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues),
    ...crossFieldIssues(known).map((i) => ({ ...i, code: "custom" as const })),
  ];
  const failures = issues
    .filter((i) => {
      const key = String(i.path[0] ?? "");
      if (unknownKeys.has(key)) return false;
      // "exactly one of" checks cannot be decided while one side is unknown.
      if (["tokenEndpoint", "issuer"].includes(key) && (unknownKeys.has("tokenEndpoint") || unknownKeys.has("issuer")))
        return false;
      if (["clientSecret", "clientSecretConfigKey"].includes(key) && unknownKeys.has("clientSecret")) return false;
      return true;
    })
    .map((i) => ({
      property: i.path.map(String).join(".") || "(inputs)",
      reason: "keys" in i && i.code === "unrecognized_keys" ? `unknown input(s): ${i.keys.join(", ")}` : i.message,
    }));
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Decides replace (material change) or update (cosmetic change) from old outputs and new inputs. */
export function diffAccessToken(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): pulumi.dynamic.DiffResult {
  const replaces = MATERIAL_INPUTS.filter((k) => isUnknown(news[k]) || !sameValue(olds[k], news[k]));
  const updates = COSMETIC_INPUTS.filter((k) => isUnknown(news[k]) || !sameValue(olds[k], news[k]));
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces: [...replaces],
    deleteBeforeReplace: false,
  };
}

/** Everything the AccessToken lifecycle needs from its environment. */
export interface AccessTokenDeps {
  transport: Transport;
  config: ConfigSlot;
  now?: () => Date;
}

async function resolveSecret(inputs: AccessTokenInputs, deps: AccessTokenDeps): Promise<string> {
  if (inputs.clientSecret) return inputs.clientSecret;
  const key = inputs.clientSecretConfigKey as string;
  const value = await deps.config.get(key);
  if (!value) {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `clientSecretConfigKey: stack config "${key}" is not set (pulumi config set --secret ${key} ...)`,
    );
  }
  return value;
}

function authFor(inputs: AccessTokenInputs, secret: string): oauth2.ClientAuth {
  return oauth2.clientAuth(inputs.clientAuthMethod ?? "client_secret_basic", inputs.clientId, secret);
}

/** Parses the inputs echoed in state (or sent as inputs); throws if they are unusable. */
function parseInputs(props: Record<string, unknown>): AccessTokenInputs {
  const picked = pickInputs(props);
  const parsed = AccessTokenInputs.safeParse(picked);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...crossFieldIssues(picked)];
  if (!parsed.success || issues.length) {
    const reasons = issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new AccessTokenError(ErrorCode.INVALID_INPUT, `invalid AccessToken inputs: ${reasons}`);
  }
  return parsed.data;
}

const INPUT_KEYS = new Set([
  "tokenEndpoint",
  "issuer",
  "revocationEndpoint",
  "introspectionEndpoint",
  "clientId",
  "clientSecret",
  "clientSecretConfigKey",
  "clientAuthMethod",
  "scopes",
  "audience",
  "resource",
  "extraParams",
  "revokeOnDelete",
  "allowInsecureHttp",
]);

function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([k]) => INPUT_KEYS.has(k)));
}

function secretsOf(props: Record<string, unknown>): string[] {
  return ["clientSecret", "accessToken", "refreshToken"]
    .map((k) => props[k])
    .filter((v): v is string => typeof v === "string");
}

/** Runs `fn`, redacting the given secrets from any error it throws. */
async function guarded<T>(secrets: () => Iterable<string | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw redactError(error, secrets());
  }
}

/** Issues a token: discovery if needed, then the client_credentials grant. */
export async function createAccessToken(
  props: Record<string, unknown>,
  deps: AccessTokenDeps,
): Promise<pulumi.dynamic.CreateResult> {
  const known: (string | undefined)[] = secretsOf(props);
  return guarded(
    () => known,
    async () => {
      const inputs = parseInputs(props);
      const secret = await resolveSecret(inputs, deps);
      known.push(secret);
      let tokenEndpoint = inputs.tokenEndpoint;
      let revocation = inputs.revocationEndpoint;
      let introspection = inputs.introspectionEndpoint;
      if (inputs.issuer) {
        const metadata = await oauth2.discover(inputs.issuer, deps.transport);
        tokenEndpoint = metadata.token_endpoint as string;
        revocation ??= metadata.revocation_endpoint;
        introspection ??= metadata.introspection_endpoint;
        for (const [name, url] of [
          ["token_endpoint", tokenEndpoint],
          ["revocation_endpoint", revocation],
          ["introspection_endpoint", introspection],
        ] as const) {
          const problem = url === undefined ? undefined : endpointProblem(url, inputs.allowInsecureHttp);
          if (problem) {
            throw new AccessTokenError(
              ErrorCode.DISCOVERY,
              `${oauth2.SYSTEM} discovery for ${inputs.issuer}: ${name} ${url} ${problem}`,
            );
          }
        }
      }
      const endpoint = tokenEndpoint as string;
      const ctx = { system: oauth2.SYSTEM, operation: "token request (client_credentials)", endpoint };
      const req = oauth2.tokenRequest(
        endpoint,
        "client_credentials",
        {
          scope: inputs.scopes?.length ? inputs.scopes.join(" ") : undefined,
          audience: inputs.audience,
          resource: inputs.resource,
          ...inputs.extraParams,
        },
        authFor(inputs, secret),
      );
      const issuedAt = (deps.now ?? (() => new Date()))();
      const tokens = oauth2.processTokenResponse(await deps.transport(req, ctx), ctx);
      known.push(tokens.accessToken, tokens.refreshToken);
      const state: AccessTokenState = {
        ...(pickInputs(props) as AccessTokenInputs),
        stateVersion: STATE_VERSION,
        resolvedTokenEndpoint: endpoint,
        ...(revocation ? { resolvedRevocationEndpoint: revocation } : {}),
        ...(introspection ? { resolvedIntrospectionEndpoint: introspection } : {}),
        accessToken: tokens.accessToken,
        tokenType: tokens.tokenType,
        ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
        issuedAt: issuedAt.toISOString(),
        ...(tokens.expiresIn !== undefined
          ? { expiresAt: new Date(issuedAt.getTime() + tokens.expiresIn * 1000).toISOString() }
          : {}),
      };
      return { id: randomUUID(), outs: state };
    },
  );
}

/** Updates cosmetic inputs in place; no network call, the token is kept. */
export async function updateAccessToken(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  const next = { ...stripProvider(olds) };
  for (const key of COSMETIC_INPUTS) {
    if (news[key] === undefined) delete next[key];
    else next[key] = news[key];
  }
  return { outs: next };
}

function isExpired(state: Record<string, unknown>, now: Date): boolean {
  return typeof state.expiresAt === "string" && Date.parse(state.expiresAt) <= now.getTime();
}

/**
 * Asks the server whether the token still works. With an introspection endpoint, RFC 7662
 * decides; without one, only expiry can be known. A dead token is reported gone (blank id)
 * so the next `pulumi up` issues a new one.
 */
export async function readAccessToken(
  id: string,
  props: Record<string, unknown>,
  deps: AccessTokenDeps,
): Promise<pulumi.dynamic.ReadResult> {
  const known: (string | undefined)[] = secretsOf(props);
  return guarded(
    () => known,
    async () => {
      const now = (deps.now ?? (() => new Date()))();
      const state = stripProvider(props) as unknown as AccessTokenState;
      if (isExpired(props, now)) return { id: "", props: {} };
      const endpoint = state.resolvedIntrospectionEndpoint;
      if (!endpoint) return { id, props: stripProvider(props) };
      const inputs = parseInputs(props);
      const secret = await resolveSecret(inputs, deps);
      known.push(secret);
      const ctx = { system: oauth2.SYSTEM, operation: "introspection", endpoint };
      const res = await deps.transport(
        oauth2.introspectionRequest(endpoint, state.accessToken, authFor(inputs, secret)),
        ctx,
      );
      const answer = oauth2.processIntrospectionResponse(res, ctx);
      if (!answer.active) return { id: "", props: {} };
      const next: Record<string, unknown> = { ...stripProvider(props) };
      if (answer.exp !== undefined) next.expiresAt = new Date(answer.exp * 1000).toISOString();
      return { id, props: next };
    },
  );
}

/** Revokes the token (RFC 7009) when the server offers revocation and it has not expired. */
export async function deleteAccessToken(props: Record<string, unknown>, deps: AccessTokenDeps): Promise<void> {
  const known: (string | undefined)[] = secretsOf(props);
  await guarded(
    () => known,
    async () => {
      const state = stripProvider(props) as unknown as AccessTokenState;
      const endpoint = state.resolvedRevocationEndpoint;
      if (state.revokeOnDelete === false || !endpoint) return;
      if (isExpired(props, (deps.now ?? (() => new Date()))())) return;
      const inputs = parseInputs(props);
      const secret = await resolveSecret(inputs, deps);
      known.push(secret);
      const ctx = { system: oauth2.SYSTEM, operation: "revocation", endpoint };
      const res = await deps.transport(
        oauth2.revocationRequest(endpoint, state.accessToken, authFor(inputs, secret)),
        ctx,
      );
      oauth2.processRevocationResponse(res, ctx);
    },
  );
}
