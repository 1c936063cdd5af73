/**
 * The HTTP transport: shared keep-alive undici dispatchers (one per CA / proxy / connect
 * timeout configuration, see `dispatcher.ts`), explicit timeouts for each phase, a cap on
 * response size, no redirects (a token request must never be replayed to another host),
 * bounded retries only where the server certainly did not process the request (see
 * `retry.ts`), an optional per-origin rate limit, and a URL policy that refuses plain
 * HTTP except on loopback.
 *
 * The transport sends and returns the whole answer; judging it (status, OAuth error body,
 * fields) is the protocol layer's job. It throws only when there is no answer to judge:
 * no connection, a timeout, a broken or oversized body, or a redirect.
 */
import type { Dispatcher } from "undici";
import { AccessTokenError, ErrorCode, type RemoteContext, describeRemote, remoteError } from "../errors";
import { dispatcherFor } from "./dispatcher";
import { endpointProblem, isLoopbackHost, printableUrl } from "./policy";
import { backoffOf, gate, noteBusy, noteHealthy } from "./backoff";
import { type RateLimit, rateLimitProblem, reserveSlot } from "./rate-limit";
import {
  RETRYABLE_STATUSES,
  type ResolvedRetryPolicy,
  type RetryPolicy,
  backoffDelay,
  errorCode,
  failedBeforeSending,
  parseRetryAfter,
  requestNotSent,
  resolveRetryPolicy,
  statusVerdict,
} from "./retry";

export { MAX_ATTEMPTS, type RetryPolicy } from "./retry";
export {
  credentialTargetProblem,
  endpointProblem,
  isLoopbackHost,
  printableUrl,
  strictEndpointProblem,
} from "./policy";
export type { RateLimit } from "./rate-limit";

/** A request as the protocol layer builds it. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A response as the protocol layer judges it: status, lower-cased headers, body text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
  /** Attempts it took (1 unless a 429 / 503 / unsent connection failure was retried). */
  attempts?: number;
}

/**
 * Sends one request and returns the whole response. `overrides` change the policy for
 * this call only (e.g. a resource's own timeouts).
 */
export type Transport = (req: HttpRequest, ctx: RemoteContext, overrides?: HttpPolicy) => Promise<HttpResponse>;

/**
 * The policy of the default transport: what a user may tune, per process or per call.
 * Every field is optional; defaults are in {@link HTTP_POLICY_DEFAULTS}.
 */
export interface HttpPolicy {
  /**
   * TCP + TLS (+ proxy tunnel) connect timeout. Default 10 s. (undici runs its timeouts on
   * coarse timers: expect up to about a second more than asked.)
   */
  connectTimeoutMs?: number;
  /** Time from sending the request to the response headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Longest pause between two chunks of the response body. Default 30 s. */
  bodyTimeoutMs?: number;
  /**
   * Total time of one attempt, from sending the request to the last byte of the body (a
   * body trickled byte by byte never outlasts it). Default 60 s.
   */
  requestTimeoutMs?: number;
  /**
   * Time budget of one operation (a create, read, update or delete: all its requests,
   * retries and waits), counted from its first request. Default 5 min. Applies to calls
   * that carry a {@link OperationBudget} (see {@link withOperationBudget}).
   */
  operationTimeoutMs?: number;
  /** The operation this call belongs to (set by {@link withOperationBudget}). */
  budget?: OperationBudget;
  /** Largest accepted response body. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Retry policy; `false` for a single attempt. Default 3 attempts, see {@link RetryPolicy}. */
  retry?: RetryPolicy | false;
  /** Requests per second to each endpoint origin (shared by the whole process). Default none. */
  rateLimit?: RateLimit;
  /**
   * Extra CA certificates to trust (besides Node's roots), as PEM text or the path of a
   * PEM file, for servers with a private CA. TLS verification itself cannot be turned off.
   */
  caBundle?: string;
}

