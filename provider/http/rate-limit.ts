/**
 * A per-origin rate limiter shared by every transport of the process, so that a stack
 * with hundreds of tokens on one system stays under that system's limit (Alphaus, for
 * one, allows 100 calls per second per user). It is a GCRA (the "virtual scheduling"
 * form of a token bucket): each request reserves the next slot, bursts up to `burst`
 * requests pass at once, and callers wait in the order they arrived.
 */

/** A request rate for one origin. */
export interface RateLimit {
  /** Sustained requests per second to the origin. Must be > 0. */
  requestsPerSecond: number;
  /** Requests that may go at once before the rate applies. Default 1. */
  burst?: number;
}

interface Slot {
  /** Theoretical arrival time of the next request (ms since epoch). */
  tat: number;
  intervalMs: number;
  burst: number;
}

const slots = new Map<string, Slot>();

/** Checks a {@link RateLimit}; returns why it is unusable, or undefined. */
export function rateLimitProblem(limit: RateLimit): string | undefined {
  if (!(Number.isFinite(limit.requestsPerSecond) && limit.requestsPerSecond > 0)) {
    return "requestsPerSecond must be a number greater than 0";
  }
  if (limit.burst !== undefined && !(Number.isInteger(limit.burst) && limit.burst >= 1)) {
    return "burst must be an integer of at least 1";
  }
  return undefined;
}

/**
 * Milliseconds to wait before sending to `origin` under `limit`, reserving the slot. When
 * two callers give different limits for one origin, the stricter one holds.
 */
export function reserveSlot(origin: string, limit: RateLimit, now: number = Date.now()): number {
  const intervalMs = 1000 / limit.requestsPerSecond;
  const burst = limit.burst ?? 1;
  let slot = slots.get(origin);
  if (!slot) {
    slot = { tat: now, intervalMs, burst };
    slots.set(origin, slot);
  } else {
    slot.intervalMs = Math.max(slot.intervalMs, intervalMs);
    slot.burst = Math.min(slot.burst, burst);
  }
  const tat = Math.max(slot.tat, now);
  const wait = Math.max(0, tat - (slot.burst - 1) * slot.intervalMs - now);
  slot.tat = tat + slot.intervalMs;
  return wait;
}

/** Forgets every origin's schedule (tests). */
export function resetRateLimits(): void {
  slots.clear();
}
