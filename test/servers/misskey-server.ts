/**
 * A faithful local stand-in for a Misskey server's token-related API, built from
 * docs/PROTOCOLS.md ("Misskey"), with details checked against misskey-dev/misskey
 * (ApiCallService, AuthenticateService and the auth/app endpoints): error ids, status codes,
 * `WWW-Authenticate` headers and the order in which checks run.
 *
 * What it models, and why it matters to the provider:
 * - Every call is `POST /api/{endpoint}` with a JSON body; the credential is `i` in the body or
 *   `Authorization: Bearer` (the header wins). Fastify's body rules apply: an empty body sent
 *   with `content-type: application/json` is a 400.
 * - MiAuth: the user opens `/miauth/{session}` (recorded as pending), a test approves it with
 *   {@link MisskeyServer.approveMiAuth} (unknown permissions silently dropped), and
 *   `POST /api/miauth/{session}/check` returns the token exactly once.
 * - The legacy app flow: `app/create`, `auth/session/generate`, approval, `auth/session/userkey`;
 *   the API credential is `sha256_hex(accessToken + appSecret)`. There is no `app/delete`:
 *   {@link MisskeyServer.deleteApp} plays the administrator deleting an app in the database.
 * - `i` (needs `read:account`) and `i/revoke-token` (only a 16-character native token may call
 *   it; MiAuth/app tokens get 400 `ACCESS_DENIED`). Tokens never expire.
 *
 * Run directly to serve until killed (creates user `demo` and approves its MiAuth and app
 * sessions as soon as they are opened, so a demo needs no browser):
 *   node -r ts-node/register/transpile-only test/servers/misskey-server.ts --port 9582
 */
import { createHash, randomInt, randomUUID } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Options of {@link startMisskeyServer}. */
export interface MisskeyServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Per-endpoint, per-caller fixed-window limit; exceeding it answers 429 with `Retry-After`. Default none. */
  rateLimit?: MisskeyRateLimit;
  /** Status of `AUTHENTICATION_FAILED`: 401 (current) or 403 (servers up to 13.13). Default 401. */
  authenticationFailedStatus?: 401 | 403;
  /**
   * Real Misskey also matches the raw app `accessToken` against its token column, so the
   * un-hashed value authenticates too. Off by default so tests prove the client derives
   * `sha256_hex(accessToken + appSecret)`; turn on to reproduce the real leniency.
   */
  acceptRawAppAccessToken?: boolean;
}

/** A rate limit: at most `limit` calls per `windowSeconds`, per endpoint and caller. */
export interface MisskeyRateLimit {
  limit: number;
  windowSeconds: number;
}

/** A token as the test sees it. */
export interface MisskeyTokenInfo {
  /** Token id (what `i/revoke-token {tokenId}` takes). */
  id: string;
  kind: "miauth" | "app";
  userId: string;
  /** The raw token: the MiAuth token, or the app `accessToken` (what `i/revoke-token {token}` matches). */
  token: string;
  /** What to send as `i`: equals `token` for MiAuth, `sha256_hex(accessToken + appSecret)` for apps. */
  credential: string;
  permission: string[];
  appId?: string;
  session?: string;
  name?: string;
  /** MiAuth only: whether `miauth/{session}/check` has handed it out. */
  fetched: boolean;
  createdAt: string;
  lastUsedAt: string;
}

/** A MiAuth session opened in the browser and not yet approved. */
export interface MisskeyPendingMiAuth {
  session: string;
  name?: string;
  icon?: string;
  callback?: string;
  /** Requested permissions as sent (unknown names included). */
  permission: string[];
}

