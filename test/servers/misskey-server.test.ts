import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MisskeyServer, type MisskeyServerOptions, startMisskeyServer } from "./misskey-server";

type Json = Record<string, unknown>;

async function call(
  s: MisskeyServer,
  endpoint: string,
  body?: unknown,
  init: { bearer?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  const res = await fetch(`${s.url}/api/${endpoint}`, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json | undefined };
}

const errorOf = (r: { body?: Json }) => r.body?.error as Json;

async function withServer(options: MisskeyServerOptions, fn: (s: MisskeyServer) => Promise<void>) {
  const s = await startMisskeyServer(options);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** The user's browser opening the MiAuth page. */
async function openMiAuth(s: MisskeyServer, session: string, permission: string[], callback?: string) {
  const q = new URLSearchParams({ name: "Pulumi", permission: permission.join(",") });
  if (callback) q.set("callback", callback);
  const res = await fetch(`${s.url}/miauth/${session}?${q.toString()}`);
  expect(res.status).toBe(200);
  await res.text();
}

describe("Misskey test server", () => {
  let s: MisskeyServer;
  let alice: { id: string; username: string; nativeToken: string };
  let bob: { id: string; username: string; nativeToken: string };

  beforeAll(async () => {
    s = await startMisskeyServer();
    alice = s.createUser("alice");
    bob = s.createUser("bob");
  });
  afterAll(() => s.close());

  describe("authentication", () => {
    it("accepts the native token in the body or as Bearer, and the header wins", async () => {
      expect(alice.nativeToken).toHaveLength(16);
      const body = await call(s, "i", { i: alice.nativeToken });
      expect(body.status).toBe(200);
      expect(body.body).toMatchObject({ id: alice.id, username: "alice", host: null });
      const header = await call(s, "i", {}, { bearer: alice.nativeToken });
      expect(header.body?.id).toBe(alice.id);
      const both = await call(s, "i", { i: alice.nativeToken }, { bearer: bob.nativeToken });
      expect(both.body?.id).toBe(bob.id);
    });

    it("answers 401 CREDENTIAL_REQUIRED without a credential and 401 AUTHENTICATION_FAILED for unknown ones", async () => {
      const none = await call(s, "i", {});
      expect(none.status).toBe(401);
      expect(errorOf(none)).toEqual({
        message: "Credential required.",
        code: "CREDENTIAL_REQUIRED",
        id: "1384574d-a912-4b81-8601-c7b1c4085df1",
        kind: "client",
      });
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="Misskey"');
      for (const i of ["x".repeat(16), "y".repeat(32)]) {
        const bad = await call(s, "i", { i });
        expect(bad.status).toBe(401);
        expect(errorOf(bad).code).toBe("AUTHENTICATION_FAILED");
        expect(bad.headers.get("www-authenticate")).toMatch(/^Bearer realm="Misskey", error="invalid_token"/);
      }
    });

    it("can answer AUTHENTICATION_FAILED with 403 like servers up to 13.13", () =>
      withServer({ authenticationFailedStatus: 403 }, async (r) => {
        expect((await call(r, "i", { i: "z".repeat(32) })).status).toBe(403);
      }));

    it("refuses a non-string i, unknown endpoints, GET and empty JSON bodies like Misskey/Fastify", async () => {
      expect((await call(s, "i", { i: 42 })).status).toBe(400);
      const unknown = await call(s, "app/delete", { appId: "x" });
      expect(unknown.status).toBe(404);
      expect(errorOf(unknown).code).toBe("UNKNOWN_API_ENDPOINT");
      expect((await fetch(`${s.url}/api/i`)).status).toBe(405);
      const empty = await fetch(`${s.url}/api/i`, { method: "POST", headers: { "content-type": "application/json" } });
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as Json).code).toBe("FST_ERR_CTP_EMPTY_JSON_BODY");
    });
  });

  describe("MiAuth", () => {
    it("hands the token out exactly once after approval, dropping unknown permissions", async () => {
      const session = randomUUID();
      const check = () => call(s, `miauth/${session}/check`);
      expect(await check()).toMatchObject({ status: 200, body: { ok: false } });

      await openMiAuth(s, session, ["read:account", "write:notes", "frobnicate:things"], "https://app.example/cb?x=1");
      expect(s.pendingMiAuthSessions()).toContainEqual({
        session,
        name: "Pulumi",
        callback: "https://app.example/cb?x=1",
        permission: ["read:account", "write:notes", "frobnicate:things"],
      });
      expect((await check()).body).toEqual({ ok: false });

      const approved = s.approveMiAuth(session, alice.id);
      expect(approved.permission).toEqual(["read:account", "write:notes"]);
      expect(approved.callbackUrl).toBe(`https://app.example/cb?x=1&session=${session}`);
      expect(s.pendingMiAuthSessions().map((p) => p.session)).not.toContain(session);

      const first = await check();
      expect(first.body).toMatchObject({ ok: true, token: approved.token, user: { id: alice.id } });
      expect(s.issuedTokens.has(approved.token)).toBe(true);
      expect((await check()).body).toEqual({ ok: false });
      expect((await call(s, `miauth/${randomUUID()}/check`)).body).toEqual({ ok: false });

      const me = await call(s, "i", {}, { bearer: approved.token });
      expect(me.body?.id).toBe(alice.id);
      expect(s.tokensOf(alice.id).find((t) => t.token === approved.token)).toMatchObject({
        kind: "miauth",
        session,
        permission: ["read:account", "write:notes"],
        fetched: true,
      });
    });

    it("answers 403 PERMISSION_DENIED to a valid token without read:account", async () => {
      const session = randomUUID();
      await openMiAuth(s, session, ["write:notes"]);
      const { token } = s.approveMiAuth(session, alice.id);
      const r = await call(s, "i", { i: token });
      expect(r.status).toBe(403);
      expect(errorOf(r)).toMatchObject({ code: "PERMISSION_DENIED", kind: "permission" });
      expect(r.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);
    });

    it("lets only a native token revoke: MiAuth tokens get 400 ACCESS_DENIED", async () => {
      const { token, tokenId } = s.approveMiAuth(randomUUID(), alice.id, { permission: ["read:account"] });
      const self = await call(s, "i/revoke-token", { token }, { bearer: token });
      expect(self.status).toBe(400);
      expect(errorOf(self)).toMatchObject({ code: "ACCESS_DENIED", id: "56f35758-7dd5-468b-8439-5d6fb8ec9b8e" });

      const invalid = await call(s, "i/revoke-token", {}, { bearer: alice.nativeToken });
      expect(invalid.status).toBe(400);
      expect(errorOf(invalid)).toMatchObject({
        code: "INVALID_PARAM",
        info: { param: expect.any(String), reason: expect.any(String) },
      });

      // Someone else's token is silently left alone.
      expect((await call(s, "i/revoke-token", { tokenId }, { bearer: bob.nativeToken })).status).toBe(204);
      expect((await call(s, "i", { i: token })).status).toBe(200);

      const revoked = await call(s, "i/revoke-token", { token }, { bearer: alice.nativeToken });
      expect(revoked.status).toBe(204);
      expect(revoked.body).toBeUndefined();
      expect((await call(s, "i", { i: token })).status).toBe(401);

      const other = s.approveMiAuth(randomUUID(), alice.id, { permission: ["read:account"] });
      expect((await call(s, "i/revoke-token", { tokenId: other.tokenId }, { bearer: alice.nativeToken })).status).toBe(
        204,
      );
      expect((await call(s, "i", { i: other.token })).status).toBe(401);
    });

    it("revoke() helper kills tokens and regenerates native tokens", async () => {
      const carol = s.createUser("carol");
      const { token } = s.approveMiAuth(randomUUID(), carol.id, { permission: ["read:account"] });
      expect(s.revoke(token)).toBe(true);
      expect(s.revoke(token)).toBe(false);
      expect((await call(s, "i", { i: token })).status).toBe(401);
      expect(s.revoke(carol.nativeToken)).toBe(true);
      expect((await call(s, "i", { i: carol.nativeToken })).status).toBe(401);
    });
  });

  describe("legacy app flow", () => {
    it("creates an app, authorizes a session and accepts sha256(accessToken + secret) as i", async () => {
      const created = await call(s, "app/create", {
        name: "Pulumi",
        description: "access tokens",
        permission: ["read:account", "notes-write"],
        callbackUrl: null,
      });
      expect(created.status).toBe(200);
      const app = created.body as { id: string; secret: string; permission: string[] };
      expect(app).toMatchObject({ name: "Pulumi", callbackUrl: null, permission: ["read:account", "write:notes"] });
      expect(typeof app.secret).toBe("string");
      expect(s.issuedTokens.has(app.secret)).toBe(true);

      const shown = await call(s, "app/show", { appId: app.id });
      expect(shown.body).toMatchObject({ id: app.id, name: "Pulumi" });
      expect(shown.body).not.toHaveProperty("secret");
      expect(errorOf(await call(s, "app/show", { appId: "nope" })).code).toBe("NO_SUCH_APP");

      const generated = (await call(s, "auth/session/generate", { appSecret: app.secret })).body as Json;
      expect(generated.url).toBe(`${s.url}/auth/${generated.token as string}`);
      const userkey = () => call(s, "auth/session/userkey", { appSecret: app.secret, token: generated.token });
      const pending = await userkey();
      expect(pending.status).toBe(400);
      expect(errorOf(pending).code).toBe("PENDING_SESSION");

      const approved = s.approveAppSession(generated.token as string, alice.id);
      const exchanged = await userkey();
      expect(exchanged.status).toBe(200);
      expect(exchanged.body).toMatchObject({ accessToken: approved.accessToken, user: { id: alice.id } });
      expect(errorOf(await userkey()).code).toBe("NO_SUCH_SESSION");

      const i = createHash("sha256")
        .update((exchanged.body?.accessToken as string) + app.secret)
        .digest("hex");
      expect(i).toBe(approved.credential);
      expect(s.issuedTokens.has(i)).toBe(true);
      expect((await call(s, "i", { i })).body?.id).toBe(alice.id);
      expect((await call(s, "i", { i: i.toUpperCase() })).status).toBe(200);
      expect((await call(s, "i", { i: approved.accessToken })).status).toBe(401);
      expect((await call(s, "i/revoke-token", { token: approved.accessToken }, { bearer: i })).status).toBe(400);

      // A second authorization of the same app by the same user reuses the token.
      const again = (await call(s, "auth/session/generate", { appSecret: app.secret })).body as Json;
      expect(s.approveAppSession(again.token as string, alice.id).accessToken).toBe(approved.accessToken);
      expect((await call(s, "app/show", { appId: app.id }, { bearer: alice.nativeToken })).body).toMatchObject({
        isAuthorized: true,
      });

      // Revoking by the raw access token (Misskey's token column) ends the derived credential.
      expect(
        (await call(s, "i/revoke-token", { token: approved.accessToken }, { bearer: alice.nativeToken })).status,
      ).toBe(204);
      expect((await call(s, "i", { i })).status).toBe(401);
    });

    it("validates params with ajv's {param, reason}", async () => {
      const r = await call(s, "app/create", { name: "x", permission: [] });
      expect(r.status).toBe(400);
      expect(errorOf(r)).toEqual({
        message: "Invalid param.",
        code: "INVALID_PARAM",
        id: "3d81ceae-475f-4600-b2a8-2bc116157532",
        kind: "client",
        info: { param: "#/required", reason: "must have required property 'description'" },
      });
      expect(errorOf(await call(s, "auth/session/generate", { appSecret: "nope" })).code).toBe("NO_SUCH_APP");
    });

    it("records the creator; an administrator's deleteApp takes the app, its tokens and sessions", async () => {
      const app = (
        await call(
          s,
          "app/create",
          { name: "owned", description: "", permission: ["read:account"] },
          { bearer: bob.nativeToken },
        )
      ).body as { id: string; secret: string };
      expect(s.apps().find((a) => a.id === app.id)).toMatchObject({ userId: bob.id, description: "" });
      // Only the creator, with its native token, sees the secret again.
      expect((await call(s, "app/show", { appId: app.id }, { bearer: bob.nativeToken })).body?.secret).toBe(app.secret);
      expect((await call(s, "app/show", { appId: app.id }, { bearer: alice.nativeToken })).body).not.toHaveProperty(
        "secret",
      );

      const session = (await call(s, "auth/session/generate", { appSecret: app.secret })).body as Json;
      const { credential } = s.approveAppSession(session.token as string, bob.id);
      const pending = (await call(s, "auth/session/generate", { appSecret: app.secret })).body as Json;
      expect((await call(s, "i", { i: credential })).status).toBe(200);

      expect(s.deleteApp(app.id)).toBe(true);
      expect(s.deleteApp(app.id)).toBe(false);
      const shown = await call(s, "app/show", { appId: app.id });
      expect(shown.status).toBe(400);
      expect(errorOf(shown)).toMatchObject({ code: "NO_SUCH_APP", id: "dce83913-2dc6-4093-8a7b-71dbb11718a3" });
      expect((await call(s, "i", { i: credential })).status).toBe(401);
      expect(s.tokensOf(bob.id).filter((t) => t.appId === app.id)).toEqual([]);
      expect(() => s.approveAppSession(pending.token as string, bob.id)).toThrow(/unknown auth session/);
    });

    it("can accept the raw access token, as real Misskey does", () =>
      withServer({ acceptRawAppAccessToken: true }, async (r) => {
        const u = r.createUser("u");
        const app = (await call(r, "app/create", { name: "a", description: "d", permission: ["read:account"] }))
          .body as Json;
        const session = (await call(r, "auth/session/generate", { appSecret: app.secret })).body as Json;
        const { accessToken } = r.approveAppSession(session.token as string, u.id);
        expect((await call(r, "i", { i: accessToken })).status).toBe(200);
      }));
  });

  it("rate-limits per endpoint and caller with 429 and Retry-After", () =>
    withServer({ rateLimit: { limit: 2, windowSeconds: 60 } }, async (r) => {
      const u = r.createUser("u");
      expect((await call(r, "i", { i: u.nativeToken })).status).toBe(200);
      expect((await call(r, "i", { i: u.nativeToken })).status).toBe(200);
      const limited = await call(r, "i", { i: u.nativeToken });
      expect(limited.status).toBe(429);
      expect(errorOf(limited)).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", info: { resetMs: expect.any(Number) } });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      r.rateLimit = undefined;
      expect((await call(r, "i", { i: u.nativeToken })).status).toBe(200);
    }));

  it("logs requests by path", () => {
    expect(s.requests).toContainEqual({ method: "POST", path: "/api/i" });
  });
});
