/**
 * Misskey (docs/PROTOCOLS.md, "Misskey"). Every API call is `POST https://{host}/api/{endpoint}` with a JSON
 * body; the credential travels as `Authorization: Bearer`. Access tokens never expire and a new
 * one needs a person to approve it in a browser, so:
 *
 * - the resource *adopts* a token obtained earlier (MiAuth, via `npx pulumi-access-tokens
 *   authorize misskey`, or the legacy app flow, whose credential is
 *   `i = sha256_hex(accessToken + appSecret)`) after checking it with `POST /api/i`;
 * - there is no renewal: rotating means authorizing again and setting the new token;
 * - liveness is `POST /api/i {}` (401 gone; 403 PERMISSION_DENIED alive without `read:account`);
 * - revocation (`POST /api/i/revoke-token`) needs the account's native token, so delete
 *   revokes only when `nativeToken` is given and otherwise says why not.
 *
 * The interactive authorization helpers of the CLI command (MiAuth, the legacy session flow)
 * are in `authorize.ts` beside this file; the app calls at the end (`app/create`, `app/show`)
 * serve the `misskey.App` client (`client.ts`) and the CLI.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { AccessTokenError, ErrorCode, type HintRule, type RemoteContext, remoteError } from "../../errors";
import {
  type HttpRequest,
  type HttpResponse,
  type Transport,
  createTransport,
  strictEndpointProblem,
} from "../../http/transport";
import { type InputIssue, type Issued, type Liveness, type SystemContext, tokenSystem } from "../../core/token-system";
import type { InputsOf } from "../../core/description";
import { exactlyOne } from "../../core/rules";
import { HOSTNAME, misskeyTokenDescription } from "./token.description";
import { type MisskeyError, misskeyErrorObjectOf } from "../../wire/dialects";
import { clip, keepSecrets, parseJson, send, validate } from "../../wire/kit";

/** Name used for this system in messages. */
export const SYSTEM = "Misskey";

/**
 * Permission kinds Misskey knows (misskey-dev/misskey `packages/misskey-js` `permissions`), as
 * of 2025. `read:admin:*` and `write:admin:*` kinds are recognised by prefix. Forks add more,
 * so unknown names are warned about, never refused.
 */
export const MISSKEY_PERMISSIONS: readonly string[] = [
  "read:account",
  "write:account",
  "read:blocks",
  "write:blocks",
  "read:drive",
  "write:drive",
  "read:favorites",
  "write:favorites",
  "read:following",
  "write:following",
  "read:messaging",
  "write:messaging",
  "read:mutes",
  "write:mutes",
  "write:notes",
  "read:notifications",
  "write:notifications",
  "read:reactions",
  "write:reactions",
  "write:votes",
  "read:pages",
  "write:pages",
  "write:page-likes",
  "read:page-likes",
  "read:user-groups",
  "write:user-groups",
  "read:channels",
  "write:channels",
  "read:gallery",
  "write:gallery",
  "read:gallery-likes",
  "write:gallery-likes",
  "read:flash",
  "write:flash",
  "read:flash-likes",
  "write:flash-likes",
  "read:chat",
  "write:chat",
  "write:invite-codes",
  "read:invite-codes",
  "write:clip-favorite",
  "read:clip-favorite",
  "read:federation",
  "write:report-abuse",
];

