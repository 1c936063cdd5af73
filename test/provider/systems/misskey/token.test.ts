/**
 * The Misskey system, through the AccessToken lifecycle, against the local Misskey server:
 * adopting MiAuth and legacy app tokens, liveness (401 / 403 / 200), revocation with a native
 * token, permission warnings, error shapes, and the MiAuth / legacy helpers of the CLI.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpRequest, type HttpResponse } from "../../../../provider/http/transport";
import {
  MISSKEY_PERMISSIONS,
  createApp,
  deriveI,
  isKnownPermission,
  misskeyOrigin,
  processMisskeyResponse,
} from "../../../../provider/systems/misskey/token";
import {
  ApprovalTimeoutError,
  checkMiAuth,
  generateSession,
  miauthUrl,
  newMiAuthSession,
  pollMiAuth,
  pollUserKey,
  userKey,
} from "../../../../provider/systems/misskey/authorize";
import {
  checkAccessToken,
  checkInputs,
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  checkApiClient,
} from "../../../kit/lifecycles";
import { type MisskeyServer, startMisskeyServer } from "../../../servers/misskey-server";
import { recording, thrown, tokenDeps } from "../../../kit/helpers";

let server: MisskeyServer;
let alice: { id: string; username: string; nativeToken: string };
const sent: HttpRequest[] = [];

/** Dependencies whose transport records every request in `sent`. */
const deps = () => tokenDeps({ transport: recording(sent) });

/** A MiAuth token approved by alice with `permission`. */
function miauthToken(permission: string[]): string {
  return server.approveMiAuth(newMiAuthSession(), alice.id, { permission }).token;
}

const props = (extra: Record<string, unknown>) => ({
  system: "misskey",
  resourceName: "bot",
  baseUrl: server.url,
  ...extra,
});
const live = (credential: string) => server.tokensOf(alice.id).some((t) => t.credential === credential);

beforeAll(async () => {
  server = await startMisskeyServer();
  alice = server.createUser("alice");
});
afterAll(() => server?.close());

describe("check", () => {
  it("names each bad input with a reason", async () => {
    const r = await checkAccessToken({
      system: "misskey",
      host: "https://misskey.io",
      token: "t",
      appSecret: "s",
      nativeToken: "short",
      gracePeriod: "1h",
      rotateBeforeExpiry: "10%",
      permissions: ["read:account,write:notes"],
    });
    const byProperty = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty.host).toMatch(/must be a host name/);
    expect(byProperty.token).toMatch(/not both/);
    expect(byProperty.nativeToken).toMatch(/16-character native token/);
    expect(byProperty.gracePeriod).toMatch(/not supported/);
    expect(byProperty.rotateBeforeExpiry).toMatch(/never expire/);
    expect(byProperty["permissions.0"]).toMatch(/no spaces or commas/);
  });

  it("requires https except on loopback, exactly one of host and baseUrl, and a token", async () => {
    const r = await checkAccessToken({ system: "misskey", baseUrl: "http://misskey.example" });
    const byProperty = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty.baseUrl).toMatch(/must use https/);
    expect(byProperty.token).toMatch(/npx pulumi-access-tokens authorize misskey/);
    const both = await checkAccessToken({
      system: "misskey",
      host: "a.example",
      baseUrl: "https://a.example",
      token: "t",
    });
    expect(both.failures).toEqual([{ property: "baseUrl", reason: "set exactly one of host or baseUrl" }]);
    expect((await checkAccessToken({ system: "misskey", host: "misskey.io", token: "t" })).failures).toBeUndefined();
    expect(misskeyOrigin("misskey.io")).toBe("https://misskey.io");
    expect(misskeyOrigin("http://127.0.0.1:3000/")).toBe("http://127.0.0.1:3000");
  });

  it("refuses http on a non-loopback host without offering allowInsecureHttp, an input Misskey resources refuse", async () => {
    const token = await checkAccessToken({ system: "misskey", baseUrl: "http://misskey.example", token: "t" });
    const app = checkApiClient({ system: "misskey", baseUrl: "http://misskey.example", name: "bot" });
    for (const failures of [token.failures, app.failures]) {
      expect(failures).toEqual([{ property: "baseUrl", reason: "must use https for a non-loopback host" }]);
    }
    // Where it offers it, it is an input of the resource.
    expect(checkInputs({ system: "misskey", allowInsecureHttp: true, host: "a.example", token: "t" }).failures).toEqual(
      [{ property: "(inputs)", reason: "unknown input(s): allowInsecureHttp" }],
    );
  });

  it("refuses plain http without pointing at allowInsecureHttp, an input Misskey refuses", async () => {
    const r = await checkAccessToken({ system: "misskey", baseUrl: "http://misskey.example", token: "t" });
    expect(r.failures).toEqual([{ property: "baseUrl", reason: "must use https for a non-loopback host" }]);
    expect(() => misskeyOrigin("http://misskey.example")).toThrow(
      /^Misskey server http:\/\/misskey\.example must use https for a non-loopback host$/,
    );
    const withOptIn = await checkAccessToken({
      system: "misskey",
      baseUrl: "http://misskey.example",
      token: "t",
      allowInsecureHttp: true,
    });
    // The input the old message pointed at is refused: the message must not name it.
    expect(withOptIn.failures?.find((f) => f.property === "(inputs)")?.reason).toMatch(/allowInsecureHttp/);
    expect(withOptIn.failures?.find((f) => f.property === "baseUrl")?.reason).toBe(
      "must use https for a non-loopback host",
    );
  });

  it("warns at preview about unknown permissions, never dropping them silently", async () => {
    const d = deps();
    const r = await checkAccessToken(
      props({ token: "t", permissions: ["read:account", "write:admin:meta", "write:note", "read:everything"] }),
      { diagnostics: d.diagnostics },
    );
    expect(r.failures).toBeUndefined();
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: expect.stringMatching(
          /^Misskey token "bot": unknown Misskey permission\(s\) write:note, read:everything: /,
        ),
      },
    ]);
    expect(MISSKEY_PERMISSIONS).toContain("write:notes");
    expect(isKnownPermission("read:admin:show-user")).toBe(true);
    expect(isKnownPermission("read:admin:")).toBe(false);
  });
});