/** A running server. */
export interface MisskeyServer {
  /** Origin, no trailing slash (the `https://{host}` of the docs). */
  url: string;
  /** Every secret handed out: native tokens, MiAuth tokens, app access tokens, derived app credentials, app secrets. */
  issuedTokens: Set<string>;
  /** Requests seen, by path without query. */
  requests: { method: string; path: string }[];
  /** Current rate limit (mutable; `undefined` = none). */
  rateLimit: MisskeyRateLimit | undefined;
  /** Approve every MiAuth/app session as this user as soon as it is opened (demo use). */
  autoApproveAs: string | undefined;
  /** Creates a local user; `nativeToken` is its 16-character session token (`secure` endpoints need it). */
  createUser(name: string): { id: string; username: string; nativeToken: string };
  /**
   * The user approves MiAuth `session`: a token is created with the requested permissions minus
   * unknown names. The session must have been opened (GET `/miauth/{session}`) unless
   * `permission` is given. Returns where the browser would be redirected, if a callback was set.
   */
  approveMiAuth(
    session: string,
    userId: string,
    overrides?: { permission?: string[]; name?: string },
  ): { token: string; tokenId: string; permission: string[]; callbackUrl?: string };
  /** The user approves legacy auth session `token` (what `auth/accept` does). One token per app and user. */
  approveAppSession(token: string, userId: string): { accessToken: string; credential: string; tokenId: string };
  /** MiAuth sessions opened but not approved, oldest first. */
  pendingMiAuthSessions(): MisskeyPendingMiAuth[];
  /** Live (unrevoked) tokens of a user, oldest first. */
  tokensOf(userId: string): MisskeyTokenInfo[];
  /**
   * Revokes a token given by id, raw token or `i` credential; a native token is regenerated
   * (the old one stops working). False if nothing matched.
   */
  revoke(token: string): boolean;
  /** Apps created so far (secrets included); `userId` is the creator, when `app/create` had a credential. */
  apps(): {
    id: string;
    name: string;
    description: string;
    secret: string;
    permission: string[];
    callbackUrl: string | null;
    userId: string | null;
  }[];
  /**
   * An administrator deletes app `appId` in the database (Misskey has no API for it): its
   * access tokens and auth sessions go with it (the foreign keys cascade). False if unknown.
   */
  deleteApp(appId: string): boolean;
  close(): Promise<void>;
}

// The server's own copy of the permission kinds (the provider owns its list; they must not share).
const PERMISSIONS = new Set([
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
  "read:admin:abuse-user-reports",
  "write:admin:delete-account",
  "write:admin:delete-all-files-of-a-user",
  "read:admin:index-stats",
  "read:admin:table-stats",
  "read:admin:user-ips",
  "read:admin:meta",
  "write:admin:reset-password",
  "write:admin:resolve-abuse-user-report",
  "write:admin:send-email",
  "read:admin:server-info",
  "read:admin:show-moderation-log",
  "read:admin:show-user",
  "write:admin:suspend-user",
  "write:admin:unset-user-avatar",
  "write:admin:unset-user-banner",
  "write:admin:unsuspend-user",
  "write:admin:meta",
  "write:admin:user-note",
  "write:admin:roles",
  "read:admin:roles",
  "write:admin:relays",
  "read:admin:relays",
  "write:admin:invite-codes",
  "read:admin:invite-codes",
  "write:admin:announcements",
  "read:admin:announcements",
  "write:admin:avatar-decorations",
  "read:admin:avatar-decorations",
  "write:admin:federation",
  "write:admin:account",
  "read:admin:account",
  "write:admin:emoji",
  "read:admin:emoji",
  "write:admin:queue",
  "read:admin:queue",
  "write:admin:promo",
  "write:admin:drive",
  "read:admin:drive",
  "write:admin:ad",
  "read:admin:ad",
]);

const MAX_BODY = 1024 * 1024;
const LU_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Misskey's `secureRndstr`. */
const secureRndstr = (length: number) => Array.from({ length }, () => LU_CHARS[randomInt(LU_CHARS.length)]).join("");

/** Misskey's default `aid` ids: 8 base-36 chars of time since 2000, 2 random. */
const aid = () =>
  (Date.now() - 946684800000).toString(36).padStart(8, "0").slice(-8) +
  randomInt(36 * 36)
    .toString(36)
    .padStart(2, "0");

const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

type Json = Record<string, unknown>;

interface ApiErrorSpec {
  message: string;
  code: string;
  id: string;
  kind?: "client" | "permission" | "server";
  httpStatusCode?: number;
}

class ApiError extends Error {
  constructor(
    readonly spec: ApiErrorSpec,
    readonly info?: unknown,
  ) {
    super(spec.message);
  }
}

