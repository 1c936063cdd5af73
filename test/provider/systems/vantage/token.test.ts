/**
 * The ABBYY Vantage system, called directly and through the lifecycle core, against the
 * local Vantage server: endpoints and discovery, the three grants, one-time refresh tokens
 * rotated and persisted through successive renewals, the absolute refresh-token end carried
 * over and warned about, invalid_grant as "re-authorize", error shapes, no secret in any
 * message.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../provider/errors";
import { type Transport, createTransport } from "../../../../provider/http/transport";
import type { SystemContext } from "../../../../provider/core/token-system";
import {
  VANTAGE_DEFAULT_PRODUCT_ID,
  VANTAGE_REAUTHORIZE_HINT,
  vantageAuthorizeUrl,
  vantageSystem,
} from "../../../../provider/systems/vantage/token";
import {
  checkInputs,
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  updateAccessToken,
} from "../../../kit/lifecycles";
import { VANTAGE_SCOPE, type VantageServer, startVantageServer } from "../../../servers/vantage-server";
import { failure as failureWithout, systemContext, tokenDeps } from "../../../kit/helpers";

const DAY = 86_400_000;
const client = {
  clientId: "canary-vantage",
  clientSecret: `vantage-secret-${randomUUID()}`,
  allowRopc: true,
  allowOfflineAccess: true,
};
const ccOnly = { clientId: "cc-only", clientSecret: `cc-secret-${randomUUID()}` };
const user = { username: "canary@example.com", password: `vantage-password-${randomUUID()}` };
const SECRETS = [client.clientSecret, ccOnly.clientSecret, user.password];

let server: VantageServer;
let bare: VantageServer;
beforeAll(async () => {
  server = await startVantageServer({ revocation: true, clients: [client, ccOnly], users: [user] });
  bare = await startVantageServer({ clients: [client], users: [user] });
});
afterAll(async () => {
  await server?.close();
  await bare?.close();
});

const deps = (now?: () => Date, transport?: Transport) => tokenDeps({ now, transport });
const ctxOf = (transport?: Transport): SystemContext => systemContext({ transport });

/** The AccessTokenError a call fails with, carrying no secret. */
const failure = (promise: Promise<unknown>) => failureWithout(promise, [...SECRETS, ...server.issuedTokens]);

const props = (extra: Record<string, unknown>) => ({ system: "vantage", resourceName: "v", ...extra });
const cc = () => props({ baseUrl: server.origin, clientId: client.clientId, clientSecret: client.clientSecret });
const ropc = (extra: Record<string, unknown> = {}) =>
  props({
    baseUrl: server.origin,
    tenantId: server.tenantId,
    grantType: "password",
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    username: user.username,
    password: user.password,
    offlineAccess: true,
    ...extra,
  });

/** A refresh token from an interactive-like sign-in, fetched directly. */
async function signIn(): Promise<string> {
  const res = await fetch(server.tenant.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: client.clientId,
      client_secret: client.clientSecret,
      username: user.username,
      password: user.password,
      scope: `${VANTAGE_SCOPE} offline_access`,
    }).toString(),
  });
  return ((await res.json()) as { refresh_token: string }).refresh_token;
}

const tokenPosts = (s: VantageServer) => s.requests.filter((r) => r.method === "POST" && r.path.endsWith("/token"));

