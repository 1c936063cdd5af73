/**
 * What every resource kind does with the raw property bags the dynamic-provider host hands
 * over: drop the `__provider` shim, and recognise values not yet known during preview.
 */

/** The value Pulumi sends for inputs not yet known during preview (for any type). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is, or contains, an unknown preview value. */
export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (value && typeof value === "object") return Object.values(value).some(isUnknown);
  return false;
}

/** The properties without the `__provider` shim text. */
export function stripProvider(props: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...rest } = props;
  return rest;
}
