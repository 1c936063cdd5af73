/**
 * The wire kit: what every system's wire calls share. A call is sent with {@link send}
 * (its system, operation and endpoint in a {@link WireCall}), its answer judged by a
 * `processXxxResponse()` function built from the helpers here, and any failure reported as
 * one complete {@link AccessTokenError} made by {@link remoteError} (hints included, see
 * {@link WireCall.hints}).
 *
 * The kit keeps the call's secrets: the credentials a request carries (see
 * {@link wireCredentials}), the secrets an answer carries (`secretsOf` of {@link send}),
 * and secrets known otherwise ({@link keepSecrets}). Server text enters a message through
 * {@link clip}, which removes those secrets *before* it cuts the text.
 */
import type { z } from "zod";
import { ErrorCode, type RemoteContext, remoteError } from "../errors";
import { cleanServerText, keepSecrets, removeSecrets, wireCredentials } from "../http/redact";
import type { HttpPolicy, HttpRequest, HttpResponse, Transport } from "../http/transport";

/** One wire call: system, operation and endpoint (for messages), hints and secrets. */
export type WireCall = RemoteContext;

/** What a wire call needs from its caller: the transport and the list of the call's secrets. */
export interface Wire {
  /** Sends requests. */
  transport: Transport;
  /** The secrets of the call (grows as the call learns more); every message is redacted of them. */
  secrets: string[];
}

/** Options of {@link send}. */
export interface SendOptions<T> {
  /** This call's transport policy (timeouts, retries, response size). */
  policy?: HttpPolicy;
  /** The secrets the judged answer carries (tokens, client secrets), kept with the call's. */
  secretsOf?: (answer: T) => readonly (string | undefined)[];
  /**
   * Called when the judge refused an answer, with that answer and the judge's error; what
   * it returns is thrown instead (e.g. the error marked with what the server did create,
   * so it is recorded rather than orphaned).
   */
  onRefused?: (res: HttpResponse, error: unknown) => unknown;
}

export { keepSecrets } from "../http/redact";

/**
 * Sends `request` and judges the answer with `judge`. The credentials the request carries
 * and the secrets the judged answer carries join the call's secrets; the judge sees them in
 * `call.secrets`, to keep them out of server text it quotes.
 * @param wire The transport and the call's secrets.
 * @param call System, operation and endpoint of the call (and its hints).
 * @param request The request.
 * @param judge Judges the answer: returns what it says, or throws an {@link AccessTokenError}.
 * @param options The call's transport policy, and where the answer's secrets are.
 * @returns What the judge returned.
 */
export async function send<T>(
  wire: Wire,
  call: WireCall,
  request: HttpRequest,
  judge: (res: HttpResponse, call: WireCall) => T,
  options: SendOptions<T> = {},
): Promise<T> {
  keepSecrets(wire, ...wireCredentials(request));
  const judged = { ...call, secrets: wire.secrets };
  const res = await wire.transport(request, call, options.policy);
  let answer: T;
  try {
    answer = judge(res, judged);
  } catch (error) {
    throw options.onRefused ? options.onRefused(res, error) : error;
  }
  if (options.secretsOf) keepSecrets(wire, ...options.secretsOf(answer));
  return answer;
}

/**
 * Server text as it may enter a message: the call's secrets removed first, then control
 * characters removed and the text cut to `max` characters (see `cleanServerText`).
 * @param text What the server sent (an error description, a challenge, a message).
 * @param max The longest text kept, in characters.
 * @param secrets The call's secrets.
 * @returns The text, fit for a message.
 * @see {@link removeSecrets}, {@link cleanServerText}
 */
export function clip(text: string, max = 300, secrets: readonly string[] = []): string {
  return cleanServerText(secrets.length > 0 ? removeSecrets(text, secrets) : text, max);
}

/**
 * Parses JSON text.
 * @param text The text.
 * @returns The value, or undefined when the text is not JSON.
 * @see https://www.rfc-editor.org/rfc/rfc8259
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object (not an array, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The body of an answer as a JSON object.
 * @param res The answer.
 * @param call The call, for messages.
 * @returns The object.
 * @throws {AccessTokenError} {@link ErrorCode.INVALID_RESPONSE} when the body is not a JSON object.
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-4
 */
export function parseJsonObject(res: HttpResponse, call: WireCall): Record<string, unknown> {
  const value = parseJson(res.body);
  if (value === undefined) {
    const type = res.headers["content-type"] ?? "";
    throw remoteError(
      call,
      ErrorCode.INVALID_RESPONSE,
      `HTTP ${res.status}, body is not JSON (content-type ${type || "missing"})`,
      { status: res.status },
    );
  }
  if (!isObject(value)) {
    throw remoteError(call, ErrorCode.INVALID_RESPONSE, `HTTP ${res.status}, JSON body is not an object`, {
      status: res.status,
      cause: value,
    });
  }
  return value;
}

/**
 * Validates a parsed answer with `schema`, naming the failing fields (never their values).
 * @param schema What the answer must look like.
 * @param value The parsed answer.
 * @param res The answer, for its status.
 * @param call The call, for messages.
 * @returns The validated value.
 * @throws {AccessTokenError} {@link ErrorCode.INVALID_RESPONSE} naming the fields, with the parsed body as cause.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown, res: HttpResponse, call: WireCall): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => `"${i.path.join(".") || "(body)"}" ${i.message}`).join("; ");
  throw remoteError(call, ErrorCode.INVALID_RESPONSE, `HTTP ${res.status}, unexpected response: ${fields}`, {
    status: res.status,
    cause: value,
  });
}

/**
 * The non-empty string fields of a 2xx JSON object answer: read leniently, to learn what
 * a server did create when its answer failed full validation (so it can be recorded and
 * deleted later, not orphaned).
 * @param res The answer.
 * @returns The string fields, or undefined for an answer that is not a 2xx JSON object.
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-4
 */
export function successStrings(res: HttpResponse): Record<string, string> | undefined {
  if (res.status < 200 || res.status > 299) return undefined;
  const body = parseJson(res.body);
  if (!isObject(body)) return undefined;
  return Object.fromEntries(
    Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
}

/**
 * The claims of a JWT, decoded without verifying it (the provider only reads what the
 * server says about its own token: its expiry, its audience).
 * @param token The token.
 * @returns The payload's claims, or undefined when `token` is not a JWS compact serialization with a JSON object payload.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-7.2
 */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const claims = parseJson(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
  return isObject(claims) ? claims : undefined;
}
