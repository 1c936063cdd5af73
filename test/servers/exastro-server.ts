/**
 * A faithful local stand-in for Exastro IT Automation / Platform: Keycloak realms (one per
 * organization, plus `master` for system managers) behind the Exastro API gateway. Built from
 * docs/PROTOCOLS.md ("Exastro"), with details checked against the exastro-platform sources
 * (message ids, envelope shape, service-account controller quirks).
 *
 * What it models, and why it matters to the provider:
 * - `POST /auth/realms/{org}/protocol/openid-connect/token` (public client `_{org}-api`,
 *   `_platform-api` for realm `master`): password grant (with `totp` for 2FA users) and
 *   refresh_token grant, Keycloak's JSON and error bodies. The gateway in front answers 500
 *   when a password grant has no `scope` at all.
 * - Offline sessions: the refresh token is an HS256 JWT (`typ: "Offline"`, `sid`, `sub`, `exp`)
 *   that stays valid until its session is revoked or expires. Online sessions (scope without
 *   `offline_access`) get Keycloak's short `typ: "Refresh"` token instead.
 * - The gateway (`/api/...`) checks every bearer token against its session, so revoking a
 *   session kills its access tokens at once; errors use the `{result, data, message, ts}`
 *   envelope with Japanese messages by default.
 * - `_current/refresh_tokens` (list; DELETE revokes ALL of the caller's offline sessions) and
 *   workspace service-account users with their token endpoints, including the real controller's
 *   oddities (duplicate username is HTTP 400 with result `409-25001`; token calls on an unknown
 *   user are HTTP 400 `400-41007`; connexion rejects schema-invalid bodies with problem+json).
 *
 * Run directly to serve until killed:
 *   node -r ts-node/register/transpile-only test/servers/exastro-server.ts --port 9581 \
 *     --org org1 --user org1/alice/alice-pass/_ws1-admin
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Options of {@link startExastroServer}. */
export interface ExastroServerOptions {
  /** Port of the organization origin (`{EXTERNAL_URL}`); 0 picks a free one. */
  port?: number;
  /** Port of the system-manager origin when {@link separateManagerOrigin} is set; 0 picks a free one. */
  managerPort?: number;
  /**
   * Serve realm `master` and `/api/platform/...` on a second origin (`{EXTERNAL_URL_MNG}`), as real
   * deployments do. Default false: both are served on one origin, which is simpler for tests.
   */
  separateManagerOrigin?: boolean;
  /** Organizations (realms) that exist from the start; `addUser` creates missing ones too. */
  organizations?: string[];
  /** Access-token lifetime, seconds. Default 86400 (Exastro's default; docs samples show 172800). */
  accessTokenTtl?: number;
  /** Offline-session (refresh-token) lifetime, seconds, idle and max. Default 365 days. */
  refreshTokenTtl?: number;
  /**
   * Keycloak "Revoke Refresh Token": every refresh returns a new refresh token and the previous
   * one stops working. Default false: the offline token is reusable and the refresh response
   * carries the same token back.
   */
  rotateRefreshTokens?: boolean;
  /**
   * Without rotation, return a freshly minted refresh token on every refresh while the old one
   * stays valid. This is what an unmodified Keycloak does; default false (the same string comes
   * back), so both shapes can be tested.
   */
  reissueRefreshTokens?: boolean;
  /** Language of envelope messages. Default `"ja"`, as Exastro's default. */
  language?: "ja" | "en";
}

/** A user to create with {@link ExastroServer.addUser}. */
export interface ExastroUserSpec {
  /** Organization id (realm name); `master` for a system manager. */
  org: string;
  /** Login name; Keycloak stores it lower-cased. */
  username: string;
  password: string;
  /** When set, the user has two-factor authentication and the password grant must send this `totp`. */
  totp?: string;
  /** Client roles, e.g. `_ws1-admin` to manage service accounts of workspace `ws1`. */
  roles?: string[];
}

/** One Keycloak session (a refresh token's `sid`), as the test sees it. */
export interface ExastroSession {
  /** Session id: the refresh token's `sid` claim and the `id` in the refresh-token lists. */
  id: string;
  org: string;
  userId: string;
  username: string;
  clientId: string;
  /** True for offline sessions (scope `offline_access`), which are what the token lists show. */
  offline: boolean;
  /** False once revoked or expired. */
  active: boolean;
  /** Epoch milliseconds (server clock). */
  startedAt: number;
  lastAccessAt: number;
  expiresAt: number;
}

