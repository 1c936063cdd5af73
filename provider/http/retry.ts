/**
 * When the transport may send a request again, and how long it waits first.
 *
 * A token request mints a token: sending it twice can leave a second live token behind.
 * So a retry happens only when the server certainly did not process the request:
 * - it answered 429 (rate limited) or 503 (unavailable) — RFC 9110 §15.6.4 and RFC 6585
 *   §4 say the request was not acted on; `Retry-After` is honoured, up to a cap;
 * - the connection failed before the request was handed to a socket (refused, reset or
 *   timed out while connecting, a temporary DNS failure), or the socket closed before a
 *   single byte of it was written.
 * Anything else (a timeout waiting for the answer, a reset mid-response, any other status)
 * is final. The number of attempts is bounded by {@link MAX_ATTEMPTS} whatever the options.
 */

/** The most attempts (first included) any option can ask for. */
export const MAX_ATTEMPTS = 5;

/** How the transport retries. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3; clamped to 1..{@link MAX_ATTEMPTS}; 1 disables retries. */
  maxAttempts?: number;
  /** Backoff before the first retry; doubles on each further retry, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff. Default 5 s. */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` the transport waits for. A server asking for longer is not
   * retried (retrying sooner than asked would only be refused again). Default 30 s.
   */
  maxRetryAfterMs?: number;
}

/** {@link RetryPolicy} with every field set. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** Defaults of {@link RetryPolicy}. */
export const RETRY_DEFAULTS: ResolvedRetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/** Merges `policy` over the defaults (`false` means a single attempt) and applies the hard bounds. */
export function resolveRetryPolicy(...policies: (RetryPolicy | false | undefined)[]): ResolvedRetryPolicy {
  let out: ResolvedRetryPolicy = { ...RETRY_DEFAULTS };
  for (const policy of policies) {
    if (policy === false) out = { ...out, maxAttempts: 1 };
    else if (policy) out = { ...out, ...definedOnly(policy) };
  }
  const attempts = Number.isFinite(out.maxAttempts) ? Math.trunc(out.maxAttempts) : RETRY_DEFAULTS.maxAttempts;
  return {
    maxAttempts: Math.min(MAX_ATTEMPTS, Math.max(1, attempts)),
    baseDelayMs: Math.max(0, out.baseDelayMs),
    maxDelayMs: Math.max(0, out.maxDelayMs),
    maxRetryAfterMs: Math.max(0, out.maxRetryAfterMs),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns
 * milliseconds from `now` (0 for a date in the past), or undefined when absent or invalid.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Backoff before retry number `retry` (1 for the first retry): exponential, capped, with
 * "equal jitter" — between half and all of the step — so concurrent clients spread out
 * yet never retry at once.
 */
export function backoffDelay(retry: number, policy: ResolvedRetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** The answer to "send it again?". */
export type RetryVerdict = { retry: true; delayMs: number; why: string } | { retry: false; why?: string };

/** Statuses that mean "not processed, try later". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * Verdict for an answer with `status` on attempt `attempt` (1-based). 429 and 503 are
 * retried, after `Retry-After` when given (capped), else after the backoff.
 */
export function statusVerdict(
  status: number,
  retryAfter: string | undefined,
  attempt: number,
  policy: ResolvedRetryPolicy,
  now: number,
  random: () => number = Math.random,
): RetryVerdict {
  if (!RETRYABLE_STATUSES.has(status)) return { retry: false };
  if (attempt >= policy.maxAttempts) return { retry: false, why: `gave up after ${attempt} attempt(s)` };
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) {
    if (asked > policy.maxRetryAfterMs) {
      return {
        retry: false,
        why: `the server asked to retry after ${Math.ceil(asked / 1000)} s, longer than the ${Math.ceil(policy.maxRetryAfterMs / 1000)} s the provider waits`,
      };
    }
    return { retry: true, delayMs: asked, why: `HTTP ${status}, Retry-After ${retryAfter?.trim()}` };
  }
  return { retry: true, delayMs: backoffDelay(attempt, policy, random), why: `HTTP ${status}` };
}

/** Transient connection failures: worth another attempt when nothing was sent. */
const TRANSIENT_CONNECTION_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/** The `code` of an error, or of its cause, or of the first of its `errors` (an AggregateError). */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const errors = (e as { errors?: unknown }).errors;
    e = Array.isArray(errors) && errors.length ? errors[0] : (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * True when a failed attempt certainly did not reach the server: the request was never
 * handed to a socket (`requestStarted` false), or the socket closed (`UND_ERR_SOCKET`)
 * before a single byte was written on it.
 */
export function requestNotSent(error: unknown, requestStarted: boolean): boolean {
  if (!requestStarted) return true;
  // undici's SocketError carries the socket's counters at close. On a reused keep-alive
  // socket bytesWritten counts earlier requests too, so this only ever errs on "sent".
  const socket = (error as { socket?: { bytesWritten?: unknown } } | undefined)?.socket;
  return errorCode(error) === "UND_ERR_SOCKET" && socket?.bytesWritten === 0;
}

/**
 * True when a failed attempt may be retried: nothing was sent ({@link requestNotSent})
 * and the failure is a transient connection one (refused, reset, connect timeout,
 * temporary DNS failure) — not a permanent one such as an unknown host or an untrusted
 * certificate.
 */
export function failedBeforeSending(error: unknown, requestStarted: boolean): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CONNECTION_CODES.has(code) && requestNotSent(error, requestStarted);
}