/** One operation's budget: shared by every call of the operation, started by its first request. */
export interface OperationBudget {
  /** When the operation's first request started (the transport's clock); set by the transport. */
  startedAt?: number;
}

/**
 * Wraps `transport` so that every call through it belongs to one operation, whose
 * requests, retries and waits together stay within `operationTimeoutMs`.
 * @param transport The transport to wrap.
 * @returns A transport for one operation.
 */
export function withOperationBudget(transport: Transport): Transport {
  const budget: OperationBudget = {};
  return (req, ctx, overrides) => transport(req, ctx, { ...overrides, budget });
}

/** One attempt, as reported to {@link TransportOptions.onAttempt}. */
export interface AttemptEvent {
  /** 1-based. */
  attempt: number;
  maxAttempts: number;
  ctx: RemoteContext;
  /** The server answered (any status), or the attempt failed without an answer. */
  outcome: "response" | "error";
  status?: number;
  /** Error code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...) when it failed. */
  errorCode?: string;
  /** Whether the request was handed to a socket (and so may have reached the server). */
  requestStarted: boolean;
  /** Set when another attempt follows, after this many milliseconds. */
  retryInMs?: number;
  /** Why it is (or is not) retried, when there is something to say. */
  why?: string;
}

/** Options of {@link createTransport}: the policy, plus what tests inject. */
export interface TransportOptions extends HttpPolicy {
  /** Injected dispatcher (tests); default the shared keep-alive dispatchers. */
  dispatcher?: Dispatcher;
  /** Called after every attempt (observability, tests). Must not throw. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Waits between attempts (tests); default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1) (tests); default `Math.random`. */
  random?: () => number;
  /** Clock for the rate limiter, backoffs, budgets and `Retry-After` dates (tests); default `Date.now`. */
  now?: () => number;
}

/** Defaults of {@link HttpPolicy}. */
export const HTTP_POLICY_DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  operationTimeoutMs: 300_000,
  maxResponseBytes: 1 << 20,
} as const;

interface ResolvedPolicy {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  operationTimeoutMs: number;
  maxResponseBytes: number;
  retry: ResolvedRetryPolicy;
  budget?: OperationBudget;
  rateLimit?: RateLimit;
  caBundle?: string;
}

