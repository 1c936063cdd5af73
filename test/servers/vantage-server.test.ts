/**
 * Smoke tests of the ABBYY Vantage stand-in: discovery, the three modelled grants, one-time
 * refresh tokens with an absolute lifetime, error shapes, the public and admin APIs, over
 * real HTTP with plain `fetch`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_VANTAGE_CLIENTS,
  DEFAULT_VANTAGE_TENANT,
  VANTAGE_SCOPE,
  type VantageServer,
  startVantageServer,
} from "./vantage-server";

/** A JSON answer, typed by the fields these tests read; each test asserts what it expects. */
interface Answer {
  [field: string]: unknown;
  access_token: string;
  refresh_token: string;
  scope: string;
  error: string;
  clientId: string;
  clientSecret: string;
  detail: string;
}

const bodyOf = async (res: Response) => (await res.json()) as Answer;

const [demo, ccOnly] = DEFAULT_VANTAGE_CLIENTS;
const admin = { username: "admin@example.com", password: "demo-password" };

function post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** RFC 6749 §2.3.1 Basic: form-urlencode id and secret, then Base64. */
function basic(id: string, secret: string) {
  const enc = (v: string) => new URLSearchParams({ v }).toString().slice(2);
  return { authorization: `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}` };
}

const secretOf = (client: { clientId: string; clientSecret?: string }) => ({
  client_id: client.clientId,
  client_secret: client.clientSecret ?? "",
});

describe("Vantage discovery", () => {
  it("publishes tenant and non-tenant documents; revocation only when enabled", async () => {
    const plain = await startVantageServer();
    const withRevocation = await startVantageServer({ revocation: true });
    try {
      const doc = await bodyOf(await fetch(plain.tenant.discoveryUrl));
      expect(doc.issuer).toBe(`${plain.origin}/auth2/${DEFAULT_VANTAGE_TENANT}`);
      expect(doc.token_endpoint).toBe(`${plain.origin}/auth2/${DEFAULT_VANTAGE_TENANT}/connect/token`);
      expect(doc.token_endpoint).toBe(plain.tenant.tokenEndpoint);
      expect(doc.revocation_endpoint).toBeUndefined();
      expect((await fetch(plain.tenant.revocationEndpoint, { method: "POST" })).status).toBe(404);

      const root = await bodyOf(await fetch(plain.discoveryUrl));
      expect(root.issuer).toBe(`${plain.origin}/auth2`);
      expect(root.token_endpoint).toBe(plain.tokenEndpoint);

      const revDoc = await bodyOf(await fetch(withRevocation.tenant.discoveryUrl));
      expect(revDoc.revocation_endpoint).toBe(withRevocation.tenant.revocationEndpoint);
      expect(revDoc.revocation_endpoint).toMatch(/\/auth2\/[^/]+\/connect\/revocation$/);

      expect((await fetch(`${plain.origin}/auth2/unknown-tenant/.well-known/openid-configuration`)).status).toBe(404);
    } finally {
      await plain.close();
      await withRevocation.close();
    }
  });
});

