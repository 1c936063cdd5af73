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
}