/** A service-account user, as the test sees it. */
export interface ExastroServiceAccount {
  id: string;
  org: string;
  workspace: string;
  username: string;
  type: string;
  description: string | null;
}

/** Result of {@link ExastroServer.verify}. */
export type ExastroVerification =
  | {
      active: true;
      org: string;
      userId: string;
      username: string;
      sid: string;
      clientId: string;
      /** Expiry, epoch seconds. */
      exp: number;
    }
  | { active: false; reason: string };

/** A running server. */
export interface ExastroServer {
  /** Organization origin (`{EXTERNAL_URL}`), no trailing slash. */
  url: string;
  /** System-manager origin (`{EXTERNAL_URL_MNG}`); equals {@link url} unless `separateManagerOrigin`. */
  managerUrl: string;
  /** The token endpoint of `org` (`master` resolves on {@link managerUrl}). */
  tokenEndpoint(org: string): string;
  /** Every secret this server handed out: access, refresh and ID tokens (canaries for leak scans). */
  issuedTokens: Set<string>;
  /** Requests seen (both origins), by path without query. */
  requests: { method: string; path: string }[];
  /** While true every `/api/...` call answers 498 with the maintenance envelope. */
  maintenance: boolean;
  /** Creates a user (and its realm if needed). Throws if the username is taken in that realm. */
  addUser(spec: ExastroUserSpec): { id: string };
  /**
   * Deletes a user (a service account too), as an administrator in Keycloak's console would:
   * its sessions end, so its tokens stop working. False if unknown.
   */
  deleteUser(org: string, username: string): boolean;
  /** Revokes one session, as an administrator in Keycloak's console would. False if unknown. */
  revokeSession(sid: string): boolean;
  /** All sessions (active or not) of a user, oldest first. */
  sessions(org: string, username: string): ExastroSession[];
  /** Service-account users of an organization, optionally of one workspace. */
  serviceAccounts(org: string, workspace?: string): ExastroServiceAccount[];
  /** What the gateway would decide about `accessToken` (signature, expiry, live session). */
  verify(accessToken: string): ExastroVerification;
  /** Moves the server clock forward (expiry tests without sleeping). JWT times follow it. */
  advanceClock(seconds: number): void;
  close(): Promise<void>;
}

const MANAGER_REALM = "master";
const MANAGER_CLIENT = "_platform-api";
const SA_TYPES = ["ansible-execution-agent", "oase-agent"];
// Keycloak defaults for online (non-offline) sessions: SSO idle 30 min, max 10 h.
const ONLINE_IDLE_S = 1800;
const ONLINE_MAX_S = 36000;
// Scopes a default Keycloak client knows; anything else is `invalid_scope`.
const KNOWN_SCOPES = new Set([
  "openid",
  "offline_access",
  "profile",
  "email",
  "roles",
  "web-origins",
  "address",
  "phone",
  "acr",
  "basic",
  "microprofile-jwt",
]);
const MAX_BODY = 1024 * 1024;

// Envelope messages by result code. Japanese is what Exastro answers by default.
const MESSAGES: Record<string, { ja: string; en: string }> = {
  "000-00000": { ja: "SUCCESS", en: "SUCCESS" },
  "401-00002": { ja: "認証に失敗しました。", en: "Failed to authenticate" },
  "403-00001": { ja: "権限がありません。", en: "permission error" },
  "498-00001": {
    ja: "メンテナンス中のため、処理を実行できません。",
    en: "The process cannot be executed because maintenance is in progress.",
  },
  "500-99999": { ja: "システムエラー", en: "System error" },
  "400-00002": { ja: "リクエストボディのパラメータ({0})が不正です。", en: "Invalid request body parameter ({0})." },
  "400-00011": { ja: "必須項目が不足しています。({0})", en: "Required item is missing. ({0})" },
  "400-00037": { ja: "指定可能な値ではありません({0})", en: "Not a value that can be specified ({0})" },
  "404-25001": { ja: "指定されたユーザーは存在していません。", en: "The specified user does not exist." },
  "409-25001": {
    ja: "指定されたユーザーはすでに存在しているため作成できません。[{0}]",
    en: "The specified user cannot be created because it already exists. [{0}]",
  },
  "400-41007": { ja: "該当のユーザーは存在しません(対象:{0})", en: "The user does not exist (target: {0})" },
  "400-41009": {
    ja: "サービスアカウントユーザーではありません(対象:{0})",
    en: "Not a service account user (target: {0})",
  },
};
const ITEM_NAMES: Record<string, { ja: string; en: string }> = {
  username: { ja: "ユーザー名", en: "Username" },
  service_account_user_type: { ja: "サービスアカウントユーザータイプ", en: "Service account user type" },
};