function resolvePolicy(base: HttpPolicy, overrides: HttpPolicy | undefined): ResolvedPolicy {
  const pick = <K extends keyof typeof HTTP_POLICY_DEFAULTS>(key: K): number => {
    const value = overrides?.[key] ?? base[key] ?? HTTP_POLICY_DEFAULTS[key];
    return Number.isFinite(value) && value > 0 ? value : HTTP_POLICY_DEFAULTS[key];
  };
  return {
    connectTimeoutMs: pick("connectTimeoutMs"),
    headersTimeoutMs: pick("headersTimeoutMs"),
    bodyTimeoutMs: pick("bodyTimeoutMs"),
    requestTimeoutMs: pick("requestTimeoutMs"),
    operationTimeoutMs: pick("operationTimeoutMs"),
    maxResponseBytes: pick("maxResponseBytes"),
    budget: overrides?.budget ?? base.budget,
    retry: resolveRetryPolicy(base.retry, overrides?.retry),
    rateLimit: overrides?.rateLimit ?? base.rateLimit,
    caBundle: overrides?.caBundle ?? base.caBundle,
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds a transport. Cheap: connections are shared by every transport of the process. */
export function createTransport(options: TransportOptions = {}): Transport {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  return async (req, ctx, overrides) => {
    const policy = resolvePolicy(options, overrides);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (cause) {
      throw remoteError(ctx, ErrorCode.INVALID_INPUT, `not an absolute URL`, {
        cause,
      });
    }
    // The part of the endpoint rule that holds whatever the inputs (the https rule and the
    // same-origin rule need them, and are applied where the URL is chosen).
    const urlProblem = endpointProblem(req.url, true);
    if (urlProblem) {
      throw new AccessTokenError(
        ErrorCode.INVALID_INPUT,
        `${ctx.system} ${ctx.operation} at ${printableUrl(req.url)} refused: the URL ${urlProblem}`,
        { endpoint: printableUrl(req.url) },
      );
    }
    const limitProblem = policy.rateLimit && rateLimitProblem(policy.rateLimit);
    if (limitProblem) {
      throw remoteError(ctx, ErrorCode.INVALID_INPUT, `rateLimit: ${limitProblem}`);
    }
    let dispatcher: Dispatcher;
    try {
      dispatcher =
        options.dispatcher ??
        dispatcherFor(
          { connectTimeoutMs: policy.connectTimeoutMs, caBundle: policy.caBundle },
          isLoopbackHost(url.hostname),
        );
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      // The CA bundle's own error, told as this call's.
      throw new AccessTokenError(error.code, `${describeRemote(ctx)} failed: ${error.message}`, {
        endpoint: error.endpoint,
        cause: error.cause,
      });
    }
    const max = policy.retry.maxAttempts;
    const budget = policy.budget;
    if (budget && budget.startedAt === undefined) budget.startedAt = now();
    const deadline =
      budget?.startedAt !== undefined ? budget.startedAt + policy.operationTimeoutMs : Number.POSITIVE_INFINITY;
    /** Why waiting `ms` more is not possible within the operation's budget, or undefined. */
    const budgetProblem = (ms: number) =>
      now() + ms > deadline
        ? `waiting ${Math.ceil(ms / 1000)} s more would pass the operation's time budget of ${Math.ceil(policy.operationTimeoutMs / 1000)} s`
        : undefined;
    const origin = url.origin;

    // The end of the last backoff this request waited out (so a clock that stands still, as
    // in tests, cannot keep it waiting for ever).
    let waited = Number.NEGATIVE_INFINITY;
    for (let attempt = 1; ;) {
      // The origin's shared backoff: wait for it to end, or for the probe in flight.
      const entry = gate(origin, Math.max(now(), waited));
      if (entry.kind === "wait" || entry.kind === "probe-pending") {
        let why: string | undefined;
        if (entry.kind === "wait") {
          why =
            entry.ms > policy.retry.maxRetryAfterMs
              ? `the server is backed off for ${Math.ceil(entry.ms / 1000)} s, longer than the ${Math.ceil(policy.retry.maxRetryAfterMs / 1000)} s the provider waits`
              : budgetProblem(entry.ms);
          if (!why) {
            waited = Math.max(now(), waited) + entry.ms;
            await sleep(entry.ms);
            continue;
          }
        } else {
          await entry.probe;
          // The probe failed: that was this request's attempt too.
          if ((backoffOf(origin)?.failures ?? 0) > entry.failures && ++attempt > max) {
            why = `gave up after ${max} attempt(s), shared with other requests to ${origin}`;
          } else continue;
        }
        return sharedGiveUp(ctx, url, origin, why, attempt, options.onAttempt, max);
      }
      let outcome: "busy" | "healthy" | "other" = "other";
      try {
        if (policy.rateLimit) {
          const wait = reserveSlot(origin, policy.rateLimit, now());
          const problem = wait > 0 ? budgetProblem(wait) : undefined;
          if (problem) throw budgetError(ctx, problem, attempt);
          if (wait > 0) await sleep(wait);
        }
        const left = deadline - now();
        if (left <= 0) throw budgetError(ctx, budgetProblem(1) ?? "", attempt);
        const result = await sendOnce(dispatcher, req, url, policy, Math.min(policy.requestTimeoutMs, left));
        const base = { attempt, maxAttempts: max, ctx };

        if (result.kind === "response") {
          if (isRedirect(result.status)) {
            options.onAttempt?.({ ...base, outcome: "response", status: result.status, requestStarted: true });
            throw redirectError(ctx, url, result, attempt);
          }
          let verdict = statusVerdict(
            result.status,
            result.headers["retry-after"],
            attempt,
            policy.retry,
            now(),
            random,
          );
          const asked = parseRetryAfter(result.headers["retry-after"], now());
          if (RETRYABLE_STATUSES.has(result.status) && (asked === undefined || asked <= policy.retry.maxRetryAfterMs)) {
            // Back the origin off for everyone: as long as asked, else the backoff step. (A
            // wait longer than the provider would take is not shared: this request fails,
            // and others each ask once rather than fail on another's answer.)
            const delay = verdict.retry ? verdict.delayMs : (asked ?? backoffDelay(attempt, policy.retry, random));
            noteBusy(origin, now() + delay, { ...result, body: result.body ?? "" });
            outcome = "busy";
            const problem = verdict.retry ? budgetProblem(verdict.delayMs) : undefined;
            if (problem) verdict = { retry: false, why: problem };
          } else if (!RETRYABLE_STATUSES.has(result.status)) {
            outcome = "healthy";
            noteHealthy(origin);
          }
          options.onAttempt?.({
            ...base,
            outcome: "response",
            status: result.status,
            requestStarted: true,
            ...(verdict.retry ? { retryInMs: verdict.delayMs } : {}),
            ...(verdict.why ? { why: verdict.why } : {}),
          });
          if (verdict.retry) {
            // The wait itself happens at the gate, shared with every request to the origin.
            attempt++;
            continue;
          }
          // undici hands the keep-alive socket back to its pool one event-loop turn after the
          // response ends; returning before that makes the caller's next request open another
          // connection (measured: 16 sockets for 8 requests in flight, 8 with this wait).
          await new Promise((resolve) => setImmediate(resolve));
          if (result.body === undefined) {
            // Replacement characters would be stored as if the server had sent them.
            throw remoteError(ctx, ErrorCode.INVALID_RESPONSE, `HTTP ${result.status}, body is not valid UTF-8`, {
              status: result.status,
            });
          }
          return { status: result.status, headers: result.headers, body: result.body, attempts: attempt };
        }

        if (result.error instanceof ResponseTooLarge) {
          options.onAttempt?.({
            ...base,
            outcome: "error",
            status: result.status,
            errorCode: "RESPONSE_TOO_LARGE",
            requestStarted: true,
          });
          throw remoteError(
            ctx,
            ErrorCode.INVALID_RESPONSE,
            `HTTP ${result.status}, response larger than ${policy.maxResponseBytes} bytes${attemptsNote(attempt)}`,
            { status: result.status },
          );
        }
        const unsent = requestNotSent(result.error, result.started);
        const transient = failedBeforeSending(result.error, result.started);
        let delay = transient && attempt < max ? backoffDelay(attempt, policy.retry, random) : undefined;
        if (transient) {
          // Refused before anything was sent: the origin is backed off for everyone.
          noteBusy(origin, now() + (delay ?? backoffDelay(attempt, policy.retry, random)));
          outcome = "busy";
        }
        const overBudget = delay !== undefined ? budgetProblem(delay) : undefined;
        if (overBudget) delay = undefined;
        options.onAttempt?.({
          ...base,
          outcome: "error",
          ...(result.status !== undefined ? { status: result.status } : {}),
          errorCode: errorCode(result.error) ?? "UNKNOWN",
          requestStarted: result.started,
          ...(delay !== undefined ? { retryInMs: delay } : {}),
          why:
            overBudget ??
            (unsent
              ? delay !== undefined
                ? "transient failure before the request was sent"
                : "the request was not sent"
              : "the request may have reached the server"),
        });
        if (delay !== undefined) {
          attempt++;
          continue;
        }
        throw transportError(ctx, url, policy, result, attempt, unsent, overBudget);
      } finally {
        entry.release(outcome);
      }
    }
  };
}

/**
 * A request that gives up while waiting on its origin's shared backoff: it returns the
 * last "not now" answer the origin gave (the protocol layer reports it as for any final
 * 429 / 503), or, when the backoff came from connection failures, throws.
 */
function sharedGiveUp(
  ctx: RemoteContext,
  url: URL,
  origin: string,
  why: string,
  attempt: number,
  onAttempt: TransportOptions["onAttempt"],
  max: number,
): HttpResponse {
  const attempts = Math.min(attempt, max);
  onAttempt?.({ attempt: attempts, maxAttempts: max, ctx, outcome: "error", requestStarted: false, why });
  const last = backoffOf(origin)?.last;
  if (last) return { status: last.status, headers: { ...last.headers }, body: last.body, attempts };
  throw remoteError(
    ctx,
    ErrorCode.TRANSPORT,
    `${url.host} is failing (connections refused or reset) and backed off; ${why}${attemptsNote(attempts)}`,
  );
}

function budgetError(ctx: RemoteContext, why: string, attempts: number): AccessTokenError {
  return remoteError(ctx, ErrorCode.TRANSPORT, `${why}${attemptsNote(attempts)}`);
}

// -----------------------------------------------------------------------------------------
// One attempt

type AttemptResult =
  | { kind: "response"; status: number; headers: Record<string, string | undefined>; body: string | undefined }
  | { kind: "error"; error: unknown; started: boolean; status?: number };

class ResponseTooLarge extends Error {}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text; undefined when it is not valid UTF-8 (the caller refuses it). */
function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The attempt's total time ran out (headers and whole body included). */
class RequestDeadline extends Error {
  readonly code = "REQUEST_TIMEOUT";
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
  }
}

/**
 * Sends once through `dispatcher`, collecting the whole (bounded) body within `timeoutMs`
 * in all (headers and body). Never rejects.
 */
function sendOnce(
  dispatcher: Dispatcher,
  req: HttpRequest,
  url: URL,
  policy: ResolvedPolicy,
  timeoutMs: number,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let started = false;
    let controllerOf: { abort(reason: Error): void } | undefined;
    const deadline = new RequestDeadline(Math.max(1, Math.round(timeoutMs)));
    let expired = false;
    const timer = setTimeout(
      () => {
        expired = true;
        // Abort the request wherever it is; if it is not handed to a socket yet, it is
        // aborted as soon as it is (and reported now).
        controllerOf?.abort(deadline);
        finish({ kind: "error", error: deadline, started, ...(status !== undefined ? { status } : {}) });
      },
      Math.max(1, timeoutMs),
    );
    let status: number | undefined;
    let headers: Record<string, string | undefined> = {};
    let size = 0;
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        controllerOf = controller;
        if (expired) {
          controller.abort(deadline);
          return;
        }
        // Called just before the request is written to a socket: from here on, the server
        // may receive it.
        started = true;
      },
      onResponseStart(controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = flattenHeaders(responseHeaders);
        const declared = Number(headers["content-length"]);
        if (Number.isFinite(declared) && declared > policy.maxResponseBytes) controller.abort(new ResponseTooLarge());
      },
      onResponseData(controller, chunk) {
        size += chunk.length;
        if (size > policy.maxResponseBytes) {
          controller.abort(new ResponseTooLarge());
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        finish({ kind: "response", status: status ?? 0, headers, body: utf8OrUndefined(Buffer.concat(chunks)) });
      },
      onResponseError(_controller, error) {
        finish({ kind: "error", error, started, ...(status !== undefined ? { status } : {}) });
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: { "user-agent": "pulumi-access-tokens", ...req.headers },
          body: req.body ?? null,
          headersTimeout: Math.max(1, Math.min(policy.headersTimeoutMs, timeoutMs)),
          bodyTimeout: Math.max(1, Math.min(policy.bodyTimeoutMs, timeoutMs)),
        },
        handler,
      );
    } catch (error) {
      finish({ kind: "error", error, started });
    }
  });
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

