/**
 * The ApiClient lifecycle: a client registration (or API key pair) that a system lets you
 * create by API. Written once against {@link ClientSystem}; each system (generic RFC 7591/7592,
 * Alphaus Blue, Exastro, Misskey, Vantage) is a folder of `provider/systems/`,
 * passed in by `provider/index.ts` (`CLIENT_REGISTRY`).
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
import * as clock from "../clock";
import { type Diagnostics, recordingDiagnostics } from "../diagnostics";
import { redact, redactError } from "../http/redact";
import type { Transport } from "../http/transport";
import { CLIENT_COMMON_INPUTS, CLIENT_COMMON_OUTPUTS } from "./common";
import { secretNames, shapeOf } from "./description";
import { type SystemRegistry, callContext, guarded, lifecycleCore, sameValue } from "./lifecycle";
import {
  type ClientContext,
  type ClientRecord,
  type ClientSystem,
  incompleteRecordOf,
  isStaleOwnerCredential,
} from "./client-system";
import type { InputIssue } from "./token-system";
import { UNKNOWN, isUnknown, recordedFailure, stripProvider } from "./inputs";
import { isoAfter } from "../time";
import { parseDuration } from "./rotation";

/** Version of the state layout written by this code. */
export const API_CLIENT_STATE_VERSION = 1;

export { UNKNOWN };

/** Outputs that are always secret (besides each system's secret inputs). */
export const CLIENT_SECRET_OUTPUTS = secretNames(CLIENT_COMMON_OUTPUTS);

/** How soon before the client secret expires `preview` starts warning. */
export const SECRET_EXPIRY_WARNING_WINDOW_MS = 7 * 86_400_000;

/** The API client systems, as `provider/index.ts` passes them (`provider/systems/index.ts`). */
export type ClientRegistry = SystemRegistry<ClientSystem>;

/** Everything the lifecycle needs from its environment. */
export interface ApiClientDeps {
  transport: Transport;
  /** The systems this lifecycle serves. */
  systems: ClientRegistry;
  diagnostics?: Diagnostics;
  now?: () => Date;
}

// -----------------------------------------------------------------------------------------
// Inputs

/** Inputs that rotate the client: refused (with the system's reason) where it cannot delete one. */
const ROTATION_INPUTS = ["rotateAfter", "triggers"] as const;

/** When the client falls due for rotation (RFC 3339), from state and the `rotateAfter` input. */
function clientRotationDueAt(state: Record<string, unknown>, rotateAfter: unknown): string | undefined {
  const since = typeof state.createdAt === "string" ? state.createdAt : state.clientIdIssuedAt;
  const ms = typeof rotateAfter === "string" ? parseDuration(rotateAfter) : undefined;
  if (typeof since !== "string" || ms === undefined) return undefined;
  return isoAfter(since, ms);
}

const core = lifecycleCore<ClientSystem>({
  systemNoun: "API client system",
  noun: "API client",
  commonShape: shapeOf(CLIENT_COMMON_INPUTS),
  secretKeys: (system) => [...CLIENT_SECRET_OUTPUTS, ...system.secretOutputs, ...system.secretInputs],
  dropUndefined: true,
  argumentName: (system, input) => system.argumentNames?.[input] ?? input,
});
const { inputKeysOf, label, parseInputs, pickInputs, secretsOf } = core;

/** The client system for a set of inputs or state; throws for an unknown one. */
export function clientSystemOf(props: Record<string, unknown>, registry: ClientRegistry): ClientSystem {
  return core.systemOf(registry, props);
}

