/**
 * Time, in one place: the durations users write (`rotateAfter`, `gracePeriod`,
 * `rotateBeforeExpiry`) and the numbers servers send (`expires_in`, `exp`,
 * `client_secret_expires_at`, …) are bounded here, so arithmetic on them can never produce
 * an invalid date after a token or client exists.
 *
 * - A duration input is at most {@link MAX_DURATION_MS} (100 years) and at least one
 *   second; anything else is refused at `check`, with the property named.
 * - A server lifetime is at most {@link MAX_LIFETIME_SECONDS} and a server timestamp at
 *   most {@link MAX_EPOCH_SECONDS} (the last second of year 9999); anything else makes the
 *   response invalid, in the response parser, before state is built.
 * - The date helpers ({@link isoAt}, {@link isoAfter}) return undefined instead of throwing
 *   for a moment that cannot be written as an RFC 3339 date.
 */
import { z } from "zod";

const DAY_MS = 86_400_000;

/** The longest duration an input may give: 100 years (36 500 days). */
export const MAX_DURATION_MS = 36_500 * DAY_MS;

/** The shortest duration an input may give: one second. */
export const MIN_DURATION_MS = 1_000;

/** The latest moment a date in state may name: the last millisecond of year 9999 (UTC). */
export const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The largest timestamp a server may send, in seconds since the epoch (end of year 9999). */
export const MAX_EPOCH_SECONDS = Math.floor(MAX_TIMESTAMP_MS / 1000);

/** The longest lifetime a server may state, in seconds (100 years, as for inputs). */
export const MAX_LIFETIME_SECONDS = MAX_DURATION_MS / 1000;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/** How a duration input is written, for messages. */
export const DURATION_FORMAT = 'a duration such as "90s", "30m", "20h", "7d" or "1h30m"';

/**
 * Why `text` is not an acceptable duration input, or undefined when it is.
 *
 * @param text - the input, e.g. `"7d"` or `"1h30m"`
 * @returns a reason naming the rule that failed (format, minimum, maximum)
 */
export function durationProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(trimmed)) return `must be ${DURATION_FORMAT}`;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    total += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  if (!(total <= MAX_DURATION_MS)) return "must be at most 100 years (36500d)";
  if (!(total >= MIN_DURATION_MS)) return "must be at least 1s";
  return undefined;
}

/**
 * Parses a duration input such as `"90s"`, `"30m"`, `"20h"`, `"7d"`, `"2w"` or `"1h30m"`.
 *
 * @param text - the input
 * @returns whole milliseconds between {@link MIN_DURATION_MS} and {@link MAX_DURATION_MS},
 *   or undefined when the text is not an acceptable duration ({@link durationProblem} says why)
 */
export function parseDuration(text: string): number | undefined {
  if (durationProblem(text) !== undefined) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.trim().matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    total += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  return Math.round(total);
}

/** A duration input: refused at `check` with the rule it breaks. */
export const durationInput = z.string({ error: "must be a string" }).superRefine((value, ctx) => {
  const problem = durationProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * The RFC 3339 form of a moment, or undefined when it is not one a date in state may name
 * (not finite, before 1970, or after year 9999). Never throws.
 *
 * @param ms - milliseconds since the epoch
 * @returns the ISO 8601 / RFC 3339 text, or undefined
 */
export function isoAt(ms: number): string | undefined {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMESTAMP_MS ? new Date(ms).toISOString() : undefined;
}

/**
 * `base` plus `ms`, in RFC 3339, capped at {@link MAX_TIMESTAMP_MS}; undefined when `base`
 * is not a valid moment. Never throws.
 *
 * @param base - a Date, an RFC 3339 text or milliseconds since the epoch
 * @param ms - the offset in milliseconds (negative moves back, not below 1970)
 * @returns the moment as text, or undefined
 */
export function isoAfter(base: Date | string | number, ms: number): string | undefined {
  const start = typeof base === "string" ? Date.parse(base) : typeof base === "number" ? base : base.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(ms)) return undefined;
  return isoAt(Math.min(Math.max(start + ms, 0), MAX_TIMESTAMP_MS));
}

/**
 * A server timestamp (seconds since the epoch, a JWT NumericDate: fractions allowed), for
 * response schemas: a non-negative number up to the end of year 9999.
 */
export const epochSeconds = z
  .number({ error: "must be a number (seconds since the epoch)" })
  .nonnegative("must not be negative")
  .max(MAX_EPOCH_SECONDS, "is out of range (after year 9999)");

/**
 * A server lifetime in seconds (`expires_in`), for response schemas: a number or a string of
 * digits (some servers send one), whole, non-negative, at most 100 years. `0` reads as "not
 * stated": servers send it both for "does not expire" and for "unknown", never for a token
 * that is already dead, so the token's end is then learned from introspection or rotation
 * policy rather than taken as "expired on arrival".
 */
export const lifetimeSeconds = z
  .union([z.number(), z.string().regex(/^\d+$/, "must be a number of seconds")], {
    error: "must be a number of seconds",
  })
  .transform((v) => Number(v))
  .pipe(
    z
      .number()
      .int("must be a whole number of seconds")
      .nonnegative("must not be negative")
      .max(MAX_LIFETIME_SECONDS, "is out of range (more than 100 years)"),
  )
  .transform((v) => (v === 0 ? undefined : v));

/**
 * A millisecond timestamp read from a self-contained token (a JWT `exp` claim in seconds),
 * or undefined when the claim is missing or out of range.
 *
 * @param exp - the claim as decoded
 * @returns milliseconds since the epoch, or undefined
 */
export function epochMsOfClaim(exp: unknown): number | undefined {
  return epochSeconds.safeParse(exp).success ? Math.round((exp as number) * 1000) : undefined;
}

/**
 * The expiry an introspection answer (RFC 7662 `exp`) tells about a token, or undefined
 * when it tells nothing usable: the token is inactive, no `exp` was sent, or `exp` is not
 * after `now` although the server calls the token active (clock skew or a server quirk:
 * the server's `active` decides liveness, and the expiry already in state stays).
 *
 * @param active - the answer's `active`
 * @param exp - the answer's `exp` (validated by the response parser), seconds since the epoch
 * @param now - the current time
 * @returns the expiry as RFC 3339 text, or undefined
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function introspectedExpiry(active: boolean, exp: number | undefined, now: Date): string | undefined {
  if (!active || exp === undefined || exp * 1000 <= now.getTime()) return undefined;
  return isoAt(exp * 1000);
}
