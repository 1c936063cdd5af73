/**
 * A real, certified OAuth 2.0 / OIDC server (`oidc-provider`) on loopback, configured for
 * the flows this package speaks: client_credentials, introspection (RFC 7662), revocation
 * (RFC 7009), discovery. Used by the tests and by the demo (`npm run demo`).
 *
 * Run directly to serve the demo client until killed:
 *   node -r ts-node/register/transpile-only test/kit/oauth-server.ts --port 9580 --store .demo/oauth.json
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname } from "node:path";

/** A client registered at start. */
export interface TestClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method?: "client_secret_basic" | "client_secret_post" | "none";
  scope?: string;
  grant_types?: string[];
  response_types?: string[];
  redirect_uris?: string[];
  /** "native" lets a loopback redirect URI use any port (RFC 8252 §7.3). */
  application_type?: "web" | "native";
}

/** Options of {@link startOAuthServer}. */
export interface OAuthServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  clients?: TestClient[];
  /** Lifetime of client_credentials tokens, seconds. Default 3600. */
  accessTokenTtl?: number;
  /** Persist tokens to this JSON file (survives restarts); default in memory. */
  storeFile?: string;
  /** Serve oidc-provider's development login/consent pages (for authorization code tests). */
  interactive?: boolean;
  /** Called with each accepted TCP connection (the benchmark tracks how many are open at once). */
  onConnection?: (socket: Socket) => void;
  /**
   * Enable dynamic client registration (RFC 7591, at `/reg`) and its management (RFC 7592,
   * at `/reg/<client_id>`, rotating the registration access token on each update). With
   * `initialAccessToken`, registration requires that Bearer token. Default off.
   */
  registration?: { initialAccessToken?: string };
  /**
   * Introspection as some servers answer a client about its own tokens. `inactiveFor`: these
   * client ids are told `{"active": false}` for every token, live or not (as Keycloak ≥ 26.6
   * tells a client that is not in its tokens' audience: RFC 7662 §2.2 lets a server say
   * so to a caller that may not know). `forbiddenFor`: these client ids are refused with
   * HTTP 403 `invalid_request` "Client not allowed" (as Keycloak refuses a public client).
   * Default: any authenticated client may introspect any token.
   */
  introspection?: { inactiveFor?: string[]; forbiddenFor?: string[] };
}

/** A running server. */
export interface OAuthServer {
  issuer: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  /** The RFC 7591 registration endpoint (served only with the `registration` option). */
  registrationEndpoint: string;
  /** Every access token this server has issued (canaries for leak scans). */
  issuedTokens: Set<string>;
  /** When each revoked access token was revoked (ms since epoch), by token value. */
  revokedAt: Map<string, number>;
  /** Requests seen, by path (for "no request was made" assertions). */
  requests: { method: string; path: string }[];
  /** TCP connections accepted so far (keep-alive reuse shows as few connections, many requests). */
  readonly connections: number;
  /** Introspects `token` as `client` would (RFC 7662) and returns the answer. */
  introspect(token: string, client: TestClient): Promise<{ active: boolean; [k: string]: unknown }>;
  /** Revokes `token` at the server (RFC 7009), as `client`. */
  revoke(token: string, client: TestClient): Promise<void>;
  close(): Promise<void>;
}

/** The API scopes the server knows. */
export const SCOPES = ["api:read", "api:write", "reports:read"];

/** Default clients: one per client authentication method. */
export const DEFAULT_CLIENTS: TestClient[] = [
  {
    client_id: "demo-client",
    client_secret: "demo-client-secret-change-me",
    token_endpoint_auth_method: "client_secret_basic",
    scope: SCOPES.join(" "),
  },
  {
    client_id: "post-client",
    client_secret: "post-client-secret-change-me",
    token_endpoint_auth_method: "client_secret_post",
    scope: SCOPES.join(" "),
  },
];

type Stored = Record<string, { payload: Record<string, unknown>; expiresAt?: number }>;

