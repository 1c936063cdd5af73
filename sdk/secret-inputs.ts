/**
 * Which inputs and outputs of each resource hold secrets, read from the provider's one
 * description of each resource (`provider/core/descriptions.ts`), so the SDK (which wraps
 * each secret input in `pulumi.secret` in the resource's constructor, so state keeps them
 * encrypted however the program passed them, and names the secret outputs) and the
 * provider (which makes them secret outputs and redacts them from every message) share
 * one list.
 *
 * The descriptions load zod and the schemas, never the provider's wire code.
 */
import { type ResourceKind, secretNames } from "../provider/core/description";
import { resourceDescriptions } from "../provider/core/descriptions";

export type { ResourceKind };

/** The secret inputs of each system of `kind`, by the value of its `system` input. */
function secretInputLists(kind: ResourceKind): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(
    resourceDescriptions()
      .filter((d) => d.kind === kind)
      .map((d) => [d.system, secretNames(d.inputs)]),
  );
}

/** Secret inputs of an AccessToken, by the value of its `system` input (the provider's names). */
export const TOKEN_SECRET_INPUTS = secretInputLists("AccessToken");

/** Secret inputs of an ApiClient, by the value of its `system` input (the provider's names). */
export const CLIENT_SECRET_INPUTS = secretInputLists("ApiClient");

/**
 * The secret inputs of a resource kind and system; empty for an unknown system (the
 * provider refuses it at `check`).
 *
 * @param kind - the resource kind
 * @param system - the value of the resource's `system` input
 * @returns the input names that hold secrets
 */
export function secretInputsOf(kind: ResourceKind, system: string): readonly string[] {
  const lists = kind === "AccessToken" ? TOKEN_SECRET_INPUTS : CLIENT_SECRET_INPUTS;
  return Object.hasOwn(lists, system) ? (lists[system] as readonly string[]) : [];
}

/**
 * Every secret input of a kind, over all systems (the SDK marks them secret outputs too,
 * since dynamic resources share one output list).
 *
 * @param kind - the resource kind
 * @returns the union of the kind's secret input names
 */
export function allSecretInputsOf(kind: ResourceKind): string[] {
  const lists = kind === "AccessToken" ? TOKEN_SECRET_INPUTS : CLIENT_SECRET_INPUTS;
  return [...new Set(Object.values(lists).flat())];
}

/**
 * The secret outputs every system of a kind has (e.g. `accessToken`, `clientSecret`).
 *
 * @param kind - the resource kind
 * @returns their names, in declaration order
 */
export function commonSecretOutputsOf(kind: ResourceKind): string[] {
  const lists = resourceDescriptions()
    .filter((d) => d.kind === kind)
    .map((d) => secretNames(d.outputs));
  return (lists[0] ?? []).filter((name) => lists.every((list) => list.includes(name)));
}

/**
 * The secret outputs of one system beyond {@link commonSecretOutputsOf} (e.g. the
 * `refreshToken` of an Exastro service account); empty for an unknown system.
 *
 * @param kind - the resource kind
 * @param system - the value of the resource's `system` input
 * @returns their names
 */
export function ownSecretOutputsOf(kind: ResourceKind, system: string): string[] {
  const description = resourceDescriptions().find((d) => d.kind === kind && d.system === system);
  const common = commonSecretOutputsOf(kind);
  return description ? secretNames(description.outputs).filter((name) => !common.includes(name)) : [];
}