interface Realm {
  name: string;
  clientId: string;
  /** Users by id. */
  users: Map<string, User>;
}

interface User {
  id: string;
  realm: string;
  username: string;
  /** Undefined for service accounts: they can only get tokens through the API. */
  password?: string;
  totp?: string;
  roles: Set<string>;
  serviceAccount?: { workspace: string; type: string; description: string | null };
}

interface Session {
  id: string;
  realm: string;
  userId: string;
  clientId: string;
  offline: boolean;
  scope: string;
  startedAt: number;
  lastAccessAt: number;
  /** Fixed for offline sessions (idle = max here); recomputed for online ones. */
  maxEndsAt: number;
  revoked: boolean;
  /** `jti` of the only refresh token still accepted when rotating. */
  currentRefreshJti: string;
  /** The refresh token last returned, handed back again when neither rotating nor reissuing. */
  currentRefreshToken: string;
  /** Who issued it (service-account tokens list `create_user_*`). */
  createdBy?: { id: string; name: string };
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** Exastro's `datetime_to_str`: ISO 8601, milliseconds, `Z`. */
const isoMs = (ms: number) => new Date(ms).toISOString();

/** Starts the server on 127.0.0.1. */
export async function startExastroServer(options: ExastroServerOptions = {}): Promise<ExastroServer> {
  const accessTtl = options.accessTokenTtl ?? 86400;
  const refreshTtl = options.refreshTokenTtl ?? 365 * 86400;
  const lang = options.language ?? "ja";
  const key = randomBytes(32);
  const kid = randomUUID();
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;
  // Keycloak keeps session times in whole seconds.
  const nowSeconds = () => Math.floor(now() / 1000) * 1000;

  const realms = new Map<string, Realm>();
  const sessions = new Map<string, Session>();
  const issued = new Set<string>();
  const requests: ExastroServer["requests"] = [];

  const ensureRealm = (name: string): Realm => {
    let realm = realms.get(name);
    if (!realm) {
      realm = { name, clientId: name === MANAGER_REALM ? MANAGER_CLIENT : `_${name}-api`, users: new Map() };
      realms.set(name, realm);
    }
    return realm;
  };
  ensureRealm(MANAGER_REALM);
  for (const org of options.organizations ?? []) ensureRealm(org);

  // Keycloak lower-cases usernames, so lookups and uniqueness are case-insensitive.
  const findUserByName = (realm: Realm, username: string) => {
    const wanted = username.toLowerCase();
    for (const user of realm.users.values()) if (user.username === wanted) return user;
    return undefined;
  };

  const message = (code: string, ...args: string[]) => {
    const template = MESSAGES[code]?.[lang] ?? code;
    return args.reduce((text, arg, i) => text.replace(`{${i}}`, arg), template);
  };
  const envelope = (result: string, data: unknown, text = message(result)) => ({
    result,
    data,
    message: text,
    ts: isoMs(now()),
  });
  const fail = (status: number, result: string, ...args: string[]) =>
    new HttpError(status, envelope(result, null, message(result, ...args)));
  const item = (name: string) => ITEM_NAMES[name]?.[lang] ?? name;
  // connexion (under the platform API) answers schema violations with problem+json, not the envelope.
  const problem = (status: number, title: string, detail: string) =>
    new HttpError(
      status,
      { detail, status, title, type: "about:blank" },
      { "content-type": "application/problem+json" },
    );
  const oauthError = (status: number, error: string, description?: string) =>
    new HttpError(status, description === undefined ? { error } : { error, error_description: description });

  // --- JWTs (HS256 with a server key; clients decode them without verifying) ---

  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT", kid }));
  const sign = (claims: Json) => {
    const input = `${header}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(createHmac("sha256", key).update(input).digest())}`;
  };

  const decode = (token: string): Json | undefined => {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const expected = createHmac("sha256", key).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
      return claims && typeof claims === "object" && !Array.isArray(claims) ? (claims as Json) : undefined;
    } catch {
      return undefined;
    }
  };

  // --- sessions ---

  const sessionEndsAt = (s: Session) =>
    s.offline ? s.maxEndsAt : Math.min(s.lastAccessAt + ONLINE_IDLE_S * 1000, s.maxEndsAt);
  const sessionActive = (s: Session) => !s.revoked && sessionEndsAt(s) > now();

