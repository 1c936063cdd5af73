/**
 * The `__provider` text stored in state for each resource: a few dozen bytes of CommonJS
 * that loads the *installed* implementation when the provider host runs it. It carries no
 * path, no secret and no captured closure, so state moves between machines, checkouts and
 * package versions; `delete` and `refresh` of old state run today's code.
 *
 * Pulumi's dynamic-provider host evaluates this text with `require-from-string` from the
 * program's directory and calls `handler()` on the result; `test/shim.test.ts` and the
 * engine tests pin that contract.
 */

/** Version of the shim text; bumped only if its calling convention changes. */
export const SHIM_VERSION = 1;

/** Returns the shim text for a resource kind. */
export function shimText(kind: string): string {
  return `exports.handler=()=>require("pulumi-access-tokens/provider").handler(${JSON.stringify(kind)},${SHIM_VERSION});`;
}

/** The Pulumi type token of every token resource (a dynamic resource served by the shim). */
export const ACCESS_TOKEN_TYPE = "pulumi-nodejs:dynamic/access-tokens:AccessToken";

/** The Pulumi type token of every API client resource (a dynamic resource served by the shim). */
export const API_CLIENT_TYPE = "pulumi-nodejs:dynamic/access-tokens:ApiClient";
