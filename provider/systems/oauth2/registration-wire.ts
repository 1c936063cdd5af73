/**
 * OAuth 2.0 Dynamic Client Registration (RFC 7591) and its management protocol (RFC 7592).
 *
 * - register: POST the client metadata (JSON) to the `registration_endpoint`, with
 *   `Authorization: Bearer <initial access token>` when the server requires one (§3);
 *   201 → `client_id`, `client_secret`, `registration_access_token`,
 *   `registration_client_uri`, `client_secret_expires_at` (§3.2.1).
 * - read / update / delete: GET / PUT / DELETE the `registration_client_uri` with the
 *   registration access token as a Bearer token (RFC 7592 §2.1–2.3).
 *
 * Each step is a pair, as in `wire.ts` beside it: `xxxRequest()` builds the request and
 * `processXxxResponse()` judges the response, so every judging function is testable with a
 * plain response object. Errors name the endpoint, the status and the OAuth error code with
 * a hint for the user; they never carry a secret (the bodies judged here are the server's,
 * and the resource layer redacts every secret of the call on top).
 */
import { z } from "zod";
import { type FailureFacts, type HintRule, type RemoteContext, ErrorCode, hintRules, remoteError } from "../../errors";
import type { HttpRequest, HttpResponse } from "../../http/transport";
import { epochSeconds } from "../../time";
import { checkResponseStatus } from "./wire";
import { SERVER_ISSUED_FIELDS } from "./client.description";
import { parseJsonObject, successStrings, validate } from "../../wire/kit";

/** Name used for this protocol in messages. */
export const SYSTEM = "OAuth 2.0";

/**
 * Client metadata on the wire (RFC 7591 §2, snake_case names). Values are JSON; the
 * resource layer builds it from typed inputs.
 */
export type ClientMetadata = Record<string, unknown>;

export { SERVER_ISSUED_FIELDS };

/** A client as the server describes it after registration, read or update. */
export interface RegisteredClient {
  clientId: string;
  /** Secret. Absent for public clients (`token_endpoint_auth_method: "none"`). */
  clientSecret?: string;
  /** Seconds since the epoch, when the server said. */
  clientIdIssuedAt?: number;
  /** Seconds since the epoch; `0` (or absent) means the secret does not expire. */
  clientSecretExpiresAt?: number;
  /** Secret. Absent when the server offers no management (RFC 7592) for this client. */
  registrationAccessToken?: string;
  /** Where the client is managed; absent with the token when there is no management. */
  registrationClientUri?: string;
  /** Every other field of the answer: the metadata as registered (server defaults included). */
  metadata: ClientMetadata;
}

// ---------------------------------------------------------------------------------------
// Judging

/** The answer of a registration, read or update (RFC 7591 §3.2.1). Loose: servers add fields. */
const ClientInformationBody = z.looseObject({
  client_id: z.string({ error: "must be a string" }).min(1, "must not be empty"),
  client_secret: z.string({ error: "must be a string" }).min(1, "must not be empty").optional(),
  client_id_issued_at: epochSeconds.optional(),
  client_secret_expires_at: epochSeconds.optional(),
  registration_access_token: z.string({ error: "must be a string" }).min(1, "must not be empty").optional(),
  registration_client_uri: z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" }).optional(),
});

/** What a registration error means for the user, by RFC 7591 §3.2.2 error code. */
const REGISTRATION_HINTS: Record<string, string> = {
  invalid_redirect_uri: "the server refused one of the redirect URIs (redirectUris)",
  invalid_client_metadata:
    "the server refused a metadata value (the description names it); fix that input, or leave it unset to take the server's default",
  invalid_software_statement: "the server refused the software statement",
  unapproved_software_statement: "the server does not approve the software statement",
};

/** Checks the status of an answer, the error closed by `hint`'s advice (and the call's own). */
function checkWithHint(res: HttpResponse, ctx: RemoteContext, hint: HintRule, expected?: number[]): void {
  checkResponseStatus(res, { ...ctx, hints: hintRules(hint, ctx.hints) }, expected);
}

