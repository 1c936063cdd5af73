/**
 * The provider's one rate limiter, {@link RateLimiter}, in two modes:
 * - `smooth`: a GCRA (the "virtual scheduling" form of a token bucket): each request
 *   reserves the next slot, bursts up to `burst` requests pass at once, and callers wait in
 *   the order they arrived. The transport keeps one per origin, shared by every transport
 *   of the process, when the user sets a `rateLimit` (see {@link reserveSlot}).
 * - `rolling`: at most `limit` request starts in any rolling window of `windowMs`. A
 *   rolling window bounds every interval of that length, so also every calendar second a
 *   server counts in (a token bucket with the same rate would allow its burst plus its
 *   rate, up to twice the limit, within one second). Alphaus, which allows 100 calls per
 *   second per user, is kept under its limit this way.
 *
 * Time comes from an injected clock and waits from an injected function, so tests decide
 * on their own clocks.
 */

/** A request rate for one origin. */
export interface RateLimit {
  /** Sustained requests per second to the origin. Must be > 0. */
  requestsPerSecond: number;
  /** Requests that may go at once before the rate applies. Default 1. */
  burst?: number;
}

/** How a {@link RateLimiter} spaces requests. */
export type RateLimiterMode =
  | {
      /** GCRA: one request every `intervalMs`, `burst` at once. */
      mode: "smooth";
      intervalMs: number;
      burst: number;
    }
  | {
      /** At most `limit` starts in any rolling `windowMs`. */
      mode: "rolling";
      limit: number;
      windowMs: number;
    };

const defaultWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Spaces request starts (see the module comment). */
export class RateLimiter {
  /** Smooth: the theoretical arrival time of the next request. */
  private tat: number | undefined;
  /** Rolling: the starts within the window, oldest first. */
  private readonly starts: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  /**
   * @param spacing How requests are spaced.
   * @param clock The time in milliseconds (tests pass their own).
   * @param wait Waits that many milliseconds (tests pass one that moves their clock).
   */
  constructor(
    private spacing: RateLimiterMode,
    private readonly clock: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = defaultWait,
  ) {}

  /**
   * Makes a smooth limiter at least as strict as `spacing` (when two callers give one origin
   * different limits, the stricter one holds).
   * @param spacing The other caller's spacing.
   */
  tighten(spacing: RateLimiterMode & { mode: "smooth" }): void {
    if (this.spacing.mode !== "smooth") return;
    this.spacing = {
      mode: "smooth",
      intervalMs: Math.max(this.spacing.intervalMs, spacing.intervalMs),
      burst: Math.min(this.spacing.burst, spacing.burst),
    };
  }

  /**
   * Reserves the next start. Smooth: always, possibly in the future. Rolling: only when a
   * request may start now; otherwise nothing is reserved and the caller asks again after
   * the wait returned.
   * @param now The time of the request.
   * @returns Milliseconds to wait (0: start now).
   */
  reserve(now: number = this.clock()): number {
    const s = this.spacing;
    if (s.mode === "smooth") {
      const tat = Math.max(this.tat ?? now, now);
      const wait = Math.max(0, tat - (s.burst - 1) * s.intervalMs - now);
      this.tat = tat + s.intervalMs;
      return wait;
    }
    while (this.starts.length > 0 && (this.starts[0] as number) <= now - s.windowMs) this.starts.shift();
    if (this.starts.length < s.limit) {
      this.starts.push(now);
      return 0;
    }
    // A slot frees once the oldest start in the window is older than it (strictly).
    return (this.starts[0] as number) + s.windowMs - now + 1;
  }

  /**
   * Waits until one more request may start, after every earlier caller.
   * @returns When the request may start.
   */
  acquire(): Promise<void> {
    const turn = this.tail.then(async () => {
      for (let ms = this.reserve(); ms > 0; ms = this.spacing.mode === "rolling" ? this.reserve() : 0) {
        await this.wait(ms);
      }
    });
    this.tail = turn;
    return turn;
  }
}

const origins = new Map<string, RateLimiter>();

/**
 * Checks a {@link RateLimit}.
 * @param limit The limit.
 * @returns Why it is unusable, or undefined.
 * @see {@link RateLimiter}
 */
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
 * @param origin The origin.
 * @param limit The user's limit.
 * @param now The time of the request.
 * @returns The wait.
 * @see {@link RateLimiter}
 */
export function reserveSlot(origin: string, limit: RateLimit, now: number = Date.now()): number {
  const spacing = { mode: "smooth", intervalMs: 1000 / limit.requestsPerSecond, burst: limit.burst ?? 1 } as const;
  let limiter = origins.get(origin);
  if (!limiter) {
    limiter = new RateLimiter(spacing);
    origins.set(origin, limiter);
  } else {
    limiter.tighten(spacing);
  }
  return limiter.reserve(now);
}

/**
 * Forgets every origin's schedule (tests).
 * @see {@link reserveSlot}
 */
export function resetRateLimits(): void {
  origins.clear();
}
