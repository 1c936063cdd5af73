/**
 * A faithful local stand-in for ABBYY Vantage's token service (IdentityServer underneath,
 * per `docs/PROTOCOLS.md`, "ABBYY Vantage"), a public API endpoint to prove tokens work, and
 * the admin API call that creates API clients.
 *
 * Where docs/PROTOCOLS.md says inferred, the server does what IdentityServer does by default,
 * and says so below: 400 (not 401) for `invalid_client`, sparse `error_description`s,
 * one-time-use refresh tokens with an absolute lifetime carried across rotations, scopes
 * defaulting to the client's allowed ones, revocation only when enabled.
 *
 * The authorization_code grant and the authorize endpoint are out of scope (an interactive
 * browser flow): the token endpoint answers `unsupported_grant_type` for it.
 *
 * Run directly to serve the demo tenant until killed:
 *   node -r ts-node/register/transpile-only test/servers/vantage-server.ts --port 9582 [--revocation]
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/** A Vantage API client (the subset of IdentityServer client settings the admin API exposes). */
export interface VantageClient {
  clientId: string;
  /** Absent for a public client (`requireClientSecret: false`). */
  clientSecret?: string;
  /** Tenant the client belongs to. Default: the server's first tenant. */
  tenantId?: string;
  clientName?: string;
  /** Grants besides password and refresh_token. Default `["client_credentials"]`. */
  allowedGrantTypes?: string[];
  /** "Allow Resource Owner Password Credentials Flow": the password grant. Default false. */
  allowRopc?: boolean;
  /** "Allow issuing refresh tokens": offline_access and the refresh_token grant. Default false. */
  allowOfflineAccess?: boolean;
  /**
   * Extra API scopes (e.g. `publicapi.all`). The documented request scope `openid permissions
   * global.wildcard` is always allowed: the vendor documents it for every client.
   */
  allowedScopes?: string[];
  /** False makes a public client that authenticates with its id alone. Default true. */
  requireClientSecret?: boolean;
  /** Whether its tokens may call the admin API. Default true. */
  admin?: boolean;
  /** Further fields the admin API was given, echoed back. */
  [extra: string]: unknown;
}

/** A tenant user for the password grant. */
export interface VantageUser {
  /** E-mail; matched case-insensitively. */
  username: string;
  password: string;
  /** Default: the server's first tenant. The same e-mail may exist in several tenants. */
  tenantId?: string;
  /** Subject id; generated when absent. */
  sub?: string;
  /** Signs in through an external IdP, so ROPC fails for this user (documented). */
  externalIdp?: boolean;
  /** Whether the user's tokens may call the admin API. Default true. */
  admin?: boolean;
}

/** Options of {@link startVantageServer}. */
export interface VantageServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Tenant ids served. Default `[DEFAULT_VANTAGE_TENANT]`; the first is the default tenant. */
  tenants?: string[];
  /** Clients registered at start. Default {@link DEFAULT_VANTAGE_CLIENTS}. */
  clients?: VantageClient[];
  /** Users registered at start. Default {@link DEFAULT_VANTAGE_USERS}. */
  users?: VantageUser[];
  /** Access token lifetime (`expires_in`), seconds. Default 86400 (24 h, documented). */
  accessTokenTtl?: number;
  /** Absolute refresh token lifetime from the original sign-in, seconds. Default 30 days (documented). */
  refreshTokenTtl?: number;
  /** Serve `/connect/revocation` and list it in discovery. Default false (not documented). */
  revocation?: boolean;
  /**
   * HTTP status of `invalid_client`. Default 400: docs/PROTOCOLS.md ("ABBYY Vantage") and IdentityServer. Set 401
   * to test a client against the RFC 6749 §5.2 variant.
   */
  invalidClientStatus?: 400 | 401;
}

/** One request as the server saw it (no secrets). */
export interface VantageRequest {
  method: string;
  path: string;
  /** Media type of the body, without parameters. */
  contentType?: string;
  /** Scheme of the Authorization header (`Basic`, `Bearer`), if any. */
  authScheme?: string;
  /** Client id of a token or revocation request (from Basic or the body). */
  clientId?: string;
  /** `grant_type` of a token request. */
  grantType?: string;
  /** HTTP status answered. */
  status?: number;
}