describe("adopting a MiAuth token", () => {
  let token: string;
  let outs: Record<string, unknown>;

  it("create checks the token with POST /api/i {} and adopts it, with the account", async () => {
    token = miauthToken(["read:account", "write:notes"]);
    const d = deps();
    ({ outs } = await createAccessToken(props({ token, permissions: ["read:account", "write:notes"] }), d));
    const call = sent.at(-1);
    expect(call).toMatchObject({ method: "POST", url: `${server.url}/api/i`, body: "{}" });
    expect(call?.headers?.authorization).toBe(`Bearer ${token}`);
    expect(outs).toMatchObject({ accessToken: token, tokenType: "Bearer", userId: alice.id, username: "alice" });
    expect(outs.expiresAt).toBeUndefined();
    expect(Date.parse(outs.verifiedAt as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("a token without read:account (403 PERMISSION_DENIED) is alive, without account facts", async () => {
    const d = deps();
    const { outs: limited } = await createAccessToken(props({ token: miauthToken(["write:notes"]) }), d);
    expect(limited.userId).toBeUndefined();
    expect((await readAccessToken("x", limited, d)).id).toBe("x");
  });

  it("read: 200 alive; after revocation at the server (401) gone", async () => {
    const d = deps();
    expect((await readAccessToken("id", outs, d)).id).toBe("id");
    server.revoke(token);
    expect(await readAccessToken("id", outs, d)).toEqual({ id: "", props: {} });
  });

  it("create refuses a rejected token with what to do, naming no secret", async () => {
    const error = await thrown(createAccessToken(props({ token }), deps()));
    expect(error.message).toMatch(
      /^Misskey token rejected by http:\/\/127\.0\.0\.1:\d+\/api\/i: HTTP 401 AUTHENTICATION_FAILED: the token is unknown or was revoked; run `npx pulumi-access-tokens authorize misskey --host 127\.0\.0\.1:\d+`/,
    );
    expect(error.message).not.toContain(token);
    expect(error.status).toBe(401);
  });

  it("servers up to 13.13 answer AUTHENTICATION_FAILED with 403: still gone", async () => {
    const old = await startMisskeyServer({ authenticationFailedStatus: 403 });
    try {
      const d = deps();
      const user = old.createUser("u");
      const t = old.approveMiAuth(newMiAuthSession(), user.id, { permission: ["read:account"] }).token;
      const { outs: o } = await createAccessToken({ ...props({ token: t }), baseUrl: old.url }, d);
      old.revoke(t);
      expect((await readAccessToken("id", o, d)).id).toBe("");
    } finally {
      await old.close();
    }
  });

  it("rotation (triggers) can only re-validate the same token: it replaces, and rotateAfter warns", async () => {
    const d = deps();
    const t = miauthToken(["read:account"]);
    const { outs: o } = await createAccessToken(props({ token: t }), d);
    const diff = await diffAccessToken(o, props({ token: t, triggers: { a: "1" } }), d);
    expect(diff.replaces).toContain("accessToken");
    const check = await checkAccessToken(props({ token: t, rotateAfter: "30d" }), { diagnostics: d.diagnostics });
    expect(check.failures).toBeUndefined();
    expect(d.diagnostics.messages.at(-1)?.message).toMatch(/rotateAfter only re-validates the same token/);
  });
});

describe("delete", () => {
  it("without a native token revokes nothing and says why", async () => {
    const t = miauthToken(["read:account"]);
    const d = deps();
    const { outs } = await createAccessToken(props({ token: t }), d);
    const before = server.requests.length;
    await deleteAccessToken(outs, d);
    expect(server.requests.length).toBe(before);
    expect(live(t)).toBe(true);
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: expect.stringMatching(
          /token not revoked: Misskey only lets the account's native token revoke an access token \(i\/revoke-token\)/,
        ),
      },
    ]);
  });

  it("with the native token revokes it (i/revoke-token) and confirms", async () => {
    const t = miauthToken(["read:account"]);
    const d = deps();
    const { outs } = await createAccessToken(props({ token: t, nativeToken: alice.nativeToken }), d);
    await deleteAccessToken(outs, d);
    expect(live(t)).toBe(false);
    const revoke = sent.find((r) => r.url.endsWith("/api/i/revoke-token") && r.body?.includes(t));
    expect(revoke?.headers?.authorization).toBe(`Bearer ${alice.nativeToken}`);
    expect(d.diagnostics.messages).toEqual([]);
  });

  it("a wrong native token fails the delete clearly, without printing it", async () => {
    const t = miauthToken(["read:account"]);
    const d = deps();
    const { outs } = await createAccessToken(props({ token: t, nativeToken: "x".repeat(16) }), d);
    const error = await thrown(deleteAccessToken(outs, d));
    expect(error.message).toMatch(
      /^Misskey revocation \(i\/revoke-token\) at http:\/\/127\.0\.0\.1:\d+\/api\/i\/revoke-token failed: HTTP 401 AUTHENTICATION_FAILED \(Authentication failed\. Please ensure your token is correct\.\): nativeToken was rejected/,
    );
    expect(error.message).not.toContain("x".repeat(16));
    expect(live(t)).toBe(true);
  });

  it("another account's native token: Misskey says 204, the token still works, and the note says so", async () => {
    const t = miauthToken(["read:account"]);
    const mallory = server.createUser("mallory");
    const d = deps();
    const { outs } = await createAccessToken(props({ token: t, nativeToken: mallory.nativeToken }), d);
    await deleteAccessToken(outs, d);
    expect(live(t)).toBe(true);
    expect(d.diagnostics.messages.at(-1)?.message).toMatch(/accepted i\/revoke-token but the token still works/);
  });

  it("never revokes a token its replacement adopted in the same run", async () => {
    const t = miauthToken(["read:account"]);
    const d = deps();
    const { outs: old } = await createAccessToken(props({ token: t, nativeToken: alice.nativeToken }), d);
    await new Promise((r) => setTimeout(r, 5));
    const { outs: replacement } = await createAccessToken(
      props({ token: t, nativeToken: alice.nativeToken, triggers: { a: "1" } }),
      d,
    );
    await deleteAccessToken(old, d);
    expect(live(t)).toBe(true);
    expect(d.diagnostics.messages.at(-1)?.message).toMatch(/adopted by this resource's replacement/);
    await deleteAccessToken(replacement, d);
    expect(live(t)).toBe(false);
  });
});

describe("legacy app tokens", () => {
  it("the provider derives i = sha256_hex(accessToken + appSecret), adopts and revokes it", async () => {
    const app = await createApp(server.url, { name: "legacy", description: "d", permissions: ["read:account"] });
    const session = await generateSession(server.url, app.secret);
    expect(await userKey(server.url, app.secret, session.token)).toBeUndefined();
    server.approveAppSession(session.token, alice.id);
    const key = await userKey(server.url, app.secret, session.token);
    const i = deriveI(key?.accessToken as string, app.secret);
    expect(i).toBe(createHash("sha256").update(`${key?.accessToken}${app.secret}`).digest("hex"));

    const d = deps();
    const { outs } = await createAccessToken(
      props({ appAccessToken: key?.accessToken, appSecret: app.secret, nativeToken: alice.nativeToken }),
      d,
    );
    expect(outs.accessToken).toBe(i);
    expect(outs.username).toBe("alice");
    expect(live(i)).toBe(true);
    await deleteAccessToken(outs, d);
    // i/revoke-token matches the raw access token, not i.
    expect(
      sent.find((r) => r.url.endsWith("/i/revoke-token") && r.body?.includes(key?.accessToken as string)),
    ).toBeDefined();
    expect(live(i)).toBe(false);
  });

  it("a wrong app secret is a clear rejection that names neither secret nor i", async () => {
    const app = await createApp(server.url, { name: "legacy2", description: "d", permissions: ["read:account"] });
    const session = await generateSession(server.url, app.secret);
    server.approveAppSession(session.token, alice.id);
    const key = await pollUserKey(server.url, app.secret, session.token, { deadlineMs: 1000, intervalMs: 50 });
    const wrong = `${app.secret}x`;
    const error = await thrown(createAccessToken(props({ appAccessToken: key.accessToken, appSecret: wrong }), deps()));
    expect(error.message).toMatch(/token rejected.*check appAccessToken and appSecret/);
    for (const secret of [key.accessToken, wrong, deriveI(key.accessToken, wrong)]) {
      expect(error.message).not.toContain(secret);
    }
  });
});

describe("error shapes", () => {
  const ctx = { system: "Misskey", operation: "note creation", endpoint: "https://m.example/api/notes/create" };
  const res = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

  it("names endpoint, status, code, message and the invalid param", () => {
    expect(() =>
      processMisskeyResponse(
        res(400, {
          error: {
            message: "Invalid param.",
            code: "INVALID_PARAM",
            id: "3d81ceae-475f-4600-b2a8-2bc116157532",
            kind: "client",
            info: { param: "#/properties/text/type", reason: "must be string" },
          },
        }),
        ctx,
      ),
    ).toThrow(
      "Misskey note creation at https://m.example/api/notes/create failed: HTTP 400 INVALID_PARAM (Invalid param.); #/properties/text/type: must be string",
    );
  });

  it("says when to retry after a rate limit, and describes Fastify's own errors", () => {
    expect(() =>
      processMisskeyResponse(
        res(
          429,
          { error: { message: "Rate limit exceeded.", code: "RATE_LIMIT_EXCEEDED", id: "x", kind: "client" } },
          { "retry-after": "7" },
        ),
        ctx,
      ),
    ).toThrow(/HTTP 429 RATE_LIMIT_EXCEEDED \(Rate limit exceeded\.\); retry after 7 s$/);
    expect(() =>
      processMisskeyResponse(
        res(400, { statusCode: 400, code: "FST_ERR_CTP_EMPTY_JSON_BODY", message: "Body cannot be empty" }),
        ctx,
      ),
    ).toThrow(/HTTP 400 FST_ERR_CTP_EMPTY_JSON_BODY \(Body cannot be empty\)/);
    expect(() => processMisskeyResponse({ status: 502, headers: {}, body: "<html>" }, ctx)).toThrow(
      /HTTP 502, no Misskey error body/,
    );
  });

  it("refresh under a rate limit warns and keeps the token", async () => {
    const limited = await startMisskeyServer({ rateLimit: { limit: 1, windowSeconds: 60 } });
    try {
      const u = limited.createUser("u");
      const t = limited.approveMiAuth(newMiAuthSession(), u.id, { permission: ["read:account"] }).token;
      const d = deps();
      const { outs } = await createAccessToken({ ...props({ token: t }), baseUrl: limited.url }, d);
      expect((await readAccessToken("id", outs, d)).id).toBe("id");
      expect(d.diagnostics.messages.at(-1)?.message).toMatch(
        /HTTP 429 RATE_LIMIT_EXCEEDED.*retry after \d+ s; the token was not checked/,
      );
    } finally {
      await limited.close();
    }
  });
});

describe("MiAuth helpers", () => {
  it("builds the approval URL with a fresh session each time", () => {
    const a = newMiAuthSession();
    expect(a).not.toBe(newMiAuthSession());
    expect(miauthUrl("misskey.io", a, { name: "My App", permissions: ["read:account", "write:notes"] })).toBe(
      `https://misskey.io/miauth/${a}?name=My+App&permission=read:account,write:notes`,
    );
  });

  it("check hands the token out exactly once, and sends no body", async () => {
    const session = newMiAuthSession();
    const url = miauthUrl(server.url, session, { name: "Pulumi", permissions: ["read:account"] });
    expect((await fetch(url)).status).toBe(200);
    expect(await checkMiAuth(server.url, session)).toBeUndefined();
    const { token } = server.approveMiAuth(session, alice.id);
    expect(await checkMiAuth(server.url, session)).toEqual({ token, user: { id: alice.id, username: "alice" } });
    expect(await checkMiAuth(server.url, session)).toBeUndefined();
  });

  it("poll waits for approval with progress, and gives up at its deadline", async () => {
    const session = newMiAuthSession();
    await (await fetch(miauthUrl(server.url, session, { permissions: ["read:account"] }))).text();
    const progress: number[] = [];
    const approve = setTimeout(() => server.approveMiAuth(session, alice.id), 300);
    const result = await pollMiAuth(server.url, session, {
      deadlineMs: 5_000,
      intervalMs: 100,
      onProgress: (p) => progress.push(p.attempt),
    });
    clearTimeout(approve);
    expect(result.token).toHaveLength(32);
    expect(progress.length).toBeGreaterThan(1);

    const started = Date.now();
    const error = await pollMiAuth(server.url, newMiAuthSession(), { deadlineMs: 600, intervalMs: 100 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ApprovalTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    // It gave up at its deadline instead of polling on (a bound loose enough for a loaded machine).
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
