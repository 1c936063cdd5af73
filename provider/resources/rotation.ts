/**
 * When does a token rotate? One function answers it, {@link rotationDecision}, used by
 * `diff` (so a plain `pulumi preview` shows what will rotate and why, with no network
 * call) and by `update` (which acts on the same answer).
 */
import { z } from "zod";

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a duration such as `"90s"`, `"30m"`, `"20h"`, `"7d"`, `"2w"` or `"1h30m"`.
 * Returns milliseconds, or undefined if the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    total += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  return total > 0 ? total : undefined;
}

/** `rotateBeforeExpiry`: a duration before expiry, or a fraction of the lifetime (`"25%"`). */
export function parseBeforeExpiry(text: string): { ms: number } | { fraction: number } | undefined {
  const percent = /^(\d+(\.\d+)?)%$/.exec(text.trim());
  if (percent) {
    const fraction = Number(percent[1]) / 100;
    return fraction > 0 && fraction < 1 ? { fraction } : undefined;
  }
  const ms = parseDuration(text);
  return ms === undefined ? undefined : { ms };
}

const duration = z.string().refine((v) => parseDuration(v) !== undefined, {
  error: 'must be a duration such as "90s", "30m", "20h", "7d" or "1h30m"',
});

/** Rotation inputs shared by every token resource. */
export const RotationInputs = {
  /** Rotate this long after issue. */
  rotateAfter: duration.optional(),
  /** Rotate this long (or this fraction of the lifetime) before expiry. */
  rotateBeforeExpiry: z
    .string()
    .refine((v) => parseBeforeExpiry(v) !== undefined, {
      error: 'must be a duration such as "2h" or a fraction of the lifetime such as "25%"',
    })
    .optional(),
  /** Any change to this map rotates the token. */
  triggers: z.record(z.string(), z.string()).optional(),
  /** Keep the previous token valid this long after a rotation (revoked on the first up after it ends). */
  gracePeriod: duration.optional(),
  /** Drop a token found revoked or expired on refresh, so the next up issues a new one. Default true. */
  recreateIfInvalid: z.boolean().optional(),
};

/** The inputs whose change alters the rotation schedule (updated in place). */
export const ROTATION_POLICY_INPUTS = [
  "rotateAfter",
  "rotateBeforeExpiry",
  "gracePeriod",
  "recreateIfInvalid",
] as const;

/** When rotation falls due for a token issued at `issuedAt` (and expiring at `expiresAt`). */
export function rotationDueAt(
  policy: { rotateAfter?: string; rotateBeforeExpiry?: string },
  issuedAt: string,
  expiresAt?: string,
): string | undefined {
  const issued = Date.parse(issuedAt);
  const candidates: number[] = [];
  if (policy.rotateAfter) candidates.push(issued + (parseDuration(policy.rotateAfter) as number));
  if (policy.rotateBeforeExpiry && expiresAt) {
    const expires = Date.parse(expiresAt);
    const before = parseBeforeExpiry(policy.rotateBeforeExpiry);
    if (before && "ms" in before) candidates.push(expires - before.ms);
    if (before && "fraction" in before) candidates.push(expires - (expires - issued) * before.fraction);
  }
  if (!candidates.length) return undefined;
  return new Date(Math.max(issued, Math.min(...candidates))).toISOString();
}

/** What the state of a token says about rotation. */
export interface RotationState {
  issuedAt?: string;
  expiresAt?: string;
  rotationDueAt?: string;
  triggers?: Record<string, string>;
  previousRevokeAt?: string;
  rotateAfter?: string;
  rotateBeforeExpiry?: string;
}

/** The answer of {@link rotationDecision}. */
export interface RotationDecision {
  /** Issue a new token now. */
  rotate: boolean;
  /** Revoke the previous token kept for the grace period now. */
  revokePrevious: boolean;
  /** Human-readable reasons, for the preview. */
  reasons: string[];
}

/**
 * Decides, from old outputs and new inputs, whether the token must rotate now and whether
 * a previous token's grace period has ended. Pure: `now` is passed in.
 */
export function rotationDecision(
  olds: RotationState,
  news: { triggers?: unknown; rotateAfter?: unknown; rotateBeforeExpiry?: unknown },
  now: Date,
): RotationDecision {
  const reasons: string[] = [];
  const t = now.getTime();
  if (JSON.stringify(olds.triggers ?? {}) !== JSON.stringify(news.triggers ?? {})) {
    reasons.push("triggers changed");
  }
  if (olds.expiresAt && Date.parse(olds.expiresAt) <= t) {
    reasons.push(`expired at ${olds.expiresAt}`);
  } else {
    // The schedule under the *new* policy, so changing rotateAfter takes effect at once.
    const policy = {
      rotateAfter: typeof news.rotateAfter === "string" ? news.rotateAfter : undefined,
      rotateBeforeExpiry: typeof news.rotateBeforeExpiry === "string" ? news.rotateBeforeExpiry : undefined,
    };
    const due = olds.issuedAt ? rotationDueAt(policy, olds.issuedAt, olds.expiresAt) : undefined;
    if (due && Date.parse(due) <= t) {
      const why =
        policy.rotateAfter && due === rotationDueAt({ rotateAfter: policy.rotateAfter }, olds.issuedAt as string)
          ? `rotateAfter ${policy.rotateAfter} elapsed`
          : `within rotateBeforeExpiry ${policy.rotateBeforeExpiry} of expiry ${olds.expiresAt}`;
      reasons.push(`rotation due at ${due} (${why})`);
    }
  }
  const revokePrevious = !!olds.previousRevokeAt && Date.parse(olds.previousRevokeAt) <= t;
  return { rotate: reasons.length > 0, revokePrevious, reasons };
}
