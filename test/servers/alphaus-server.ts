/**
 * A faithful local stand-in for Alphaus: the product-specific token endpoints (Wave / Wave
 * PRO at `/access_token`, Ripple / Octo at `/ripple/access_token`) and the Blue API calls
 * that manage API clients (`/m/blue/iam/v1/apiclients`). Built strictly from
 * `docs/PROTOCOLS.md` ("Alphaus"); where it says inferred the server follows
 * what the framework underneath does (PHP league/oauth2-server for tokens, grpc-gateway
 * for Blue), and each such choice is marked "inferred" below.
 *
 * Everything is on one loopback origin, so one server stands in for
 * `login.alphaus.cloud` and `api.alphaus.cloud` at once.
 *
 * Run directly to serve the demo client until killed:
 *   node -r ts-node/register/transpile-only test/servers/alphaus-server.ts --port 9581
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The two token families. Octo shares Ripple's; Wave PRO shares Wave's. */
export type AlphausProduct = "wave" | "ripple";

/** The grants the token endpoints know (no refresh grant is documented). */
export type AlphausGrant = "client_credentials" | "password";

/** An API client known to the token endpoints. */
export interface AlphausClient {
  clientId: string;
  clientSecret: string;
  /** Descriptive name (Blue `ApiClient.name`). */
  name?: string;
  /**
   * The principal the client acts for, e.g. the user who created it through Blue. Blue lists
   * and deletes only the caller's clients, so seeded clients without an owner never show up
   * in a list. Tokens of a client with an owner act as that owner on the Blue API.
   */
  owner?: string;
  /** Token endpoints that accept this client. Default: both products. */
  products?: AlphausProduct[];
  /** Grants the client may use. Default: both; clients created through Blue: client_credentials. */
  grantTypes?: AlphausGrant[];
  /** RFC 3339 creation time; set for clients created through Blue. */
  createTime?: string;
}

/** A user account for the password grant. */
export interface AlphausUser {
  username: string;
  password: string;
  /** Products this account exists in. Default: both. */
  products?: AlphausProduct[];
}

/** A google.rpc.Status, the Blue API's error body. */
export interface GoogleRpcStatus {
  code: number;
  message: string;
  details: unknown[];
}

/** Options of {@link startAlphausServer}. */
export interface AlphausServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Clients registered at start. Default {@link DEFAULT_ALPHAUS_CLIENTS}. */
  clients?: AlphausClient[];
  /** Users registered at start. Default {@link DEFAULT_ALPHAUS_USERS}. */
  users?: AlphausUser[];
  /** `expires_in` (and the JWT lifetime) of access tokens, seconds. Default 86400 as documented. */
  accessTokenTtl?: number;
  /** Requests one client id may make in one calendar second before 429. Default 100 as documented. */
  rateLimitPerSecond?: number;
  /** Token families the Blue API accepts. Default both (Blue serves Ripple and Wave users). */
  blueApiProducts?: AlphausProduct[];
}

/** One request as the server saw it (no secrets). */
export interface AlphausRequest {
  method: string;
  path: string;
  /** Media type of the body, without parameters (`multipart/form-data`, ...). */
  contentType?: string;
  /** Client id of a token request, or of the bearer token on the Blue API. */
  clientId?: string;
  /** `grant_type` of a token request. */
  grantType?: string;
  /** HTTP status answered; set when the answer's head is written. */
  status?: number;
}

/** A mutable set of clients or users, keyed by id. */
export interface Registry<T> {
  /** Adds (or replaces) an entry and returns it as stored. */
  add(entry: T): T;
  get(id: string): T | undefined;
  /** Removes an entry; true if it existed. */
  delete(id: string): boolean;
  list(): T[];
}

