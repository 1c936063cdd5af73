/**
 * What every API client system implements: the contract between the ApiClient lifecycle
 * (`provider/core/api-client.ts`) and one system's wire calls (`provider/systems/<name>/client.ts`).
 */
import type { Diagnostics } from "../diagnostics";
import type { Transport } from "../http/transport";
import { type TypedDescription, defaultsOf, namesWhere, replacingNames, secretNames, shapeOf } from "./description";
import type { LifecycleSystem } from "./lifecycle";

/** Everything a client system needs during one call. */
export interface ClientContext {
  transport: Transport;
  diagnostics: Diagnostics;
  now(): Date;
  /**
   * Secrets met during the call; every error is redacted of them. Kept by the wire kit
   * (`send`, `keepSecrets` in `provider/wire/kit.ts`), never pushed to directly.
   */
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
  /**
   * Outputs a read found no longer work (e.g. a refresh token revoked at the server): they
   * leave state, so nothing points at a dead credential, and {@link ClientSystem.toRestore}
   * has the next `up` issue them again.
   */
  ended?: readonly string[];
}

/** What happened on delete. */
export interface RemoveOutcome {
  removed: boolean;
  /** Why nothing was removed (shown to the user as a warning). */
  note?: string;
}

/** A client system. `I` is its validated inputs. */
export interface ClientSystem<I = Record<string, unknown>> extends LifecycleSystem {
  /** Inputs whose change means another client (replace). */
  readonly replaceInputs: readonly string[];
  /** Inputs whose change {@link update} applies at the server. Other inputs are cosmetic: no network call. */
  readonly updateInputs: readonly string[];
  /**
   * Inputs the SDK passes under another name (provider name → the argument's name in the
   * SDK, e.g. an input that would collide with an output), so check failures name what
   * the user wrote.
   */
  readonly argumentNames?: Readonly<Record<string, string>>;
  /**
   * Why clients of this system cannot rotate (`rotateAfter`, `triggers`), when they cannot:
   * rotation registers a new client and deletes the old one, so a system that cannot
   * delete (or must delete first) refuses it at check with this reason.
   */
  readonly cannotRotate?: string;
  /**
   * What an unset input means, for inputs with a default: setting the default explicitly (or
   * removing an input that held it) is no change, so it never replaces the client.
   */
  readonly inputDefaults?: Readonly<Record<string, unknown>>;
  /** Outputs that hold secrets besides `clientSecret`. */
  readonly secretOutputs: readonly string[];
  /**
   * Registers a client. When the system registered one but a later step failed, throw
   * {@link incompleteRegistration} so the client is recorded and later deleted.
   */
  register(inputs: I, ctx: ClientContext): Promise<ClientRecord>;
  /** Asks the system about the client: its record, `"gone"`, or undefined when it cannot tell. */
  read(inputs: I, state: Record<string, unknown>, ctx: ClientContext): Promise<ClientRecord | "gone" | undefined>;
  /** Whether {@link update} can change this client in place; when not, a change of `updateInputs` replaces. */
  canUpdate(state: Record<string, unknown>): boolean;
  /**
   * Outputs the next `up` must issue again in place (state: the client's outputs; e.g. a
   * refresh token a read found revoked, or one past its end): the diff plans an update for
   * them, and {@link update} issues them.
   */
  toRestore?(state: Record<string, unknown>, inputs: Record<string, unknown>, now: Date): string[];
  /** Applies the inputs at the server, and issues what {@link toRestore} names. */
  update(inputs: I, state: Record<string, unknown>, ctx: ClientContext): Promise<ClientRecord>;
  /** Deletes the client where the system allows; says why not where it cannot. */
  remove(inputs: I, state: Record<string, unknown>, ctx: ClientContext): Promise<RemoveOutcome>;
  /**
   * What replacing the client (state: its old outputs) leaves behind, for systems that cannot
   * delete it: warned about at preview, before anything is registered.
   */
  replaceNote?(state: Record<string, unknown>): string;
  /**
   * Inputs as the server now has them (for refresh), for the inputs the user set: a value
   * changed at the server appears here and the next preview shows the drift.
   */
  driftedInputs?(inputs: I, record: ClientRecord): Record<string, unknown>;
}

/** What a client system writes itself: everything its description does not decide. */
export type ClientBehaviour<I> = Omit<ClientSystem<I>, "id" | "displayName" | DescribedClientField>;

type DescribedClientField =
  | "inputShape"
  | "replaceInputs"
  | "updateInputs"
  | "inputDefaults"
  | "secretInputs"
  | "secretOutputs"
  | "argumentNames";

/**
 * A client system: what its description decides (its id, the zod shape of its own inputs,
 * which replace the client and which an update applies at the server, their defaults, the
 * secret inputs and outputs, the SDK's names of renamed inputs) and what it does.
 *
 * @param description - the ApiClient's description
 * @param displayName - its name in messages, e.g. "OAuth 2.0"
 * @param behaviour - its cross-field rules, its calls and capabilities
 * @returns the system; `I` is its validated inputs, `InputsOf<typeof description>`
 */
export function clientSystem<I>(
  description: TypedDescription,
  displayName: string,
  behaviour: ClientBehaviour<I>,
): ClientSystem<I> {
  const { ownInputs: inputs, outputs } = description;
  const renamed = Object.entries(inputs).flatMap(([name, d]) =>
    d.argumentName !== undefined ? [[name, d.argumentName] as const] : [],
  );
  return {
    id: description.system,
    displayName,
    inputShape: shapeOf(inputs),
    replaceInputs: replacingNames(inputs),
    updateInputs: namesWhere(inputs, (d) => d.updatesAtServer === true),
    inputDefaults: defaultsOf(inputs),
    secretInputs: secretNames(inputs),
    secretOutputs: secretNames(outputs),
    ...(renamed.length ? { argumentNames: Object.fromEntries(renamed) } : {}),
    ...behaviour,
  };
}

const STALE_OWNER = Symbol.for("pulumi-access-tokens.StaleOwnerCredential");

/**
 * Marks `error` as a refusal of the owner's (administrator's) credential that the next
 * `pulumi up` renews, typically a token resource of the same stack: a read does not fail on
 * it (the lifecycle keeps the state and warns), so `pulumi up --refresh` is not blocked by
 * the very token that `up` would renew. Other operations fail with it as usual.
 */
export function staleOwnerCredential(error: unknown): unknown {
  if (error instanceof Error) Object.defineProperty(error, STALE_OWNER, { value: true, enumerable: false });
  return error;
}

/** Whether {@link staleOwnerCredential} marked `error`. */
export function isStaleOwnerCredential(error: unknown): boolean {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[STALE_OWNER] === true;
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

/** The record that {@link incompleteRegistration} attached to `error`, if any. */
export function incompleteRecordOf(error: unknown): ClientRecord | undefined {
  return error instanceof Error
    ? (error as unknown as Record<symbol, ClientRecord | undefined>)[INCOMPLETE]
    : undefined;
}