/** Validates new inputs: every problem, named by property with a reason, and no network call. */
export function checkApiClient(news: Record<string, unknown>, registry: ClientRegistry): pulumi.dynamic.CheckResult {
  const inputs = stripProvider(news);
  const system = core.lookup(registry, inputs);
  const failures = system
    ? core.checkFailures(system, inputs, (known) => rotationIssues(system, known))
    : [{ property: "system", reason: core.unknownSystem(registry, core.systemId(registry, inputs)) }];
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

/** Rotation inputs on a system that cannot rotate its clients: refused, with its reason. */
function rotationIssues(system: ClientSystem, inputs: Record<string, unknown>): InputIssue[] {
  if (!system.cannotRotate) return [];
  return ROTATION_INPUTS.filter((k) => inputs[k] !== undefined).map((k) => ({
    path: [k],
    message: `${system.displayName} clients cannot rotate: ${system.cannotRotate}`,
  }));
}

// -----------------------------------------------------------------------------------------
// Diff

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
  deps: Pick<ApiClientDeps, "diagnostics" | "now" | "systems">,
): Promise<pulumi.dynamic.DiffResult> {
  const system = clientSystemOf(isUnknown(news.system) ? olds : news, deps.systems);
  const diagnostics = deps.diagnostics ?? recordingDiagnostics();
  const now = (deps.now ?? clock.now)();
  const defaults = system.inputDefaults ?? {};
  const changed = (k: string) => isUnknown(news[k]) || !sameValue(olds[k] ?? defaults[k], news[k] ?? defaults[k]);
  const replaces = ["system", ...system.replaceInputs, "triggers"].filter(changed);
  const updates = system.updateInputs.filter(changed);
  const handled = new Set(["system", ...system.replaceInputs, ...system.updateInputs, "tokenEndpoint", "triggers"]);
  const cosmetic = inputKeysOf(system).filter((k) => !handled.has(k) && changed(k));
  if (!sameValue(olds.tokenEndpoint, tokenEndpointOf(news, olds))) cosmetic.push("tokenEndpoint");

  if (olds.registrationIncomplete === true && !replaces.length) {
    await diagnostics.info(
      `${label(news, system)}: the last registration did not complete; a new client will be registered${system.replaceNote ? "" : " and the incomplete one deleted"}`,
    );
    replaces.push("registrationIncomplete");
  }
  if (replaces.includes("triggers")) {
    await diagnostics.info(
      `${label(news, system)}: triggers changed; a new client will be registered, what uses this one switches to it, then this one is deleted`,
    );
  }
  const dueAt = isUnknown(news.rotateAfter) ? undefined : clientRotationDueAt(olds, news.rotateAfter);
  if (dueAt && Date.parse(dueAt) <= now.getTime() && !replaces.length && olds.registrationIncomplete !== true) {
    await diagnostics.info(
      `${label(news, system)}: rotation due since ${dueAt} (rotateAfter ${String(news.rotateAfter)}); a new client will be registered, what uses this one switches to it, then this one is deleted`,
    );
    replaces.push("rotateAfter");
  }
  const restore = replaces.length ? [] : (system.toRestore?.(olds, news, now) ?? []);
  if (restore.length) {
    await diagnostics.info(
      `${label(news, system)}: ${restore.join(", ")} no longer works; a new one will be issued in place`,
    );
    updates.push(...restore.filter((k) => !updates.includes(k)));
  }
  if (updates.length && !replaces.length && !system.canUpdate(olds)) {
    await diagnostics.info(
      `${label(news, system)}: ${updates.join(", ")} changed, but the server offers no way to update this client in place; a new client will be registered`,
    );
    replaces.push(...updates);
  }
  if (replaces.length && system.replaceNote) {
    await diagnostics.warn(
      `${label(news, system)}: ${replaces.join(", ")} changed, so a new client will be registered; ${system.replaceNote(olds)}`,
    );
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

// -----------------------------------------------------------------------------------------
// Create / read / update / delete

function contextFor(deps: ApiClientDeps, secrets: string[]): ClientContext {
  return callContext(deps, secrets);
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

/** A failure after the server registered a client: recorded (see {@link recordedFailure}), marked incomplete. */
function incompleteFailure(
  error: unknown,
  id: string,
  properties: Record<string, unknown>,
  providerText: unknown,
): Error {
  return recordedFailure(error, id, { ...properties, registrationIncomplete: true }, providerText);
}

/** Registers a client from inputs. */
export async function createApiClient(
  props: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.CreateResult> {
  const system = clientSystemOf(props, deps.systems);
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
      throw incompleteFailure(redactError(error, secrets), id, state, props.__provider);
    }
    try {
      applyRecord(state, record, true);
      const tokenEndpoint = tokenEndpointOf(props, state);
      if (tokenEndpoint !== undefined) state.tokenEndpoint = tokenEndpoint;
      state.createdAt = ctx.now().toISOString();
      const dueAt = clientRotationDueAt(state, props.rotateAfter);
      if (dueAt) state.rotationDueAt = dueAt;
      return { id, outs: state };
    } catch (error) {
      // The client exists at the server: record it (destroy or the next up deletes it).
      applyRecord(state, { clientId: record.clientId, outputs: record.outputs, secrets: record.secrets }, true);
      if (record.clientSecret !== undefined) state.clientSecret = record.clientSecret;
      throw incompleteFailure(redactError(error, secrets), id, state, props.__provider);
    }
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
  const system = clientSystemOf(props, deps.systems);
  const secrets = secretsOf(system, props);
  return guarded(secrets, async () => {
    const ctx = contextFor(deps, secrets);
    const state = stripProvider(props);
    if (state.registrationIncomplete === true) return { id, props: state };
    const inputs = parseInputs(system, state);
    let answer: Awaited<ReturnType<ClientSystem["read"]>>;
    try {
      answer = await system.read(inputs, state, ctx);
    } catch (error) {
      if (!isStaleOwnerCredential(error)) throw error;
      await ctx.diagnostics.warn(
        `${label(state, system)} was not checked: ${redactError(error as Error, secrets).message}`,
      );
      return { id, props: state };
    }
    if (answer === undefined) return { id, props: state };
    if (answer === "gone") {
      await ctx.diagnostics.info(
        `${label(state, system)}: client "${String(state.clientId)}" no longer exists at the server; the next pulumi up registers a new one`,
      );
      return { id: "", props: {} };
    }
    const next = { ...state, ...(system.driftedInputs?.(inputs, answer) ?? {}) };
    applyRecord(next, answer, false);
    for (const key of answer.ended ?? []) delete next[key];
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
  const system = clientSystemOf(news, deps.systems);
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
    const now = (deps.now ?? clock.now)();
    // State written before clients recorded their creation: rotation counts from now.
    if (news.rotateAfter !== undefined && next.createdAt === undefined && next.clientIdIssuedAt === undefined) {
      next.createdAt = now.toISOString();
    }
    const dueAt = clientRotationDueAt(next, news.rotateAfter);
    if (dueAt) next.rotationDueAt = dueAt;
    else delete next.rotationDueAt;
    const defaults = system.inputDefaults ?? {};
    if (
      system.updateInputs.some((k) => !sameValue(olds[k] ?? defaults[k], news[k] ?? defaults[k])) ||
      (system.toRestore?.(olds, news, now).length ?? 0) > 0
    ) {
      try {
        applyRecord(next, await system.update(inputs, olds, ctx), false);
      } catch (error) {
        const partial = incompleteRecordOf(error);
        if (!partial) throw error;
        applyRecord(next, partial, false);
        throw incompleteFailure(redactError(error, secrets), id, next, news.__provider ?? olds.__provider);
      }
    }
    return { outs: next };
  });
}

/** Deletes the client where the system allows; says so plainly where it cannot. */
export async function deleteApiClient(props: Record<string, unknown>, deps: ApiClientDeps): Promise<void> {
  const system = clientSystemOf(props, deps.systems);
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