const KNOWN = new Set(MISSKEY_PERMISSIONS);
const ADMIN_KIND = /^(read|write):admin:[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * True for a permission kind Misskey knows (including any `read:admin:*` / `write:admin:*`).
 * @param name - a permission kind
 * @returns whether Misskey knows it
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function isKnownPermission(name: string): boolean {
  return KNOWN.has(name) || ADMIN_KIND.test(name);
}

/**
 * The names in `permissions` Misskey does not know (it would drop them without a word).
 * @param permissions - permission kinds
 * @returns the unknown ones
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function unknownPermissions(permissions: readonly string[]): string[] {
  return permissions.filter((p) => !isKnownPermission(p));
}

// -----------------------------------------------------------------------------------------
// Where the server is

/**
 * Why `url` cannot be a Misskey server origin, or undefined: https (http only on loopback), no path.
 * @param url - the `baseUrl` input (or a base URL given to the CLI)
 * @returns the problem, or undefined
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function baseUrlProblem(url: string): string | undefined {
  const problem = strictEndpointProblem(url);
  if (problem) return problem;
  const parsed = new URL(url);
  if (parsed.pathname !== "/" || parsed.search)
    return "must be the server's origin, e.g. https://misskey.example (no path)";
  return undefined;
}

/**
 * The server origin (`https://{host}`, no trailing slash) for a host name (`misskey.io`,
 * `misskey.example:8443`) or a base URL (`https://misskey.io`, `http://127.0.0.1:3000`).
 * @param hostOrBaseUrl - a host name or a base URL
 * @returns the origin
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function misskeyOrigin(hostOrBaseUrl: string): string {
  if (hostOrBaseUrl.includes("://")) {
    const problem = baseUrlProblem(hostOrBaseUrl);
    if (problem) throw new AccessTokenError(ErrorCode.INVALID_INPUT, `Misskey server ${hostOrBaseUrl} ${problem}`);
    return new URL(hostOrBaseUrl).origin;
  }
  if (!HOSTNAME.test(hostOrBaseUrl)) {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `Misskey host "${hostOrBaseUrl}" must be a host name such as misskey.io (no scheme or path)`,
    );
  }
  return new URL(`https://${hostOrBaseUrl}`).origin;
}

// -----------------------------------------------------------------------------------------
// Inputs

/** Validated Misskey inputs. */
export type MisskeyInputs = InputsOf<typeof misskeyTokenDescription>;

/** The rules of the server inputs (`host` xor `baseUrl`), shared by every Misskey resource. */
export function misskeyHostIssues(v: Record<string, unknown>): InputIssue[] {
  const issues = exactlyOne(v, "host", "baseUrl", "set exactly one of host or baseUrl");
  if (typeof v.baseUrl === "string") {
    const problem = baseUrlProblem(v.baseUrl);
    if (problem) issues.push({ path: ["baseUrl"], message: problem });
  }
  return issues;
}

/** Cross-field rules of the Misskey system. */
export function misskeyCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues = misskeyHostIssues(v);
  const app = v.appAccessToken !== undefined || v.appSecret !== undefined;
  if (v.token !== undefined && app) {
    issues.push({ path: ["token"], message: "set either token or appAccessToken + appSecret, not both" });
  } else if (v.token === undefined && !app) {
    issues.push({
      path: ["token"],
      message:
        "is required: get one with `npx pulumi-access-tokens authorize misskey --host <host>` (or set appAccessToken + appSecret of a legacy app)",
    });
  } else if (app) {
    if (v.appAccessToken === undefined)
      issues.push({
        path: ["appAccessToken"],
        message:
          "is required with appSecret: a person approves the app with `npx pulumi-access-tokens authorize misskey --host <host> --legacy` (with `--app <name>` for a misskey.App)",
      });
    if (v.appSecret === undefined) issues.push({ path: ["appSecret"], message: "is required with appAccessToken" });
  }
  if (v.gracePeriod !== undefined) {
    issues.push({
      path: ["gracePeriod"],
      message: "is not supported: a Misskey token cannot be re-issued without a person, so there is no previous token",
    });
  }
  if (v.rotateBeforeExpiry !== undefined) {
    issues.push({ path: ["rotateBeforeExpiry"], message: "is not supported: Misskey tokens never expire" });
  }
  return issues;
}

