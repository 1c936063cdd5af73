/**
 * Cheaper registration of a resource's properties. For every property a resource
 * registers, `@pulumi/pulumi` makes four promises and records on each the stack of its
 * creation (`new Error().stack`), for its report of promises left pending at exit; in a
 * TypeScript program each such stack goes through source-map support, frame by frame.
 * For a resource that registers about twenty properties that was half of the program's
 * CPU time (see bench/NOTES.md). The constructors of this package's resources register
 * with V8's stack trace limit at zero, so those promises carry no stack: a leak report
 * still names the resource and property in the promise's label. Where the resource is
 * declared (its source position) is unaffected: `@pulumi/pulumi` raises the limit itself
 * to find it. `PULUMI_DEBUG_PROMISE_LEAKS` (Pulumi's switch for debugging such leaks)
 * keeps every stack.
 */

/**
 * Sets V8's stack trace limit to zero (unless `PULUMI_DEBUG_PROMISE_LEAKS` is set) for
 * the synchronous registration of a resource.
 *
 * @returns the limit to put back with {@link restoreStacks}
 */
export function quietStacks(): number {
  const limit = Error.stackTraceLimit;
  if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = 0;
  return limit;
}

/**
 * Puts back the stack trace limit {@link quietStacks} returned.
 *
 * @param limit - the limit before
 */
export function restoreStacks(limit: number): void {
  Error.stackTraceLimit = limit;
}

/**
 * Puts back the stack trace limit and gives an error thrown during the registration the
 * stack of the program's call (from the caller of `constructor` on), which it was created
 * without.
 *
 * @param error - what the registration threw
 * @param limit - the limit before
 * @param constructor - the resource class the program constructed (`new.target`)
 * @returns the same error, to rethrow
 */
export function withCallerStack(error: unknown, limit: number, constructor: object): unknown {
  restoreStacks(limit);
  if (error instanceof Error) {
    Error.captureStackTrace(error, constructor as Parameters<typeof Error.captureStackTrace>[1]);
  }
  return error;
}