  const origins = { org: "", manager: "" };
  const issuer = (realm: string) =>
    `${realm === MANAGER_REALM ? origins.manager : origins.org}/auth/realms/${encodeURIComponent(realm)}`;

  const mintRefreshToken = (s: Session, user: User) => {
    const iat = Math.floor(s.lastAccessAt / 1000);
    const jti = randomUUID();
    const token = sign({
      exp: Math.floor(sessionEndsAt(s) / 1000),
      iat,
      jti,
      iss: issuer(s.realm),
      aud: issuer(s.realm),
      sub: user.id,
      typ: s.offline ? "Offline" : "Refresh",
      azp: s.clientId,
      sid: s.id,
      scope: s.scope,
    });
    s.currentRefreshJti = jti;
    s.currentRefreshToken = token;
    issued.add(token);
    return token;
  };

  /** A Keycloak token response for `s`; `refreshToken` is reused when given. */
  const tokenResponse = (s: Session, user: User, refreshToken: string) => {
    // Times come from the request's moment (the session's last access), in whole seconds as in Keycloak.
    const iat = Math.floor(s.lastAccessAt / 1000);
    const base = {
      iat,
      iss: issuer(s.realm),
      sub: user.id,
      azp: s.clientId,
      sid: s.id,
      preferred_username: user.username,
    };
    const accessToken = sign({
      ...base,
      exp: iat + accessTtl,
      jti: randomUUID(),
      aud: "account",
      typ: "Bearer",
      scope: s.scope,
      resource_access: { [s.clientId]: { roles: [...user.roles] } },
    });
    issued.add(accessToken);
    const body: Json = {
      access_token: accessToken,
      expires_in: accessTtl,
      refresh_expires_in: Math.max(0, Math.floor((sessionEndsAt(s) - s.lastAccessAt) / 1000)),
      refresh_token: refreshToken,
      token_type: "Bearer",
    };
    if (s.scope.split(" ").includes("openid")) {
      const idToken = sign({ ...base, exp: iat + accessTtl, jti: randomUUID(), aud: s.clientId, typ: "ID" });
      issued.add(idToken);
      body.id_token = idToken;
    }
    body["not-before-policy"] = 0;
    body.session_state = s.id;
    body.scope = s.scope;
    return body;
  };

  const openSession = (realm: Realm, user: User, offline: boolean, scope: string, createdBy?: Session["createdBy"]) => {
    const start = nowSeconds();
    const s: Session = {
      id: randomUUID(),
      realm: realm.name,
      userId: user.id,
      clientId: realm.clientId,
      offline,
      scope,
      startedAt: start,
      lastAccessAt: start,
      maxEndsAt: start + (offline ? refreshTtl : ONLINE_MAX_S) * 1000,
      revoked: false,
      currentRefreshJti: "",
      currentRefreshToken: "",
      createdBy,
    };
    sessions.set(s.id, s);
    return s;
  };

  // Granted scope as Keycloak reports it: requested ones plus the client's default scopes.
  const grantedScope = (requested: string[]) => {
    const granted = new Set<string>();
    if (requested.includes("openid")) granted.add("openid");
    for (const s of requested) if (s !== "openid") granted.add(s);
    granted.add("profile");
    granted.add("email");
    return [...granted].join(" ");
  };

  // --- token endpoint ---

  const tokenEndpoint = (realmName: string, req: IncomingMessage, raw: string): Json => {
    const realm = realms.get(realmName);
    if (!realm) throw new HttpError(404, { error: "Realm does not exist" });
    if (req.method !== "POST")
      throw new HttpError(405, { error: "HTTP 405 Method Not Allowed" }, { allow: "POST, OPTIONS" });
    const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/x-www-form-urlencoded") {
      throw new HttpError(415, { error: "HTTP 415 Unsupported Media Type" });
    }
    const form = new URLSearchParams(raw);
    const clientId = form.get("client_id");
    if (!clientId) throw oauthError(400, "invalid_client", "Missing client_id parameter");
    if (clientId !== realm.clientId)
      throw oauthError(401, "invalid_client", "Invalid client or Invalid client credentials");
    const grantType = form.get("grant_type");
    if (!grantType) throw oauthError(400, "invalid_request", "Missing form parameter: grant_type");

