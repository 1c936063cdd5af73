/**
 * What the AccessToken and ApiClient lifecycles share: finding the system of a set of
 * inputs or state, validating inputs against the system's schema (built once per system)
 * and its cross-field rules, labels for messages, the secrets of a call, and running a call
 * so that every error it throws is redacted of them.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import * as clock from "../clock";
import { type Diagnostics, recordingDiagnostics } from "../diagnostics";
import { AccessTokenError, ErrorCode } from "../errors";
import { collectingSecrets, redactError } from "../http/redact";
import { type Transport, withOperationBudget } from "../http/transport";
import type { InputIssue } from "./token-system";
import { UNKNOWN, isUnknown } from "./inputs";

/** What the core needs of a system, token or client. */
export interface LifecycleSystem {
  /** The value of the `system` input that selects it. */
  readonly id: string;
  /** Its name in messages, e.g. "OAuth 2.0". */
  readonly displayName: string;
  /** Field-level schema of its own inputs (strict object shape); the kind's common inputs are added by the core. */
  readonly inputShape: z.ZodRawShape;
  /** Inputs that hold secrets (made secret outputs and redacted from every message). */
  readonly secretInputs: readonly string[];
  /** Cross-field rules, run on raw inputs even when fields fail. */
  crossFieldIssues(raw: Record<string, unknown>): InputIssue[];
}

/** A check failure as the engine takes it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * The systems of one resource kind, as `provider/index.ts` passes them to the lifecycle
 * (the registries are in `provider/systems/index.ts`; the lifecycles never import them).
 */
export interface SystemRegistry<S extends LifecycleSystem> {
  /** The systems, by the value of the `system` input. */
  readonly systems: Readonly<Record<string, S>>;
  /** The system of inputs that name none. */
  readonly defaultSystem: string;
}

/** How one resource kind names its systems. */
export interface KindOptions<S extends LifecycleSystem> {
  /** "token system", "API client system": in "unknown … "x"". */
  readonly systemNoun: string;
  /** "token", "API client": in labels (`OAuth 2.0 token "name"`) and parse errors. */
  readonly noun: string;
  /** Inputs every resource of the kind has, whatever its system. */
  readonly commonShape: z.ZodRawShape;
  /** Keys of state and inputs whose values are secret, for a system. */
  secretKeys(system: S): readonly string[];
  /** Whether an input given as `undefined` counts as not given (dropped before validation). */
  readonly dropUndefined?: boolean;
  /** A failing input's name as the user wrote it (the SDK argument's), when it differs. */
  argumentName?(system: S, input: string): string;
}

/** The shared part of a lifecycle, for one resource kind. */
export interface LifecycleCore<S extends LifecycleSystem> {
  /** The id of the system that `props` name (the default when none, or unknown at preview). */
  systemId(registry: SystemRegistry<S>, props: Record<string, unknown>): string;
  /** The system of `registry` that `props` name, or undefined for an unknown one. */
  lookup(registry: SystemRegistry<S>, props: Record<string, unknown>): S | undefined;
  /** The system of `registry` that `props` name; throws for an unknown one. */
  systemOf(registry: SystemRegistry<S>, props: Record<string, unknown>): S;
  /** The reason `check` gives for an unknown system id. */
  unknownSystem(registry: SystemRegistry<S>, id: string): string;
  /** The system's strict input schema (its inputs and the common ones), built once. */
  schemaOf(system: S): z.ZodObject;
  /** Every input name of the system, its own first. */
  inputKeysOf(system: S): string[];
  /** The inputs of `props` (state or raw inputs) that the system takes. */
  pickInputs(system: S, props: Record<string, unknown>): Record<string, unknown>;
  /**
   * Every problem of raw inputs, named by property with a reason, without a network call;
   * inputs unknown at preview are left to the run where they are known.
   */
  checkFailures(
    system: S,
    inputs: Record<string, unknown>,
    extraIssues?: (known: Record<string, unknown>) => InputIssue[],
  ): CheckFailure[];
  /** The validated inputs of `props`; throws an INVALID_INPUT error naming every problem. */
  parseInputs(system: S, props: Record<string, unknown>): Record<string, unknown>;
  /** How messages name the resource: `OAuth 2.0 token "name"`. */
  label(props: Record<string, unknown>, system: S): string;
  /** The secret values of `props` (inputs, state) for the system. */
  secretsOf(system: S, ...props: Record<string, unknown>[]): string[];
}

/**
 * The shared lifecycle part of one resource kind.
 *
 * @param options - how the kind names and finds its systems
 * @returns the kind's core
 */
