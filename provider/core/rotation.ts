/**
 * When does a token rotate? One function answers it, {@link rotationDecision}, used by
 * `diff` (so a plain `pulumi preview` shows what will rotate and why, with no network
 * call) and by `update` (which acts on the same answer).
 */
import { z } from "zod";
import { durationInput, durationProblem, isoAt, parseDuration } from "../time";

export { parseDuration };

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

/** Why a `rotateBeforeExpiry` input is refused, or undefined when it is acceptable. */
function beforeExpiryProblem(text: string): string | undefined {
  if (/^\s*\d+(\.\d+)?%\s*$/.test(text)) {
    return parseBeforeExpiry(text)
      ? undefined
      : 'must be a duration such as "2h" or a fraction of the lifetime such as "25%" (strictly between 0% and 100%)';
  }
  const problem = durationProblem(text);
  return problem && /^must be a duration/.test(problem)
    ? 'must be a duration such as "2h" or a fraction of the lifetime such as "25%"'
    : problem;
}

const duration = durationInput;

/** Rotation inputs shared by every token resource. */
export const RotationInputs = {
  /** Rotate this long after issue. */
  rotateAfter: duration.optional(),
  /** Rotate this long (or this fraction of the lifetime) before expiry. */
  rotateBeforeExpiry: z
    .string({ error: "must be a string" })
    .superRefine((value, ctx) => {
      const problem = beforeExpiryProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
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
  const after = policy.rotateAfter ? parseDuration(policy.rotateAfter) : undefined;
  if (after !== undefined) candidates.push(issued + after);
  if (policy.rotateBeforeExpiry && expiresAt) {
    const expires = Date.parse(expiresAt);
    const before = parseBeforeExpiry(policy.rotateBeforeExpiry);
    if (before && "ms" in before) candidates.push(expires - before.ms);
    if (before && "fraction" in before) candidates.push(expires - (expires - issued) * before.fraction);
  }
  const finite = candidates.filter(Number.isFinite);
  if (!finite.length || Number.isNaN(issued)) return undefined;
  // Inputs and server numbers are bounded, so this is a real moment; isoAt never throws anyway.
  return isoAt(Math.max(issued, Math.min(...finite)));
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
