/**
 * Backoff shared per origin by every transport of the process. When an origin answers
 * "not now" (429 / 503) or refuses connections, it is backed off once for everyone: every
 * request to it waits until the backoff ends, then a single request (the probe) goes
 * first while the others wait for its outcome. A probe that fails again extends the
 * backoff, and counts as one attempt for each request that waited on it; one that
 * succeeds ends the backoff for all. So a stack whose resources all talk to one failing
 * server sends one request per backoff round, not one per resource.
 */

/** An answer the probe got, shared with the requests that waited on it. */
export interface SharedAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

interface OriginState {
  /** No request to the origin before this time (ms, the transport's clock). */
  until: number;
  /** Settles when the probe in flight has its outcome. */
  probe?: Promise<void>;
  /** Incremented each time a probe (or any request) finds the origin still failing. */
  failures: number;
  /** The last "not now" answer, for requests that give up while waiting. */
  last?: SharedAnswer;
}

const origins = new Map<string, OriginState>();

/** What a request should do before sending to an origin. */
export type Gate =
  | { kind: "go"; release: (outcome: "busy" | "healthy" | "other") => void }
  | { kind: "wait"; ms: number }
  | { kind: "probe-pending"; probe: Promise<void>; failures: number };

/**
 * Asks whether a request may go to `origin` now. "go" comes with `release`, which the
 * caller must call once with the outcome: "busy" after {@link noteBusy}, "healthy" when
 * the origin answered normally (the backoff ends), "other" when the attempt tells nothing
 * about the origin's health (a timeout, an oversized answer).
 * @param origin The request's origin.
 * @param now The transport's clock, in ms.
 * @returns What to do.
 */
export function gate(origin: string, now: number): Gate {
  const state = origins.get(origin);
  if (!state) return { kind: "go", release: () => {} };
  if (state.probe) return { kind: "probe-pending", probe: state.probe, failures: state.failures };
  if (state.until > now) return { kind: "wait", ms: state.until - now };
  // The backoff is over: this request is the probe.
  let settle: () => void = () => {};
  state.probe = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return {
    kind: "go",
    release: (outcome) => {
      state.probe = undefined;
      if (outcome === "healthy" && origins.get(origin) === state) origins.delete(origin);
      settle();
    },
  };
}

/**
 * Records that `origin` answered "not now" (or refused a connection): it is backed off
 * until `until` (extended, never shortened) for every request of the process.
 * @param origin The origin.
 * @param until The end of the backoff (ms, the transport's clock).
 * @param answer The answer, when there was one.
 */
export function noteBusy(origin: string, until: number, answer?: SharedAnswer): void {
  const state = origins.get(origin) ?? { until, failures: 0 };
  state.until = Math.max(state.until, until);
  state.failures++;
  if (answer) state.last = answer;
  origins.set(origin, state);
}

/**
 * Records that `origin` answered normally: the backoff ends for everyone.
 * @param origin The origin.
 */
export function noteHealthy(origin: string): void {
  const state = origins.get(origin);
  if (state && !state.probe) origins.delete(origin);
}

/**
 * The failure count and last answer of a backed-off origin (for a request that gives up
 * while waiting), or undefined when it is not backed off.
 * @param origin The origin.
 * @returns The count of failures seen and the last "not now" answer.
 */
export function backoffOf(origin: string): { failures: number; last?: SharedAnswer; until: number } | undefined {
  const state = origins.get(origin);
  return state && { failures: state.failures, until: state.until, ...(state.last ? { last: state.last } : {}) };
}

/** Forgets every origin's backoff (tests). */
export function resetBackoffs(): void {
  origins.clear();
}