/** Warnings about valid but suspicious Misskey inputs. */
export function misskeyInputWarnings(inputs: MisskeyInputs & { rotateAfter?: unknown }): string[] {
  const warnings: string[] = [];
  const unknown = unknownPermissions(inputs.permissions ?? []);
  if (unknown.length > 0) {
    warnings.push(
      `unknown Misskey permission(s) ${unknown.join(", ")}: Misskey drops names it does not know without a word, so a token authorized with them lacks them (known kinds: read:account, write:notes, …, read:admin:*, write:admin:*)`,
    );
  }
  if (inputs.rotateAfter !== undefined) {
    warnings.push(
      "rotateAfter only re-validates the same token: a new Misskey token needs a person (run `npx pulumi-access-tokens authorize misskey` and update the stack config to rotate)",
    );
  }
  return warnings;
}

// -----------------------------------------------------------------------------------------
// API calls and errors

/** Misskey's error, when the body is `{"error": {message, code, id, kind, info?}}` (or Fastify's). */
export type { MisskeyError } from "../../wire/dialects";

/**
 * The Misskey error in a response body.
 * @param res - the answer
 * @returns the error, or undefined when there is none
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function misskeyErrorOf(res: HttpResponse): MisskeyError | undefined {
  return misskeyErrorObjectOf(res.body);
}

function describeInfo(error: MisskeyError, secrets: readonly string[] | undefined): string {
  const info = error.info as { param?: unknown; reason?: unknown } | undefined;
  if (typeof info?.param !== "string" || typeof info.reason !== "string") return "";
  return `; ${clip(info.param, 100, secrets)}: ${clip(info.reason, 300, secrets)}`;
}

/**
 * Builds `POST {origin}/api/{endpoint}` with a JSON body (and the credential as Bearer).
 * @param origin - the server origin
 * @param endpoint - the endpoint, e.g. `i` or `app/create`
 * @param body - the JSON body
 * @param credential - the credential, sent as Bearer
 * @returns the request
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function misskeyRequest(origin: string, endpoint: string, body: unknown = {}, credential?: string): HttpRequest {
  return {
    method: "POST",
    url: `${origin}/api/${endpoint}`,
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify(body),
  };
}

/**
 * The error for an unexpected Misskey answer: endpoint, status, Misskey's code and message.
 * @param res - the answer
 * @param ctx - the call
 * @param hint - what the failure means for the user, closing the message
 * @returns the error
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function misskeyFailure(res: HttpResponse, ctx: RemoteContext, hint?: string): AccessTokenError {
  const error = misskeyErrorOf(res);
  const retryAfter =
    res.status === 429 && res.headers["retry-after"] ? `; retry after ${clip(res.headers["retry-after"], 100)} s` : "";
  const what = error
    ? `HTTP ${res.status} ${clip(error.code, 100, ctx.secrets)}${error.message ? ` (${clip(error.message, 300, ctx.secrets)})` : ""}${describeInfo(error, ctx.secrets)}${retryAfter}`
    : `HTTP ${res.status}, no Misskey error body${retryAfter}`;
  const code = error || res.status !== 200 ? ErrorCode.HTTP_STATUS : ErrorCode.INVALID_RESPONSE;
  return remoteError(ctx, code, what, { status: res.status, oauthError: error?.code, cause: error, hints: [hint] });
}

/**
 * Judges a Misskey response: the JSON body for 200, undefined for 204, else a clear error.
 * @param res - the answer
 * @param ctx - the call
 * @returns the parsed body, or undefined for 204
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function processMisskeyResponse(res: HttpResponse, ctx: RemoteContext): unknown {
  if (res.status === 204) return undefined;
  if (res.status === 200) {
    const body = parseJson(res.body);
    if (body !== undefined) return body;
  }
  throw misskeyFailure(res, ctx);
}

// -----------------------------------------------------------------------------------------
// Credentials and liveness

/**
 * The API credential of a legacy app token: `sha256_hex(accessToken + appSecret)`.
 * @param accessToken - the app's access token
 * @param appSecret - the app's secret
 * @returns the credential
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function deriveI(accessToken: string, appSecret: string): string {
  return createHash("sha256")
    .update(accessToken + appSecret)
    .digest("hex");
}

function originOf(inputs: MisskeyInputs): string {
  return misskeyOrigin((inputs.baseUrl ?? inputs.host) as string);
}

function credentialOf(inputs: MisskeyInputs, ctx: SystemContext): string {
  if (inputs.token) return inputs.token;
  const i = deriveI(inputs.appAccessToken as string, inputs.appSecret as string);
  // The derived credential is itself a secret.
  keepSecrets(ctx, i);
  return i;
}

/** The account `POST /api/i` (and `auth/session/userkey`) answers with. */
export const Me = z.looseObject({ id: z.string(), username: z.string() });