/** Endpoints of one tenant. */
export interface VantageTenantUrls {
  /** `${origin}/auth2/${tenantId}`: the issuer its discovery document names. */
  issuer: string;
  discoveryUrl: string;
  tokenEndpoint: string;
  /** Only served when the server runs with `revocation: true`. */
  revocationEndpoint: string;
  /** `POST` here (v2, trailing slash as documented) to create an API client. */
  adminClientsUrl: string;
}

/** A running server. */
export interface VantageServer {
  /** `http://127.0.0.1:<port>`: stands in for `https://vantage-eu.abbyy.com`. */
  origin: string;
  /** The default (first) tenant id. */
  tenantId: string;
  tenants: string[];
  /** Non-tenant token endpoint `/auth2/connect/token`. */
  tokenEndpoint: string;
  /** Non-tenant discovery `/auth2/.well-known/openid-configuration` (issuer `${origin}/auth2`). */
  discoveryUrl: string;
  /** Endpoints of the default tenant. */
  tenant: VantageTenantUrls;
  /** Endpoints of any tenant. */
  urlsFor(tenantId: string): VantageTenantUrls;
  /** `GET` with a bearer token: 200 `{items: []}` or 401 ProblemDetails. */
  transactionsUrl: string;
  requests: VantageRequest[];
  /** Every access and refresh token this server issued (canaries for leak scans). */
  issuedTokens: Set<string>;
  /** Every client secret the admin API generated (canaries for leak scans). */
  issuedSecrets: Set<string>;
  clients: {
    /** Adds (or replaces) a client, defaults applied; returns it as stored. */
    add(client: VantageClient): VantageClient;
    get(clientId: string): VantageClient | undefined;
    delete(clientId: string): boolean;
    list(): VantageClient[];
  };
  users: {
    /** Adds (or replaces) a user, defaults applied; returns it as stored. */
    add(user: VantageUser): VantageUser;
    /** Removes a user; its refresh tokens stop working. */
    delete(username: string, tenantId?: string): boolean;
    list(): VantageUser[];
  };
  /** Revokes a refresh token as an administrator would; true if it was active. */
  revokeRefreshToken(refreshToken: string): boolean;
  /** Refresh tokens that would be accepted right now. */
  activeRefreshTokens(): string[];
  /** Absolute expiry (epoch seconds, server clock) of a refresh token this server issued. */
  refreshTokenExpiry(refreshToken: string): number | undefined;
  /** True if `accessToken` is one this server issued, correctly signed and not expired. */
  verify(accessToken: string): boolean;
  /** Moves the server's clock forward (token expiry) without waiting. */
  advanceClock(seconds: number): void;
  close(): Promise<void>;
}

/** The default tenant id (a fixed GUID, so demo configs can name it). */
export const DEFAULT_VANTAGE_TENANT = "3f1b8c2e-5d7a-4e96-9b0c-2a6d4f8e1c57";

/** The documented scope of the client_credentials and password grants. */
export const VANTAGE_SCOPE = "openid permissions global.wildcard";

/** Default clients: one that may do everything modelled, one client_credentials-only. */
export const DEFAULT_VANTAGE_CLIENTS: VantageClient[] = [
  {
    clientId: "vantage-demo-client",
    clientSecret: "vantage-demo-client-secret-change-me",
    clientName: "demo",
    allowRopc: true,
    allowOfflineAccess: true,
  },
  {
    clientId: "vantage-cc-client",
    clientSecret: "vantage-cc-client-secret-change-me",
    clientName: "client credentials only",
  },
];

/** Default users: one administrator of the default tenant. */
export const DEFAULT_VANTAGE_USERS: VantageUser[] = [{ username: "admin@example.com", password: "demo-password" }];

