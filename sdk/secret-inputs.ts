/**
 * Which inputs of each resource hold secrets: one list per resource kind and system,
 * shared by the SDK (which wraps each of them in `pulumi.secret` in the resource's
 * constructor, so state keeps them encrypted however the program passed them) and the
 * provider (which makes them secret outputs and redacts them from every message).
 *
 * This module imports nothing: programs load it with the SDK, the provider host with the
 * provider.
 */

/** Secret inputs of an AccessToken, by the value of its `system` input (the provider's names). */
export const TOKEN_SECRET_INPUTS = {
  oauth2: ["clientSecret", "password", "refreshToken"],
  alphaus: ["clientSecret", "password"],
  vantage: ["clientSecret", "password", "initialRefreshToken"],
  exastro: ["initialRefreshToken", "password", "totp"],
  misskey: ["token", "appAccessToken", "appSecret", "nativeToken"],
} as const satisfies Record<string, readonly string[]>;

/** Secret inputs of an ApiClient, by the value of its `system` input (the provider's names). */
export const CLIENT_SECRET_INPUTS = {
  oauth2: ["initialAccessToken"],
  alphaus: ["accessToken", "ownerClientSecret", "ownerPassword"],
  exastro: ["accessToken"],
  misskey: ["token"],
  vantage: ["accessToken"],
} as const satisfies Record<string, readonly string[]>;

/** A resource kind, as the provider's `handler` names it. */
export type ResourceKind = "AccessToken" | "ApiClient";

/**
 * The secret inputs of a resource kind and system; empty for an unknown system (the
 * provider refuses it at `check`).
 *
 * @param kind - the resource kind
 * @param system - the value of the resource's `system` input
 * @returns the input names that hold secrets
 */
export function secretInputsOf(kind: ResourceKind, system: string): readonly string[] {
  const lists: Record<string, readonly string[]> = kind === "AccessToken" ? TOKEN_SECRET_INPUTS : CLIENT_SECRET_INPUTS;
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