/** What `POST /api/i` says about a credential. */
export type MisskeyLiveness = Liveness & {
  status: number;
  user?: { id: string; username: string };
  error?: MisskeyError;
};

/**
 * Judges `POST /api/i`: 200 alive (with the user), 403 `PERMISSION_DENIED` alive without
 * `read:account`, 401 (or `AUTHENTICATION_FAILED` at 403, servers up to 13.13) gone. Anything
 * else is an error.
 * @param res - the answer
 * @param ctx - the call
 * @returns alive or not, with the user when the server said
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function processLivenessResponse(res: HttpResponse, ctx: RemoteContext): MisskeyLiveness {
  if (res.status === 200) {
    const me = validate(Me, processMisskeyResponse(res, ctx), res, ctx);
    return { active: true, status: 200, user: { id: me.id, username: me.username } };
  }
  const error = misskeyErrorOf(res);
  if (res.status === 401 || error?.code === "AUTHENTICATION_FAILED")
    return { active: false, status: res.status, error };
  if (res.status === 403 && error?.code === "PERMISSION_DENIED") return { active: true, status: 403 };
  throw misskeyFailure(res, ctx);
}

/** What to do when the native token is refused at i/revoke-token. */
const NATIVE_TOKEN_REFUSED =
  "nativeToken was rejected (regenerated, or of another account?); set the current one, or remove nativeToken to delete without revoking";

async function callI(origin: string, credential: string, ctx: SystemContext): Promise<MisskeyLiveness> {
  const endpoint = `${origin}/api/i`;
  const call = { system: SYSTEM, operation: "token check (i)", endpoint };
  return send(ctx, call, misskeyRequest(origin, "i", {}, credential), processLivenessResponse);
}

/**
 * Credentials (hashed) adopted by this provider process, with the `verifiedAt` of the resource
 * that adopted them. A replacement adopts the same token before its predecessor is deleted,
 * in the same process: revoking it on that delete would kill the replacement's token.
 */
const adopted = new Map<string, string>();
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// -----------------------------------------------------------------------------------------
// The system

