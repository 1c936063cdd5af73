/**
 * The one description of each resource: for every input, its schema, whether a change
 * replaces the resource, whether it is secret, its default and its documentation; for
 * every output, its schema, whether it is secret and its documentation.
 *
 * Everything else about a resource's properties is derived from it: the provider's input
 * validation, its replace and secret lists, the SDK's secret lists, the README's tables and
 * the Pulumi package schema served by the native plugin.
 *
 * @packageDocumentation
 */
import type { z } from "zod";

/** A resource kind, as the provider's `handler` names it. */
export type ResourceKind = "AccessToken" | "ApiClient";

/** What every property of a resource carries. */
export interface PropertyDescription {
  /** The value's schema: as `check` validates an input, as the provider writes an output. */
  readonly schema: z.ZodType;
  /** Markdown documentation, shown in SDKs, the README and the package schema. */
  readonly doc: string;
  /** Held encrypted in state and redacted from every message. */
  readonly secret: boolean;
}

/** An input of a resource. */
export interface InputDescription extends PropertyDescription {
  /** A change to it replaces the resource (a new token or client); otherwise it updates in place. */
  readonly replaces: boolean;
  /** The value used when the input is left out, where there is one. */
  readonly default?: unknown;
  /**
   * ApiClient: a change is applied at the server in place (an update call). Other inputs that
   * do not replace only change state.
   */
  readonly updatesAtServer?: boolean;
  /** The SDK argument's name, where it differs from the input's (e.g. one that would collide with an output). */
  readonly argumentName?: string;
}

/** One resource: a kind served for one system. */
export interface ResourceDescription {
  readonly kind: ResourceKind;
  /** The value of the resource's `system` input that selects it (the provider's system id). */
  readonly system: string;
  /** The Pulumi type token of the native provider, e.g. `access-tokens:alphaus:AccessToken`. */
  readonly token: `access-tokens:${string}:${string}`;
  /** Markdown documentation of the resource. */
  readonly doc: string;
  readonly inputs: Readonly<Record<string, InputDescription>>;
  readonly outputs: Readonly<Record<string, PropertyDescription>>;
  /** The system's own inputs: `inputs` less the ones every resource of the kind has. */
  readonly ownInputs: Readonly<Record<string, InputDescription>>;
}

/** The change flags and default of an input, as {@link input} takes them. */
export interface InputFlags {
  readonly replaces?: boolean;
  readonly secret?: boolean;
  readonly default?: unknown;
  readonly updatesAtServer?: boolean;
  readonly argumentName?: string;
}

/** An input whose schema keeps its zod type, so a system's validated inputs stay typed. */
export interface TypedInput<S extends z.ZodType> extends InputDescription {
  readonly schema: S;
}

/** An output whose schema keeps its zod type. */
export interface TypedOutput<S extends z.ZodType> extends PropertyDescription {
  readonly schema: S;
}

/**
 * Declares an input: its schema, its documentation (markdown) and, where they hold, that a
 * change replaces the resource, that it is secret, its default.
 *
 * @param schema - how `check` validates it
 * @param doc - what users read about it
 * @param flags - replaces, secret, default (all off / absent unless given)
 * @returns the input's description
 */
export function input<S extends z.ZodType>(schema: S, doc: string, flags: InputFlags = {}): TypedInput<S> {
  return {
    schema,
    doc,
    secret: flags.secret === true,
    replaces: flags.replaces === true,
    ...(flags.updatesAtServer ? { updatesAtServer: true } : {}),
    ...(flags.argumentName !== undefined ? { argumentName: flags.argumentName } : {}),
    ...("default" in flags ? { default: flags.default } : {}),
  };
}

/**
 * Inputs taken from another description (schema, flags and default), each with its own
 * documentation: e.g. a client's location inputs, which are its token's.
 *
 * @param inputs - the inputs to take them from
 * @param docs - the documentation of each input taken, by name, in declaration order
 * @returns the inputs taken, documented anew
 */
export function redocumented<I extends Readonly<Record<string, InputDescription>>, K extends keyof I & string>(
  inputs: I,
  docs: { readonly [N in K]: string },
): { [N in K]: I[N] } {
  return Object.fromEntries(Object.entries(docs).map(([name, doc]) => [name, { ...inputs[name], doc }])) as {
    [N in K]: I[N];
  };
}

/**
 * Declares an output: its schema, its documentation and whether it is secret.
 *
 * @param schema - what the provider writes
 * @param doc - what users read about it
 * @param flags - `secret` when it holds a secret
 * @returns the output's description
 */
export function output<S extends z.ZodType>(
  schema: S,
  doc: string,
  flags: { readonly secret?: boolean } = {},
): TypedOutput<S> {
  return { schema, doc, secret: flags.secret === true };
}

/** The zod shape of declared inputs, each input's schema under its name (types kept). */
export type ShapeOf<T extends Readonly<Record<string, { readonly schema: z.ZodType }>>> = {
  -readonly [K in keyof T]: T[K]["schema"];
};

/**
 * The zod shape of declared inputs, for `z.strictObject`.
 *
 * @param inputs - the declarations
 * @returns each input's schema under its name, in declaration order
 */
export function shapeOf<T extends Readonly<Record<string, { readonly schema: z.ZodType }>>>(inputs: T): ShapeOf<T> {
  return Object.fromEntries(Object.entries(inputs).map(([name, d]) => [name, d.schema])) as ShapeOf<T>;
}

/**
 * The names of declared properties that satisfy `test`, in declaration order.
 *
 * @param properties - inputs or outputs
 * @param test - which to keep
 * @returns their names
 */
export function namesWhere<D extends PropertyDescription>(
  properties: Readonly<Record<string, D>>,
  test: (d: D) => boolean,
): string[] {
  return Object.entries(properties)
    .filter(([, d]) => test(d))
    .map(([name]) => name);
}

/**
 * The defaults of declared inputs: what an unset input means.
 *
 * @param inputs - the declarations
 * @returns each input that has a default, with it
 */
export function defaultsOf(inputs: Readonly<Record<string, InputDescription>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).flatMap(([name, d]) => ("default" in d ? [[name, d.default]] : [])));
}

/**
 * The inputs whose change replaces the resource, in declaration order.
 *
 * @param inputs - the declarations
 * @returns their names
 */
export function replacingNames(inputs: Readonly<Record<string, InputDescription>>): string[] {
  return namesWhere(inputs, (d) => d.replaces);
}

/**
 * The properties that hold secrets, in declaration order.
 *
 * @param properties - inputs or outputs
 * @returns their names
 */
export function secretNames(properties: Readonly<Record<string, PropertyDescription>>): string[] {
  return namesWhere(properties, (d) => d.secret);
}

/** A description whose own inputs keep their zod types. */
export interface TypedDescription<
  T extends Readonly<Record<string, TypedInput<z.ZodType>>> = Readonly<Record<string, TypedInput<z.ZodType>>>,
> {
  readonly system: string;
  readonly outputs: Readonly<Record<string, PropertyDescription>>;
  readonly ownInputs: T;
}

/** The validated own inputs of a system, as its description types them. */
export type InputsOf<D extends TypedDescription> = z.infer<z.ZodObject<ShapeOf<D["ownInputs"]>>>;
