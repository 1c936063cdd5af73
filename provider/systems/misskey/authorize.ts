/**
 * Interactive authorization at a Misskey server, for the `npx pulumi-access-tokens authorize
 * misskey` command: MiAuth (a session id, a browser page, a check that hands the token out
 * once) and the legacy app flow (`auth/session/generate`, then `auth/session/userkey`, whose
 * API credential is `deriveI` (in `token.ts`)). Nothing here runs in the provider: a resource adopts the
 * token afterwards.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type HttpRequest, type HttpResponse, type Transport, createTransport } from "../../http/transport";
import type { RemoteContext } from "../../errors";
import { send, validate } from "../../wire/kit";
import { Me, SYSTEM, call, misskeyErrorOf, misskeyOrigin, processMisskeyResponse } from "./token";

// -----------------------------------------------------------------------------------------
// MiAuth (for the interactive CLI)

/** Options of {@link miauthUrl}. */
export interface MiAuthOptions {
  /** Application name shown to the user. */
  name?: string;
  /** Application icon URL. */
  icon?: string;
  /** Where the browser goes after approval (`?session=` is appended). */
  callback?: string;
  /** Permission kinds to request. Unknown ones are dropped by Misskey without a word. */
  permissions?: readonly string[];
}

/**
 * A fresh MiAuth session id. Never reuse one: each authorization needs its own.
 * @returns a random UUID
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function newMiAuthSession(): string {
  return randomUUID();
}

/**
 * The page where the user approves MiAuth session `session`:
 * `https://{host}/miauth/{session}?name=&icon=&callback=&permission=a,b`. Next step:
 * {@link pollMiAuth} (or {@link checkMiAuth}).
 * @param hostOrBaseUrl - the server
 * @param session - the session id
 * @param options - name, icon, callback and permissions
 * @returns the URL
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function miauthUrl(hostOrBaseUrl: string, session: string, options: MiAuthOptions = {}): string {
  const url = new URL(`${misskeyOrigin(hostOrBaseUrl)}/miauth/${encodeURIComponent(session)}`);
  if (options.name) url.searchParams.set("name", options.name);
  if (options.icon) url.searchParams.set("icon", options.icon);
  if (options.callback) url.searchParams.set("callback", options.callback);
  if (options.permissions?.length) url.searchParams.set("permission", options.permissions.join(","));
  return url.toString().replace(/%2C/gi, ",").replace(/%3A/gi, ":");
}

const CheckBody = z.union([
  z.looseObject({ ok: z.literal(true), token: z.string().min(1), user: Me.optional() }),
  z.looseObject({ ok: z.literal(false) }),
]);

/** A token handed out by MiAuth. */
export interface MiAuthResult {
  token: string;
  user?: { id: string; username: string };
}

/**
 * Builds `POST /api/miauth/{session}/check`: no body and no credential.
 * @param origin - the server origin
 * @param session - the session id
 * @returns the request
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function miauthCheckRequest(origin: string, session: string): HttpRequest {
  // No content-type: Misskey (Fastify) refuses an empty body declared as JSON.
  return { method: "POST", url: `${origin}/api/miauth/${encodeURIComponent(session)}/check`, headers: {} };
}

/**
 * Judges a MiAuth check: the token (handed out exactly once), or undefined before approval.
 * @param res - the answer
 * @param ctx - the call
 * @returns the token with its user, or undefined
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function processMiAuthCheckResponse(res: HttpResponse, ctx: RemoteContext): MiAuthResult | undefined {
  const body = validate(CheckBody, processMisskeyResponse(res, ctx), res, ctx);
  if (!body.ok) return undefined;
  const { token, user } = body as { token: string; user?: { id: string; username: string } };
  return { token, ...(user ? { user: { id: user.id, username: user.username } } : {}) };
}

/**
 * Asks once whether the user approved MiAuth `session`: the token the first time after
 * approval, undefined before it (and on every later call: Misskey hands a token out once).
 * @param hostOrBaseUrl - the server
 * @param session - the session id
 * @param transport - sends the request
 * @returns the token with its user, or undefined
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export async function checkMiAuth(
  hostOrBaseUrl: string,
  session: string,
  transport: Transport = createTransport(),
): Promise<MiAuthResult | undefined> {
  const origin = misskeyOrigin(hostOrBaseUrl);
  const req = miauthCheckRequest(origin, session);
  const call = { system: SYSTEM, operation: "MiAuth check", endpoint: req.url };
  return send({ transport, secrets: [] }, call, req, processMiAuthCheckResponse);
}

/** Options of {@link pollMiAuth} and {@link pollUserKey}. */
export interface PollOptions {
  /** Give up this long after the start (sessions never expire on the server). */
  deadlineMs: number;
  /** Pause between checks. Default 2 s. */
  intervalMs?: number;
  /** Called before each check with the time elapsed and left. */
  onProgress?: (progress: { attempt: number; elapsedMs: number; remainingMs: number }) => void;
  transport?: Transport;
  /** Stops waiting early. */
  signal?: AbortSignal;
}