/** A raw HTTP answer that bypasses the Misskey error shape (Fastify-level failures). */
class RawReply extends Error {
  constructor(
    readonly status: number,
    readonly body?: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const E = {
  authenticationFailed: {
    message: "Authentication failed. Please ensure your token is correct.",
    code: "AUTHENTICATION_FAILED",
    id: "b0a7f5f8-dc2f-4171-b91f-de88ad238e14",
  },
  credentialRequired: {
    message: "Credential required.",
    code: "CREDENTIAL_REQUIRED",
    id: "1384574d-a912-4b81-8601-c7b1c4085df1",
    httpStatusCode: 401,
  },
  // No kind and no status: the default client kind makes it a 400.
  accessDenied: { message: "Access denied.", code: "ACCESS_DENIED", id: "56f35758-7dd5-468b-8439-5d6fb8ec9b8e" },
  permissionDenied: {
    message: "Your app does not have the necessary permissions to use this endpoint.",
    code: "PERMISSION_DENIED",
    kind: "permission",
    id: "1370e5b7-d4eb-4566-bb1d-7748ee6a1838",
  },
  rateLimitExceeded: {
    message: "Rate limit exceeded. Please try again later.",
    code: "RATE_LIMIT_EXCEEDED",
    id: "d5826d14-3982-4d2e-8011-b9e9f02499ef",
    httpStatusCode: 429,
  },
  invalidParam: { message: "Invalid param.", code: "INVALID_PARAM", id: "3d81ceae-475f-4600-b2a8-2bc116157532" },
  internalError: {
    message: "Internal error occurred. Please contact us if the error persists.",
    code: "INTERNAL_ERROR",
    id: "5d37dbcb-891e-41ca-a3d6-e690c97775ac",
    kind: "server",
  },
  unknownEndpoint: {
    message: "Unknown API endpoint.",
    code: "UNKNOWN_API_ENDPOINT",
    id: "2ca3b769-540a-4f08-9dd5-b5a825b6d0f1",
  },
  // Endpoint-specific ids differ per endpoint, as in Misskey.
  noSuchAppShow: { message: "No such app.", code: "NO_SUCH_APP", id: "dce83913-2dc6-4093-8a7b-71dbb11718a3" },
  noSuchAppGenerate: { message: "No such app.", code: "NO_SUCH_APP", id: "92f93e63-428e-4f2f-a5a4-39e1407fe998" },
  noSuchAppUserkey: { message: "No such app.", code: "NO_SUCH_APP", id: "fcab192a-2c5a-43b7-8ad8-9b7054d8d40d" },
  noSuchSession: { message: "No such session.", code: "NO_SUCH_SESSION", id: "5b5a1503-8bc8-4bd0-8054-dc189e8cdcb3" },
  pendingSession: {
    message: "This session is not completed yet.",
    code: "PENDING_SESSION",
    id: "8c8a4145-02cc-4cca-8e66-29ba60445a8e",
  },
} satisfies Record<string, ApiErrorSpec>;

interface User {
  id: string;
  username: string;
  name: string;
  nativeToken: string;
  createdAt: string;
}

interface AccessToken {
  id: string;
  kind: "miauth" | "app";
  userId: string;
  /** Raw token (Misskey's `token` column). */
  token: string;
  /** Misskey's `hash` column: the token itself for MiAuth, sha256(token + secret) for apps. */
  hash: string;
  appId?: string;
  session?: string;
  name?: string;
  iconUrl?: string;
  /** MiAuth only; apps use their app's permission at call time. */
  permission: string[];
  fetched: boolean;
  createdAt: string;
  lastUsedAt: string;
}

interface App {
  id: string;
  /** Creator, when `app/create` was called with a credential. */
  userId: string | null;
  name: string;
  description: string;
  permission: string[];
  callbackUrl: string | null;
  secret: string;
}

interface AuthSession {
  id: string;
  token: string;
  appId: string;
  userId: string | null;
}

interface MiAuthRequest extends MisskeyPendingMiAuth {
  openedAt: number;
  approved: boolean;
}

interface CallContext {
  body: Json;
  user: User | null;
  token: AccessToken | null;
}

interface Endpoint {
  requireCredential?: boolean;
  /** Only a native token may call it. */
  secure?: boolean;
  /** Permission a MiAuth/app token needs. */
  kind?: string;
  params?: ParamSchema;
  exec(ctx: CallContext): unknown;
}

interface ParamSchema {
  required?: string[];
  /** At least one of these groups must be fully present (JSON Schema `anyOf` of `required`). */
  anyOf?: string[][];
  properties: Record<string, "string" | "string?" | "string[]">;
}

/** JSON-Schema-like validation with ajv's first-error `{param, reason}` shape. */
function validate(schema: ParamSchema, body: unknown): { param: string; reason: string } | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return { param: "#/type", reason: "must be object" };
  const b = body as Json;
  for (const name of schema.required ?? []) {
    if (!(name in b)) return { param: "#/required", reason: `must have required property '${name}'` };
  }
  if (schema.anyOf && !schema.anyOf.some((group) => group.every((name) => name in b))) {
    const missing = schema.anyOf[0].find((name) => !(name in b)) as string;
    return { param: "#/anyOf/0/required", reason: `must have required property '${missing}'` };
  }
  for (const [name, type] of Object.entries(schema.properties)) {
    if (!(name in b)) continue;
    const value = b[name];
    if (type === "string?" && value === null) continue;
    if (type === "string" || type === "string?") {
      if (typeof value !== "string") return { param: `#/properties/${name}/type`, reason: "must be string" };
    } else {
      if (!Array.isArray(value)) return { param: `#/properties/${name}/type`, reason: "must be array" };
      const i = value.findIndex((v) => typeof v !== "string");
      if (i >= 0) return { param: `#/properties/${name}/items/type`, reason: "must be string" };
      for (let j = 1; j < value.length; j++) {
        const k = value.indexOf(value[j]);
        if (k < j) {
          return {
            param: `#/properties/${name}/uniqueItems`,
            reason: `must NOT have duplicate items (items ## ${k} and ${j} are identical)`,
          };
        }
      }
    }
  }
  return undefined;
}

/** Starts the server on 127.0.0.1. */
export async function startMisskeyServer(options: MisskeyServerOptions = {}): Promise<MisskeyServer> {
  const authFailedStatus = options.authenticationFailedStatus ?? 401;
  const users = new Map<string, User>();
  const tokens = new Map<string, AccessToken>();
  const apps = new Map<string, App>();
  const authSessions = new Map<string, AuthSession>();
  const miauth = new Map<string, MiAuthRequest>();
  const issued = new Set<string>();
  const requests: MisskeyServer["requests"] = [];
  const windows = new Map<string, { start: number; count: number }>();
  let origin = "";

  const nowIso = () => new Date().toISOString();

  const packUser = (user: User, detailed: boolean) => {
    const lite = {
      id: user.id,
      name: user.name,
      username: user.username,
      host: null,
      avatarUrl: `${origin}/identicon/${user.id}`,
      avatarBlurhash: null,
      avatarDecorations: [],
      isBot: false,
      isCat: false,
      emojis: {},
      onlineStatus: "online",
      badgeRoles: [],
    };
    if (!detailed) return lite;
    return {
      ...lite,
      url: null,
      uri: null,
      createdAt: user.createdAt,
      updatedAt: null,
      description: null,
      location: null,
      birthday: null,
      fields: [],
      followersCount: 0,
      followingCount: 0,
      notesCount: 0,
      isLocked: false,
      isSuspended: false,
    };
  };

  const packApp = (app: App, me: User | null, includeSecret: boolean) => ({
    id: app.id,
    name: app.name,
    callbackUrl: app.callbackUrl,
    permission: app.permission,
    ...(includeSecret ? { secret: app.secret } : {}),
    ...(me ? { isAuthorized: [...tokens.values()].some((t) => t.appId === app.id && t.userId === me.id) } : {}),
  });

  const findApp = (secret: unknown) => [...apps.values()].find((a) => a.secret === secret);

  /** Misskey's `auth/accept`: one token per (app, user), reused on re-approval. */
  const acceptAuthSession = (session: AuthSession, userId: string) => {
    const app = apps.get(session.appId) as App;
    let token = [...tokens.values()].find((t) => t.appId === app.id && t.userId === userId);
    if (!token) {
      const accessToken = secureRndstr(32);
      const hash = sha256Hex(accessToken + app.secret);
      token = {
        id: aid(),
        kind: "app",
        userId,
        token: accessToken,
        hash,
        appId: app.id,
        permission: [],
        fetched: false,
        createdAt: nowIso(),
        lastUsedAt: nowIso(),
      };
      tokens.set(token.id, token);
      issued.add(accessToken);
      issued.add(hash);
    }
    session.userId = userId;
    return token;
  };

  const approveMiAuthRequest = (
    session: string,
    userId: string,
    overrides: { permission?: string[]; name?: string } = {},
  ) => {
    const user = users.get(userId);
    if (!user) throw new Error(`unknown user ${userId}`);
    let request = miauth.get(session);
    if (!request) {
      if (!overrides.permission) throw new Error(`MiAuth session ${session} was never opened; pass permission`);
      request = { session, permission: overrides.permission, openedAt: Date.now(), approved: false };
      miauth.set(session, request);
    }
    if (request.approved) throw new Error(`MiAuth session ${session} is already approved`);
    // The MiAuth page keeps only permission kinds it knows; unknown ones vanish without a word.
    const permission = [...new Set(overrides.permission ?? request.permission)].filter((p) => PERMISSIONS.has(p));
    const raw = secureRndstr(32);
    const token: AccessToken = {
      id: aid(),
      kind: "miauth",
      userId,
      token: raw,
      hash: raw,
      session,
      name: overrides.name ?? request.name,
      iconUrl: request.icon,
      permission,
      fetched: false,
      createdAt: nowIso(),
      lastUsedAt: nowIso(),
    };
    tokens.set(token.id, token);
    issued.add(raw);
    request.approved = true;
    let callbackUrl: string | undefined;
    if (request.callback) {
      const url = new URL(request.callback);
      url.searchParams.set("session", session);
      callbackUrl = url.toString();
    }
    return { token: raw, tokenId: token.id, permission, callbackUrl };
  };

  /** AuthenticateService: native tokens are exactly 16 characters; everything else is an access token. */
  const authenticate = (credential: string | undefined): [User | null, AccessToken | null] => {
    if (credential === undefined) return [null, null];
    if (credential.length === 16) {
      const user = [...users.values()].find((u) => u.nativeToken === credential);
      if (!user) throw new ApiError(E.authenticationFailed);
      return [user, null];
    }
    const lower = credential.toLowerCase();
    const token = [...tokens.values()].find((t) =>
      t.kind === "app"
        ? t.hash === lower || (options.acceptRawAppAccessToken === true && t.token === credential)
        : t.token === credential,
    );
    if (!token) throw new ApiError(E.authenticationFailed);
    token.lastUsedAt = nowIso();
    const user = users.get(token.userId) as User;
    if (token.kind === "app") {
      // App tokens carry the app's current permissions.
      return [user, { ...token, permission: (apps.get(token.appId as string) as App).permission }];
    }
    return [user, token];
  };

  const endpoints: Record<string, Endpoint> = {
    i: {
      requireCredential: true,
      kind: "read:account",
      exec: ({ user }) => packUser(user as User, true),
    },
    "i/revoke-token": {
      requireCredential: true,
      secure: true,
      params: { anyOf: [["tokenId"], ["token"]], properties: { tokenId: "string", token: "string" } },
      exec: ({ body, user }) => {
        const me = user as User;
        // Unknown tokens and other users' tokens are silently left alone: still 204.
        for (const t of [...tokens.values()]) {
          const match = typeof body.tokenId === "string" ? t.id === body.tokenId : t.token === body.token;
          if (match && t.userId === me.id) tokens.delete(t.id);
        }
        return undefined;
      },
    },
    "app/create": {
      params: {
        required: ["name", "description", "permission"],
        properties: { name: "string", description: "string", permission: "string[]", callbackUrl: "string?" },
      },
      exec: ({ body, user }) => {
        const secret = secureRndstr(32);
        // Backward compatibility: `account-read` / `account/read` become `read:account`.
        const permission = [
          ...new Set((body.permission as string[]).map((v) => v.replace(/^(.+)(\/|-)(read|write)$/, "$3:$1"))),
        ];
        const app: App = {
          id: aid(),
          userId: user?.id ?? null,
          name: body.name as string,
          description: body.description as string,
          permission,
          callbackUrl: (body.callbackUrl as string | null | undefined) ?? null,
          secret,
        };
        apps.set(app.id, app);
        issued.add(secret);
        return packApp(app, user, true);
      },
    },
    "app/show": {
      params: { required: ["appId"], properties: { appId: "string" } },
      exec: ({ body, user, token }) => {
        const app = apps.get(body.appId as string);
        if (!app) throw new ApiError(E.noSuchAppShow);
        // Only the creator, calling with a native token, sees the secret again.
        const isSecure = user !== null && token === null;
        return packApp(app, user, isSecure && app.userId === user.id);
      },
    },
    "auth/session/generate": {
      params: { required: ["appSecret"], properties: { appSecret: "string" } },
      exec: ({ body }) => {
        const app = findApp(body.appSecret);
        if (!app) throw new ApiError(E.noSuchAppGenerate);
        const session: AuthSession = { id: aid(), token: randomUUID(), appId: app.id, userId: null };
        authSessions.set(session.token, session);
        return { token: session.token, url: `${origin}/auth/${session.token}` };
      },
    },
    "auth/session/userkey": {
      params: { required: ["appSecret", "token"], properties: { appSecret: "string", token: "string" } },
      exec: ({ body }) => {
        const app = findApp(body.appSecret);
        if (!app) throw new ApiError(E.noSuchAppUserkey);
        const session = authSessions.get(body.token as string);
        if (!session || session.appId !== app.id) throw new ApiError(E.noSuchSession);
        if (session.userId === null) throw new ApiError(E.pendingSession);
        const token = [...tokens.values()].find((t) => t.appId === app.id && t.userId === session.userId);
        // Misskey's findOneOrFail: a token revoked before the exchange is an internal error.
        if (!token) throw new Error("access token not found");
        authSessions.delete(session.token);
        return { accessToken: token.token, user: packUser(users.get(session.userId) as User, true) };
      },
    },
  };

  const rateLimited = (endpoint: string, actor: string) => {
    const limit = handle.rateLimit;
    if (!limit) return;
    const key = `${endpoint}\n${actor}`;
    const now = Date.now();
    const windowMs = limit.windowSeconds * 1000;
    let w = windows.get(key);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count += 1;
    if (w.count > limit.limit) {
      const resetMs = w.start + windowMs;
      throw new ApiError(E.rateLimitExceeded, {
        remaining: 0,
        total: limit.limit,
        reset: Math.ceil(resetMs / 1000),
        resetMs,
      });
    }
  };

  /** ApiCallService.call: the checks run in this order. */
  const call = (name: string, ep: Endpoint, ctx: CallContext, ip: string) => {
    const isSecure = ctx.user !== null && ctx.token === null;
    if (ep.secure && !isSecure) throw new ApiError(E.accessDenied);
    rateLimited(name, ctx.user?.id ?? ip);
    if (ep.requireCredential && ctx.user === null) throw new ApiError(E.credentialRequired);
    if (ctx.token && ((ep.kind && !ctx.token.permission.includes(ep.kind)) || (!ep.kind && ep.requireCredential))) {
      throw new ApiError(E.permissionDenied);
    }
    if (ep.params) {
      const invalid = validate(ep.params, ctx.body);
      if (invalid) throw new ApiError(E.invalidParam, invalid);
    }
    return ep.exec(ctx);
  };

  /** Body as Fastify parses it: JSON only; empty JSON bodies are refused. */
  const parseBody = (req: IncomingMessage, raw: string): unknown => {
    const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (raw === "") {
      if (type === "application/json") {
        throw new RawReply(400, {
          statusCode: 400,
          code: "FST_ERR_CTP_EMPTY_JSON_BODY",
          error: "Bad Request",
          message: "Body cannot be empty when content-type is set to 'application/json'",
        });
      }
      return undefined;
    }
    if (type !== "application/json") {
      throw new RawReply(415, {
        statusCode: 415,
        code: "FST_ERR_CTP_INVALID_MEDIA_TYPE",
        error: "Unsupported Media Type",
        message: `Unsupported Media Type: ${type || "undefined"}`,
      });
    }
    try {
      return JSON.parse(raw);
    } catch {
      throw new RawReply(400, {
        statusCode: 400,
        code: "FST_ERR_CTP_INVALID_JSON_BODY",
        error: "Bad Request",
        message: "Body is not valid JSON but content-type is set to 'application/json'",
      });
    }
  };

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };

