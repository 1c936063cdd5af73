/**
 * Small helpers the tests share: catching the error a call must throw, scripted HTTP
 * answers, and the dependencies and context the provider's functions take when called
 * directly. One copy here instead of one per test file.
 */
import { expect } from "vitest";
import { ConfigSlot } from "../../provider/config";
import { recordingDiagnostics } from "../../provider/diagnostics";
import { type AccessTokenError, isAccessTokenError } from "../../provider/errors";
import { type HttpResponse, type Transport, createTransport } from "../../provider/http/transport";
import type { SystemContext } from "../../provider/core/token-system";

/** An error with whatever fields its thrower attached (status, code, properties…). */
export type CaughtError = Error & Record<string, unknown>;

/**
 * The error `promise` rejects with; fails the test when it resolves instead.
 *
 * @param promise - the call that must fail
 * @returns the rejection, as an Error with its extra fields
 */
export async function caught(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise;
  } catch (error) {
    return error as CaughtError;
  }
  throw new Error("did not throw");
}

/**
 * The {@link AccessTokenError} `call` throws (or its promise rejects with); fails the test
 * when it returns normally, and rethrows any other error.
 *
 * @param call - a function that must throw, or a promise that must reject
 * @returns the AccessTokenError
 */
export async function thrown(call: Promise<unknown> | (() => unknown)): Promise<AccessTokenError> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    if (isAccessTokenError(error)) return error;
    throw error;
  }
  throw new Error("did not throw");
}

/**
 * The {@link AccessTokenError} a synchronous `fn` throws; fails the test when it returns,
 * and rethrows any other error.
 *
 * @param fn - a function that must throw
 * @returns the AccessTokenError
 */
export function thrownSync(fn: () => unknown): AccessTokenError {
  try {
    fn();
  } catch (error) {
    if (isAccessTokenError(error)) return error;
    throw error;
  }
  throw new Error("did not throw");
}

/**
 * The AccessTokenError `promise` rejects with, checked to carry none of `secrets` in its
 * message or stack.
 *
 * @param promise - the call that must fail
 * @param secrets - values that must not appear (at least one: a scan of nothing proves nothing)
 * @returns the error, with the fields systems attach
 */
export async function failure(
  promise: Promise<unknown>,
  secrets: Iterable<string>,
): Promise<
  AccessTokenError & { status?: number; oauthError?: string; id?: string; properties?: Record<string, unknown> }
> {
  const list = [...secrets];
  expect(list.length, "no secrets to scan for").toBeGreaterThan(0);
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAccessTokenError(error), `not an AccessTokenError: ${String(error)}`).toBe(true);
  const e = error as AccessTokenError;
  for (const secret of list) expect(`${e.message}\n${e.stack}`).not.toContain(secret);
  return e;
}

/**
 * An HTTP answer with a JSON body (a string body is sent as is).
 *
 * @param status - the HTTP status
 * @param body - the body, serialized unless already a string
 * @param headers - extra headers
 * @returns the response as the transport returns it
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** A stack configuration with nothing set. */
export function emptyConfig(): ConfigSlot {
  const config = new ConfigSlot();
  config.set({ get: () => undefined });
  return config;
}

/**
 * What the resource functions take: a real transport, empty stack config, recorded
 * diagnostics, and `now` when a test sets the time.
 *
 * @param options - the transport (default: the real one) and the clock
 * @returns the dependencies
 */
export function tokenDeps(options: { transport?: Transport; now?: () => Date } = {}) {
  return {
    transport: options.transport ?? createTransport(),
    config: emptyConfig(),
    diagnostics: recordingDiagnostics(),
    ...(options.now ? { now: options.now } : {}),
  };
}

/**
 * What a system's functions take: a real transport (unless given), empty stack config,
 * recorded diagnostics, the real time (unless given), no secrets.
 *
 * @param options - the transport and the clock
 * @returns the context
 */
export function systemContext(options: { transport?: Transport; now?: () => Date } = {}): SystemContext {
  return {
    transport: options.transport ?? createTransport(),
    config: emptyConfig(),
    diagnostics: recordingDiagnostics(),
    now: options.now ?? (() => new Date()),
    secrets: [],
  };
}

/**
 * A transport that records every request in `sent` before passing it to `base`.
 *
 * @param sent - where requests are recorded
 * @param base - the transport that answers (default: the real one)
 * @returns the recording transport
 */
export function recording(sent: Parameters<Transport>[0][], base: Transport = createTransport()): Transport {
  return (req, ctx, overrides) => {
    sent.push(req);
    return base(req, ctx, overrides);
  };
}

/**
 * `list`, after asserting it holds something: a check over every element of an empty list
 * passes on nothing.
 *
 * @param list - the elements a check will run over
 * @param what - names the list in the failure message
 * @returns the same list
 */
export function nonEmpty<T>(list: readonly T[], what = "list"): readonly T[] {
  expect(list.length, `${what} is empty: the check below would pass on nothing`).toBeGreaterThan(0);
  return list;
}