describe("Vantage token endpoint", () => {
  let server: VantageServer;
  beforeAll(async () => {
    server = await startVantageServer();
  });
  afterAll(() => server.close());

  it("issues client_credentials tokens with the documented scope (body auth)", async () => {
    const res = await post(server.tenant.tokenEndpoint, {
      grant_type: "client_credentials",
      ...secretOf(ccOnly),
      scope: VANTAGE_SCOPE,
    });
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 86400, scope: VANTAGE_SCOPE });
    expect(body.refresh_token).toBeUndefined();
    expect(body.access_token.split(".")).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(body.access_token.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ iss: server.tenant.issuer, client_id: ccOnly.clientId });
    expect(server.verify(body.access_token)).toBe(true);
    expect(server.issuedTokens.has(body.access_token)).toBe(true);

    const api = await fetch(server.transactionsUrl, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(api.status).toBe(200);
    expect(await bodyOf(api)).toEqual({ items: [] });
  });

  it("accepts HTTP Basic (form-urlencoded id and secret) and scope subsets", async () => {
    const odd = server.clients.add({ clientId: "odd client", clientSecret: "s3cr:t/+ %x" });
    const res = await post(
      server.tokenEndpoint,
      { grant_type: "client_credentials", scope: "openid" },
      basic(odd.clientId, odd.clientSecret ?? ""),
    );
    expect(res.status).toBe(200);
    expect((await bodyOf(res)).scope).toBe("openid");
    expect(server.requests.at(-1)).toMatchObject({ authScheme: "Basic", clientId: "odd client", status: 200 });
  });

  it("defaults an absent scope to the client's allowed scopes", async () => {
    const res = await post(server.tokenEndpoint, { grant_type: "client_credentials", ...secretOf(ccOnly) });
    expect((await bodyOf(res)).scope.split(" ")).toEqual(
      expect.arrayContaining(["openid", "permissions", "global.wildcard"]),
    );
  });

  it("answers IdentityServer errors", async () => {
    const cc = { grant_type: "client_credentials", ...secretOf(ccOnly) };
    const scope = await post(server.tokenEndpoint, { ...cc, scope: "openid nonsense" });
    expect(scope.status).toBe(400);
    expect(await bodyOf(scope)).toEqual({ error: "invalid_scope" });

    // No refresh tokens from client_credentials.
    const offline = await post(server.tokenEndpoint, { ...cc, scope: `${VANTAGE_SCOPE} offline_access` });
    expect((await bodyOf(offline)).error).toBe("invalid_scope");

    const client = await post(server.tokenEndpoint, { ...cc, client_secret: "wrong" });
    expect(client.status).toBe(400);
    expect(await bodyOf(client)).toEqual({ error: "invalid_client" });

    const grant = await post(server.tokenEndpoint, { ...cc, grant_type: "authorization_code", code: "x" });
    expect((await bodyOf(grant)).error).toBe("unsupported_grant_type");

    const ropc = await post(server.tokenEndpoint, { ...cc, grant_type: "password", ...admin });
    expect((await bodyOf(ropc)).error).toBe("unauthorized_client");

    const json = await fetch(server.tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(cc),
    });
    expect(json.status).toBe(400);
    expect((await bodyOf(json)).error).toBe("invalid_request");

    // A client of another tenant does not exist at this tenant's endpoint.
    server.clients.add({ clientId: "elsewhere", clientSecret: "x", tenantId: "other-tenant" });
    const tenant = await post(server.tenant.tokenEndpoint, {
      grant_type: "client_credentials",
      client_id: "elsewhere",
      client_secret: "x",
    });
    expect((await bodyOf(tenant)).error).toBe("invalid_client");
  });

  it("can answer invalid_client with 401 instead", async () => {
    const strict = await startVantageServer({ invalidClientStatus: 401 });
    try {
      const res = await post(strict.tokenEndpoint, {
        grant_type: "client_credentials",
        client_id: "x",
        client_secret: "y",
      });
      expect(res.status).toBe(401);
      expect((await bodyOf(res)).error).toBe("invalid_client");
    } finally {
      await strict.close();
    }
  });

  it("issues ROPC tokens, with a refresh token only for offline_access", async () => {
    const ropc = { grant_type: "password", ...secretOf(demo), ...admin };
    const plain = await bodyOf(await post(server.tenant.tokenEndpoint, { ...ropc, scope: VANTAGE_SCOPE }));
    expect(plain.refresh_token).toBeUndefined();
    expect(server.verify(plain.access_token)).toBe(true);

    const offline = await bodyOf(
      await post(server.tenant.tokenEndpoint, { ...ropc, scope: `${VANTAGE_SCOPE} offline_access` }),
    );
    expect(offline.refresh_token).toMatch(/^[0-9A-F]{64}$/);
    expect(server.issuedTokens.has(offline.refresh_token)).toBe(true);
    expect(server.activeRefreshTokens()).toContain(offline.refresh_token);

    const wrong = await post(server.tenant.tokenEndpoint, { ...ropc, password: "nope" });
    expect(wrong.status).toBe(400);
    expect(await bodyOf(wrong)).toEqual({ error: "invalid_grant", error_description: "invalid_username_or_password" });

    server.users.add({ username: "sso@example.com", password: "pw", externalIdp: true });
    const sso = await post(server.tenant.tokenEndpoint, { ...ropc, username: "sso@example.com", password: "pw" });
    expect((await bodyOf(sso)).error).toBe("invalid_grant");
  });

  it("needs the tenant-scoped endpoint for an e-mail in several tenants", async () => {
    const multi = await startVantageServer({
      tenants: ["t1", "t2"],
      clients: [{ clientId: "c1", clientSecret: "s1", tenantId: "t1", allowRopc: true }],
      users: [
        { username: "both@example.com", password: "pw", tenantId: "t1" },
        { username: "both@example.com", password: "pw2", tenantId: "t2" },
      ],
    });
    try {
      const fields = {
        grant_type: "password",
        client_id: "c1",
        client_secret: "s1",
        username: "both@example.com",
        password: "pw",
      };
      const global = await post(multi.tokenEndpoint, fields);
      expect(global.status).toBe(400);
      expect((await bodyOf(global)).error).toBe("invalid_grant");
      expect((await post(multi.urlsFor("t1").tokenEndpoint, fields)).status).toBe(200);
      expect(multi.tenantId).toBe("t1");
    } finally {
      await multi.close();
    }
  });
});