  /** ApiCallService's #sendApiError / #sendAuthenticationError. */
  const sendApiError = (res: ServerResponse, err: ApiError) => {
    const spec = err.spec;
    const kind = spec.kind ?? "client";
    const headers: Record<string, string> = {};
    let status = spec.httpStatusCode;
    if (spec.code === "AUTHENTICATION_FAILED") {
      status = authFailedStatus;
      headers["www-authenticate"] =
        `Bearer realm="Misskey", error="invalid_token", error_description="${spec.message}"`;
    } else if (status === 401) {
      headers["www-authenticate"] = 'Bearer realm="Misskey"';
    } else if (spec.code === "RATE_LIMIT_EXCEEDED") {
      const info = err.info as { resetMs: number };
      headers["retry-after"] = String(Math.max(0, Math.ceil((info.resetMs - Date.now()) / 1000)));
    } else if (kind === "client") {
      headers["www-authenticate"] =
        `Bearer realm="Misskey", error="invalid_request", error_description="${spec.message}"`;
      status ??= 400;
    } else if (kind === "permission") {
      if (spec.code === "PERMISSION_DENIED") {
        headers["www-authenticate"] =
          `Bearer realm="Misskey", error="insufficient_scope", error_description="${spec.message}"`;
      }
      status ??= 403;
    }
    send(
      res,
      status ?? 500,
      { error: { message: spec.message, code: spec.code, id: spec.id, kind, ...(err.info ? { info: err.info } : {}) } },
      headers,
    );
  };