/** A running server. */
export interface AlphausServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Wave / Wave PRO token endpoint (`/access_token`). */
  waveTokenEndpoint: string;
  /** Ripple / Octo token endpoint (`/ripple/access_token`). */
  rippleTokenEndpoint: string;
  /** Blue API base (`/m/blue`); append `/iam/v1/apiclients`. */
  blueApiBase: string;
  /** Requests seen, in arrival order. */
  requests: AlphausRequest[];
  /** Every access, refresh and id token this server issued (canaries for leak scans). */
  issuedTokens: Set<string>;
  /** Every client secret the Blue API generated (canaries for leak scans). */
  issuedSecrets: Set<string>;
  clients: Registry<AlphausClient>;
  users: Registry<AlphausUser>;
  /** Which product issued `token` (access, id or refresh token); undefined if not ours. */
  productOf(token: string): AlphausProduct | undefined;
  /** True if `token` is an access token this server issued, correctly signed and not expired. */
  verify(token: string): boolean;
  /**
   * When set, `GET .../apiclients` sends at most this many results and then an in-band
   * `{"error": ...}` chunk, still under HTTP 200 (how grpc-gateway reports a stream that
   * fails midway). Undefined: the list completes.
   */
  failListAfter: number | undefined;
  /** The status sent in that in-band error chunk. */
  failListError: GoogleRpcStatus;
  /** Per client id: the most requests it made in any one calendar second. */
  ratePeaks: ReadonlyMap<string, number>;
  /** Highest {@link ratePeaks} entry for `clientId`, or over all clients; 0 if none. */
  peakRequestsPerSecond(clientId?: string): number;
  /** Moves the server's clock forward (token expiry, rate windows) without waiting. */
  advanceClock(seconds: number): void;
  /**
   * Stops the server's clock where it is (every request falls in the same rate window,
   * however slowly the machine delivers them) until the returned function is called.
   */
  freezeClock(): () => void;
  close(): Promise<void>;
}

/** Default clients: one usable at both endpoints with both grants. */
export const DEFAULT_ALPHAUS_CLIENTS: AlphausClient[] = [
  { clientId: "alphaus-demo-client", clientSecret: "alphaus-demo-client-secret-change-me", name: "demo" },
];

/** Default users: one account in both products. */
export const DEFAULT_ALPHAUS_USERS: AlphausUser[] = [{ username: "demo-user", password: "demo-user-password" }];

const JSON_TYPE = "application/json; charset=UTF-8";
const MAX_BODY = 1 << 20;

// ---------------------------------------------------------------------------------------
// Small HTTP helpers

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so the client sees the answer instead of a reset connection.
    if (size <= MAX_BODY) chunks.push(chunk);
  }
  if (size > MAX_BODY) throw new BodyTooLarge();
  return Buffer.concat(chunks);
}

function mediaType(req: IncomingMessage): string | undefined {
  return req.headers["content-type"]?.split(";")[0].trim().toLowerCase() || undefined;
}

/** A `name=value` parameter of a header such as Content-Type; quoted values unquoted. */
function headerParam(header: string, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

/**
 * Parses a `multipart/form-data` body (RFC 7578) into its text fields, the way PHP fills
 * `$_POST`: a repeated name keeps its last value. File parts are read as text too, since
 * the token endpoint only has text fields. Returns undefined when malformed.
 */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> | undefined {
  const boundary = headerParam(contentType, "boundary");
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, string> = {};
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body.subarray(pos, pos + 2).toString() === "--") return fields;
    if (body.subarray(pos, pos + 2).toString() !== "\r\n") return undefined;
    pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) return undefined;
    const headers = body.subarray(pos, headerEnd).toString("utf8").split("\r\n");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) return undefined;
    const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h));
    const name = disposition ? headerParam(disposition, "name") : undefined;
    if (name === undefined) return undefined;
    fields[name] = body.subarray(headerEnd + 4, next).toString("utf8");
    pos = next + 2;
  }
}

/** Form fields of a token request: multipart or urlencoded; anything else parses to nothing, as in PHP. */
function formFields(req: IncomingMessage, body: Buffer): Record<string, string> | undefined {
  const type = mediaType(req);
  if (type === "multipart/form-data") return parseMultipart(body, req.headers["content-type"] ?? "");
  const fields: Record<string, string> = {};
  if (type === "application/x-www-form-urlencoded") {
    // PHP keeps the last of repeated names.
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) fields[k] = v;
  }
  return fields;
}

// ---------------------------------------------------------------------------------------
// Tokens