function adapterFactory(issued: Set<string>, revokedAt: Map<string, number>, storeFile?: string) {
  const store: Stored = storeFile && existsSync(storeFile) ? JSON.parse(readFileSync(storeFile, "utf8")) : {};
  const save = () => {
    if (!storeFile) return;
    mkdirSync(dirname(storeFile), { recursive: true });
    writeFileSync(storeFile, JSON.stringify(store));
  };
  return class Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      // Opaque access tokens are stored under their own value.
      if (this.model === "ClientCredentials" || this.model === "AccessToken") issued.add(id);
      store[this.key(id)] = { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined };
      save();
    }
    async find(id: string) {
      const entry = store[this.key(id)];
      if (!entry) return undefined;
      if (entry.expiresAt && entry.expiresAt < Date.now()) return undefined;
      return entry.payload;
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid(uid: string) {
      return Object.entries(store).find(([k, v]) => k.startsWith(`${this.model}:`) && v.payload.uid === uid)?.[1]
        .payload;
    }
    async consume(id: string) {
      const entry = store[this.key(id)];
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      save();
    }
    async destroy(id: string) {
      if (store[this.key(id)] && (this.model === "ClientCredentials" || this.model === "AccessToken")) {
        revokedAt.set(id, Date.now());
      }
      delete store[this.key(id)];
      save();
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of Object.entries(store)) if (v.payload.grantId === grantId) delete store[k];
      save();
    }
  };
}

/** Starts the server on 127.0.0.1. */
export async function startOAuthServer(options: OAuthServerOptions = {}): Promise<OAuthServer> {
  const { default: Provider, errors } = await import("oidc-provider");
  // Keycloak's answer to a client that may not introspect.
  const clientNotAllowed = () => new errors.InvalidRequest("Client not allowed", 403);
  const clients = options.clients ?? DEFAULT_CLIENTS;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const issued = new Set<string>();
  const revokedAt = new Map<string, number>();
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    adapter: adapterFactory(issued, revokedAt, options.storeFile),
    clients: clients.map(
      (c) =>
        ({
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: "client_secret_basic",
          ...c,
        }) as never,
    ),
    jwks: { keys: [privateKey.export({ format: "jwk" }) as Record<string, unknown> as never] },
    scopes: ["openid", "offline_access", ...SCOPES],
    features: {
      devInteractions: { enabled: options.interactive === true },
      clientCredentials: { enabled: true },
      // Any authenticated client may introspect (unless the introspection option says
      // otherwise); only the owner may revoke (as in most servers).
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }) => {
          if (options.introspection?.forbiddenFor?.includes(client.clientId)) throw clientNotAllowed();
          return !options.introspection?.inactiveFor?.includes(client.clientId);
        },
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      registration: {
        enabled: options.registration !== undefined,
        initialAccessToken: options.registration?.initialAccessToken ?? false,
      },
      registrationManagement: { enabled: options.registration !== undefined },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => ({
          scope: SCOPES.join(" "),
          audience: resource,
          accessTokenFormat: "opaque",
        }),
      },
    },
    ttl: { ClientCredentials: options.accessTokenTtl ?? 3600, AccessToken: options.accessTokenTtl ?? 3600 },
    // Any login is an account (the development login page accepts any name).
    findAccount: async (_ctx: unknown, accountId: string) => ({ accountId, claims: async () => ({ sub: accountId }) }),
  });
  provider.proxy = false;
  // Keep the server quiet: its errors reach tests as HTTP answers.
  provider.on("server_error", () => {});
  const requests: OAuthServer["requests"] = [];
  let connections = 0;
  server.on("connection", (socket: Socket) => {
    connections += 1;
    options.onConnection?.(socket);
  });
  const callback = provider.callback();
  server.on("request", (req, res) => {
    requests.push({ method: req.method ?? "", path: (req.url ?? "").split("?")[0] });
    callback(req, res);
  });

  const form = async (path: string, token: string, client: TestClient) => {
    const res = await fetch(`${issuer}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token }).toString(),
    });
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return res.text();
  };

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    registrationEndpoint: `${issuer}/reg`,
    requests,
    get connections() {
      return connections;
    },
    issuedTokens: issued,
    revokedAt,
    introspect: async (token, client) => JSON.parse(await form("/token/introspection", token, client)),
    revoke: async (token, client) => {
      await form("/token/revocation", token, client);
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
  startOAuthServer({ port: Number(arg("port") ?? 0), storeFile: arg("store") }).then(
    (s) => {
      process.stdout.write(`${JSON.stringify({ issuer: s.issuer })}\n`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    },
    (error) => {
      console.error(`OAuth server failed to start: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