  const html = (res: ServerResponse, title: string) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>${title.replace(/[<&]/g, "")}</title><p>${title.replace(/[<&]/g, "")}</p>`);
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    requests.push({ method: req.method ?? "", path });
    const raw = await readBody(req);

    // Browser pages: where the user would log in and approve.
    const miauthPage = /^\/miauth\/([^/]+)$/.exec(path);
    if (miauthPage && req.method === "GET") {
      const session = decodeURIComponent(miauthPage[1]);
      const existing = miauth.get(session);
      if (!existing?.approved) {
        const q = url.searchParams;
        miauth.set(session, {
          session,
          name: q.get("name") ?? undefined,
          icon: q.get("icon") ?? undefined,
          callback: q.get("callback") ?? undefined,
          permission: (q.get("permission") ?? "").split(",").filter(Boolean),
          openedAt: existing?.openedAt ?? Date.now(),
          approved: false,
        });
        if (handle.autoApproveAs) approveMiAuthRequest(session, handle.autoApproveAs);
      }
      return html(res, "Misskey: authorize application");
    }
    const authPage = /^\/auth\/([^/]+)$/.exec(path);
    if (authPage && req.method === "GET") {
      const session = authSessions.get(decodeURIComponent(authPage[1]));
      if (session && session.userId === null && handle.autoApproveAs) acceptAuthSession(session, handle.autoApproveAs);
      return html(res, "Misskey: authorize application");
    }
    if (!path.startsWith("/api/")) return send(res, 404, undefined);

    let body: unknown;
    try {
      body = parseBody(req, raw);
    } catch (error) {
      if (error instanceof RawReply) return send(res, error.status, error.body);
      throw error;
    }

    // MiAuth check: a plain route, no credential, no rate limit; hands the token out once.
    const check = /^\/api\/miauth\/([^/]+)\/check$/.exec(path);
    if (check && req.method === "POST") {
      const session = decodeURIComponent(check[1]);
      const token = [...tokens.values()].find((t) => t.kind === "miauth" && t.session === session);
      if (token && !token.fetched) {
        token.fetched = true;
        return send(res, 200, { ok: true, token: token.token, user: packUser(users.get(token.userId) as User, true) });
      }
      return send(res, 200, { ok: false });
    }

    const name = path.slice("/api/".length);
    const ep = endpoints[name];
    // Misskey's catch-all under /api: a plain 404 (no WWW-Authenticate), never the web client.
    if (!ep) return send(res, 404, { error: { ...E.unknownEndpoint, kind: "client" } });
    if (req.method === "GET") return send(res, 405, undefined);

    const b = body && typeof body === "object" && !Array.isArray(body) ? (body as Json) : {};
    // RFC 6750 §2.1, case-sensitive as in Misskey: the header wins over `i`.
    const auth = req.headers.authorization;
    const credential: unknown = auth?.startsWith("Bearer ") ? auth.slice(7) : b.i;
    if (credential !== undefined && credential !== null && typeof credential !== "string") return send(res, 400);
    let user: User | null;
    let token: AccessToken | null;
    try {
      [user, token] = authenticate(typeof credential === "string" ? credential : undefined);
    } catch (error) {
      return sendApiError(res, error as ApiError);
    }
    try {
      const result = call(name, ep, { body: (body ?? {}) as Json, user, token }, req.socket.remoteAddress ?? "");
      return result === undefined ? send(res, 204, undefined) : send(res, 200, result);
    } catch (error) {
      if (error instanceof ApiError) return sendApiError(res, error);
      return sendApiError(res, new ApiError(E.internalError, { e: { message: String(error), code: "Error" } }));
    }
  };

  const server: Server = createServer((req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) sendApiError(res, new ApiError(E.internalError));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const tokenInfo = (t: AccessToken): MisskeyTokenInfo => ({
    id: t.id,
    kind: t.kind,
    userId: t.userId,
    token: t.token,
    credential: t.kind === "app" ? t.hash : t.token,
    permission: t.kind === "app" ? [...(apps.get(t.appId as string) as App).permission] : [...t.permission],
    ...(t.appId ? { appId: t.appId } : {}),
    ...(t.session ? { session: t.session } : {}),
    ...(t.name ? { name: t.name } : {}),
    fetched: t.fetched,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
  });

  const handle: MisskeyServer = {
    url: origin,
    issuedTokens: issued,
    requests,
    rateLimit: options.rateLimit,
    autoApproveAs: undefined,
    createUser: (name) => {
      if ([...users.values()].some((u) => u.username.toLowerCase() === name.toLowerCase())) {
        throw new Error(`username ${name} is taken`);
      }
      const user: User = { id: aid(), username: name, name, nativeToken: secureRndstr(16), createdAt: nowIso() };
      users.set(user.id, user);
      issued.add(user.nativeToken);
      return { id: user.id, username: user.username, nativeToken: user.nativeToken };
    },
    approveMiAuth: approveMiAuthRequest,
    approveAppSession: (sessionToken, userId) => {
      if (!users.has(userId)) throw new Error(`unknown user ${userId}`);
      const session = authSessions.get(sessionToken);
      if (!session) throw new Error(`unknown auth session ${sessionToken}`);
      const token = acceptAuthSession(session, userId);
      return { accessToken: token.token, credential: token.hash, tokenId: token.id };
    },
    pendingMiAuthSessions: () =>
      [...miauth.values()]
        .filter((r) => !r.approved)
        .sort((a, b) => a.openedAt - b.openedAt)
        .map(({ session, name, icon, callback, permission }) => ({
          session,
          ...(name !== undefined ? { name } : {}),
          ...(icon !== undefined ? { icon } : {}),
          ...(callback !== undefined ? { callback } : {}),
          permission: [...permission],
        })),
    tokensOf: (userId) => [...tokens.values()].filter((t) => t.userId === userId).map(tokenInfo),
    revoke: (value) => {
      const user = [...users.values()].find((u) => u.nativeToken === value);
      if (user) {
        // Misskey's i/regenerate-token: the old native token stops working.
        user.nativeToken = secureRndstr(16);
        issued.add(user.nativeToken);
        return true;
      }
      const token = [...tokens.values()].find(
        (t) => t.id === value || t.token === value || (t.kind === "app" && t.hash === value.toLowerCase()),
      );
      if (!token) return false;
      tokens.delete(token.id);
      return true;
    },
    apps: () =>
      [...apps.values()].map((a) => ({
        id: a.id,
        name: a.name,
        description: a.description,
        secret: a.secret,
        permission: [...a.permission],
        callbackUrl: a.callbackUrl,
        userId: a.userId,
      })),
    deleteApp: (appId) => {
      if (!apps.delete(appId)) return false;
      for (const t of [...tokens.values()]) if (t.appId === appId) tokens.delete(t.id);
      for (const [key, session] of [...authSessions.entries()]) if (session.appId === appId) authSessions.delete(key);
      return true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return handle;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

if (require.main === module) {
  const i = process.argv.indexOf("--port");
  const port = Number(i > 0 ? process.argv[i + 1] : 0);
  startMisskeyServer({ port }).then(
    (s) => {
      const demo = s.createUser("demo");
      s.autoApproveAs = demo.id;
      process.stdout.write(`${JSON.stringify({ url: s.url, userId: demo.id, nativeToken: demo.nativeToken })}\n`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    },
    (error) => {
      console.error(`Misskey server failed to start: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
