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

/**
 * The error the engine records as a created-but-failed resource: it carries `id` and
 * `properties`, the engine keeps those properties as the resource's outputs, and a later
 * refresh, update or destroy runs on them. So the properties hold everything the host needs
 * to load the provider (`__provider`, the shim text, copied from the call's inputs) and
 * everything destroy needs, as plain JSON (the engine's wire format has no `undefined`).
 *
 * @param error - what failed (kept as the message the user sees)
 * @param id - the resource id to record
 * @param properties - the state to record
 * @param providerText - the `__provider` value of the call's inputs (or old outputs)
 * @returns `error`, with `id`, `properties` and `reasons` attached
 */
export function recordedFailure(
  error: unknown,
  id: string,
  properties: Record<string, unknown>,
  providerText: unknown,
): Error {
  const target = error instanceof Error ? error : new Error(String(error));
  const props = JSON.parse(JSON.stringify(stripProvider(properties))) as Record<string, unknown>;
  if (typeof providerText === "string") props.__provider = providerText;
  return Object.assign(target, { id, properties: props, reasons: [target.message] });
}