function parseClient(res: HttpResponse, ctx: RemoteContext): RegisteredClient {
  const body = validate(ClientInformationBody, parseJsonObject(res, ctx), res, ctx);
  if ((body.registration_access_token === undefined) !== (body.registration_client_uri === undefined)) {
    throw remoteError(
      ctx,
      ErrorCode.INVALID_RESPONSE,
      `HTTP ${res.status}, unexpected response: "registration_access_token" and "registration_client_uri" must come together (RFC 7592 §3)`,
      { status: res.status },
    );
  }
  const metadata: ClientMetadata = { ...body };
  for (const field of SERVER_ISSUED_FIELDS) delete metadata[field];
  return {
    clientId: body.client_id,
    ...(body.client_secret !== undefined ? { clientSecret: body.client_secret } : {}),
    ...(body.client_id_issued_at !== undefined ? { clientIdIssuedAt: body.client_id_issued_at } : {}),
    ...(body.client_secret_expires_at !== undefined ? { clientSecretExpiresAt: body.client_secret_expires_at } : {}),
    ...(body.registration_access_token !== undefined
      ? { registrationAccessToken: body.registration_access_token }
      : {}),
    ...(body.registration_client_uri !== undefined ? { registrationClientUri: body.registration_client_uri } : {}),
    metadata,
  };
}

function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return /^https?:$/.test(new URL(value).protocol) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The handles of a registered client, read leniently from a 2xx answer that failed full validation. */
export interface RegistrationHandles {
  clientId: string;
  registrationAccessToken?: string;
  registrationClientUri?: string;
  clientSecret?: string;
}

/**
 * Reads whatever identifies a client that the server *did* register, from a success answer
 * that {@link processRegistrationResponse} rejected (e.g. a malformed field): enough to
 * record it and delete it later, so nothing is orphaned. Undefined when the answer names no
 * client (not a success, not JSON, or no `client_id`).
 * @param res - the refused answer
 * @returns the client's id, secret, registration access token and URI, or undefined
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 */
export function registrationHandles(res: HttpResponse): RegistrationHandles | undefined {
  const b = successStrings(res);
  const clientId = b?.client_id;
  if (!b || !clientId) return undefined;
  const uri = httpUrl(b.registration_client_uri);
  const token = b.registration_access_token;
  const secret = b.client_secret;
  return {
    clientId,
    ...(uri && token ? { registrationClientUri: uri, registrationAccessToken: token } : {}),
    ...(secret ? { clientSecret: secret } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Register (RFC 7591 §3)

/**
 * Builds a registration request: POST `metadata` as JSON to `endpoint`, with the initial
 * access token as a Bearer token when given (RFC 7591 §3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1
 * @param endpoint - the registration endpoint
 * @param metadata - the client metadata
 * @param initialAccessToken - the initial access token, when the server wants one
 * @returns the request
 */
export function registrationRequest(
  endpoint: string,
  metadata: ClientMetadata,
  initialAccessToken?: string,
): HttpRequest {
  return {
    method: "POST",
    url: endpoint,
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(initialAccessToken ? { authorization: `Bearer ${initialAccessToken}` } : {}),
    },
    body: JSON.stringify(metadata),
  };
}

/**
 * Judges a registration response: 201 (200 tolerated) with the client information
 * (§3.2.1), or an error (§3.2.2) explained for the user. `withInitialAccessToken` says
 * whether one was sent, to explain a 401.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2
 * @param res - the answer
 * @param ctx - the call
 * @param withInitialAccessToken - whether an initial access token was sent
 * @returns the registered client
 */
export function processRegistrationResponse(
  res: HttpResponse,
  ctx: RemoteContext,
  withInitialAccessToken = false,
): RegisteredClient {
  checkWithHint(
    res,
    ctx,
    (error) => {
      if (error.oauthError && REGISTRATION_HINTS[error.oauthError]) return REGISTRATION_HINTS[error.oauthError];
      if (error.status === 401 || error.oauthError === "invalid_token") {
        return withInitialAccessToken
          ? "the server refused the initial access token (initialAccessToken): it may be expired, used up, or for another server"
          : "the server requires an initial access token: set initialAccessToken";
      }
      if (error.status === 403)
        return "the server does not allow this registration (check the initial access token's rights)";
      if (error.status === 404 || error.status === 405) {
        return "no registration here: the server does not offer dynamic client registration at this URL";
      }
      return undefined;
    },
    [200, 201],
  );
  return parseClient(res, ctx);
}

// ---------------------------------------------------------------------------------------
// Manage (RFC 7592)

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: "application/json" };
}

/** What a management answer says about the client itself. */
function managementHint(error: FailureFacts): string | undefined {
  if (error.status === 403) return "the server does not let this client manage its registration";
  if (error.status === 405) return "the server does not support this operation (RFC 7592)";
  if (error.oauthError === "invalid_client_metadata" || error.oauthError === "invalid_redirect_uri") {
    return REGISTRATION_HINTS[error.oauthError];
  }
  return undefined;
}