describe("check", () => {
  it("names the property and the reason for each bad input", () => {
    const r = checkInputs(
      props({
        region: "jp",
        baseUrl: "http://vantage.example.com",
        tenantId: "a/b",
        clientId: "c",
        grantType: "client_credentials",
        username: "u",
        refreshTokenIssuedAt: "yesterday",
        scopes: ["has space"],
      }),
    );
    const pairs = (r.failures ?? []).map((f) => [f.property, f.reason]);
    expect(pairs.sort()).toEqual(
      [
        ["region", 'must be "eu", "us" or "au"'],
        ["baseUrl", 'set exactly one of region ("eu", "us", "au") or baseUrl'],
        ["baseUrl", "must use https for a non-loopback host"],
        ["tenantId", "must be a tenant id (a GUID such as 3f1b8c2e-5d7a-4e96-9b0c-2a6d4f8e1c57)"],
        ["refreshTokenIssuedAt", 'must be an RFC 3339 date-time such as "2025-01-31T09:00:00Z"'],
        ["refreshTokenIssuedAt", 'is only used with grantType "refresh_token" (grantType is "client_credentials")'],
        ["scopes.0", "must be a single RFC 6749 §3.3 scope token (no spaces or quotes)"],
        [
          "clientSecret",
          'is required (or name a stack config key in clientSecretConfigKey, or set clientAuthMethod "none" for a public client)',
        ],
        ["username", 'is only used with grantType "password" (grantType is "client_credentials")'],
      ].sort(),
    );
  });

  it("checks grant requirements and the URL policy", () => {
    const failures = (p: Record<string, unknown>) =>
      Object.fromEntries((checkInputs(props(p)).failures ?? []).map((f) => [f.property, f.reason]));
    expect(failures({ region: "eu", clientId: "c", clientSecret: "s", grantType: "password" })).toEqual({
      username: 'is required for grantType "password"',
      password: 'is required for grantType "password"',
    });
    expect(failures({ region: "eu", clientId: "c", clientSecret: "s", grantType: "refresh_token" })).toEqual({
      initialRefreshToken: 'is required for grantType "refresh_token" (the refresh token of an interactive sign-in)',
    });
    expect(
      failures({ region: "eu", clientId: "c", clientSecret: "s", initialRefreshToken: "r", offlineAccess: true }),
    ).toEqual({
      offlineAccess: 'is only used with grantType "password" (grantType is "client_credentials")',
      initialRefreshToken: 'is only used with grantType "refresh_token" (grantType is "client_credentials")',
    });
    expect(failures({ baseUrl: "http://vantage.example.com", clientId: "c", clientSecret: "s" })).toEqual({
      baseUrl: "must use https for a non-loopback host",
    });
    expect(failures({ baseUrl: "http://127.0.0.1:1", clientId: "c", clientSecret: "s" })).toEqual({});
    expect(failures({ region: "us", clientId: "c", clientAuthMethod: "none" })).toEqual({
      clientAuthMethod: 'a public client ("none") cannot use the client_credentials grant',
    });
  });

  it("warns when the refresh token's start is unknown", () => {
    expect(
      vantageSystem.inputWarnings?.({ grantType: "refresh_token", clientId: "c", initialRefreshToken: "r" }),
    ).toEqual([
      "refreshTokenIssuedAt is not set: the refresh token's 30-day end is unknown, so preview cannot warn before it",
    ]);
  });
});