/** The Misskey system. */
export const misskeySystem = tokenSystem<MisskeyInputs>(misskeyTokenDescription, SYSTEM, {
  crossFieldIssues: misskeyCrossFieldIssues,
  inputWarnings: misskeyInputWarnings,

  async issue(inputs, ctx) {
    const origin = originOf(inputs);
    const credential = credentialOf(inputs, ctx);
    const answer = await callI(origin, credential, ctx);
    if (!answer.active) {
      const how = inputs.token
        ? `run \`npx pulumi-access-tokens authorize misskey --host ${new URL(origin).host}\` for a new one and set it in the stack config`
        : "check appAccessToken and appSecret (the credential is sha256_hex(accessToken + appSecret)), or authorize again";
      throw new AccessTokenError(
        ErrorCode.HTTP_STATUS,
        `${SYSTEM} token rejected by ${origin}/api/i: HTTP ${answer.status}${answer.error ? ` ${answer.error.code}` : ""}: the token is unknown or was revoked; ${how}`,
        { status: answer.status, oauthError: answer.error?.code, endpoint: `${origin}/api/i` },
      );
    }
    const verifiedAt = ctx.now().toISOString();
    adopted.set(sha256(credential), verifiedAt);
    const issued: Issued = {
      accessToken: credential,
      tokenType: "Bearer",
      extra: { verifiedAt, ...(answer.user ? { userId: answer.user.id, username: answer.user.username } : {}) },
    };
    return issued;
  },

  async check(inputs, state, ctx) {
    try {
      const { active } = await callI(originOf(inputs), state.accessToken, ctx);
      return { active };
    } catch (error) {
      if (error instanceof AccessTokenError && error.status === 429) {
        await ctx.diagnostics.warn(
          `${SYSTEM} token "${String(state.resourceName ?? "(unnamed)")}": ${error.message}; the token was not checked`,
        );
        return undefined;
      }
      throw error;
    }
  },

  async revoke(inputs, state, token, ctx) {
    const origin = originOf(inputs);
    const holder = adopted.get(sha256(token));
    if (holder !== undefined && holder !== state.verifiedAt) {
      return {
        revoked: false,
        note: "the same token was just adopted by this resource's replacement (Misskey cannot issue a new one without a person), so it was left valid",
      };
    }
    if (!inputs.nativeToken) {
      return {
        revoked: false,
        note: "Misskey only lets the account's native token revoke an access token (i/revoke-token), so it stays valid (Misskey tokens never expire). Revoke it in Misskey Web (Settings > Apps, /settings/apps), or set nativeToken to let delete revoke it",
      };
    }
    // i/revoke-token matches the raw token: for an app token that is the access token, not `i`.
    const raw = inputs.appAccessToken && token === state.accessToken ? inputs.appAccessToken : token;
    const endpoint = `${origin}/api/i/revoke-token`;
    const rctx = { system: SYSTEM, operation: "revocation (i/revoke-token)", endpoint };
    await send(ctx, rctx, misskeyRequest(origin, "i/revoke-token", { token: raw }, inputs.nativeToken), (res, call) => {
      if (res.status === 401 || misskeyErrorOf(res)?.code === "AUTHENTICATION_FAILED") {
        throw misskeyFailure(res, call, NATIVE_TOKEN_REFUSED);
      }
      return processMisskeyResponse(res, call);
    });
    // Misskey answers 204 even for tokens it did not revoke (another account's): check.
    if ((await callI(origin, token, ctx)).active) {
      return {
        revoked: false,
        note: "Misskey accepted i/revoke-token but the token still works: is nativeToken the native token of the account the token belongs to?",
      };
    }
    return { revoked: true };
  },
});

// -----------------------------------------------------------------------------------------
// The legacy app calls (for the misskey.App client and the interactive CLI)

/** A legacy-flow call: `POST {origin}/api/{endpoint}`, judged by `judge`. */
export interface LegacyCall<T> {
  endpoint: string;
  body: unknown;
  operation: string;
  judge: (res: HttpResponse, call: RemoteContext) => T;
  credential?: string;
  /** Secrets the body carries (an app secret), kept out of messages. */
  secrets?: string[];
  /** The caller's advice for a failure. */
  hints?: HintRule;
}

/**
 * Sends one legacy-flow call through the kit.
 * @param hostOrBaseUrl - the server
 * @param transport - sends the request
 * @param legacy - the endpoint, body, judge, credential, secrets and hints of the call
 * @returns what `legacy.judge` made of the answer
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function call<T>(hostOrBaseUrl: string, transport: Transport, legacy: LegacyCall<T>): Promise<T> {
  const req = misskeyRequest(misskeyOrigin(hostOrBaseUrl), legacy.endpoint, legacy.body, legacy.credential);
  const wire = { transport, secrets: legacy.secrets ?? [] };
  const ctx = { system: SYSTEM, operation: legacy.operation, endpoint: req.url, hints: legacy.hints };
  return send(wire, ctx, req, legacy.judge);
}

/** A legacy app as `app/create` and `app/show` describe it. */
export interface MisskeyApp {
  id: string;
  name: string;
  callbackUrl: string | null;
  /** The permission kinds as the server stored them (legacy names rewritten, duplicates removed). */
  permission: string[];
  /** Only from `app/create`, and from `app/show` to the creator calling with a native token. */
  secret?: string;
}