/** True for the answers RFC 7592 §2 gives for a client that no longer exists (or whose token was revoked). */
function isGone(res: HttpResponse): boolean {
  return res.status === 401 || res.status === 404 || res.status === 410;
}

/**
 * Builds a read request: GET the client configuration endpoint with the registration access
 * token (RFC 7592 §2.1).
 * @param registrationClientUri - the client configuration endpoint
 * @param registrationAccessToken - the registration access token
 * @returns the request
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.1
 */
export function readRequest(registrationClientUri: string, registrationAccessToken: string): HttpRequest {
  return { method: "GET", url: registrationClientUri, headers: bearer(registrationAccessToken) };
}

/**
 * Judges a read response: the client information, or `"gone"` when the server says the
 * client no longer exists (401, as RFC 7592 §2.1 prescribes, or 404 / 410).
 * @param res - the answer
 * @param ctx - the call
 * @returns the client, or `"gone"`
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.1
 */
export function processReadResponse(res: HttpResponse, ctx: RemoteContext): RegisteredClient | "gone" {
  if (isGone(res)) return "gone";
  checkWithHint(res, ctx, managementHint);
  return parseClient(res, ctx);
}

/**
 * Builds an update request: PUT the *full* metadata with `client_id` (RFC 7592 §2.2); fields
 * left out return to the server's defaults. `clientSecret`, when given, must be the current
 * one (the server refuses a chosen secret). Server-issued fields are never sent.
 * @param registrationClientUri - the client configuration endpoint
 * @param registrationAccessToken - the registration access token
 * @param clientId - the client id
 * @param metadata - the full metadata
 * @param clientSecret - the current client secret
 * @returns the request
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.2
 */
export function updateRequest(
  registrationClientUri: string,
  registrationAccessToken: string,
  clientId: string,
  metadata: ClientMetadata,
  clientSecret?: string,
): HttpRequest {
  const body: ClientMetadata = { ...metadata };
  for (const field of SERVER_ISSUED_FIELDS) delete body[field];
  return {
    method: "PUT",
    url: registrationClientUri,
    headers: { ...bearer(registrationAccessToken), "content-type": "application/json" },
    body: JSON.stringify({ ...body, client_id: clientId, ...(clientSecret ? { client_secret: clientSecret } : {}) }),
  };
}

/**
 * Judges an update response: 200 with the client information, which may carry a new client
 * secret and a new (rotated) registration access token (RFC 7592 §2.2). A 401 / 404 here
 * means the client is gone.
 * @param res - the answer
 * @param ctx - the call
 * @returns the client as the server now describes it
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.2
 */
export function processUpdateResponse(res: HttpResponse, ctx: RemoteContext): RegisteredClient {
  checkWithHint(res, ctx, (error) =>
    isGone(res)
      ? "the client no longer exists at the server (or its registration access token was revoked); run pulumi refresh, then pulumi up to register it again"
      : managementHint(error),
  );
  return parseClient(res, ctx);
}

/**
 * Builds a delete request: DELETE the client configuration endpoint (RFC 7592 §2.3).
 * @param registrationClientUri - the client configuration endpoint
 * @param registrationAccessToken - the registration access token
 * @returns the request
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.3
 */
export function deleteRequest(registrationClientUri: string, registrationAccessToken: string): HttpRequest {
  return { method: "DELETE", url: registrationClientUri, headers: bearer(registrationAccessToken) };
}

/** The outcome of a delete. */
export type DeleteOutcome =
  /** 204 (or 200): deleted now. */
  | "deleted"
  /** 401 / 404 / 410: already gone (or the registration access token was revoked). */
  | "gone"
  /** 405: the server does not support deleting clients (RFC 7592 §2.3); the client stays. */
  | "unsupported";

/**
 * Judges a delete response (RFC 7592 §2.3).
 * @param res - the answer
 * @param ctx - the call
 * @returns deleted, already gone, or deleting unsupported
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.3
 */
export function processDeleteResponse(res: HttpResponse, ctx: RemoteContext): DeleteOutcome {
  if (res.status === 204 || res.status === 200) return "deleted";
  if (isGone(res)) return "gone";
  if (res.status === 405) return "unsupported";
  checkWithHint(res, ctx, managementHint, [200, 204]);
  return "deleted";
}
