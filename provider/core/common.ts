/**
 * The properties every resource of a kind has, whatever its system, described once: the
 * `system` and `resourceName` inputs the SDK sets, the rotation and HTTP policy inputs,
 * and the outputs the lifecycles write. Each system's description adds its own.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { HttpPolicyInput } from "../http/policy-inputs";
import { RotationInputs } from "./rotation";
import {
  type InputDescription,
  type PropertyDescription,
  type ResourceDescription,
  type ResourceKind,
  input,
  output,
} from "./description";

/** A non-empty string: "must not be empty" for `""`. */
export const nonEmpty = z.string().min(1, "must not be empty");

/** One scope: an RFC 6749 §3.3 scope token. */
export const scopeToken = nonEmpty.regex(
  /^[\x21\x23-\x5B\x5D-\x7E]+$/,
  "must be a single RFC 6749 §3.3 scope token (no spaces or quotes)",
);

const systemInput = (kind: string) =>
  input(
    z.string().optional(),
    `Which system serves the ${kind}; each SDK class sets it. Changing it replaces the ${kind}.`,
    { replaces: true },
  );

const resourceNameInput = input(
  z.string().optional(),
  "The resource's name, set by the SDK so messages can name the resource.",
);

/** Inputs every AccessToken has: the SDK's, the rotation policy and the HTTP policy. */
export const TOKEN_COMMON_INPUTS = {
  system: systemInput("token"),
  resourceName: resourceNameInput,
  http: input(
    HttpPolicyInput.optional(),
    "Timeouts, deadline, budget, retries, rate limit and CA bundle of this resource's requests (never replaces the token).",
  ),
  rotateAfter: input(
    RotationInputs.rotateAfter,
    'Rotate this long after the token was issued, e.g. `"20h"`, `"7d"`, `"1h30m"`. Decided at plan time: a plain `pulumi preview` shows what will rotate and why.',
  ),
  rotateBeforeExpiry: input(
    RotationInputs.rotateBeforeExpiry,
    'Rotate this long before expiry (`"2h"`) or at this fraction of the lifetime left (`"25%"`).',
  ),
  triggers: input(
    RotationInputs.triggers,
    "Any change to this map rotates the token (like `time_rotating`'s triggers).",
  ),
  gracePeriod: input(
    RotationInputs.gracePeriod,
    "Keep the previous token valid this long after a rotation (as the secret output `previousAccessToken`), so stacks that read it later can switch. It is revoked on the first `pulumi up` after the grace period ends, and on destroy.",
  ),
  recreateIfInvalid: input(
    RotationInputs.recreateIfInvalid,
    "On `pulumi refresh`, drop a token found revoked or expired so the next `up` re-issues it.",
    { default: true },
  ),
};

/** Inputs every ApiClient has: the SDK's and the rotation policy. */
export const CLIENT_COMMON_INPUTS = {
  system: systemInput("client"),
  resourceName: resourceNameInput,
  rotateAfter: input(
    RotationInputs.rotateAfter,
    'Register a new client this long after the current one was created, e.g. `"90d"` (units s, m, h, d, w; `"1h30m"`). Changing it only reschedules (the `rotationDueAt` output), unless the new schedule is already due.',
  ),
  triggers: input(
    RotationInputs.triggers,
    'Any change to this map registers a new client (e.g. `{ quarter: "2026-Q4" }`).',
    { replaces: true },
  ),
};

const time = z.string();

/** Outputs every AccessToken has. */
export const TOKEN_COMMON_OUTPUTS = {
  accessToken: output(z.string(), "The access token.", { secret: true }),
  refreshToken: output(
    z.string().optional(),
    "The refresh token in use, when the grant gave one (from the input, or rotated by the server).",
    { secret: true },
  ),
  initialRefreshToken: output(
    z.string().optional(),
    "The refresh token given as input, kept apart from `refreshToken` so a new authorization is told apart from a rotation.",
    { secret: true },
  ),
  previousAccessToken: output(
    z.string().optional(),
    "The previous token, kept during its grace period after a rotation.",
    { secret: true },
  ),
  tokenType: output(z.string(), "The token type; always `Bearer`."),
  scope: output(z.string().optional(), "The scope granted, when the system said (space-separated)."),
  issuedAt: output(time, "When the current token was issued (RFC 3339): the last rotation."),
  expiresAt: output(time.optional(), "When the token expires (RFC 3339), when the system gave a lifetime."),
  rotationDueAt: output(time.optional(), "When rotation falls due (RFC 3339), when a rotation policy is set."),
  previousRevokeAt: output(
    time.optional(),
    "When the previous token will be revoked (on the first `up` after this time).",
  ),
  refreshTokenExpiresAt: output(time.optional(), "When the stored refresh token dies, when the system says."),
  resolvedTokenEndpoint: output(z.string().optional(), "The token endpoint used."),
  liveness: output(
    z.enum(["introspection", "expiry"]).optional(),
    'How `pulumi refresh` judges whether the token still works, for systems with RFC 7662 introspection: `"introspection"` when the server called a token it had just issued active (then `active: false` means revoked, and the token leaves state), `"expiry"` when its introspection cannot judge this client\'s tokens and only expiry counts.',
  ),
};