/** Scopes every client may request: the documented set. */
const BASE_SCOPES = ["openid", "permissions", "global.wildcard"];
/** Scopes the server knows at all. */
const KNOWN_SCOPES = new Set([...BASE_SCOPES, "publicapi.all", "offline_access"]);
const MAX_BODY = 1 << 20;
const JSON_TYPE = "application/json; charset=utf-8";

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  }
  if (size > MAX_BODY) throw new BodyTooLarge();
  return Buffer.concat(chunks);
}

function mediaType(req: IncomingMessage): string | undefined {
  return req.headers["content-type"]?.split(";")[0].trim().toLowerCase() || undefined;
}

function signJwt(key: Buffer, claims: Record<string, unknown>): string {
  // IdentityServer types its JWT access tokens `at+jwt` (RFC 9068).
  const head = Buffer.from(JSON.stringify({ alg: "HS256", typ: "at+jwt" })).toString("base64url");
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${head}.${body}.${createHmac("sha256", key).update(`${head}.${body}`).digest("base64url")}`;
}

function signatureOk(key: Buffer, token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const expected = createHmac("sha256", key).update(`${parts[0]}.${parts[1]}`).digest();
  const actual = Buffer.from(parts[2], "base64url");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function sameSecret(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before Base64. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, "%20"));
}

/** An OAuth error; IdentityServer often sends no description. */
interface OAuthError {
  error: string;
  description?: string;
}

const INVALID_CLIENT: OAuthError = { error: "invalid_client" };

/** ProblemDetails `type` per status: ASP.NET Core's defaults, so the shapes match the real API. */
const PROBLEM_TYPES: Record<number, string> = {
  400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
  401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
  403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
  404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
  405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
  409: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
};
const PROBLEM_TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
};

/** The admin API's create-client body (docs/PROTOCOLS.md, "ABBYY Vantage"); unknown fields pass through. */
const CreateClientBody = z.looseObject({
  clientId: z.string().min(1).optional(),
  clientName: z.string().optional(),
  allowOfflineAccess: z.boolean().optional(),
  requireClientSecret: z.boolean().optional(),
  requireConsent: z.boolean().optional(),
  allowNoPkce: z.boolean().optional(),
  allowedGrantTypes: z.array(z.string()).optional(),
  allowedCorsOrigins: z.array(z.string()).optional(),
  allowedScopes: z.array(z.string()).optional(),
  redirectUris: z.array(z.string()).optional(),
  postLogoutRedirectUris: z.array(z.string()).optional(),
  allowRopc: z.boolean().optional(),
});

interface AccessRecord {
  tenantId: string;
  clientId: string;
  sub?: string;
  scopes: string[];
  expiresAtMs: number;
}

interface RefreshRecord {
  tenantId: string;
  clientId: string;
  sub: string;
  scopes: string[];
  /** Absolute: set at the original sign-in and copied to every rotated successor. */
  expiresAtMs: number;
  state: "active" | "consumed" | "revoked";
}

/** Starts the server on 127.0.0.1. */
export async function startVantageServer(options: VantageServerOptions = {}): Promise<VantageServer> {
  const tenants = options.tenants?.length ? [...options.tenants] : [DEFAULT_VANTAGE_TENANT];
  const defaultTenant = tenants[0];
  const accessTtl = options.accessTokenTtl ?? 86400;
  const refreshTtl = options.refreshTokenTtl ?? 30 * 86400;
  const invalidClientStatus = options.invalidClientStatus ?? 400;
  const key = randomBytes(32);
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;

  const clientMap = new Map<string, VantageClient>();
  const userMap = new Map<string, VantageUser>();
  const userKey = (username: string, tenantId: string) => `${tenantId}\n${username.toLowerCase()}`;
  const clients: VantageServer["clients"] = {
    add: (c) => {
      const stored: VantageClient = {
        ...c,
        tenantId: c.tenantId ?? defaultTenant,
        allowedGrantTypes: c.allowedGrantTypes ?? ["client_credentials"],
        allowRopc: c.allowRopc ?? false,
        allowOfflineAccess: c.allowOfflineAccess ?? false,
        allowedScopes: c.allowedScopes ?? [...BASE_SCOPES, "publicapi.all"],
        requireClientSecret: c.requireClientSecret ?? true,
      };
      clientMap.set(stored.clientId, stored);
      return stored;
    },
    get: (id) => clientMap.get(id),
    delete: (id) => clientMap.delete(id),
    list: () => [...clientMap.values()],
  };
  const users: VantageServer["users"] = {
    add: (u) => {
      const stored: VantageUser = { ...u, tenantId: u.tenantId ?? defaultTenant, sub: u.sub ?? randomUUID() };
      userMap.set(userKey(stored.username, stored.tenantId as string), stored);
      return stored;
    },
    delete: (username, tenantId) => userMap.delete(userKey(username, tenantId ?? defaultTenant)),
    list: () => [...userMap.values()],
  };
  (options.clients ?? DEFAULT_VANTAGE_CLIENTS).forEach(clients.add);
  (options.users ?? DEFAULT_VANTAGE_USERS).forEach(users.add);

  const requests: VantageRequest[] = [];
  const issuedTokens = new Set<string>();
  const issuedSecrets = new Set<string>();
  const accessTokens = new Map<string, AccessRecord>();
  const refreshTokens = new Map<string, RefreshRecord>();

  const verifyAccess = (token: string): AccessRecord | undefined => {
    const record = accessTokens.get(token);
    if (!record || !signatureOk(key, token) || record.expiresAtMs <= now()) return undefined;
    return record;
  };
  const refreshUsable = (rt: RefreshRecord | undefined): rt is RefreshRecord =>
    rt !== undefined && rt.state === "active" && rt.expiresAtMs > now();

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuerOf = (tenantId: string | undefined) => `${origin}/auth2${tenantId ? `/${tenantId}` : ""}`;
  const urlsFor = (tenantId: string): VantageTenantUrls => ({
    issuer: issuerOf(tenantId),
    discoveryUrl: `${issuerOf(tenantId)}/.well-known/openid-configuration`,
    tokenEndpoint: `${issuerOf(tenantId)}/connect/token`,
    revocationEndpoint: `${issuerOf(tenantId)}/connect/revocation`,
    adminClientsUrl: `${origin}/api/adminapi2/v2/tenants/${tenantId}/clients/`,
  });

  // -------------------------------------------------------------------------------------
  // Answers

  const send = (
    res: ServerResponse,
    entry: VantageRequest,
    status: number,
    body?: object,
    headers: Record<string, string> = {},
    type = JSON_TYPE,
  ) => {
    entry.status = status;
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...(body === undefined ? {} : { "content-type": type }),
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const oauthError = (res: ServerResponse, entry: VantageRequest, e: OAuthError) => {
    const status = e.error === "invalid_client" ? invalidClientStatus : 400;
    const body = e.description ? { error: e.error, error_description: e.description } : { error: e.error };
    send(res, entry, status, body, { "cache-control": "no-store", pragma: "no-cache" });
  };
  const problem = (res: ServerResponse, entry: VantageRequest, status: number, detail: string, extra = {}) => {
    const headers: Record<string, string> =
      status === 401 ? { "www-authenticate": 'Bearer error="invalid_token"' } : {};
    send(
      res,
      entry,
      status,
      {
        type: PROBLEM_TYPES[status],
        title: PROBLEM_TITLES[status],
        status,
        detail,
        ...extra,
        traceId: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-00`,
      },
      headers,
      "application/problem+json; charset=utf-8",
    );
  };

  // -------------------------------------------------------------------------------------
  // Token issuance

  const issue = (
    tenantId: string,
    endpointTenant: string | undefined,
    client: VantageClient,
    scopes: string[],
    sub: string | undefined,
    refresh: { expiresAtMs: number } | undefined,
  ) => {
    const issuedAt = now();
    const expiresAtMs = issuedAt + accessTtl * 1000;
    const accessToken = signJwt(key, {
      iss: issuerOf(endpointTenant),
      nbf: Math.floor(issuedAt / 1000),
      iat: Math.floor(issuedAt / 1000),
      exp: Math.floor(expiresAtMs / 1000),
      scope: scopes.filter((s) => s !== "offline_access"),
      client_id: client.clientId,
      ...(sub ? { sub, auth_time: Math.floor(issuedAt / 1000), amr: ["pwd"] } : {}),
      tenant_id: tenantId,
      jti: randomBytes(16).toString("hex").toUpperCase(),
    });
    accessTokens.set(accessToken, { tenantId, clientId: client.clientId, sub, scopes, expiresAtMs });
    issuedTokens.add(accessToken);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      expires_in: accessTtl,
      token_type: "Bearer",
    };
    if (refresh && sub) {
      // IdentityServer handles: 32 random bytes as upper-case hex, opaque to the client.
      const rt = randomBytes(32).toString("hex").toUpperCase();
      refreshTokens.set(rt, {
        tenantId,
        clientId: client.clientId,
        sub,
        scopes,
        expiresAtMs: refresh.expiresAtMs,
        state: "active",
      });
      issuedTokens.add(rt);
      body.refresh_token = rt;
    }
    body.scope = scopes.join(" ");
    return body;
  };

  /**
   * Requested scopes as IdentityServer validates them: absent means every scope the client
   * may have (offline_access only where a refresh token can follow); any unknown or
   * disallowed scope fails the whole request.
   */
  const grantScopes = (client: VantageClient, requested: string | undefined, userFlow: boolean) => {
    const allowed = new Set([...BASE_SCOPES, ...(client.allowedScopes ?? [])].filter((s) => KNOWN_SCOPES.has(s)));
    if (userFlow && client.allowOfflineAccess) allowed.add("offline_access");
    const named = (requested ?? "").split(" ").filter(Boolean);
    // An empty `scope=` counts as absent, as in IdentityServer.
    const scopes = named.length > 0 ? named : [...allowed];
    if (scopes.some((s) => !allowed.has(s))) return undefined;
    return [...new Set(scopes)];
  };

  /** Client authentication, IdentityServer style: Basic first, then the body. */
  const authenticateClient = (
    req: IncomingMessage,
    form: URLSearchParams,
    endpointTenant: string | undefined,
    entry: VantageRequest,
  ): { client: VantageClient } | { error: OAuthError } => {
    let id = form.get("client_id") ?? undefined;
    let secret = form.get("client_secret") ?? undefined;
    const auth = req.headers.authorization;
    if (auth && /^basic\s/i.test(auth)) {
      const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) return { error: INVALID_CLIENT };
      try {
        id = formDecode(decoded.slice(0, colon));
        secret = formDecode(decoded.slice(colon + 1));
      } catch {
        return { error: INVALID_CLIENT };
      }
    }
    entry.clientId = id;
    const client = id ? clientMap.get(id) : undefined;
    if (!client) return { error: INVALID_CLIENT };
    // A client of another tenant does not exist behind this tenant's endpoint.
    if (endpointTenant !== undefined && client.tenantId !== endpointTenant) return { error: INVALID_CLIENT };
    if (client.requireClientSecret !== false && !sameSecret(secret, client.clientSecret)) {
      return { error: INVALID_CLIENT };
    }
    return { client };
  };

  const tokenGrant = (
    form: URLSearchParams,
    client: VantageClient,
    endpointTenant: string | undefined,
  ): { error: OAuthError } | { body: Record<string, unknown> } => {
    const tenantId = client.tenantId as string;
    switch (form.get("grant_type")) {
      case "client_credentials": {
        if (!client.allowedGrantTypes?.includes("client_credentials"))
          return { error: { error: "unauthorized_client" } };
        const scopes = grantScopes(client, form.get("scope") ?? undefined, false);
        if (!scopes) return { error: { error: "invalid_scope" } };
        return { body: issue(tenantId, endpointTenant, client, scopes, undefined, undefined) };
      }
      case "password": {
        if (!client.allowRopc) return { error: { error: "unauthorized_client" } };
        const scopes = grantScopes(client, form.get("scope") ?? undefined, true);
        if (!scopes) return { error: { error: "invalid_scope" } };
        const username = form.get("username");
        const password = form.get("password");
        if (!username || !password) return { error: { error: "invalid_grant" } };
        // The non-tenant endpoint finds users by e-mail across tenants; an e-mail in several
        // tenants needs the tenant-scoped endpoint (documented).
        if (endpointTenant === undefined) {
          const homes = [...userMap.values()].filter((u) => u.username.toLowerCase() === username.toLowerCase());
          if (homes.length > 1) {
            return {
              error: {
                error: "invalid_grant",
                description: "user belongs to several tenants: use the tenant-scoped token endpoint",
              },
            };
          }
        }
        const user = userMap.get(userKey(username, tenantId));
        if (!user || !sameSecret(password, user.password)) {
          return { error: { error: "invalid_grant", description: "invalid_username_or_password" } };
        }
        if (user.externalIdp) {
          return {
            error: { error: "invalid_grant", description: "user signs in through an external identity provider" },
          };
        }
        const refresh = scopes.includes("offline_access") ? { expiresAtMs: now() + refreshTtl * 1000 } : undefined;
        return { body: issue(tenantId, endpointTenant, client, scopes, user.sub, refresh) };
      }
      case "refresh_token": {
        const handle = form.get("refresh_token");
        if (!handle) return { error: { error: "invalid_request" } };
        const record = refreshTokens.get(handle);
        if (!refreshUsable(record) || record.clientId !== client.clientId || !client.allowOfflineAccess) {
          return { error: { error: "invalid_grant" } };
        }
        const user = [...userMap.values()].find((u) => u.sub === record.sub && u.tenantId === record.tenantId);
        if (!user) return { error: { error: "invalid_grant" } };
        // One-time use: the presented handle is spent, its successor inherits the original
        // absolute expiry (IdentityServer keeps CreationTime and Lifetime on rotation).
        record.state = "consumed";
        return {
          body: issue(record.tenantId, endpointTenant, client, record.scopes, record.sub, {
            expiresAtMs: record.expiresAtMs,
          }),
        };
      }
      default:
        // Missing, unknown, and authorization_code: the interactive flow is not modelled.
        return { error: { error: "unsupported_grant_type" } };
    }
  };

  /** Form body of an IdentityServer endpoint; undefined when not a form POST. */
  const readForm = async (req: IncomingMessage): Promise<URLSearchParams | undefined> => {
    const body = await readBody(req);
    if (req.method !== "POST" || mediaType(req) !== "application/x-www-form-urlencoded") return undefined;
    return new URLSearchParams(body.toString("utf8"));
  };

  const onToken = async (req: IncomingMessage, res: ServerResponse, entry: VantageRequest, tenant?: string) => {
    const form = await readForm(req);
    // IdentityServer answers a non-POST or non-form request with invalid_request.
    if (!form) return oauthError(res, entry, { error: "invalid_request" });
    entry.grantType = form.get("grant_type") ?? undefined;
    const auth = authenticateClient(req, form, tenant, entry);
    if ("error" in auth) return oauthError(res, entry, auth.error);
    const result = tokenGrant(form, auth.client, tenant);
    if ("error" in result) return oauthError(res, entry, result.error);
    send(res, entry, 200, result.body, { "cache-control": "no-store", pragma: "no-cache" });
  };

  const onRevocation = async (req: IncomingMessage, res: ServerResponse, entry: VantageRequest, tenant?: string) => {
    const form = await readForm(req);
    if (!form) return oauthError(res, entry, { error: "invalid_request" });
    const auth = authenticateClient(req, form, tenant, entry);
    if ("error" in auth) return oauthError(res, entry, auth.error);
    const client = auth.client;
    const token = form.get("token");
    if (!token) return oauthError(res, entry, { error: "invalid_request" });
    const hint = form.get("token_type_hint");
    if (hint && hint !== "access_token" && hint !== "refresh_token") {
      return oauthError(res, entry, { error: "unsupported_token_type" });
    }
    // RFC 7009: 200 whatever the token was; only the owner's refresh tokens are revoked
    // (JWT access tokens cannot be, they live until exp).
    const record = refreshTokens.get(token);
    if (record && record.clientId === client.clientId && record.state === "active") record.state = "revoked";
    entry.status = 200;
    res.writeHead(200, { "content-length": 0 });
    res.end();
  };

  const discovery = (tenant?: string) => {
    const issuer = issuerOf(tenant);
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/openid-configuration/jwks`,
      authorization_endpoint: `${issuer}/connect/authorize`,
      token_endpoint: `${issuer}/connect/token`,
      ...(options.revocation ? { revocation_endpoint: `${issuer}/connect/revocation` } : {}),
      scopes_supported: [...KNOWN_SCOPES],
      grant_types_supported: ["authorization_code", "client_credentials", "refresh_token", "password"],
      response_types_supported: ["code"],
      response_modes_supported: ["form_post", "query", "fragment"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["plain", "S256"],
    };
  };

  // -------------------------------------------------------------------------------------
  // APIs (ASP.NET Core: ProblemDetails errors)

  const bearer = (req: IncomingMessage) => /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();

  const onTransactions = async (req: IncomingMessage, res: ServerResponse, entry: VantageRequest) => {
    await readBody(req);
    if (req.method !== "GET") return problem(res, entry, 405, "Only GET is supported here.");
    const token = bearer(req);
    if (!token || !verifyAccess(token)) {
      return problem(res, entry, 401, token ? "The access token is invalid or expired." : "No access token.");
    }
    send(res, entry, 200, { items: [] });
  };

  const onAdminClients = async (req: IncomingMessage, res: ServerResponse, entry: VantageRequest, tenant: string) => {
    const body = await readBody(req);
    // Only creation is documented: the collection route exists for POST alone.
    if (req.method !== "POST") return problem(res, entry, 405, "Only POST is supported on this route.");
    const token = bearer(req);
    const caller = token ? verifyAccess(token) : undefined;
    if (!caller) return problem(res, entry, 401, "A valid bearer token is required.");
    if (!tenants.includes(tenant)) return problem(res, entry, 404, `Tenant ${tenant} not found.`);
    const user = caller.sub
      ? [...userMap.values()].find((u) => u.sub === caller.sub && u.tenantId === caller.tenantId)
      : undefined;
    const principalIsAdmin = caller.sub ? user?.admin !== false : clientMap.get(caller.clientId)?.admin !== false;
    if (caller.tenantId !== tenant || !principalIsAdmin) {
      return problem(res, entry, 403, "The caller may not manage clients of this tenant.");
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return problem(res, entry, 400, "The request body is not valid JSON.", {
        title: "One or more validation errors occurred.",
        errors: { $: ["The JSON value could not be converted."] },
      });
    }
    const parsed = CreateClientBody.safeParse(json);
    if (!parsed.success) {
      const errors: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) (errors[issue.path.join(".") || "$"] ??= []).push(issue.message);
      return problem(res, entry, 400, "The request body is invalid.", {
        title: "One or more validation errors occurred.",
        errors,
      });
    }
    const input = parsed.data;
    const clientId = input.clientId ?? randomUUID();
    if (clientMap.has(clientId)) return problem(res, entry, 409, `A client with id ${clientId} already exists.`);
    const requireClientSecret = input.requireClientSecret ?? true;
    const clientSecret = requireClientSecret ? randomBytes(32).toString("base64url") : undefined;
    if (clientSecret) issuedSecrets.add(clientSecret);
    const created = {
      ...input,
      clientId,
      clientName: input.clientName ?? clientId,
      clientSecret: clientSecret ?? null,
      allowOfflineAccess: input.allowOfflineAccess ?? false,
      requireClientSecret,
      requireConsent: input.requireConsent ?? false,
      allowNoPkce: input.allowNoPkce ?? false,
      allowedGrantTypes: input.allowedGrantTypes ?? ["client_credentials"],
      allowedCorsOrigins: input.allowedCorsOrigins ?? [],
      allowedScopes: input.allowedScopes ?? ["openid", "permissions", "publicapi.all"],
      redirectUris: input.redirectUris ?? [],
      postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
      allowRopc: input.allowRopc ?? false,
    };
    clients.add({ ...created, clientSecret, tenantId: tenant, admin: false });
    send(res, entry, 201, created);
  };

  // -------------------------------------------------------------------------------------
  // Routing

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0];
    const entry: VantageRequest = {
      method: req.method ?? "",
      path,
      contentType: mediaType(req),
      authScheme: req.headers.authorization?.split(" ")[0],
    };
    requests.push(entry);
    const knownTenant = (t: string) => tenants.includes(t);
    const route = async () => {
      let m: RegExpExecArray | null;
      if (path === "/auth2/connect/token") return onToken(req, res, entry);
      if ((m = /^\/auth2\/([^/]+)\/connect\/token$/.exec(path)) && knownTenant(m[1])) {
        return onToken(req, res, entry, m[1]);
      }
      if (options.revocation && path === "/auth2/connect/revocation") return onRevocation(req, res, entry);
      if (options.revocation && (m = /^\/auth2\/([^/]+)\/connect\/revocation$/.exec(path)) && knownTenant(m[1])) {
        return onRevocation(req, res, entry, m[1]);
      }
      if (path === "/auth2/.well-known/openid-configuration") return send(res, entry, 200, discovery());
      if ((m = /^\/auth2\/([^/]+)\/\.well-known\/openid-configuration$/.exec(path)) && knownTenant(m[1])) {
        return send(res, entry, 200, discovery(m[1]));
      }
      // No public keys: tokens are HS256 with a server-only key; resource servers here ask the server.
      if (/^\/auth2(?:\/[^/]+)?\/\.well-known\/openid-configuration\/jwks$/.test(path)) {
        return send(res, entry, 200, { keys: [] });
      }
      if (path === "/api/publicapi/v1/transactions" || path === "/api/publicapi/v1/transactions/") {
        return onTransactions(req, res, entry);
      }
      if ((m = /^\/api\/adminapi2\/v[12]\/tenants\/([^/]+)\/clients\/?$/.exec(path))) {
        return onAdminClients(req, res, entry, decodeURIComponent(m[1]));
      }
      // Everything else, including /clients/{id} (no get/update/delete documented): 404.
      await readBody(req);
      send(res, entry, 404);
    };
    route().catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof BodyTooLarge) return send(res, entry, 413);
      send(res, entry, 500, { error: "server_error", error_description: String(error) });
    });
  });

  const tenantUrls = urlsFor(defaultTenant);
  return {
    origin,
    tenantId: defaultTenant,
    tenants,
    tokenEndpoint: `${origin}/auth2/connect/token`,
    discoveryUrl: `${origin}/auth2/.well-known/openid-configuration`,
    tenant: tenantUrls,
    urlsFor,
    transactionsUrl: `${origin}/api/publicapi/v1/transactions`,
    requests,
    issuedTokens,
    issuedSecrets,
    clients,
    users,
    revokeRefreshToken: (rt) => {
      const record = refreshTokens.get(rt);
      if (!refreshUsable(record)) return false;
      record.state = "revoked";
      return true;
    },
    activeRefreshTokens: () => [...refreshTokens].filter(([, r]) => refreshUsable(r)).map(([rt]) => rt),
    refreshTokenExpiry: (rt) => {
      const record = refreshTokens.get(rt);
      return record ? Math.floor(record.expiresAtMs / 1000) : undefined;
    },
    verify: (accessToken) => verifyAccess(accessToken) !== undefined,
    advanceClock: (seconds) => {
      clockOffsetMs += seconds * 1000;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  startVantageServer({ port: Number(arg("port") ?? 0), revocation: process.argv.includes("--revocation") }).then(
    (s) => {
      const { origin, tenantId, tenant } = s;
      process.stdout.write(`${JSON.stringify({ origin, tenantId, ...tenant })}\n`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    },
    (error) => {
      console.error(`Vantage server failed to start: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