describe("Vantage refresh tokens", () => {
  let server: VantageServer;
  beforeAll(async () => {
    server = await startVantageServer({ revocation: true, refreshTokenTtl: 3600 });
  });
  afterAll(() => server.close());

  const signIn = async () => {
    const res = await post(server.tenant.tokenEndpoint, {
      grant_type: "password",
      ...secretOf(demo),
      ...admin,
      scope: `${VANTAGE_SCOPE} offline_access`,
    });
    return (await bodyOf(res)).refresh_token as string;
  };
  const refresh = (rt: string) =>
    post(server.tenant.tokenEndpoint, { grant_type: "refresh_token", ...secretOf(demo), refresh_token: rt });

  it("rotates: each refresh returns a new token and spends the old one", async () => {
    const first = await signIn();
    const res = await refresh(first);
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.refresh_token).not.toBe(first);
    expect(server.verify(body.access_token)).toBe(true);
    expect(server.activeRefreshTokens()).toContain(body.refresh_token);
    expect(server.activeRefreshTokens()).not.toContain(first);

    const reuse = await refresh(first);
    expect(reuse.status).toBe(400);
    expect(await bodyOf(reuse)).toEqual({ error: "invalid_grant" });

    expect((await refresh(body.refresh_token)).status).toBe(200);
  });

  it("keeps the absolute expiry across rotations", async () => {
    const first = await signIn();
    const expiry = server.refreshTokenExpiry(first);
    server.advanceClock(1800);
    const second = (await bodyOf(await refresh(first))).refresh_token;
    expect(server.refreshTokenExpiry(second)).toBe(expiry);
    server.advanceClock(1801);
    const late = await refresh(second);
    expect(late.status).toBe(400);
    expect((await bodyOf(late)).error).toBe("invalid_grant");
    expect(server.activeRefreshTokens()).not.toContain(second);
  });

  it("refuses another client's refresh token", async () => {
    const rt = await signIn();
    server.clients.add({ clientId: "thief", clientSecret: "t", allowOfflineAccess: true });
    const res = await post(server.tenant.tokenEndpoint, {
      grant_type: "refresh_token",
      client_id: "thief",
      client_secret: "t",
      refresh_token: rt,
    });
    expect((await bodyOf(res)).error).toBe("invalid_grant");
    expect((await refresh(rt)).status).toBe(200);
  });

  it("revokes by test control and at the revocation endpoint (RFC 7009)", async () => {
    const a = await signIn();
    expect(server.revokeRefreshToken(a)).toBe(true);
    expect(server.revokeRefreshToken(a)).toBe(false);
    expect((await refresh(a)).status).toBe(400);

    const b = await signIn();
    const revoke = await post(server.tenant.revocationEndpoint, {
      ...secretOf(demo),
      token: b,
      token_type_hint: "refresh_token",
    });
    expect(revoke.status).toBe(200);
    expect((await refresh(b)).status).toBe(400);
    const unknown = await post(server.tenant.revocationEndpoint, { ...secretOf(demo), token: "whatever" });
    expect(unknown.status).toBe(200);
    const anonymous = await post(server.tenant.revocationEndpoint, { token: "whatever" });
    expect((await bodyOf(anonymous)).error).toBe("invalid_client");
  });

  it("stops refreshing when the user is removed", async () => {
    const rt = await signIn();
    server.users.delete(admin.username);
    expect((await refresh(rt)).status).toBe(400);
    server.users.add(admin);
  });
});