// -----------------------------------------------------------------------------------------
// Errors

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

function attemptsNote(attempts: number): string {
  return attempts > 1 ? ` (${attempts} attempts)` : "";
}

function redirectError(
  ctx: RemoteContext,
  url: URL,
  res: { status: number; headers: Record<string, string | undefined> },
  attempts: number,
): AccessTokenError {
  const location = res.headers.location;
  let target = "no Location";
  if (location) {
    try {
      const to = new URL(location, url);
      // Only the origin: a redirect URL may carry codes or tokens in its path or query.
      target = to.host === url.host ? `${to.origin} (same host)` : `${to.origin} (another host)`;
    } catch {
      target = "an invalid Location";
    }
  }
  return remoteError(
    ctx,
    ErrorCode.HTTP_STATUS,
    `HTTP ${res.status} redirect to ${target}; redirects are not followed (credentials must not be replayed elsewhere): set the endpoint to the final URL${attemptsNote(attempts)}`,
    { status: res.status },
  );
}

const UNTRUSTED_CERT = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

/** A short reason for a failed attempt, for a person. */
export function describeFailure(error: unknown, url: URL, policy: Omit<HttpPolicy, "budget"> = {}): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const p = { ...HTTP_POLICY_DEFAULTS, ...policy };
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (ECONNREFUSED)";
    case "ECONNRESET":
      return "connection reset (ECONNRESET)";
    case "UND_ERR_SOCKET":
      return `connection closed by the server (UND_ERR_SOCKET: ${message})`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return `no connection within ${p.connectTimeoutMs} ms (UND_ERR_CONNECT_TIMEOUT: TCP/TLS handshake did not complete)`;
    case "UND_ERR_HEADERS_TIMEOUT":
      return `no response within ${p.headersTimeoutMs} ms (UND_ERR_HEADERS_TIMEOUT)`;
    case "UND_ERR_BODY_TIMEOUT":
      return `response body stalled for ${p.bodyTimeoutMs} ms (UND_ERR_BODY_TIMEOUT)`;
    case "REQUEST_TIMEOUT":
      return `no complete response within ${(error as RequestDeadline).timeoutMs ?? p.requestTimeoutMs} ms (REQUEST_TIMEOUT: headers and body together)`;
    case "ENOTFOUND":
      return `host ${url.hostname} not found (ENOTFOUND)`;
    case "EAI_AGAIN":
      return `temporary DNS failure for ${url.hostname} (EAI_AGAIN)`;
    case "CERT_HAS_EXPIRED":
      return "TLS: the server's certificate has expired (CERT_HAS_EXPIRED)";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS: the server's certificate is not valid for ${url.hostname} (ERR_TLS_CERT_ALTNAME_INVALID)`;
    default:
      if (code && UNTRUSTED_CERT.has(code)) {
        return `TLS: the server's certificate is not trusted (${code}); for a private CA, set caBundle`;
      }
      return code ? `${code}: ${message}` : message;
  }
}

function transportError(
  ctx: RemoteContext,
  url: URL,
  policy: ResolvedPolicy,
  result: { error: unknown; status?: number },
  attempts: number,
  unsent: boolean,
  overBudget?: string,
): AccessTokenError {
  const status = result.status !== undefined ? `HTTP ${result.status}, ` : "";
  const mayHaveArrived = unsent ? "" : "; not retried, as the server may have processed the request";
  const budget = overBudget ? `; not retried: ${overBudget}` : "";
  return remoteError(
    ctx,
    ErrorCode.TRANSPORT,
    `${status}${describeFailure(result.error, url, policy)}${mayHaveArrived}${budget}${attemptsNote(attempts)}`,
    { ...(result.status !== undefined ? { status: result.status } : {}), cause: result.error },
  );
}