describe("endpoints", () => {
  it("regions map to the documented hosts; without a tenant the documented token endpoint is used", async () => {
    const seen: string[] = [];
    const fake: Transport = async (req) => {
      seen.push(req.url);
      return { status: 200, headers: {}, body: JSON.stringify({ access_token: "a", token_type: "Bearer" }) };
    };
    for (const region of ["eu", "us", "au"] as const) {
      await vantageSystem.issue({ region, clientId: "c", clientSecret: "s" }, ctxOf(fake));
    }
    expect(seen).toEqual([
      "https://vantage-eu.abbyy.com/auth2/connect/token",
      "https://vantage-us.abbyy.com/auth2/connect/token",
      "https://vantage-au.abbyy.com/auth2/connect/token",
    ]);
  });

  it("client_credentials: documented form body, client_secret_post, default scope", async () => {
    const seen: string[] = [];
    const recording: Transport = async (req, rctx, o) => {
      if (req.body) seen.push(req.body);
      return createTransport()(req, rctx, o);
    };
    const created = await createAccessToken(cc(), deps(undefined, recording));
    const outs = created.outs as Record<string, unknown>;
    expect(server.verify(outs.accessToken as string)).toBe(true);
    expect(outs.resolvedTokenEndpoint).toBe(server.tokenEndpoint);
    expect(outs.scope).toBe(VANTAGE_SCOPE);
    expect(outs.refreshToken).toBeUndefined();
    expect(tokenPosts(server).at(-1)).toMatchObject({
      path: "/auth2/connect/token",
      contentType: "application/x-www-form-urlencoded",
      grantType: "client_credentials",
      authScheme: undefined,
      status: 200,
    });
    const form = new URLSearchParams(seen.at(-1));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: "client_credentials",
      client_id: client.clientId,
      client_secret: client.clientSecret,
      scope: "openid permissions global.wildcard",
    });
  });

  it("with a tenant: discovery, the tenant token endpoint, and a revocation endpoint when listed", async () => {
    const before = server.requests.length;
    const created = await createAccessToken(props({ ...cc(), tenantId: server.tenantId }), deps());
    const outs = created.outs as Record<string, unknown>;
    expect(server.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /auth2/${server.tenantId}/.well-known/openid-configuration`,
      `POST /auth2/${server.tenantId}/connect/token`,
    ]);
    expect(outs.endpoints).toEqual({
      token: server.tenant.tokenEndpoint,
      revocation: server.tenant.revocationEndpoint,
    });

    const plain = await createAccessToken(props({ ...cc(), baseUrl: bare.origin, tenantId: bare.tenantId }), deps());
    expect((plain.outs as Record<string, unknown>).endpoints).toEqual({ token: bare.tenant.tokenEndpoint });
  });

  it("falls back to the documented tenant endpoint when there is no discovery document", async () => {
    const noDiscovery: Transport = async (req, rctx, o) =>
      req.url.includes("/.well-known/") ? { status: 404, headers: {}, body: "" } : createTransport()(req, rctx, o);
    const issued = await vantageSystem.issue(
      { baseUrl: server.origin, tenantId: server.tenantId, ...cc() } as never,
      ctxOf(noDiscovery),
    );
    expect(issued.endpoints).toEqual({ token: server.tenant.tokenEndpoint });
  });

  it("refuses discovery metadata for another issuer", async () => {
    const forged: Transport = async () => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ issuer: "https://evil.example/auth2/x", token_endpoint: "https://evil.example/t" }),
    });
    const e = await failure(createAccessToken(props({ ...cc(), tenantId: server.tenantId }), deps(undefined, forged)));
    expect(e.code).toBe(ErrorCode.DISCOVERY);
    expect(e.message).toContain(`not "${server.tenant.issuer}"`);
  });

  it("builds the documented authorize URL with productId", () => {
    const url = new URL(
      vantageAuthorizeUrl(
        { region: "eu", clientId: "c" },
        { redirectUri: "http://127.0.0.1:8765/callback", state: "st", codeChallenge: "ch" },
      ),
    );
    expect(`${url.origin}${url.pathname}`).toBe("https://vantage-eu.abbyy.com/auth2/connect/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "c",
      redirect_uri: "http://127.0.0.1:8765/callback",
      response_type: "code",
      scope: "openid permissions global.wildcard offline_access",
      state: "st",
      code_challenge: "ch",
      code_challenge_method: "S256",
      productId: VANTAGE_DEFAULT_PRODUCT_ID,
    });
    expect(VANTAGE_DEFAULT_PRODUCT_ID).toBe("a8548c9b-cb90-4c66-8567-d7372bb9b963");
  });
});

describe("one-time refresh tokens", () => {
  it("the password grant with offlineAccess stores a refresh token and its absolute end", async () => {
    const t0 = Date.now();
    const created = await createAccessToken(
      ropc(),
      deps(() => new Date(t0)),
    );
    const outs = created.outs as Record<string, unknown>;
    expect(server.activeRefreshTokens()).toContain(outs.refreshToken);
    expect(outs.refreshTokenExpiresAt).toBe(new Date(t0 + 30 * DAY).toISOString());
    expect(outs.scope).toBe(`${VANTAGE_SCOPE} offline_access`);
    // Without offline_access there is none.
    const plain = await createAccessToken(ropc({ offlineAccess: undefined }), deps());
    expect((plain.outs as Record<string, unknown>).refreshToken).toBeUndefined();
  });

  it("three rotations each spend the stored refresh token and persist the new one; the end does not move", async () => {
    const t0 = Date.now();
    const inputs = ropc({ rotateAfter: "1h" });
    let state = (
      await createAccessToken(
        inputs,
        deps(() => new Date(t0)),
      )
    ).outs as Record<string, unknown>;
    const end = state.refreshTokenExpiresAt;
    const chain = [state.refreshToken as string];
    for (let i = 1; i <= 3; i++) {
      const now = () => new Date(t0 + i * 3_600_001);
      const d = deps(now);
      const diff = await diffAccessToken(state, inputs, d);
      // A refresh token in state: renewed in place, not replaced.
      expect(diff).toMatchObject({ changes: true, replaces: [] });
      expect(d.diagnostics.messages[0]?.message).toMatch(/^ABBYY Vantage token "v" will rotate \(renewed in place\)/);
      const before = tokenPosts(server).length;
      const next = (await updateAccessToken(state, inputs, deps(now))).outs as Record<string, unknown>;
      expect(
        tokenPosts(server)
          .slice(before)
          .map((r) => r.grantType),
      ).toEqual(["refresh_token"]);
      expect(next.refreshToken).not.toBe(state.refreshToken);
      expect(next.accessToken).not.toBe(state.accessToken);
      expect(server.verify(next.accessToken as string)).toBe(true);
      // Only the newest refresh token of this chain is usable; the stored one was spent.
      expect(server.activeRefreshTokens().filter((rt) => chain.includes(rt) || rt === next.refreshToken)).toEqual([
        next.refreshToken,
      ]);
      expect(next.refreshTokenExpiresAt).toBe(end);
      expect(server.refreshTokenExpiry(next.refreshToken as string)).toBe(
        server.refreshTokenExpiry(chain[0] as string),
      );
      chain.push(next.refreshToken as string);

      // An up with nothing due in between keeps the stored refresh token.
      const idle = (await updateAccessToken(next, { ...inputs, revokeOnDelete: true }, deps(now))).outs as Record<
        string,
        unknown
      >;
      expect(idle.refreshToken).toBe(next.refreshToken);
      state = idle;
    }
    expect(new Set(chain).size).toBe(4);
  });

  it("the refresh_token grant starts from a sign-in's refresh token and warns within 7 days of its end", async () => {
    const initial = await signIn();
    const signedIn = new Date(Date.now() - 25 * DAY).toISOString();
    const inputs = props({
      baseUrl: server.origin,
      tenantId: server.tenantId,
      grantType: "refresh_token",
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      initialRefreshToken: initial,
      refreshTokenIssuedAt: signedIn,
      rotateAfter: "1h",
    });
    const created = (await createAccessToken(inputs, deps())).outs as Record<string, unknown>;
    expect(created.initialRefreshToken).toBe(initial);
    expect(created.refreshToken).not.toBe(initial);
    expect(server.activeRefreshTokens()).not.toContain(initial);
    const end = new Date(Date.parse(signedIn) + 30 * DAY).toISOString();
    expect(created.refreshTokenExpiresAt).toBe(end);

    const d = deps();
    expect(await diffAccessToken(created, inputs, d)).toMatchObject({ changes: false });
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: `ABBYY Vantage token "v": the Vantage refresh token (30 days from the original sign-in, not extendable) expires at ${end} (in 5 day(s)); re-authorize before then`,
      },
    ]);

    const later = () => new Date(Date.now() + 3_600_001);
    const renewed = (await updateAccessToken(created, inputs, deps(later))).outs as Record<string, unknown>;
    expect(renewed.refreshTokenExpiresAt).toBe(end);
    expect(renewed.initialRefreshToken).toBe(initial);
    expect(server.activeRefreshTokens()).toContain(renewed.refreshToken);

    // A new sign-in (a changed refreshToken input) replaces the token.
    const again = await diffAccessToken(renewed, { ...inputs, initialRefreshToken: await signIn() });
    expect(again.replaces).toEqual(["initialRefreshToken"]);
  });

  it("a spent or revoked refresh token ends in invalid_grant with what to do: re-authorize", async () => {
    const initial = await signIn();
    const inputs = props({
      baseUrl: server.origin,
      grantType: "refresh_token",
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      initialRefreshToken: initial,
    });
    const created = (await createAccessToken(inputs, deps())).outs as Record<string, unknown>;
    SECRETS.push(initial);
    // The initial one is spent: creating again from it fails.
    const spent = await failure(createAccessToken(inputs, deps()));
    expect(spent.oauthError).toBe("invalid_grant");
    expect(spent.message).toBe(
      `ABBYY Vantage token request (refresh_token) at ${server.tokenEndpoint} failed: HTTP 400, OAuth error "invalid_grant": ${VANTAGE_REAUTHORIZE_HINT}`,
    );
    expect(spent.message).toContain("re-authorize");

    server.revokeRefreshToken(created.refreshToken as string);
    const rotate = { ...inputs, triggers: { at: "now" } };
    const revoked = await failure(updateAccessToken(created, rotate, deps()));
    expect(revoked.message).toContain(VANTAGE_REAUTHORIZE_HINT);
  });

  it("the password grant signs in again when its refresh token is rejected or at its end", async () => {
    const created = (await createAccessToken(ropc(), deps())).outs as Record<string, unknown>;
    server.revokeRefreshToken(created.refreshToken as string);
    const rotate = ropc({ triggers: { at: "1" } });
    const d = deps();
    const before = tokenPosts(server).length;
    const next = (await updateAccessToken(created, rotate, d)).outs as Record<string, unknown>;
    expect(
      tokenPosts(server)
        .slice(before)
        .map((r) => r.grantType),
    ).toEqual(["refresh_token", "password"]);
    expect(d.diagnostics.messages.map((m) => m.message)).toContain(
      "ABBYY Vantage: the stored refresh token was rejected; signing in again with the password grant",
    );
    expect(server.activeRefreshTokens()).toContain(next.refreshToken);
    expect(Date.parse(next.refreshTokenExpiresAt as string)).toBeGreaterThan(
      Date.parse(created.refreshTokenExpiresAt as string),
    );

    // Past the absolute end, no refresh is even tried.
    const afterEnd = () => new Date(Date.parse(next.refreshTokenExpiresAt as string) + 1000);
    const count = tokenPosts(server).length;
    await updateAccessToken(next, ropc({ triggers: { at: "2" } }), deps(afterEnd));
    expect(
      tokenPosts(server)
        .slice(count)
        .map((r) => r.grantType),
    ).toEqual(["password"]);
    // No warning at preview for the password grant: it renews its sign-in by itself.
    const quiet = deps();
    await diffAccessToken(next, ropc({ triggers: { at: "1" } }), quiet);
    expect(quiet.diagnostics.messages.filter((m) => m.severity === "warning")).toEqual([]);
  });
});

describe("read and delete", () => {
  it("read judges the JWT's expiry and calls no business API", async () => {
    const created = await createAccessToken(cc(), deps());
    const outs = created.outs as Record<string, unknown>;
    const before = server.requests.length;
    const read = await readAccessToken(created.id, outs, deps());
    expect(read.id).toBe(created.id);
    expect(server.requests.length).toBe(before);
    const { expiresAt: _e, ...noExpiry } = outs;
    const later = () => new Date(Date.now() + 2 * DAY);
    expect((await readAccessToken(created.id, noExpiry, deps(later))).id).toBe("");
  });

  it("introspection is used only when offered, and a refusal means 'cannot ask'", async () => {
    const created = (await createAccessToken(cc(), deps())).outs as Record<string, unknown>;
    const state: Record<string, unknown> & { endpoints: Record<string, string> } = {
      ...created,
      endpoints: { token: server.tokenEndpoint, introspection: `${server.origin}/introspect` },
    };
    const refusing: Transport = async () => ({
      status: 401,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: "invalid_client" }),
    });
    const introspect = (transport: Transport) =>
      vantageSystem.introspect?.(cc() as never, state as never, String(state.accessToken), ctxOf(transport));
    expect(await introspect(refusing)).toMatchObject({ verdict: "refused" });
    // The JWT's own expiry is the other evidence.
    expect((await vantageSystem.check(cc() as never, state as never, ctxOf(refusing)))?.active).toBe(true);
    const inactive: Transport = async () => ({ status: 200, headers: {}, body: JSON.stringify({ active: false }) });
    expect(await introspect(inactive)).toEqual({ verdict: "inactive" });
    const { introspection: _i, ...withoutIntrospection } = state.endpoints;
    expect(
      await vantageSystem.introspect?.(
        cc() as never,
        { ...state, endpoints: withoutIntrospection } as never,
        state.accessToken as string,
        ctxOf(inactive),
      ),
    ).toBeUndefined();
  });

  it("delete of a client_credentials token warns that a JWT cannot be revoked", async () => {
    const created = (await createAccessToken(cc(), deps())).outs as Record<string, string>;
    const d = deps();
    await deleteAccessToken(created, d);
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: expect.stringMatching(
          /^ABBYY Vantage token "v": token not revoked: a Vantage access token is a self-contained JWT and cannot be revoked; it stays valid until it expires \(at \S+Z\)$/,
        ),
      },
    ]);
    expect(server.verify(created.accessToken)).toBe(true);
  });

  it("revokeOnDelete: true revokes the refresh token where discovery lists revocation", async () => {
    const created = (await createAccessToken(ropc({ revokeOnDelete: true }), deps())).outs as Record<string, string>;
    expect(server.activeRefreshTokens()).toContain(created.refreshToken);
    const d = deps();
    await deleteAccessToken(created, d);
    expect(server.activeRefreshTokens()).not.toContain(created.refreshToken);
    expect(server.requests.at(-1)).toMatchObject({ path: `/auth2/${server.tenantId}/connect/revocation`, status: 200 });
    expect(d.diagnostics.messages.map((m) => m.message)).toContainEqual(
      expect.stringMatching(
        /^ABBYY Vantage: the refresh token was revoked, so no new token can be issued from it; a Vantage access token is a self-contained JWT/,
      ),
    );

    // Without a revocation endpoint it says what stays usable.
    const elsewhere = ropc({ baseUrl: bare.origin, tenantId: bare.tenantId, revokeOnDelete: true });
    const plain = (await createAccessToken(elsewhere, deps())).outs as Record<string, string>;
    const pd = deps();
    await deleteAccessToken(plain, pd);
    expect(pd.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: `ABBYY Vantage token "v": refresh token not revoked: Vantage documents no revocation endpoint and the tenant's discovery lists none; it stays usable until ${plain.refreshTokenExpiresAt}`,
      },
    ]);
    expect(bare.activeRefreshTokens()).toContain(plain.refreshToken);
  });
});

