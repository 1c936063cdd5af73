/**
 * The Exastro system, through the AccessToken lifecycle, against the local Exastro server:
 * refresh-token and password(+totp) issue, sid liveness, renewal, the revoke-all opt-in,
 * and Exastro's error envelope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpRequest, type HttpResponse } from "../../../../provider/http/transport";
import {
  decodeClaims,
  exastroEndpoints,
  exastroSystem,
  processEnvelopeResponse,
} from "../../../../provider/systems/exastro/token";
import type { SystemContext, TokenState } from "../../../../provider/core/token-system";
import {
  checkAccessToken,
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  updateAccessToken,
} from "../../../kit/lifecycles";
import { type ExastroServer, startExastroServer } from "../../../servers/exastro-server";
import { nonEmpty, recording, thrown, tokenDeps } from "../../../kit/helpers";

let server: ExastroServer;
const sent: HttpRequest[] = [];

/** Dependencies whose transport records every request in `sent`. */
const deps = () => tokenDeps({ transport: recording(sent) });

function ctxOf(d: ReturnType<typeof deps>): SystemContext {
  return { transport: d.transport, config: d.config, diagnostics: d.diagnostics, now: () => new Date(), secrets: [] };
}

/** What the Exastro UI's "トークン発行" does: a password grant for an offline token. */
async function uiRefreshToken(org: string, username: string, password: string): Promise<string> {
  const res = await fetch(server.tokenEndpoint(org), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: `_${org}-api`,
      grant_type: "password",
      scope: "openid offline_access",
      username,
      password,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { refresh_token: string }).refresh_token;
}

const formOf = (req: HttpRequest | undefined) => new URLSearchParams(req?.body ?? "");
const lastTokenRequest = () => [...sent].reverse().find((r) => r.url.endsWith("/openid-connect/token"));

beforeAll(async () => {
  server = await startExastroServer({ organizations: ["org1"], language: "ja" });
  server.addUser({ org: "org1", username: "Alice", password: "alice-pass" });
  server.addUser({ org: "org1", username: "bob", password: "bob-pass", totp: "123456" });
  server.addUser({ org: "org1", username: "carol", password: "carol-pass" });
  server.addUser({ org: "org1", username: "dave", password: "dave-pass" });
  server.addUser({ org: "org1", username: "erin", password: "erin-pass" });
  server.addUser({ org: "org1", username: "frank", password: "frank-pass" });
  server.addUser({ org: "master", username: "admin", password: "admin-pass" });
});
afterAll(() => server?.close());

const base = () => ({ system: "exastro", resourceName: "ita", baseUrl: server.url, organizationId: "org1" });

describe("check", () => {
  it("names each bad input with a reason", async () => {
    const r = await checkAccessToken({
      system: "exastro",
      baseUrl: "http://ita.example.com",
      organizationId: "master",
      initialRefreshToken: "x",
      username: "u",
      totp: "12",
    });
    const byProperty = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty.baseUrl).toMatch(/must use https for a non-loopback host/);
    expect(byProperty.organizationId).toMatch(/system-manager realm/);
    expect(byProperty.initialRefreshToken).toMatch(/not both/);
    expect(byProperty.totp).toMatch(/6-8 digit/);
  });

  it("requires an organization or systemManager, and a refresh token or username + password", async () => {
    const r = await checkAccessToken({ system: "exastro", baseUrl: "https://ita.example.com" });
    const byProperty = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty.organizationId).toMatch(/is required \(or set systemManager: true\)/);
    expect(byProperty.initialRefreshToken).toMatch(/is required/);
    const manager = await checkAccessToken({
      system: "exastro",
      baseUrl: "https://ita.example.com",
      systemManager: true,
      username: "admin",
      password: "p",
    });
    expect(manager.failures).toBeUndefined();
  });

  it("warns at preview when revokeAllSessionsOnDelete is set", async () => {
    const d = deps();
    const r = await checkAccessToken(
      { ...base(), initialRefreshToken: "x", revokeAllSessionsOnDelete: true },
      { diagnostics: d.diagnostics },
    );
    expect(r.failures).toBeUndefined();
    expect(d.diagnostics.messages).toEqual([
      { severity: "warning", message: expect.stringMatching(/revokes EVERY refresh token of the user/) },
    ]);
  });
});