export function lifecycleCore<S extends LifecycleSystem>(options: KindOptions<S>): LifecycleCore<S> {
  // One schema per system for the life of the process: zod compiles each new object schema
  // on its first parse, which per call cost ~30 % of the provider host's CPU at scale.
  const schemas = new Map<S, z.ZodObject>();
  const given = (v: unknown) => !options.dropUndefined || v !== undefined;
  const core: LifecycleCore<S> = {
    systemId(registry, props) {
      return typeof props.system === "string" && props.system !== UNKNOWN ? props.system : registry.defaultSystem;
    },
    lookup(registry, props) {
      const id = core.systemId(registry, props);
      return Object.hasOwn(registry.systems, id) ? registry.systems[id] : undefined;
    },
    systemOf(registry, props) {
      const system = core.lookup(registry, props);
      if (!system) {
        const reason = core.unknownSystem(registry, core.systemId(registry, props));
        throw new AccessTokenError(ErrorCode.INVALID_INPUT, `system: ${reason}`);
      }
      return system;
    },
    unknownSystem(registry, id) {
      return `unknown ${options.systemNoun} "${id}" (known: ${Object.keys(registry.systems).join(", ")})`;
    },
    schemaOf(system) {
      let schema = schemas.get(system);
      if (!schema) {
        schema = z.strictObject({ ...system.inputShape, ...options.commonShape });
        schemas.set(system, schema);
      }
      return schema;
    },
    inputKeysOf(system) {
      return [...Object.keys(system.inputShape), ...Object.keys(options.commonShape)];
    },
    pickInputs(system, props) {
      const keys = new Set(core.inputKeysOf(system));
      return Object.fromEntries(Object.entries(props).filter(([k, v]) => keys.has(k) && given(v)));
    },
    checkFailures(system, inputs, extraIssues) {
      const unknownKeys = new Set(Object.keys(inputs).filter((k) => isUnknown(inputs[k])));
      // Unknown values (preview) are validated on the run where they are known.
      const knownInputs = Object.fromEntries(
        Object.entries(inputs).filter(([k, v]) => !unknownKeys.has(k) && given(v)),
      );
      const parsed = core.schemaOf(system).safeParse(knownInputs);
      const issues: { path: PropertyKey[]; message: string; keys?: string[]; code?: string }[] = [
        ...(parsed.success ? [] : parsed.error.issues),
        ...(unknownKeys.size ? [] : system.crossFieldIssues(knownInputs)),
        ...(extraIssues?.(knownInputs) ?? []),
      ];
      return issues
        .filter((i) => !unknownKeys.has(String(i.path[0] ?? "")))
        .map((i) => ({
          property: argumentPath(system, i.path) || "(inputs)",
          reason: i.code === "unrecognized_keys" && i.keys ? `unknown input(s): ${i.keys.join(", ")}` : i.message,
        }));
    },
    parseInputs(system, props) {
      const picked = core.pickInputs(system, props);
      const parsed = core.schemaOf(system).safeParse(picked);
      const issues = [...(parsed.success ? [] : parsed.error.issues), ...system.crossFieldIssues(picked)];
      if (!parsed.success || issues.length) {
        const reasons = issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
        throw new AccessTokenError(
          ErrorCode.INVALID_INPUT,
          `invalid ${system.displayName} ${options.noun} inputs: ${reasons}`,
        );
      }
      return parsed.data;
    },
    label(props, system) {
      const name = typeof props.resourceName === "string" ? props.resourceName : "(unnamed)";
      return `${system.displayName} ${options.noun} "${name}"`;
    },
    secretsOf(system, ...props) {
      const keys = options.secretKeys(system);
      return props.flatMap((p) => keys.map((k) => p[k]).filter((v): v is string => typeof v === "string"));
    },
  };

  /** A failing input's path as the user wrote it (the SDK argument's name). */
  function argumentPath(system: S, path: readonly PropertyKey[]): string {
    const [head, ...rest] = path.map(String);
    const first = head === undefined ? undefined : (options.argumentName?.(system, head) ?? head);
    return [first, ...rest].filter((p) => p !== undefined).join(".");
  }

  return core;
}

/**
 * Whether two property values are the same (as the engine would store them: `undefined`
 * and `null` alike).
 *
 * @param a - one value
 * @param b - the other
 * @returns true when they serialize alike
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Runs `fn`, redacting every secret of the call from any error it throws.
 *
 * @param secrets - the call's secrets (it may add to them while it runs)
 * @param fn - the call
 * @returns what `fn` returns
 */
export async function guarded<T>(secrets: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw redactError(error, secrets);
  }
}

/** What every lifecycle's calls get from their environment. */
export interface CallDeps {
  transport: Transport;
  diagnostics?: Diagnostics;
  now?: () => Date;
}

/** The context of one call: its transport (one time budget, credentials joining `secrets`), diagnostics, clock. */
export interface CallContext {
  transport: Transport;
  diagnostics: Diagnostics;
  now(): Date;
  /** Secrets met during the call; every error is redacted of them. */
  secrets: string[];
}

/**
 * The context of one operation: one time budget for all its requests, every credential a
 * request puts on the wire joining the call's secrets.
 *
 * @param deps - the lifecycle's environment
 * @param secrets - the call's secrets
 * @param transport - the transport to use (default `deps.transport`)
 * @returns the call's context
 */
export function callContext(deps: CallDeps, secrets: string[], transport: Transport = deps.transport): CallContext {
  return {
    transport: collectingSecrets(withOperationBudget(transport), secrets),
    diagnostics: deps.diagnostics ?? recordingDiagnostics(),
    now: deps.now ?? clock.now,
    secrets,
  };
}