/** Outputs every ApiClient has. */
export const CLIENT_COMMON_OUTPUTS = {
  clientId: output(z.string(), "The client id issued by the server."),
  clientSecret: output(
    z.string().optional(),
    "The client secret, when the server issued one (not for public clients).",
    { secret: true },
  ),
  registrationAccessToken: output(
    z.string().optional(),
    "The registration access token (RFC 7592) that reads, updates and deletes this client. Undefined when the server offers no management.",
    { secret: true },
  ),
  clientIdIssuedAt: output(time.optional(), "When the client id was issued (RFC 3339), when the server said."),
  clientSecretExpiresAt: output(
    time.optional(),
    "When the client secret expires (RFC 3339); undefined when it does not.",
  ),
  registrationClientUri: output(
    z.string().optional(),
    "The client configuration endpoint (RFC 7592), when the server offers management.",
  ),
  createdAt: output(time.optional(), "When this client was created by this resource (RFC 3339)."),
  rotationDueAt: output(time.optional(), "When rotation falls due (RFC 3339), when `rotateAfter` is set."),
  issuer: output(z.string().optional(), "The issuer, when given."),
  tokenEndpoint: output(
    z.string().optional(),
    "The token endpoint: the given one, else the one discovered from `issuer`.",
  ),
  metadata: output(
    z.record(z.string(), z.unknown()),
    "The client's metadata as the server registered it, with RFC 7591 names (server defaults included, secrets left out), e.g. `metadata.token_endpoint_auth_method`.",
  ),
};

/** What a system declares of one resource: the rest of its description is derived. */
export interface Declaration<
  I extends Record<string, InputDescription>,
  O extends Record<string, PropertyDescription>,
> {
  /** The native provider's type token; its module names the system (see {@link systemOfToken}). */
  readonly token: `access-tokens:${string}:${string}`;
  /** Markdown documentation of the resource. */
  readonly doc: string;
  /** The system's own inputs, which follow the kind's common ones. */
  readonly inputs: I;
  /** Its outputs besides the kind's common ones. */
  readonly outputs: O;
}

/**
 * The system id a type token names: its module, except `index` (the package's root module),
 * which holds the generic OAuth 2.0 resources.
 *
 * @param token - a native type token, e.g. `access-tokens:alphaus:AccessToken`
 * @returns the value of the `system` input that selects it, e.g. `alphaus`
 */
export function systemOfToken(token: `access-tokens:${string}:${string}`): string {
  const module = token.split(":")[1]!;
  return module === "index" ? "oauth2" : module;
}

/**
 * A resource's description from its system's declaration and the kind's common properties.
 *
 * @param kind - the resource kind
 * @param common - the inputs and outputs every resource of the kind has
 * @param declared - the system's declaration
 * @returns the description, with the own inputs kept apart as `ownInputs`
 */
function describe<
  K extends ResourceKind,
  CI extends Record<string, InputDescription>,
  CO extends Record<string, PropertyDescription>,
  I extends Record<string, InputDescription>,
  O extends Record<string, PropertyDescription>,
>(kind: K, common: { inputs: CI; outputs: CO }, declared: Declaration<I, O>) {
  const { token, doc, inputs, outputs } = declared;
  return {
    kind,
    system: systemOfToken(token),
    token,
    doc,
    inputs: { ...common.inputs, ...inputs },
    outputs: { ...common.outputs, ...outputs },
    ownInputs: inputs,
  } as const satisfies ResourceDescription;
}

/**
 * An AccessToken's description: the common inputs and outputs, then the system's own.
 *
 * @param declared - type token, documentation, own inputs and outputs
 * @returns the description
 */
export function tokenDescription<
  I extends Record<string, InputDescription>,
  O extends Record<string, PropertyDescription>,
>(declared: Declaration<I, O>) {
  return describe("AccessToken", { inputs: TOKEN_COMMON_INPUTS, outputs: TOKEN_COMMON_OUTPUTS }, declared);
}

/**
 * An ApiClient's description: the common inputs and outputs, then the system's own.
 *
 * @param declared - type token, documentation, own inputs and outputs
 * @returns the description
 */
export function clientDescription<
  I extends Record<string, InputDescription>,
  O extends Record<string, PropertyDescription>,
>(declared: Declaration<I, O>) {
  return describe("ApiClient", { inputs: CLIENT_COMMON_INPUTS, outputs: CLIENT_COMMON_OUTPUTS }, declared);
}
