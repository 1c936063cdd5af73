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

/** Where a remote failure happened. */
export interface RemoteContext {
  /** The system spoken to, e.g. "OAuth 2.0" or "Alphaus". */
  system: string;
  /** What was being done, e.g. "token request". */
  operation: string;
  /** The endpoint URL (never carries a token: RFC 9700 forbids tokens in URLs). */
  endpoint: string;
}

/** The error every failure of this package is reported as. */
export class AccessTokenError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** The OAuth `error` code (or the system's own error code), when the server sent one. */
  readonly oauthError?: string;
  /** The endpoint involved, when remote. */
  readonly endpoint?: string;

  constructor(
    code: ErrorCode,
    message: string,
    details: { status?: number; oauthError?: string; endpoint?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AccessTokenError";
    this.code = code;
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.endpoint = details.endpoint;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for an {@link AccessTokenError}, even one from another copy of this package. */
export function isAccessTokenError(value: unknown): value is AccessTokenError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Formats `"<system> <operation> at <endpoint>"`, the prefix of every remote error. */
export function describeRemote(ctx: RemoteContext): string {
  return `${ctx.system} ${ctx.operation} at ${ctx.endpoint}`;
}