describe("refresh-token flow (token from the Exastro UI)", () => {
  let refreshToken: string;
  let outs: Record<string, unknown>;

  it("create turns the refresh token into an access token, sending client _{org}-api and a scope", async () => {
    refreshToken = await uiRefreshToken("org1", "alice", "alice-pass");
    const { sid, exp } = decodeClaims(refreshToken) as { sid: string; exp: number };
    const d = deps();
    ({ outs } = await createAccessToken({ ...base(), initialRefreshToken: refreshToken }, d));
    const form = formOf(lastTokenRequest());
    expect(form.get("grant_type")).toBe("refresh_token");
    expect(form.get("client_id")).toBe("_org1-api");
    expect(form.get("scope")).toMatch(/openid/);
    expect(lastTokenRequest()?.url).toBe(server.tokenEndpoint("org1"));

    expect(server.verify(outs.accessToken as string)).toMatchObject({ active: true, sid, username: "alice" });
    expect(outs).toMatchObject({
      system: "exastro",
      tokenType: "Bearer",
      sessionId: sid,
      refreshToken,
      refreshTokenExpiresAt: new Date(exp * 1000).toISOString(),
      resolvedTokenEndpoint: server.tokenEndpoint("org1"),
    });
    expect(Date.parse(outs.expiresAt as string) - Date.parse(outs.issuedAt as string)).toBe(86_400_000);
  });

  it("read finds the session listed; after revokeSession it reports the token gone", async () => {
    const d = deps();
    expect((await readAccessToken("id-1", outs, d)).id).toBe("id-1");
    expect(sent.at(-1)?.url).toBe(`${server.url}/api/org1/platform/users/_current/refresh_tokens`);
    expect(sent.at(-1)?.headers?.authorization).toBe(`Bearer ${outs.accessToken as string}`);

    expect(server.revokeSession(outs.sessionId as string)).toBe(true);
    expect(await readAccessToken("id-1", outs, d)).toEqual({ id: "", props: {} });
  });

  it("a refresh token of an ended session fails with what to do", async () => {
    const error = await thrown(createAccessToken({ ...base(), initialRefreshToken: refreshToken }, deps()));
    expect(error.oauthError).toBe("invalid_grant");
    expect(error.message).toMatch(
      /^Exastro token request \(refresh_token\) at http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/org1\//,
    );
    expect(error.message).toMatch(/HTTP 400.*invalid_grant.*Offline session not active/);
    expect(error.message).toMatch(/set it as initialRefreshToken/);
    expect(error.message).toMatch(/for a token given serviceAccount, run pulumi refresh and pulumi up/);
    // The system's own hint replaces the generic one, which names another input.
    expect(error.message).not.toMatch(/set it as the resource's refreshToken/);
    expect(error.message).not.toContain(refreshToken);
  });
});

describe("password grant (the resource issues its own refresh token)", () => {
  it("needs the one-time code of a two-factor user, and says so", async () => {
    const props = { ...base(), username: "bob", password: "bob-pass", totp: "000000" };
    const error = await thrown(createAccessToken(props, deps()));
    expect(error.message).toMatch(/HTTP 401, OAuth error "invalid_grant" \(Invalid user credentials\)/);
    expect(error.message).toMatch(/set the current one-time code as totp/);
    expect(error.message).not.toContain("bob-pass");
  });

  it("issues an offline session with scope openid offline_access and the totp", async () => {
    const { outs } = await createAccessToken(
      { ...base(), username: "BOB", password: "bob-pass", totp: "123456" },
      deps(),
    );
    const form = formOf(lastTokenRequest());
    expect(form.get("grant_type")).toBe("password");
    expect(form.get("scope")).toBe("openid offline_access");
    expect(form.get("totp")).toBe("123456");
    const [session] = server.sessions("org1", "bob");
    expect(session).toMatchObject({ offline: true, active: true, id: outs.sessionId });
    expect(decodeClaims(outs.refreshToken as string)?.typ).toBe("Offline");
    // A two-factor user must act before the session ends (a new code is needed); a password alone re-issues.
    const ends = exastroSystem.upstreamExpiries?.({ password: "p", totp: "123456" } as never, outs as TokenState);
    expect(ends).toEqual([
      { what: `the Exastro refresh token (session ${outs.sessionId as string})`, at: outs.refreshTokenExpiresAt },
    ]);
    expect(exastroSystem.upstreamExpiries?.({ password: "p" } as never, outs as TokenState)).toEqual([]);
  });

  it("renews in place from the stored refresh token, and re-issues by password when the session ended", async () => {
    const d = deps();
    const { outs } = await createAccessToken({ ...base(), username: "carol", password: "carol-pass" }, d);
    const news = { ...base(), username: "carol", password: "carol-pass", triggers: { n: "1" } };
    const diff = await diffAccessToken(outs, news, d);
    expect(diff.replaces).toEqual([]);
    const renewed = (await updateAccessToken(outs, news, d)).outs as Record<string, unknown>;
    expect(formOf(lastTokenRequest()).get("grant_type")).toBe("refresh_token");
    expect(renewed.accessToken).not.toBe(outs.accessToken);
    expect(renewed.sessionId).toBe(outs.sessionId);
    expect(renewed.previousAccessToken).toBe(outs.accessToken);

    server.revokeSession(outs.sessionId as string);
    const again = { ...news, triggers: { n: "2" } };
    const reissued = (await updateAccessToken(renewed, again, d)).outs as Record<string, unknown>;
    expect(reissued.sessionId).not.toBe(outs.sessionId);
    expect(server.verify(reissued.accessToken as string)).toMatchObject({ active: true, sid: reissued.sessionId });
    expect(d.diagnostics.messages.map((m) => m.message)).toContainEqual(
      expect.stringMatching(/stored session has ended; issuing a new one with the password grant/),
    );
  });

  it("serves a system manager: realm master, client _platform-api, the manager API path", async () => {
    const d = deps();
    const props = {
      system: "exastro",
      baseUrl: server.managerUrl,
      systemManager: true,
      username: "admin",
      password: "admin-pass",
    };
    const { outs } = await createAccessToken(props, d);
    expect(formOf(lastTokenRequest()).get("client_id")).toBe("_platform-api");
    expect(lastTokenRequest()?.url).toBe(server.tokenEndpoint("master"));
    expect((await readAccessToken("m", outs, d)).id).toBe("m");
    expect(sent.at(-1)?.url).toBe(`${server.managerUrl}/api/platform/users/_current/refresh_tokens`);
  });
});

describe("a server that rotates refresh tokens", () => {
  it("keeps the new refresh token, which replaces the old one", async () => {
    const rotating = await startExastroServer({ rotateRefreshTokens: true });
    try {
      rotating.addUser({ org: "o", username: "u", password: "p" });
      const d = deps();
      const props = {
        system: "exastro",
        resourceName: "r",
        baseUrl: rotating.url,
        organizationId: "o",
        username: "u",
        password: "p",
      };
      const { outs } = await createAccessToken(props, d);
      const renewed = (await updateAccessToken(outs, { ...props, triggers: { a: "1" } }, d)).outs as Record<
        string,
        unknown
      >;
      expect(renewed.refreshToken).not.toBe(outs.refreshToken);
      const again = (await updateAccessToken(renewed, { ...props, triggers: { a: "2" } }, d)).outs as Record<
        string,
        unknown
      >;
      expect(rotating.verify(again.accessToken as string).active).toBe(true);
    } finally {
      await rotating.close();
    }
  });
});

describe("delete", () => {
  it("by default revokes nothing and says why, and how long the token stays valid", async () => {
    const d = deps();
    const { outs } = await createAccessToken({ ...base(), username: "dave", password: "dave-pass" }, d);
    const before = server.requests.length;
    await deleteAccessToken(outs, d);
    expect(server.requests.slice(before).filter((r) => r.method === "DELETE")).toEqual([]);
    expect(server.sessions("org1", "dave")[0]?.active).toBe(true);
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: expect.stringMatching(
          /Exastro token "ita": refresh token not revoked: Exastro can only revoke all of a user's refresh tokens at once; set revokeAllSessionsOnDelete to do that\. The token stays valid until \S+ and its refresh token \(session [0-9a-f-]+\) until \S+/,
        ),
      },
    ]);
  });

  it("with revokeAllSessionsOnDelete revokes ALL of the user's refresh tokens and says so loudly", async () => {
    const other = await uiRefreshToken("org1", "erin", "erin-pass");
    const d = deps();
    const props = { ...base(), username: "erin", password: "erin-pass", revokeAllSessionsOnDelete: true };
    const { outs } = await createAccessToken(props, d);
    expect(server.sessions("org1", "erin").filter((s) => s.active)).toHaveLength(2);
    await deleteAccessToken(outs, d);
    expect(server.sessions("org1", "erin").filter((s) => s.active)).toEqual([]);
    expect(server.verify(outs.accessToken as string).active).toBe(false);
    expect(decodeClaims(other)?.sid).toBeDefined();
    const warnings = d.diagnostics.messages.filter((m) => m.severity === "warning").map((m) => m.message);
    expect(warnings).toEqual([
      expect.stringMatching(/revoked ALL 2 refresh token\(s\) of user "erin" of organization org1/),
    ]);
  });

  it("refuses the revoke-all when it would end a session issued in the same run (a replacement's)", async () => {
    const d = deps();
    const props = { ...base(), username: "frank", password: "frank-pass", revokeAllSessionsOnDelete: true };
    const { outs: old } = await createAccessToken(props, d);
    const { outs: replacement } = await createAccessToken(props, d);
    await deleteAccessToken(old, d);
    expect(server.verify(replacement.accessToken as string).active).toBe(true);
    expect(server.verify(old.accessToken as string).active).toBe(true);
    expect(d.diagnostics.messages.at(-1)?.message).toMatch(
      new RegExp(`would also end session\\(s\\) ${replacement.sessionId as string}, just issued in this update`),
    );
  });

  it("uses the refresh token when the access token has expired", async () => {
    const own = await startExastroServer({ accessTokenTtl: 60 });
    try {
      own.addUser({ org: "o", username: "u", password: "p" });
      const d = deps();
      const props = {
        system: "exastro",
        resourceName: "r",
        baseUrl: own.url,
        organizationId: "o",
        username: "u",
        password: "p",
        revokeAllSessionsOnDelete: true,
      };
      const { outs } = await createAccessToken(props, d);
      own.advanceClock(120);
      const later = () => new Date(Date.now() + 120_000);
      const outcome = await exastroSystem.revoke(props as never, outs as TokenState, outs.accessToken as string, {
        ...ctxOf(d),
        now: later,
      });
      expect(outcome).toEqual({ revoked: true });
      expect(nonEmpty(own.sessions("o", "u"), "sessions").every((s) => !s.active)).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe("the error envelope", () => {
  const ctx = {
    system: "Exastro",
    operation: "refresh-token list",
    endpoint: "https://ita.example/api/o/platform/users/_current/refresh_tokens",
  };
  const res = (status: number, body: unknown, type = "application/json"): HttpResponse => ({
    status,
    headers: { "content-type": type },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

  it("names endpoint, status, result code and message", () => {
    const error = (() => {
      try {
        processEnvelopeResponse(
          res(403, { result: "403-00001", data: null, message: "権限がありません。", ts: "x" }),
          ctx,
        );
      } catch (e) {
        return e as Error & { oauthError?: string; status?: number };
      }
    })();
    expect(error?.message).toBe(
      "Exastro refresh-token list at https://ita.example/api/o/platform/users/_current/refresh_tokens failed: HTTP 403, result 403-00001 (権限がありません。)",
    );
    expect(error?.oauthError).toBe("403-00001");
    expect(error?.status).toBe(403);
  });

  it("keys on the status for problem+json and foreign bodies", () => {
    expect(() =>
      processEnvelopeResponse(
        res(
          400,
          { detail: "'username' is a required property", status: 400, title: "Bad Request", type: "about:blank" },
          "application/problem+json",
        ),
        ctx,
      ),
    ).toThrow(/failed: HTTP 400 Bad Request: 'username' is a required property$/);
    expect(() => processEnvelopeResponse(res(502, "<html>Bad gateway</html>", "text/html"), ctx)).toThrow(
      /failed: HTTP 502, no Exastro result code \(content-type text\/html\)/,
    );
    expect(() =>
      processEnvelopeResponse(res(200, { result: "500-99999", data: null, message: "システムエラー" }), ctx),
    ).toThrow(/HTTP 200, result 500-99999 \(システムエラー\)/);
    expect(processEnvelopeResponse(res(200, { result: "000-00000", data: [1], message: "SUCCESS" }), ctx)).toEqual([1]);
  });

  it("a gateway in maintenance (498) makes refresh warn, not fail", async () => {
    const d = deps();
    const { outs } = await createAccessToken({ ...base(), username: "alice", password: "alice-pass" }, d);
    server.maintenance = true;
    try {
      expect((await readAccessToken("x", outs, d)).id).toBe("x");
      expect(d.diagnostics.messages.at(-1)?.message).toMatch(/in maintenance \(HTTP 498/);
    } finally {
      server.maintenance = false;
    }
  });

  it("builds org and manager endpoints", () => {
    expect(exastroEndpoints("https://ita.example/", "org 1")).toEqual({
      realm: "org 1",
      clientId: "_org 1-api",
      token: "https://ita.example/auth/realms/org%201/protocol/openid-connect/token",
      refreshTokens: "https://ita.example/api/org%201/platform/users/_current/refresh_tokens",
    });
    expect(exastroEndpoints("https://mng.example", undefined)).toMatchObject({
      realm: "master",
      clientId: "_platform-api",
      refreshTokens: "https://mng.example/api/platform/users/_current/refresh_tokens",
    });
  });
});
