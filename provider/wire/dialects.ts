/**
 * The error dialects the provider's systems speak: how each says what went wrong in the
 * body of an answer. Each reader takes the body text and returns the error it carries, or
 * undefined when the body is not in that dialect; the judges of each system turn it into a
 * message (see `remoteError`).
 */
import { z } from "zod";
import { parseJson } from "./kit";

// ---------------------------------------------------------------------------------------
// OAuth 2.0 error object

const OAuthErrorBody = z.looseObject({
  error: z.string().min(1),
  error_description: z.string().optional(),
  error_uri: z.string().optional(),
  // league/oauth2-server (Alphaus) adds a `hint` of its own.
  hint: z.string().optional(),
});

/** An OAuth 2.0 error object. */
export type OAuthErrorObject = z.infer<typeof OAuthErrorBody>;

/**
 * The OAuth 2.0 error object of an answer (`error`, `error_description`, `error_uri`, and
 * the `hint` league/oauth2-server adds).
 * @param body The answer's body.
 * @returns The error object, or undefined when the body is not one.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function oauthErrorOf(body: string): OAuthErrorObject | undefined {
  return OAuthErrorBody.safeParse(parseJson(body)).data;
}

// ---------------------------------------------------------------------------------------
// gRPC status (google.rpc.Status, as grpc-gateway writes it)

/** gRPC status code names, by number (google.rpc.Code). */
const GRPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** A google.rpc.Status. Loose: grpc-gateway v1 also sent `error`. */
const RpcStatus = z.looseObject({
  code: z.number().int(),
  message: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});
/** A google.rpc.Status. */
export type RpcStatus = z.infer<typeof RpcStatus>;

/**
 * The google.rpc.Status a grpc-gateway answer carries.
 * @param value The parsed body, or the `error` of an in-band stream error.
 * @returns The status, or undefined when it is not one.
 * @see https://github.com/googleapis/googleapis/blob/master/google/rpc/status.proto
 */
export function rpcStatusOf(value: unknown): RpcStatus | undefined {
  return RpcStatus.safeParse(value).data;
}

/**
 * The name of a gRPC status code, as the error code of a failure.
 * @param status The status.
 * @returns `INTERNAL`, `NOT_FOUND`, …, or undefined for a code gRPC does not define.
 * @see https://github.com/googleapis/googleapis/blob/master/google/rpc/code.proto
 */
export function rpcCodeName(status: RpcStatus): string | undefined {
  return GRPC_CODES[status.code];
}

// ---------------------------------------------------------------------------------------
// Exastro envelope (and the problem+json of its request validation)

const Envelope = z.looseObject({
  result: z.string(),
  data: z.unknown().optional(),
  message: z.string().nullable().optional(),
});
/** Exastro's `{result, data, message, ts}` envelope. */
export type ExastroEnvelope = z.infer<typeof Envelope>;

/**
 * The Exastro envelope of an answer: `result` is `000-00000` for success, else an error
 * code such as `404-25001`; `message` is localized text.
 * @param body The answer's body.
 * @returns The envelope, or undefined when the body is not one.
 * @see https://ita-docs.exastro.org/en/2.3/reference/api/index.html
 */
export function exastroEnvelopeOf(body: string): ExastroEnvelope | undefined {
  return Envelope.safeParse(parseJson(body)).data;
}

const Problem = z.looseObject({
  title: z.string().optional(),
  detail: z.string().optional(),
  status: z.number().optional(),
});
/** An RFC 9457 problem object. */
export type ProblemObject = z.infer<typeof Problem>;

/**
 * The problem details of an answer (Exastro's request validation, connexion).
 * @param body The answer's body.
 * @returns The problem (with a title or a detail), or undefined.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export function problemOf(body: string): ProblemObject | undefined {
  const problem = Problem.safeParse(parseJson(body)).data;
  return problem && (problem.title || problem.detail) ? problem : undefined;
}

// ---------------------------------------------------------------------------------------
// Misskey error object

const MisskeyErrorBody = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    code: z.string(),
    id: z.string().optional(),
    kind: z.string().optional(),
    info: z.unknown().optional(),
  }),
});

/** Fastify's own failures (before Misskey's handler runs). */
const FrameworkErrorBody = z.looseObject({ code: z.string(), message: z.string().optional() });

/** Misskey's error, when the body is `{"error": {message, code, id, kind, info?}}` (or Fastify's). */
export interface MisskeyError {
  /** E.g. `AUTHENTICATION_FAILED`, `NO_SUCH_APP`. */
  code: string;
  /** English text. */
  message?: string;
  /** The error's id (a UUID per error kind). */
  id?: string;
  /** `client` or `server`. */
  kind?: string;
  /** Details, e.g. `{param, reason}` for an invalid parameter. */
  info?: unknown;
}

/**
 * The Misskey error object of an answer (or Fastify's, for failures before Misskey's
 * handler ran).
 * @param body The answer's body.
 * @returns The error, or undefined when the body is not one.
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function misskeyErrorObjectOf(body: string): MisskeyError | undefined {
  const value = parseJson(body);
  const parsed = MisskeyErrorBody.safeParse(value);
  if (parsed.success) return parsed.data.error;
  return FrameworkErrorBody.safeParse(value).data;
}