describe("Vantage APIs", () => {
  let server: VantageServer;
  let adminToken: string;
  beforeAll(async () => {
    server = await startVantageServer({ accessTokenTtl: 600, tenants: [DEFAULT_VANTAGE_TENANT, "other"] });
    const res = await post(server.tenant.tokenEndpoint, {
      grant_type: "password",
      ...secretOf(demo),
      ...admin,
      scope: VANTAGE_SCOPE,
    });
    adminToken = (await bodyOf(res)).access_token;
  });
  afterAll(() => server.close());

  const createClient = (body: unknown, token = adminToken, url = server.tenant.adminClientsUrl) =>
    fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("answers 401 ProblemDetails without a valid token", async () => {
    const res = await fetch(server.transactionsUrl);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await bodyOf(res)).toMatchObject({ title: "Unauthorized", status: 401, type: expect.any(String) });
    const forged = await fetch(server.transactionsUrl, { headers: { authorization: "Bearer a.b.c" } });
    expect(forged.status).toBe(401);
    expect((await bodyOf(forged)).detail).toEqual(expect.any(String));
  });

  it("expires access tokens on the server clock", async () => {
    const short = await startVantageServer({ accessTokenTtl: 60 });
    try {
      const body = await bodyOf(
        await post(short.tokenEndpoint, { grant_type: "client_credentials", ...secretOf(ccOnly) }),
      );
      expect(body.expires_in).toBe(60);
      short.advanceClock(61);
      expect(short.verify(body.access_token)).toBe(false);
      const res = await fetch(short.transactionsUrl, { headers: { authorization: `Bearer ${body.access_token}` } });
      expect(res.status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it("creates an API client that can then get tokens", async () => {
    const res = await createClient({
      clientId: "ci-client",
      clientName: "CI",
      allowedGrantTypes: ["client_credentials"],
      allowedScopes: ["openid", "permissions", "publicapi.all"],
      allowOfflineAccess: false,
      requireClientSecret: true,
    });
    expect(res.status).toBe(201);
    const created = await bodyOf(res);
    expect(created).toMatchObject({
      clientId: "ci-client",
      clientName: "CI",
      allowedGrantTypes: ["client_credentials"],
      allowRopc: false,
      redirectUris: [],
    });
    expect(created.clientSecret).toEqual(expect.any(String));
    expect(server.issuedSecrets.has(created.clientSecret)).toBe(true);

    const token = await post(server.tenant.tokenEndpoint, {
      grant_type: "client_credentials",
      client_id: created.clientId,
      client_secret: created.clientSecret,
      scope: `${VANTAGE_SCOPE} publicapi.all`,
    });
    expect(token.status).toBe(200);

    // The id is generated when not given; the older v1 path works too.
    const v1 = await createClient(
      { clientName: "gen" },
      adminToken,
      server.tenant.adminClientsUrl.replace("/v2/", "/v1/"),
    );
    expect(v1.status).toBe(201);
    expect((await bodyOf(v1)).clientId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers admin API errors as ProblemDetails", async () => {
    expect((await createClient({ clientId: "ci-client" })).status).toBe(409);

    const invalid = await createClient({ clientId: "bad", allowRopc: "yes" });
    expect(invalid.status).toBe(400);
    expect(await bodyOf(invalid)).toMatchObject({
      title: "One or more validation errors occurred.",
      errors: { allowRopc: [expect.any(String)] },
    });

    expect((await createClient({ clientName: "x" }, "not-a-token")).status).toBe(401);
    expect((await createClient({ clientName: "x" }, adminToken, server.urlsFor("other").adminClientsUrl)).status).toBe(
      403,
    );

    // Create-only: no list, no per-client routes.
    expect(
      (await fetch(server.tenant.adminClientsUrl, { headers: { authorization: `Bearer ${adminToken}` } })).status,
    ).toBe(405);
    const del = await fetch(`${server.tenant.adminClientsUrl}ci-client`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(del.status).toBe(404);
  });
});