    if (grantType === "password") {
      const username = form.get("username");
      if (!username) throw oauthError(400, "invalid_request", "Missing parameter: username");
      const user = findUserByName(realm, username);
      const password = form.get("password") ?? "";
      if (!user || user.password === undefined || user.password !== password) {
        throw oauthError(401, "invalid_grant", "Invalid user credentials");
      }
      // Direct grant with OTP configured: a missing or wrong code is the same generic failure.
      if (user.totp !== undefined && form.get("totp") !== user.totp) {
        throw oauthError(401, "invalid_grant", "Invalid user credentials");
      }
      const scopeParam = form.get("scope");
      // The gateway stores the issued offline token; without any scope it breaks (seen as 500).
      if (scopeParam === null || scopeParam.trim() === "") throw new HttpError(500, envelope("500-99999", null));
      const requested = scopeParam.split(" ").filter(Boolean);
      const unknown = requested.filter((s) => !KNOWN_SCOPES.has(s));
      if (unknown.length > 0) throw oauthError(400, "invalid_scope", `Invalid scopes: ${scopeParam}`);
      const s = openSession(realm, user, requested.includes("offline_access"), grantedScope(requested));
      return tokenResponse(s, user, mintRefreshToken(s, user));
    }

    if (grantType === "refresh_token") {
      const token = form.get("refresh_token");
      if (!token) throw oauthError(400, "invalid_request", "Missing parameter: refresh_token");
      const claims = decode(token);
      if (
        !claims ||
        (claims.typ !== "Offline" && claims.typ !== "Refresh") ||
        claims.iss !== issuer(realm.name) ||
        typeof claims.sid !== "string"
      ) {
        throw oauthError(400, "invalid_grant", "Invalid refresh token");
      }
      if (claims.azp !== clientId) {
        throw oauthError(400, "invalid_grant", "Invalid refresh token. Token client and authorized client don't match");
      }
      const offline = claims.typ === "Offline";
      const inactive = offline ? "Offline session not active" : "Session not active";
      const s = sessions.get(claims.sid);
      if (!s || !sessionActive(s)) throw oauthError(400, "invalid_grant", inactive);
      if (typeof claims.exp === "number" && claims.exp * 1000 <= now()) {
        throw oauthError(400, "invalid_grant", "Token is not active");
      }
      const user = realm.users.get(s.userId);
      if (!user) throw oauthError(400, "invalid_grant", inactive);
      if (options.rotateRefreshTokens && claims.jti !== s.currentRefreshJti) {
        throw oauthError(400, "invalid_grant", "Maximum allowed refresh token reuse exceeded");
      }
      s.lastAccessAt = nowSeconds();
      // Online tokens always come back fresh: their `exp` follows the sliding idle timeout.
      const reissue = options.rotateRefreshTokens || options.reissueRefreshTokens || !s.offline;
      const refresh = reissue ? mintRefreshToken(s, user) : s.currentRefreshToken;
      return tokenResponse(s, user, refresh);
    }