function signJwt(key: Buffer, claims: Record<string, unknown>): string {
  // `typ` first, so tokens start "eyJ0eXAiOiJKV1Q" like the documented samples.
  const head = Buffer.from(JSON.stringify({ typ: "JWT", alg: "HS256" })).toString("base64url");
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}

function jwtClaims(key: Buffer, token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const expected = createHmac("sha256", key).update(`${parts[0]}.${parts[1]}`).digest();
  const actual = Buffer.from(parts[2], "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * A NumericDate the way lcobucci/jwt v4 (under league/oauth2-server) writes it: seconds with
 * the microseconds as a fraction (inferred). Consumers must not assume integers.
 */
function numericDate(ms: number): number {
  return Number((ms / 1000).toFixed(6));
}

/** A league/oauth2-server error (inferred shape): 401 for invalid_client, 400 otherwise. */
interface LeagueError {
  status: number;
  error: string;
  description: string;
  hint?: string;
  headers?: Record<string, string>;
}

const league = {
  invalidRequest: (parameter: string): LeagueError => ({
    status: 400,
    error: "invalid_request",
    description:
      "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
    hint: `Check the \`${parameter}\` parameter`,
  }),
  invalidClient: (usedBasic: boolean): LeagueError => ({
    status: 401,
    error: "invalid_client",
    description: "Client authentication failed",
    // league answers a Basic challenge only to a client that tried Basic.
    headers: usedBasic ? { "www-authenticate": 'Basic realm="OAuth"' } : undefined,
  }),
  unauthorizedClient: (): LeagueError => ({
    status: 400,
    error: "unauthorized_client",
    description: "The client is not authorized to request an access token using this method.",
  }),
  invalidScope: (scope: string): LeagueError => ({
    status: 400,
    error: "invalid_scope",
    description: "The requested scope is invalid, unknown, or malformed",
    hint: `Check the \`${scope}\` scope`,
  }),
  invalidCredentials: (): LeagueError => ({
    status: 400,
    error: "invalid_grant",
    description: "The user credentials were incorrect.",
  }),
  unsupportedGrantType: (): LeagueError => ({
    status: 400,
    error: "unsupported_grant_type",
    description: "The authorization grant type is not supported by the authorization server.",
    hint: "Check that all required parameters have been provided",
  }),
};

/** The scopes the token endpoints know: only `openid` is documented. */
const ALPHAUS_SCOPES = new Set(["openid"]);

interface IssuedAccessToken {
  product: AlphausProduct;
  clientId: string;
  /** Who the token acts for on the Blue API. */
  principal: string;
  expiresAtMs: number;
}

/** Starts the server on 127.0.0.1. */
export async function startAlphausServer(options: AlphausServerOptions = {}): Promise<AlphausServer> {
  const ttl = options.accessTokenTtl ?? 86400;
  const limit = options.rateLimitPerSecond ?? 100;
  const blueProducts = new Set(options.blueApiProducts ?? ["wave", "ripple"]);
  const key = randomBytes(32);
  let clockOffsetMs = 0;
  let frozenAtMs: number | undefined;
  const now = () => frozenAtMs ?? Date.now() + clockOffsetMs;

  const registry = <T>(idOf: (entry: T) => string, initial: T[]): Registry<T> => {
    const map = new Map<string, T>();
    const reg: Registry<T> = {
      add: (entry) => {
        const copy = { ...entry };
        map.set(idOf(copy), copy);
        return copy;
      },
      get: (id) => map.get(id),
      delete: (id) => map.delete(id),
      list: () => [...map.values()],
    };
    initial.forEach(reg.add);
    return reg;
  };
  const clients = registry<AlphausClient>((c) => c.clientId, options.clients ?? DEFAULT_ALPHAUS_CLIENTS);
  const users = registry<AlphausUser>((u) => u.username, options.users ?? DEFAULT_ALPHAUS_USERS);

  const requests: AlphausRequest[] = [];
  const issuedTokens = new Set<string>();
  const issuedSecrets = new Set<string>();
  const tokenProducts = new Map<string, AlphausProduct>();
  const accessTokens = new Map<string, IssuedAccessToken>();
  const ratePeaks = new Map<string, number>();
  const rateWindows = new Map<string, { second: number; count: number }>();

  /** Counts a request against `clientId`'s current second; false once over the limit. */
  const admit = (clientId: string): boolean => {
    const second = Math.floor(now() / 1000);
    let window = rateWindows.get(clientId);
    if (!window || window.second !== second) {
      window = { second, count: 0 };
      rateWindows.set(clientId, window);
    }
    window.count += 1;
    ratePeaks.set(clientId, Math.max(ratePeaks.get(clientId) ?? 0, window.count));
    return window.count <= limit;
  };

  const verifyAccess = (token: string): IssuedAccessToken | undefined => {
    const issued = accessTokens.get(token);
    // Signature checked too, so a tampered copy of a real token is refused.
    if (!issued || !jwtClaims(key, token) || issued.expiresAtMs <= now()) return undefined;
    return issued;
  };

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const handle: AlphausServer = {
    origin,
    waveTokenEndpoint: `${origin}/access_token`,
    rippleTokenEndpoint: `${origin}/ripple/access_token`,
    blueApiBase: `${origin}/m/blue`,
    requests,
    issuedTokens,
    issuedSecrets,
    clients,
    users,
    productOf: (token) => tokenProducts.get(token),
    verify: (token) => verifyAccess(token) !== undefined,
    failListAfter: undefined,
    failListError: { code: 13, message: "internal error while listing API clients", details: [] },
    ratePeaks,
    peakRequestsPerSecond: (clientId) =>
      clientId === undefined ? Math.max(0, ...ratePeaks.values()) : (ratePeaks.get(clientId) ?? 0),
    advanceClock: (seconds) => {
      clockOffsetMs += seconds * 1000;
    },
    freezeClock: () => {
      frozenAtMs = now();
      return () => {
        frozenAtMs = undefined;
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  // -------------------------------------------------------------------------------------
  // Token endpoints

  const issue = (product: AlphausProduct, client: AlphausClient, user: AlphausUser | undefined, scopes: string[]) => {
    const issuedAt = now();
    const expiresAtMs = issuedAt + ttl * 1000;
    const subject = user?.username ?? client.clientId;
    const accessToken = signJwt(key, {
      aud: client.clientId,
      jti: randomBytes(40).toString("hex"),
      iat: numericDate(issuedAt),
      nbf: numericDate(issuedAt),
      exp: numericDate(expiresAtMs),
      sub: subject,
      scopes,
    });
    accessTokens.set(accessToken, {
      product,
      clientId: client.clientId,
      principal: user?.username ?? client.owner ?? client.clientId,
      expiresAtMs,
    });
    const body: Record<string, unknown> = {};
    if (scopes.includes("openid")) {
      body.id_token = signJwt(key, {
        iss: `${origin}${product === "ripple" ? "/ripple" : ""}`,
        aud: client.clientId,
        sub: subject,
        iat: Math.floor(issuedAt / 1000),
        exp: Math.floor(expiresAtMs / 1000),
      });
    }
    body.token_type = "Bearer";
    body.expires_in = ttl;
    body.access_token = accessToken;
    // league issues refresh tokens for the password grant only; they look like its
    // encrypted payloads ("def50200" + hex). Nothing accepts them back: no refresh grant.
    if (user) body.refresh_token = `def50200${randomBytes(344).toString("hex")}`;
    for (const name of ["id_token", "access_token", "refresh_token"]) {
      const token = body[name];
      if (typeof token !== "string") continue;
      issuedTokens.add(token);
      tokenProducts.set(token, product);
    }
    return body;
  };

  /** The token request, league/oauth2-server order: grant type, client, scopes, user. */
  const tokenRequest = (
    product: AlphausProduct,
    fields: Record<string, string>,
    basic: { id: string; secret: string } | undefined,
  ): { error: LeagueError } | { body: Record<string, unknown> } => {
    const grant = fields.grant_type;
    if (grant !== "client_credentials" && grant !== "password") return { error: league.unsupportedGrantType() };
    const clientId = fields.client_id ?? basic?.id;
    if (!clientId) return { error: league.invalidRequest("client_id") };
    const secret = fields.client_secret ?? basic?.secret;
    const client = clients.get(clientId);
    const secretOk =
      client !== undefined &&
      secret !== undefined &&
      Buffer.byteLength(secret) === Buffer.byteLength(client.clientSecret) &&
      timingSafeEqual(Buffer.from(secret), Buffer.from(client.clientSecret));
    // A client of the other product is as unknown here as a wrong secret.
    if (!client || !secretOk || !(client.products ?? ["wave", "ripple"]).includes(product)) {
      return { error: league.invalidClient(basic !== undefined) };
    }
    if (!(client.grantTypes ?? ["client_credentials", "password"]).includes(grant)) {
      return { error: league.unauthorizedClient() };
    }
    const scopes = (fields.scope ?? "").split(" ").filter(Boolean);
    const unknown = scopes.find((s) => !ALPHAUS_SCOPES.has(s));
    if (unknown) return { error: league.invalidScope(unknown) };
    if (grant === "client_credentials") return { body: issue(product, client, undefined, scopes) };
    if (!fields.username) return { error: league.invalidRequest("username") };
    if (!fields.password) return { error: league.invalidRequest("password") };
    const user = users.get(fields.username);
    if (!user || user.password !== fields.password || !(user.products ?? ["wave", "ripple"]).includes(product)) {
      return { error: league.invalidCredentials() };
    }
    return { body: issue(product, client, user, scopes) };
  };

  const sendLeague = (res: ServerResponse, entry: AlphausRequest, e: LeagueError) => {
    const body: Record<string, string> = { error: e.error, error_description: e.description };
    if (e.hint) body.hint = e.hint;
    // `message` duplicates the description, as league kept it for older clients.
    body.message = e.description;
    send(res, entry, e.status, body, e.headers);
  };

  const onToken = async (product: AlphausProduct, req: IncomingMessage, res: ServerResponse, entry: AlphausRequest) => {
    if (req.method !== "POST") {
      sendLeague(res, entry, {
        status: 405,
        error: "invalid_request",
        description: "The token endpoint accepts POST only.",
        headers: { allow: "POST" },
      });
      return;
    }
    const fields = formFields(req, await readBody(req));
    if (!fields) {
      sendLeague(res, entry, league.invalidRequest("body"));
      return;
    }
    // league reads Basic credentials as-is: base64, split at the first ':' and no decoding.
    const auth = req.headers.authorization;
    let basic: { id: string; secret: string } | undefined;
    if (auth?.startsWith("Basic ")) {
      const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) basic = { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
    }
    entry.grantType = fields.grant_type;
    entry.clientId = fields.client_id ?? basic?.id;
    // Throttling sits in front of the PHP app, so even bad requests count. Its body is not
    // documented: plain text here, so clients must branch on the status alone.
    if (entry.clientId && !admit(entry.clientId)) {
      send(res, entry, 429, "Too Many Requests");
      return;
    }
    const result = tokenRequest(product, fields, basic);
    if ("error" in result) sendLeague(res, entry, result.error);
    else send(res, entry, 200, result.body, { "cache-control": "no-store", pragma: "no-cache" });
  };

  // -------------------------------------------------------------------------------------
  // Blue API (grpc-gateway in front of gRPC; errors are google.rpc.Status)

  const rpcError = (res: ServerResponse, entry: AlphausRequest, status: number, code: number, message: string) =>
    send(res, entry, status, { code, message, details: [] } satisfies GoogleRpcStatus);

  /** ApiClient as Blue sends it; the secret only when just created (proto3 JSON omits it otherwise). */
  const apiClientJson = (c: AlphausClient, withSecret: boolean) => ({
    clientId: c.clientId,
    ...(withSecret ? { clientSecret: c.clientSecret } : {}),
    name: c.name ?? "",
    grantType: "client_credentials",
    parent: c.owner ?? "",
    createTime: c.createTime ?? "",
  });

  const onBlue = async (path: string, req: IncomingMessage, res: ServerResponse, entry: AlphausRequest) => {
    const route = /^\/m\/blue\/iam\/v1\/apiclients(?:\/([^/]+))?\/?$/.exec(path);
    // grpc-gateway routes before the gRPC server authenticates: unknown paths are 404 first.
    if (!route) return rpcError(res, entry, 404, 5, "Not Found");
    const id = route[1] === undefined ? undefined : decodeURIComponent(route[1]);
    const allowed = id === undefined ? ["GET", "POST"] : ["DELETE"];
    if (!allowed.includes(req.method ?? "")) return rpcError(res, entry, 405, 12, "Method Not Allowed");
    const body = await readBody(req);

    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
    const caller = bearer ? verifyAccess(bearer) : undefined;
    if (caller) entry.clientId = caller.clientId;
    if (!caller || !blueProducts.has(caller.product)) {
      return rpcError(res, entry, 401, 16, bearer ? "invalid or expired access token" : "missing access token");
    }
    // The documented limit is across all Alphaus endpoints, so Blue calls share the window.
    if (!admit(caller.clientId)) return rpcError(res, entry, 429, 8, "rate limit exceeded");

    if (req.method === "POST") {
      let input: unknown;
      try {
        input = JSON.parse(body.toString("utf8") || "{}");
      } catch {
        return rpcError(res, entry, 400, 3, "invalid JSON body");
      }
      const name = (input as { name?: unknown } | null)?.name;
      if (typeof name !== "string" || name.trim() === "") return rpcError(res, entry, 400, 3, "name is required");
      const created = clients.add({
        clientId: randomBytes(16).toString("hex"),
        clientSecret: randomBytes(32).toString("base64url"),
        name,
        owner: caller.principal,
        products: ["wave", "ripple"],
        grantTypes: ["client_credentials"],
        createTime: new Date(now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      });
      issuedSecrets.add(created.clientSecret);
      return send(res, entry, 200, apiClientJson(created, true));
    }
    if (req.method === "DELETE") {
      const target = clients.get(id ?? "");
      // Another principal's client is as invisible as a missing one.
      if (!target || target.owner !== caller.principal) return rpcError(res, entry, 404, 5, "API client not found");
      // Tokens already issued to it stay valid until exp (docs/PROTOCOLS.md: inferred).
      clients.delete(target.clientId);
      return send(res, entry, 200, {});
    }
    // GET: a server stream. grpc-gateway writes one `{"result": ...}` line per message and,
    // when the stream fails midway, a final `{"error": ...}` line: the HTTP status is
    // already 200 by then. An empty list is an empty body.
    const mine = clients.list().filter((c) => c.owner === caller.principal);
    const failAfter = handle.failListAfter;
    const results = failAfter === undefined ? mine : mine.slice(0, Math.max(0, failAfter));
    entry.status = 200;
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    for (const c of results) {
      res.write(`${JSON.stringify({ result: apiClientJson(c, false) })}\n`);
      // Separate writes, so clients meet lines split across network chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (failAfter !== undefined) res.write(`${JSON.stringify({ error: handle.failListError })}\n`);
    res.end();
  };

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0];
    const entry: AlphausRequest = { method: req.method ?? "", path, contentType: mediaType(req) };
    requests.push(entry);
    const route = async () => {
      if (path === "/access_token") return onToken("wave", req, res, entry);
      if (path === "/ripple/access_token") return onToken("ripple", req, res, entry);
      if (path === "/m/blue" || path.startsWith("/m/blue/")) return onBlue(path, req, res, entry);
      send(res, entry, 404, "Not Found");
    };
    route().catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof BodyTooLarge) return send(res, entry, 413, "Payload Too Large");
      send(res, entry, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  return handle;
}

/** Writes a JSON (object) or plain-text (string) answer and records its status. */
function send(
  res: ServerResponse,
  entry: AlphausRequest,
  status: number,
  body: object | string,
  headers: Record<string, string> = {},
): void {
  entry.status = status;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain; charset=UTF-8" : JSON_TYPE,
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  startAlphausServer({ port: Number(arg("port") ?? 0) }).then(
    (s) => {
      const { origin, waveTokenEndpoint, rippleTokenEndpoint, blueApiBase } = s;
      process.stdout.write(`${JSON.stringify({ origin, waveTokenEndpoint, rippleTokenEndpoint, blueApiBase })}\n`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    },
    (error) => {
      console.error(`Alphaus server failed to start: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