/** Thrown when nobody approved before the deadline. */
export class ApprovalTimeoutError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`no approval within ${Math.round(deadlineMs / 1000)} s`);
    this.name = "ApprovalTimeoutError";
  }
}

async function poll<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const start = Date.now();
  const interval = options.intervalMs ?? 2_000;
  for (let attempt = 1; ; attempt++) {
    const elapsedMs = Date.now() - start;
    options.signal?.throwIfAborted();
    options.onProgress?.({ attempt, elapsedMs, remainingMs: Math.max(0, options.deadlineMs - elapsedMs) });
    const result = await check();
    if (result !== undefined) return result;
    const left = options.deadlineMs - (Date.now() - start);
    if (left <= 0) throw new ApprovalTimeoutError(options.deadlineMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, left)));
  }
}

/**
 * Checks MiAuth `session` until the user approves it or the deadline passes ({@link ApprovalTimeoutError}).
 * @param hostOrBaseUrl - the server
 * @param session - the session id
 * @param options - deadline, interval, progress, transport and abort signal
 * @returns the token with its user
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function pollMiAuth(hostOrBaseUrl: string, session: string, options: PollOptions): Promise<MiAuthResult> {
  const transport = options.transport ?? createTransport();
  return poll(() => checkMiAuth(hostOrBaseUrl, session, transport), options);
}

// -----------------------------------------------------------------------------------------
// The legacy app flow

const SessionBody = z.looseObject({ token: z.string().min(1), url: z.string().min(1) });
const UserKeyBody = z.looseObject({ accessToken: z.string().min(1), user: Me.optional() });

/**
 * `auth/session/generate`: a session token and the page where the user approves it.
 * @param hostOrBaseUrl - the server
 * @param appSecret - the app's secret
 * @param transport - sends the request
 * @returns the session token and the approval page
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export async function generateSession(
  hostOrBaseUrl: string,
  appSecret: string,
  transport: Transport = createTransport(),
): Promise<{ token: string; url: string }> {
  const body = await call(hostOrBaseUrl, transport, {
    endpoint: "auth/session/generate",
    body: { appSecret },
    operation: "auth session (auth/session/generate)",
    judge: (res, c) => validate(SessionBody, processMisskeyResponse(res, c), res, c),
    secrets: [appSecret],
  });
  return { token: body.token, url: body.url };
}

/**
 * `auth/session/userkey`: the app access token once the user approved session `token`
 * (works once), undefined while it is pending. The API credential is then
 * `deriveI` (in `token.ts`)`(accessToken, appSecret)`.
 * @param hostOrBaseUrl - the server
 * @param appSecret - the app's secret
 * @param token - the session token
 * @param transport - sends the request
 * @returns the access token with its user, or undefined while pending
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export async function userKey(
  hostOrBaseUrl: string,
  appSecret: string,
  token: string,
  transport: Transport = createTransport(),
): Promise<{ accessToken: string; user?: { id: string; username: string } } | undefined> {
  const body = await call(hostOrBaseUrl, transport, {
    endpoint: "auth/session/userkey",
    body: { appSecret, token },
    operation: "user key (auth/session/userkey)",
    judge: (res, c) =>
      res.status === 400 && misskeyErrorOf(res)?.code === "PENDING_SESSION"
        ? undefined
        : validate(UserKeyBody, processMisskeyResponse(res, c), res, c),
    secrets: [appSecret],
  });
  if (!body) return undefined;
  return {
    accessToken: body.accessToken,
    ...(body.user ? { user: { id: body.user.id, username: body.user.username } } : {}),
  };
}

/**
 * Calls {@link userKey} until the user approves or the deadline passes ({@link ApprovalTimeoutError}).
 * @param hostOrBaseUrl - the server
 * @param appSecret - the app's secret
 * @param token - the session token
 * @param options - deadline, interval, progress, transport and abort signal
 * @returns the access token with its user
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function pollUserKey(
  hostOrBaseUrl: string,
  appSecret: string,
  token: string,
  options: PollOptions,
): Promise<{ accessToken: string; user?: { id: string; username: string } }> {
  const transport = options.transport ?? createTransport();
  return poll(() => userKey(hostOrBaseUrl, appSecret, token, transport), options);
}