    if (grantType === "client_credentials") {
      throw oauthError(401, "unauthorized_client", "Public client not allowed to retrieve service account");
    }
    throw oauthError(400, "unsupported_grant_type", "Unsupported grant_type");
  };

  // --- gateway ---

  const verify = (accessToken: string): ExastroVerification => {
    const claims = decode(accessToken);
    if (!claims || claims.typ !== "Bearer") return { active: false, reason: "malformed or bad signature" };
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= now()) return { active: false, reason: "expired" };
    const s = typeof claims.sid === "string" ? sessions.get(claims.sid) : undefined;
    if (!s) return { active: false, reason: "unknown session" };
    if (!sessionActive(s)) return { active: false, reason: s.revoked ? "session revoked" : "session expired" };
    const user = realms.get(s.realm)?.users.get(s.userId);
    if (!user) return { active: false, reason: "user deleted" };
    return {
      active: true,
      org: s.realm,
      userId: user.id,
      username: user.username,
      sid: s.id,
      clientId: s.clientId,
      exp: claims.exp,
    };
  };

  /** The caller behind a request's bearer token, or a 401 envelope. */
  const authenticate = (req: IncomingMessage, realmName: string) => {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const result = match ? verify(match[1]) : undefined;
    if (!result?.active || result.org !== realmName) throw fail(401, "401-00002");
    const realm = realms.get(realmName) as Realm;
    return { realm, user: realm.users.get(result.userId) as User, sid: result.sid };
  };

  const sessionRow = (s: Session) => ({
    id: s.id,
    start_timestamp: isoMs(s.startedAt),
    lastaccess_timestamp: isoMs(s.lastAccessAt),
    expire_timestamp: isoMs(sessionEndsAt(s)),
  });
  const offlineSessionsOf = (user: User, clientId: string) =>
    [...sessions.values()]
      .filter((s) => s.userId === user.id && s.offline && s.clientId === clientId && sessionActive(s))
      .sort((a, b) => a.startedAt - b.startedAt);

  const currentRefreshTokens = (req: IncomingMessage, realmName: string) => {
    const { realm, user } = authenticate(req, realmName);
    if (req.method === "GET") return envelope("000-00000", offlineSessionsOf(user, realm.clientId).map(sessionRow));
    if (req.method === "DELETE") {
      // There is no per-token revoke: this ends every offline session of the caller.
      for (const s of offlineSessionsOf(user, realm.clientId)) s.revoked = true;
      return envelope("000-00000", null);
    }
    throw methodNotAllowed();
  };

  const methodNotAllowed = () => problem(405, "Method Not Allowed", "The method is not allowed for the requested URL.");
  const notFound = () =>
    problem(
      404,
      "Not Found",
      "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    );

  const jsonBody = (raw: string): unknown => {
    if (raw.trim() === "") throw problem(400, "Bad Request", "Request body is not valid JSON");
    try {
      return JSON.parse(raw);
    } catch {
      throw problem(400, "Bad Request", "Request body is not valid JSON");
    }
  };
  const objectBody = (raw: string): Json => {
    const body = jsonBody(raw);
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      throw problem(400, "Bad Request", `${JSON.stringify(body)} is not of type 'object'`);
    }
    return body as Json;
  };

  const saView = (user: User, forList: boolean) => {
    const sa = user.serviceAccount as NonNullable<User["serviceAccount"]>;
    const latest = offlineSessionsOf(user, ensureRealm(user.realm).clientId).reduce<number | undefined>(
      (max, s) => Math.max(max ?? 0, sessionEndsAt(s)),
      undefined,
    );
    return {
      id: user.id,
      username: user.username,
      service_account_user_type: sa.type,
      // The real list reads a missing attribute as null, the single GET as "".
      description: sa.description ?? (forList ? null : ""),
      token_latest_expire_date: latest === undefined ? null : isoMs(latest),
    };
  };

  const serviceAccountUsers = (req: IncomingMessage, raw: string, org: string, ws: string, rest: string[]) => {
    const { realm, user: caller } = authenticate(req, org);
    if (!caller.roles.has(`_${ws}-admin`)) throw fail(403, "403-00001");
    const inWorkspace = (u: User) => u.serviceAccount?.workspace === ws;

    if (rest.length === 0) {
      if (req.method === "GET") {
        return envelope(
          "000-00000",
          [...realm.users.values()].filter(inWorkspace).map((u) => saView(u, true)),
        );
      }
      if (req.method !== "POST") throw methodNotAllowed();
      const body = objectBody(raw);
      for (const field of ["username", "service_account_user_type"]) {
        if (!(field in body)) throw problem(400, "Bad Request", `'${field}' is a required property`);
        if (typeof body[field] !== "string") {
          throw problem(400, "Bad Request", `${JSON.stringify(body[field])} is not of type 'string' - '${field}'`);
        }
      }
      if (body.description !== undefined && body.description !== null && typeof body.description !== "string") {
        throw problem(
          400,
          "Bad Request",
          `${JSON.stringify(body.description)} is not of type 'string' - 'description'`,
        );
      }
      const username = body.username as string;
      const type = body.service_account_user_type as string;
      if (username === "") throw fail(400, "400-00011", item("username"));
      if (type === "") throw fail(400, "400-00011", item("service_account_user_type"));
      if (!SA_TYPES.includes(type)) throw fail(400, "400-00037", item("service_account_user_type"));
      // The controller maps Keycloak's 409 to a BadRequestException: HTTP 400, result 409-25001.
      if (findUserByName(realm, username)) throw fail(400, "409-25001", "User exists with same username");
      const sa: User = {
        id: randomUUID(),
        realm: realm.name,
        username: username.toLowerCase(),
        roles: new Set([`_${ws}-${type}`]),
        serviceAccount: { workspace: ws, type, description: (body.description as string | null | undefined) ?? null },
      };
      realm.users.set(sa.id, sa);
      // Create returns no id: clients list and match by (lower-cased) username.
      return envelope("000-00000", null);
    }

    const [id, sub, ...more] = rest;
    if (more.length > 0 || (sub !== undefined && sub !== "refresh_tokens")) throw notFound();
    const target = realm.users.get(id);

    // Checks shared by every per-user operation (the controller's __check_updatable_service_account_user).
    const checkTarget = (u: User) => {
      if (!u.serviceAccount) throw fail(400, "400-41009", u.id);
      if (!inWorkspace(u)) throw fail(400, "400-41007", `${ws}/${u.id}`);
      return u;
    };

    if (sub === undefined) {
      if (!["GET", "PUT", "DELETE"].includes(req.method ?? "")) throw methodNotAllowed();
      if (!target) throw fail(404, "404-25001");
      const sa = checkTarget(target);
      if (req.method === "GET") return envelope("000-00000", saView(sa, false));
      if (req.method === "DELETE") {
        realm.users.delete(sa.id);
        // Keycloak drops a deleted user's sessions, so its tokens die with it.
        for (const s of sessions.values()) if (s.userId === sa.id) s.revoked = true;
        return envelope("000-00000", null);
      }
      const body = objectBody(raw);
      // `if not body` in the controller: an empty object is rejected too.
      if (Object.keys(body).length === 0) throw fail(400, "400-00002", "Json");
      if (body.description !== undefined && body.description !== null && typeof body.description !== "string") {
        throw problem(
          400,
          "Bad Request",
          `${JSON.stringify(body.description)} is not of type 'string' - 'description'`,
        );
      }
      (sa.serviceAccount as NonNullable<User["serviceAccount"]>).description =
        (body.description as string | null | undefined) ?? null;
      return envelope("000-00000", null);
    }

    // /{id}/refresh_tokens
    if (req.method === "GET") {
      // Keycloak's 404 on the offline-session lookup becomes an empty list.
      if (!target?.serviceAccount || !inWorkspace(target)) return envelope("000-00000", []);
      return envelope(
        "000-00000",
        offlineSessionsOf(target, realm.clientId).map((s) => ({
          ...sessionRow(s),
          create_user_id: s.createdBy?.id ?? null,
          create_user_name: s.createdBy?.name ?? null,
        })),
      );
    }
    if (req.method !== "POST" && req.method !== "DELETE") throw methodNotAllowed();
    if (req.method === "POST") objectBody(raw);
    // These two look the user up themselves and answer 400 (not 404) when it is missing.
    if (!target) throw fail(400, "400-41007", id);
    const sa = checkTarget(target);
    if (req.method === "DELETE") {
      for (const s of offlineSessionsOf(sa, realm.clientId)) s.revoked = true;
      return envelope("000-00000", null);
    }
    const s = openSession(realm, sa, true, grantedScope(["openid", "offline_access"]), {
      id: caller.id,
      name: caller.username,
    });
    const refreshToken = mintRefreshToken(s, sa);
    // Flask serialises the controller's datetime as an RFC 1123 date, not ISO 8601.
    return envelope("000-00000", {
      refresh_token: refreshToken,
      refresh_token_expire: new Date(sessionEndsAt(s)).toUTCString(),
    });
  };

  // --- routing ---

  type Role = "org" | "manager" | "both";

  const route = (role: Role, req: IncomingMessage, path: string, raw: string): Json => {
    const segments = path.split("/").slice(1).map(decodeURIComponent);
    const servesOrg = role !== "manager";
    const servesManager = role !== "org";

    // /auth/realms/{realm}/protocol/openid-connect/token
    if (segments[0] === "auth") {
      const [, realms_, realm, protocol, oidc, token, ...extra] = segments;
      if (
        realms_ === "realms" &&
        protocol === "protocol" &&
        oidc === "openid-connect" &&
        token === "token" &&
        !extra.length
      ) {
        const allowed = realm === MANAGER_REALM ? servesManager : servesOrg;
        if (!allowed) throw new HttpError(404, { error: "Realm does not exist" });
        return tokenEndpoint(realm, req, raw);
      }
      throw new HttpError(404, { error: "Not Found" });
    }

    if (segments[0] !== "api") throw notFound();
    if (handle.maintenance) throw fail(498, "498-00001");

    // System manager: /api/platform/users/_current/refresh_tokens (realm master).
    if (segments[1] === "platform") {
      if (!servesManager) throw notFound();
      authenticate(req, MANAGER_REALM);
      if (segments.slice(2).join("/") === "users/_current/refresh_tokens") {
        return currentRefreshTokens(req, MANAGER_REALM);
      }
      throw notFound();
    }

    // Organization: /api/{org}/platform/...
    const [, org, platform, ...rest] = segments;
    if (!servesOrg || platform !== "platform" || !org || org === MANAGER_REALM) throw notFound();
    // The gateway authenticates before it knows whether the path exists.
    authenticate(req, org);
    if (rest.join("/") === "users/_current/refresh_tokens") return currentRefreshTokens(req, org);
    if (rest[0] === "workspaces" && rest[1] && rest[2] === "service-account-users") {
      return serviceAccountUsers(req, raw, org, rest[1], rest.slice(3));
    }
    throw notFound();
  };

  const listener = (role: Role) => async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    requests.push({ method: req.method ?? "", path });
    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = {};
    try {
      const raw = await readBody(req);
      body = route(role, req, path, raw);
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        body = error.body;
        headers = error.headers;
      } else {
        status = 500;
        body = envelope("500-99999", null);
      }
    }
    res.writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  const listen = async (port: number, role: Role) => {
    const server: Server = createServer((req, res) => void listener(role)(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };

  const servers: Server[] = [];
  if (options.separateManagerOrigin) {
    const org = await listen(options.port ?? 0, "org");
    const mng = await listen(options.managerPort ?? 0, "manager");
    servers.push(org.server, mng.server);
    origins.org = org.url;
    origins.manager = mng.url;
  } else {
    const both = await listen(options.port ?? 0, "both");
    servers.push(both.server);
    origins.org = both.url;
    origins.manager = both.url;
  }

  const handle: ExastroServer = {
    url: origins.org,
    managerUrl: origins.manager,
    tokenEndpoint: (org) => `${issuer(org)}/protocol/openid-connect/token`,
    issuedTokens: issued,
    requests,
    maintenance: false,
    addUser: (spec) => {
      const realm = ensureRealm(spec.org);
      if (findUserByName(realm, spec.username)) throw new Error(`user ${spec.username} already exists in ${spec.org}`);
      const user: User = {
        id: randomUUID(),
        realm: realm.name,
        username: spec.username.toLowerCase(),
        password: spec.password,
        totp: spec.totp,
        roles: new Set(spec.roles ?? []),
      };
      realm.users.set(user.id, user);
      return { id: user.id };
    },
    deleteUser: (org, username) => {
      const realm = realms.get(org);
      const user = realm && findUserByName(realm, username);
      if (!user) return false;
      realm.users.delete(user.id);
      for (const s of sessions.values()) if (s.userId === user.id) s.revoked = true;
      return true;
    },
    revokeSession: (sid) => {
      const s = sessions.get(sid);
      if (!s || s.revoked) return false;
      s.revoked = true;
      return true;
    },
    sessions: (org, username) => {
      const realm = realms.get(org);
      const user = realm && findUserByName(realm, username);
      if (!user) return [];
      return [...sessions.values()]
        .filter((s) => s.userId === user.id)
        .sort((a, b) => a.startedAt - b.startedAt)
        .map((s) => ({
          id: s.id,
          org: s.realm,
          userId: user.id,
          username: user.username,
          clientId: s.clientId,
          offline: s.offline,
          active: sessionActive(s),
          startedAt: s.startedAt,
          lastAccessAt: s.lastAccessAt,
          expiresAt: sessionEndsAt(s),
        }));
    },
    serviceAccounts: (org, workspace) =>
      [...(realms.get(org)?.users.values() ?? [])]
        .filter((u) => u.serviceAccount && (workspace === undefined || u.serviceAccount.workspace === workspace))
        .map((u) => {
          const sa = u.serviceAccount as NonNullable<User["serviceAccount"]>;
          return {
            id: u.id,
            org,
            workspace: sa.workspace,
            username: u.username,
            type: sa.type,
            description: sa.description,
          };
        }),
    verify,
    advanceClock: (seconds) => {
      clockOffsetMs += seconds * 1000;
    },
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
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
        reject(new HttpError(413, { error: "Request Entity Too Large" }));
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
  const args = process.argv.slice(2);
  const values = (name: string) => args.flatMap((a, i) => (a === `--${name}` && args[i + 1] ? [args[i + 1]] : []));
  const port = Number(values("port")[0] ?? 0);
  startExastroServer({ port, organizations: values("org") }).then(
    (s) => {
      // --user org/username/password[/role,role...]  (e.g. org1/alice/secret/_ws1-admin)
      for (const spec of values("user")) {
        const [org, username, password, roles] = spec.split("/");
        s.addUser({ org, username, password, roles: roles ? roles.split(",") : [] });
      }
      process.stdout.write(`${JSON.stringify({ url: s.url, managerUrl: s.managerUrl })}\n`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    },
    (error) => {
      console.error(`Exastro server failed to start: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
