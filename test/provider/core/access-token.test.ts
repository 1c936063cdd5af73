/**
 * The provider's methods called directly against a real oidc-provider on loopback.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../../provider";
import { isAccessTokenError } from "../../../provider/errors";
import { UNKNOWN } from "../../../provider/core/access-token";
import { checkInputs, diffAccessToken } from "../../kit/lifecycles";
import { shimText } from "../../../sdk/shim";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../../kit/oauth-server";

const basic: TestClient = {
  client_id: "direct-basic",
  client_secret: `direct-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};
const post: TestClient = {
  client_id: "direct-post",
  client_secret: `direct-post-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_post",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
beforeAll(async () => {
  server = await startOAuthServer({ clients: [basic, post] });
});
afterAll(() => server?.close());

function provider(config: Record<string, string> = {}) {
  const p = handler("AccessToken", 1);
  p.configure?.({ config: { get: (k: string) => config[k], require: (k: string) => config[k] as string } as never });
  return p;
}

const provider__ = shimText("AccessToken");

describe("check", () => {
  it("accepts valid inputs", () => {
    const r = checkInputs({ issuer: "http://127.0.0.1:1", clientId: "c", clientSecret: "s", __provider: provider__ });
    expect(r.failures).toBeUndefined();
  });

  it("names the property and the reason for each bad input", () => {
    const r = checkInputs({
      tokenEndpoint: "http://as.example/token",
      clientId: "",
      scopes: ["has space"],
      clientAuthMethod: "private_key_jwt",
      extraParams: { grant_type: "password" },
      colour: "blue",
    });
    const byProperty = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty.tokenEndpoint).toMatch(/must use https/);
    expect(byProperty.clientId).toBe("must not be empty");
    expect(byProperty["scopes.0"]).toMatch(/scope token/);
    expect(byProperty.clientAuthMethod).toMatch(/client_secret_basic/);
    expect(byProperty.extraParams).toMatch(/must not set/);
    expect(byProperty.clientSecret).toMatch(/is required/);
    expect(byProperty["(inputs)"]).toMatch(/unknown input\(s\): colour/);
  });

  it("requires exactly one of tokenEndpoint and issuer", () => {
    expect(checkInputs({ clientId: "c", clientSecret: "s" }).failures?.[0]).toMatchObject({
      property: "tokenEndpoint",
      reason: "set exactly one of tokenEndpoint or issuer",
    });
    expect(
      checkInputs({
        clientId: "c",
        clientSecret: "s",
        issuer: "https://a.example",
        tokenEndpoint: "https://a.example/t",
      }).failures?.[0]?.property,
    ).toBe("issuer");
  });

  it("tolerates unknown values during preview", () => {
    const r = checkInputs({ issuer: UNKNOWN, clientId: "c", clientSecret: UNKNOWN, scopes: [UNKNOWN] });
    expect(r.failures).toBeUndefined();
  });
});

describe("diff", () => {
  const olds = { issuer: "https://a.example", clientId: "c", clientSecret: "s", scopes: ["a"], accessToken: "t" };
  it("replaces on a material change", async () => {
    expect(await diffAccessToken(olds, { ...olds, scopes: ["b"] })).toMatchObject({
      changes: true,
      replaces: ["scopes"],
    });
    expect((await diffAccessToken(olds, { ...olds, clientId: "d" })).replaces).toEqual(["clientId"]);
  });
  it("updates in place on a cosmetic change", async () => {
    expect(await diffAccessToken(olds, { ...olds, clientSecret: "s2" })).toMatchObject({ changes: true, replaces: [] });
  });
  it("reports no change when nothing changed", async () => {
    expect(await diffAccessToken(olds, { ...olds })).toMatchObject({ changes: false, replaces: [] });
  });
  it("a refresh token the server issued (state) is not mistaken for a changed input", async () => {
    // Regression: a password-grant token holding a refresh token was replaced on every up.
    const withRefresh = {
      ...olds,
      grantType: "password",
      username: "u",
      password: "p",
      refreshToken: "rt-from-server",
    };
    const news = { ...olds, grantType: "password", username: "u", password: "p" };
    delete (news as Record<string, unknown>).accessToken;
    expect(await diffAccessToken(withRefresh, news)).toMatchObject({ changes: false, replaces: [] });
    // ...while a new refresh token given as input (a new authorization) replaces.
    const chain = { ...olds, grantType: "refresh_token", refreshToken: "rt-latest", initialRefreshToken: "rt-1" };
    const renewed = { ...olds, grantType: "refresh_token", refreshToken: "rt-2" };
    expect((await diffAccessToken(chain, renewed)).replaces).toEqual(["refreshToken"]);
    expect((await diffAccessToken(chain, { ...renewed, refreshToken: "rt-1" })).changes).toBe(false);
  });

  it("plans a replace when a material input is unknown", async () => {
    expect((await diffAccessToken(olds, { ...olds, issuer: UNKNOWN })).replaces).toEqual(["issuer"]);
  });
});

describe("create / read / delete against oidc-provider", () => {
  it("issues via discovery, introspects, revokes (client_secret_basic)", async () => {
    const p = provider();
    const inputs = {
      issuer: server.issuer,
      clientId: basic.client_id,
      clientSecret: basic.client_secret,
      scopes: ["api:read"],
    };
    const created = await p.create(inputs);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const outs = created.outs as Record<string, string>;
    expect(outs.tokenType).toBe("Bearer");
    expect(outs.scope).toBe("api:read");
    expect(outs.resolvedTokenEndpoint).toBe(server.tokenEndpoint);
    expect(outs.endpoints).toMatchObject({
      revocation: server.revocationEndpoint,
      introspection: server.introspectionEndpoint,
    });
    expect(Date.parse(outs.expiresAt) - Date.parse(outs.issuedAt)).toBe(3600_000);
    expect((await server.introspect(outs.accessToken, basic)).active).toBe(true);

    const read = await p.read?.(created.id, outs);
    expect(read?.id).toBe(created.id);

    await p.delete?.(created.id, outs);
    expect((await server.introspect(outs.accessToken, basic)).active).toBe(false);
    const gone = await p.read?.(created.id, outs);
    expect(gone?.id).toBe("");
  });

  it("issues with client_secret_post and an explicit token endpoint", async () => {
    const p = provider();
    const created = await p.create({
      tokenEndpoint: server.tokenEndpoint,
      clientId: post.client_id,
      clientSecret: post.client_secret,
      clientAuthMethod: "client_secret_post",
    });
    const outs = created.outs as Record<string, string>;
    expect((await server.introspect(outs.accessToken, post)).active).toBe(true);
    // Without discovery and without endpoints given, read can only judge expiry.
    expect(outs.endpoints).toEqual({ token: server.tokenEndpoint });
    expect((await p.read?.(created.id, outs))?.id).toBe(created.id);
  });

  it("refresh and destroy work on state holding a server-issued refresh token", async () => {
    // Regression: the stored (latest) refresh token was validated as if it were an input.
    const p = provider();
    const state = {
      system: "oauth2",
      tokenEndpoint: server.tokenEndpoint,
      clientId: basic.client_id,
      clientSecret: basic.client_secret,
      accessToken: "opaque",
      refreshToken: "rt-from-server",
      endpoints: { token: server.tokenEndpoint },
      issuedAt: new Date().toISOString(),
    };
    expect((await p.read?.("id-1", state))?.id).toBe("id-1");
    await p.delete?.("id-1", state);
  });

  it("reads the client secret from stack config via configure", async () => {
    const p = provider({ "proj:oauthSecret": basic.client_secret as string });
    const created = await p.create({
      issuer: server.issuer,
      clientId: basic.client_id,
      clientSecretConfigKey: "proj:oauthSecret",
    });
    expect((created.outs as Record<string, unknown>).clientSecret).toBeUndefined();
    const outs = created.outs as Record<string, string>;
    expect((await server.introspect(outs.accessToken, basic)).active).toBe(true);
  });

  it("a wrong secret ends in a clear invalid_client error that never contains the secret", async () => {
    const wrong = `wrong-${randomUUID()}`;
    const p = provider();
    const error = await p.create({ issuer: server.issuer, clientId: basic.client_id, clientSecret: wrong }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAccessTokenError(error)).toBe(true);
    const e = error as Error & { oauthError: string; status: number };
    expect(e.message).toBe(
      `OAuth 2.0 token request (client_credentials) at ${server.tokenEndpoint} failed: HTTP 401, OAuth error "invalid_client" (client authentication failed)`,
    );
    expect(e.oauthError).toBe("invalid_client");
    expect(`${e.message}${e.stack}`).not.toContain(wrong);
  });

  it("reports the scope the server granted, not the one requested", async () => {
    // oidc-provider drops scopes the client may not have instead of failing.
    const p = provider();
    const created = await p.create({
      issuer: server.issuer,
      clientId: basic.client_id,
      clientSecret: basic.client_secret,
      scopes: ["api:read", "admin"],
    });
    expect((created.outs as Record<string, unknown>).scope).toBe("api:read");
  });

  it("an unreachable issuer ends in a transport error naming the discovery URL", async () => {
    const p = provider();
    await expect(p.create({ issuer: "http://127.0.0.1:9", clientId: "c", clientSecret: "s" })).rejects.toThrow(
      /OAuth 2.0 discovery at http:\/\/127.0.0.1:9\/.well-known\/openid-configuration failed: .*ECONNREFUSED/,
    );
  });
});

describe("per-resource http policy", () => {
  it("http.maxAttempts bounds the retries of this resource's requests", async () => {
    const { createServer } = await import("node:http");
    let hits = 0;
    const busy = createServer((_req, res) => {
      hits += 1;
      res.writeHead(503, { "content-type": "text/html", "retry-after": "0" }).end("<h1>busy</h1>");
    });
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(busy.address() as { port: number }).port}/token`;
    const inputs = { tokenEndpoint: url, clientId: "c", clientSecret: "s" };
    try {
      await expect(provider().create({ ...inputs, http: { maxAttempts: 1 } })).rejects.toThrow(/HTTP 503/);
      expect(hits).toBe(1);
      hits = 0;
      await expect(provider().create(inputs)).rejects.toThrow(/HTTP 503/);
      expect(hits).toBe(3);
    } finally {
      busy.close();
    }
  });

  it("rejects a bad http policy at check, naming the field", () => {
    const r = checkInputs({ issuer: "https://a.example", clientId: "c", clientSecret: "s", http: { maxAttempts: 9 } });
    expect(r.failures?.[0]).toMatchObject({ property: "http.maxAttempts", reason: "must be at most 5" });
  });
});