const AppBody = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  callbackUrl: z.string().nullable().optional(),
  permission: z.array(z.string()),
  secret: z.string().min(1).optional(),
});

function appOf(body: z.infer<typeof AppBody>): MisskeyApp {
  return {
    id: body.id,
    name: body.name,
    callbackUrl: body.callbackUrl ?? null,
    permission: body.permission,
    ...(body.secret !== undefined ? { secret: body.secret } : {}),
  };
}

/**
 * A permission name as `app/create` stores it: Misskey rewrites the legacy `account-read` and
 * `account/read` forms to `read:account`.
 * @param name - a permission name as given
 * @returns the name as stored
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function normalizeAppPermission(name: string): string {
  return name.replace(/^(.+)(\/|-)(read|write)$/, "$3:$1");
}

/**
 * Judges `app/create`: the app with its secret (shown only here).
 * @param res - the answer
 * @param ctx - the call
 * @returns the app with its secret
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export function processAppCreateResponse(res: HttpResponse, ctx: RemoteContext): MisskeyApp & { secret: string } {
  const app = appOf(validate(AppBody, processMisskeyResponse(res, ctx), res, ctx));
  if (app.secret === undefined) {
    throw remoteError(ctx, ErrorCode.INVALID_RESPONSE, `the server created app "${app.id}" but sent no secret`, {
      status: res.status,
    });
  }
  return app as MisskeyApp & { secret: string };
}

/**
 * Judges `app/show`: the app, or `"gone"` when Misskey answers `NO_SUCH_APP`.
 * @param res - the answer
 * @param ctx - the call
 * @returns the app, or `"gone"`
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export function processAppShowResponse(res: HttpResponse, ctx: RemoteContext): MisskeyApp | "gone" {
  if (res.status === 400 && misskeyErrorOf(res)?.code === "NO_SUCH_APP") return "gone";
  return appOf(validate(AppBody, processMisskeyResponse(res, ctx), res, ctx));
}

/**
 * `app/create`: registers a legacy app. Its `secret` is shown only here. With `credential`
 * (a native or access token) the app records that account as its creator. There is no
 * app/delete and no update.
 * @param hostOrBaseUrl - the server
 * @param app - name, description, permissions and callback URL
 * @param transport - sends the request
 * @param credential - the creator's native or access token
 * @param hints - the caller's advice for a failure
 * @returns the app with its secret
 * @see https://misskey-hub.net/en/docs/for-developers/api/token/
 */
export async function createApp(
  hostOrBaseUrl: string,
  app: { name: string; description: string; permissions: readonly string[]; callbackUrl?: string },
  transport: Transport = createTransport(),
  credential?: string,
  hints?: HintRule,
): Promise<MisskeyApp & { secret: string }> {
  return call(hostOrBaseUrl, transport, {
    endpoint: "app/create",
    body: {
      name: app.name,
      description: app.description,
      permission: [...app.permissions],
      ...(app.callbackUrl ? { callbackUrl: app.callbackUrl } : {}),
    },
    operation: "app creation (app/create)",
    judge: processAppCreateResponse,
    credential,
    hints,
  });
}

/**
 * `app/show`: the app `appId`, or `"gone"` when the server does not know it (`NO_SUCH_APP`).
 * The secret comes back only to the creator calling with its native token.
 * @param hostOrBaseUrl - the server
 * @param appId - the app's id
 * @param transport - sends the request
 * @param credential - the creator's native token
 * @param hints - the caller's advice for a failure
 * @returns the app, or `"gone"`
 * @see https://misskey-hub.net/en/docs/for-developers/api/
 */
export async function showApp(
  hostOrBaseUrl: string,
  appId: string,
  transport: Transport = createTransport(),
  credential?: string,
  hints?: HintRule,
): Promise<MisskeyApp | "gone"> {
  const operation = "app read (app/show)";
  return call(hostOrBaseUrl, transport, {
    endpoint: "app/show",
    body: { appId },
    operation,
    judge: processAppShowResponse,
    credential,
    hints,
  });
}
