/**
 * Cross-field input rules more than one system has, written once: exactly one of two
 * inputs, the client-secret rules of a token that names its client, and inputs that only
 * some grants use or need. Each returns the issues it finds (none when the rule holds), in
 * the order `check` reports them.
 *
 * @packageDocumentation
 */
import type { InputIssue } from "./token-system";

/** Raw inputs, as `check` sees them. */
export type RawInputs = Record<string, unknown>;

/** Whether an input is set: given at all (the default test). */
export const isGiven = (v: RawInputs, key: string): boolean => v[key] !== undefined;

/**
 * Exactly one of `a` and `b` must be set. The issue names the one to change: `b` when both
 * are set, `a` when neither is.
 *
 * @param v - the raw inputs
 * @param a - one input
 * @param b - the other
 * @param message - the reason, e.g. "set exactly one of a or b"
 * @param isSet - what counts as set (default: given)
 * @returns the issue, if the rule does not hold
 */
export function exactlyOne(
  v: RawInputs,
  a: string,
  b: string,
  message: string,
  isSet: (v: RawInputs, key: string) => boolean = isGiven,
): InputIssue[] {
  return isSet(v, a) === isSet(v, b) ? [{ path: [isSet(v, a) ? b : a], message }] : [];
}

/**
 * The client secret of a token that names its client (`clientSecret`, or the stack config
 * key `clientSecretConfigKey` holding it): not both; neither for a public client
 * (`clientAuthMethod: "none"`); one of them otherwise.
 *
 * @param v - the raw inputs
 * @returns the issues
 */
export function clientSecretIssues(v: RawInputs): InputIssue[] {
  const issues: InputIssue[] = [];
  const publicClient = v.clientAuthMethod === "none";
  const secret = isGiven(v, "clientSecret");
  const configKey = isGiven(v, "clientSecretConfigKey");
  if (secret && configKey) {
    issues.push({
      path: ["clientSecretConfigKey"],
      message: "set either clientSecret or clientSecretConfigKey, not both",
    });
  }
  if (publicClient && (secret || configKey)) {
    issues.push({ path: ["clientSecret"], message: 'must not be set for a public client (clientAuthMethod "none")' });
  }
  if (!publicClient && !secret && !configKey) {
    issues.push({
      path: ["clientSecret"],
      message:
        'is required (or name a stack config key in clientSecretConfigKey, or set clientAuthMethod "none" for a public client)',
    });
  }
  return issues;
}

/**
 * Inputs a grant needs: each one missing when `grant` is `needs`.
 *
 * @param v - the raw inputs
 * @param grant - the grant in use
 * @param needs - the grant that needs them
 * @param keys - the inputs it needs
 * @returns an issue per missing input
 */
export function requiredForGrant(v: RawInputs, grant: unknown, needs: string, keys: readonly string[]): InputIssue[] {
  if (grant !== needs) return [];
  return keys
    .filter((key) => !isGiven(v, key))
    .map((key) => ({ path: [key], message: `is required for grantType "${needs}"` }));
}

/**
 * Inputs only some grants use: each one set while another grant is in use.
 *
 * @param v - the raw inputs
 * @param grant - the grant in use
 * @param grants - the grants that use them
 * @param keys - the inputs
 * @returns an issue per input set in vain
 */
export function onlyWithGrants(
  v: RawInputs,
  grant: unknown,
  grants: readonly string[],
  keys: readonly string[],
): InputIssue[] {
  if (grants.includes(String(grant))) return [];
  return keys
    .filter((key) => isGiven(v, key))
    .map((key) => ({
      path: [key],
      message: `is only used with grantType ${grants.map((g) => `"${g}"`).join(" or ")} (grantType is "${String(grant)}")`,
    }));
}

/**
 * A public client (`clientAuthMethod: "none"`) cannot use the client_credentials grant.
 *
 * @param v - the raw inputs
 * @param grant - the grant in use
 * @returns the issue, if the rule does not hold
 */
export function publicClientGrantIssues(v: RawInputs, grant: unknown): InputIssue[] {
  return grant === "client_credentials" && v.clientAuthMethod === "none"
    ? [{ path: ["clientAuthMethod"], message: 'a public client ("none") cannot use the client_credentials grant' }]
    : [];
}
