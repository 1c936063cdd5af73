/**
 * The few error classes the provider throws. Each carries a stable `code`; messages name
 * the system, endpoint, HTTP status and OAuth error code, and never a secret.
 */

import { z } from "zod";

/**
 * Messages for people, for every schema of the provider (inputs and answers alike) that
 * does not give its own: a value of the wrong type is "must be a string" (not zod's
 * "Invalid input: expected string, received number"), and a missing one "is required".
 */
z.config({
  customError: (issue) => {
    if (issue.code !== "invalid_type") return undefined;
    if (issue.input === undefined) return "is required";
    const what: Record<string, string> = {
      string: "a string",
      number: "a number",
      int: "an integer",
      boolean: "true or false",
      array: "a list",
      object: "an object",
      record: "an object",
    };
    return `must be ${what[issue.expected] ?? `of type ${issue.expected}`}`;
  },
});

/** Stable error codes. */
export const ErrorCode = {
  /** The server answered with an OAuth 2.0 error body (RFC 6749 §5.2). */
  OAUTH_ERROR_RESPONSE: "OAUTH_ERROR_RESPONSE",
  /** The server answered with an unexpected status and no OAuth error body. */
  HTTP_STATUS: "HTTP_STATUS",
  /** The server's answer did not have the documented shape. */
  INVALID_RESPONSE: "INVALID_RESPONSE",
  /** The request could not be sent or no answer arrived (DNS, TCP, TLS, timeout). */
  TRANSPORT: "TRANSPORT",
  /** Discovery failed or returned metadata for another issuer. */
  DISCOVERY: "DISCOVERY",
  /** An input or state value is unusable. */
  INVALID_INPUT: "INVALID_INPUT",
} as const;

/** One of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for("pulumi-access-tokens.AccessTokenError");

/** Where a remote failure happened: the wire call's system, operation and endpoint. */
export interface RemoteContext {
  /** The system spoken to, e.g. "OAuth 2.0" or "Alphaus". */
  system: string;
  /** What was being done, e.g. "token request". */
  operation: string;
  /** The endpoint URL (never carries a token: RFC 9700 forbids tokens in URLs). */
  endpoint: string;
  /**
   * What to tell the user about a failure of this call, by its facts: the hints join the
   * message when the error is built (never appended afterwards).
   */
  hints?: HintRule;
  /** The call's secrets, removed from server text before it is clipped into a message. */
  secrets?: readonly string[];
}

/**
 * Advice for the user that closes an error message: what the failure means here and what
 * to do. `separator` sets it off from the text before (default `": "`).
 */
export interface Hint {
  /** The advice. */
  text: string;
  /** What stands between the message and the advice: `": "` (default), `"; "` or `" "`. */
  separator?: string;
}

/** The facts of a failure a {@link HintRule} chooses its advice by. */
export interface FailureFacts {
  /** The error's code. */
  code: ErrorCode;
  /** HTTP status, when the server answered. */
  status?: number;
  /** The OAuth `error` code (or the system's own error code), when the server sent one. */
  oauthError?: string;
}

/** Chooses the hints of a failure (none: undefined or an empty list). */
export type HintRule = (failure: FailureFacts) => Hint | string | undefined | readonly (Hint | string | undefined)[];

/** Details of an {@link AccessTokenError}. */
export interface ErrorDetails {
  /** HTTP status, when the server answered. */
  status?: number;
  /** The OAuth `error` code (or the system's own error code), when the server sent one. */
  oauthError?: string;
  /** The endpoint involved, when remote. */
  endpoint?: string;
  /** What caused it: a lower-level error, or the parsed body of the server's answer. */
  cause?: unknown;
  /** Advice that closes the message (see {@link Hint}). */
  hints?: readonly (Hint | string | undefined)[];
}

/** The error every failure of this package is reported as. Built once, with its hints. */
export class AccessTokenError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** The OAuth `error` code (or the system's own error code), when the server sent one. */
  readonly oauthError?: string;
  /** The endpoint involved, when remote. */
  readonly endpoint?: string;
  /** The advice the message closes with, as data. */
  readonly hints: readonly Hint[];

  /**
   * @param code The stable code.
   * @param message What failed, without the hints.
   * @param details Status, error code, endpoint, cause and hints.
   */
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    const hints = (details.hints ?? []).flatMap((h) => hintOf(h));
    super(message + renderHints(hints), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AccessTokenError";
    this.code = code;
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.endpoint = details.endpoint;
    this.hints = Object.freeze(hints);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

function renderHints(hints: readonly Hint[]): string {
  return hints.map((h) => `${h.separator ?? ": "}${h.text}`).join("");
}

function hintOf(hint: Hint | string | undefined): Hint[] {
  if (hint === undefined || hint === "") return [];
  return [typeof hint === "string" ? { text: hint } : hint];
}

/**
 * True for an {@link AccessTokenError}, even one from another copy of this package.
 * @param value - anything thrown
 * @returns whether it is an {@link AccessTokenError}
 */
export function isAccessTokenError(value: unknown): value is AccessTokenError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Formats `"<system> <operation> at <endpoint>"`, the prefix of every remote error.
 * @param ctx - the call
 * @returns the prefix
 */
export function describeRemote(ctx: RemoteContext): string {
  return `${ctx.system} ${ctx.operation} at ${ctx.endpoint}`;
}

/**
 * A new error like `error` (code, status, error code, endpoint, cause), its message closed
 * by further hints; `error` itself is left as it is.
 * @param error The error.
 * @param hints The further hints.
 * @returns The new error.
 * @see {@link remoteError}, which builds an error with its hints at once
 */
export function withHints(error: AccessTokenError, ...hints: (Hint | string | undefined)[]): AccessTokenError {
  const base =
    error.hints.length > 0
      ? error.message.slice(0, error.message.length - renderHints(error.hints).length)
      : error.message;
  return new AccessTokenError(error.code, base, {
    status: error.status,
    oauthError: error.oauthError,
    endpoint: error.endpoint,
    cause: error.cause,
    hints: [...error.hints, ...hints],
  });
}

/**
 * Runs several hint rules in order (the call's own first, then its caller's).
 * @param rules The rules; undefined ones are skipped.
 * @returns One rule giving every rule's hints.
 * @see {@link RemoteContext.hints}
 */
export function hintRules(...rules: (HintRule | undefined)[]): HintRule | undefined {
  const present = rules.filter((r): r is HintRule => r !== undefined);
  if (present.length <= 1) return present[0];
  return (failure) => present.flatMap((rule) => [rule(failure)].flat());
}

/**
 * The error of a failed wire call: `"<system> <operation> at <endpoint> failed: <what>"`,
 * with the call's endpoint and the hints its {@link RemoteContext.hints} give for it.
 * @param ctx The call.
 * @param code The error code.
 * @param what What went wrong (status, the server's error, ...).
 * @param details Status, error code, cause and further hints (before the call's).
 * @returns The error, complete.
 * @see {@link Hint}
 */
export function remoteError(
  ctx: RemoteContext,
  code: ErrorCode,
  what: string,
  details: Omit<ErrorDetails, "endpoint"> = {},
): AccessTokenError {
  const facts = { code, status: details.status, oauthError: details.oauthError };
  return new AccessTokenError(code, `${describeRemote(ctx)} failed: ${what}`, {
    ...details,
    endpoint: ctx.endpoint,
    hints: [...(details.hints ?? []), ...[ctx.hints?.(facts)].flat()],
  });
}