describe("errors", () => {
  it("invalid_client is IdentityServer's 400, with no secret in the message", async () => {
    const wrong = `wrong-${randomUUID()}`;
    SECRETS.push(wrong);
    const e = await failure(createAccessToken(props({ ...cc(), clientSecret: wrong }), deps()));
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      `ABBYY Vantage token request (client_credentials) at ${server.tokenEndpoint} failed: HTTP 400, OAuth error "invalid_client"`,
    );
  });

  it("a wrong password is invalid_grant without the re-authorize hint", async () => {
    const wrong = `wrong-password-${randomUUID()}`;
    SECRETS.push(wrong);
    const e = await failure(createAccessToken(ropc({ password: wrong }), deps()));
    expect(e.message).toBe(
      `ABBYY Vantage token request (password) at ${server.tenant.tokenEndpoint} failed: HTTP 400, OAuth error "invalid_grant" (invalid_username_or_password)`,
    );
  });

  it("a client without ROPC is unauthorized_client; an unknown scope is invalid_scope", async () => {
    const e = await failure(
      createAccessToken(
        ropc({ clientId: ccOnly.clientId, clientSecret: ccOnly.clientSecret, offlineAccess: undefined }),
        deps(),
      ),
    );
    expect(e.oauthError).toBe("unauthorized_client");
    const s = await failure(createAccessToken(props({ ...cc(), scopes: ["openid", "admin"] }), deps()));
    expect(s.oauthError).toBe("invalid_scope");
  });

  it("an unreachable host is a transport error naming the endpoint", async () => {
    const e = await failure(createAccessToken(props({ ...cc(), baseUrl: "http://127.0.0.1:9" }), deps()));
    expect(e.code).toBe(ErrorCode.TRANSPORT);
    expect(e.message).toMatch(
      /^ABBYY Vantage token request \(client_credentials\) at http:\/\/127.0.0.1:9\/auth2\/connect\/token failed: .*ECONNREFUSED/,
    );
  });
});
