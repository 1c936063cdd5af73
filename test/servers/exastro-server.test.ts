import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ExastroServer, type ExastroServerOptions, startExastroServer } from "./exastro-server";
import { nonEmpty } from "../kit/helpers";

type Json = Record<string, unknown>;

const decodeJwt = (token: string): Json =>
  JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Json;

async function form(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function api(base: string, method: string, path: string, accessToken?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const issue = (s: ExastroServer, org: string, username: string, password: string, extra: Record<string, string> = {}) =>
  form(s.tokenEndpoint(org), {
    client_id: org === "master" ? "_platform-api" : `_${org}-api`,
    grant_type: "password",
    scope: "openid offline_access",
    username,
    password,
    ...extra,
  });

const refresh = (s: ExastroServer, org: string, refreshToken: string, clientId = `_${org}-api`) =>
  form(s.tokenEndpoint(org), { client_id: clientId, grant_type: "refresh_token", refresh_token: refreshToken });

async function withServer(options: ExastroServerOptions, fn: (s: ExastroServer) => Promise<void>) {
  const s = await startExastroServer(options);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe("Exastro test server", () => {
  let s: ExastroServer;

  beforeAll(async () => {
    s = await startExastroServer({ organizations: ["org1"] });
    s.addUser({ org: "org1", username: "Alice", password: "alice-pass", roles: ["_ws1-admin"] });
    s.addUser({ org: "org1", username: "bob", password: "bob-pass" });
    s.addUser({ org: "org1", username: "carol", password: "carol-pass", totp: "123456" });
    s.addUser({ org: "org1", username: "dave", password: "dave-pass", roles: ["_ws1-admin", "_ws2-admin"] });
    s.addUser({ org: "org2", username: "erin", password: "erin-pass" });
    s.addUser({ org: "master", username: "admin", password: "admin-pass" });
  });
  afterAll(() => s.close());
  afterEach(() => {
    s.maintenance = false;
  });

  describe("token endpoint", () => {
    it("issues Keycloak's JSON for a password grant, with an offline-token JWT as refresh token", async () => {
      const { status, body } = await issue(s, "org1", "alice", "alice-pass");
      expect(status).toBe(200);
      expect(body).toMatchObject({
        expires_in: 86400,
        refresh_expires_in: 365 * 86400,
        token_type: "Bearer",
        "not-before-policy": 0,
      });
      for (const k of ["access_token", "refresh_token", "id_token", "session_state", "scope"]) {
        expect(typeof body[k]).toBe("string");
      }
      expect((body.scope as string).split(" ")).toEqual(expect.arrayContaining(["openid", "offline_access"]));
      const refreshToken = body.refresh_token as string;
      expect(refreshToken.split(".")).toHaveLength(3);
      const claims = decodeJwt(refreshToken);
      expect(claims).toMatchObject({ typ: "Offline", sid: body.session_state, azp: "_org1-api" });
      expect(typeof claims.sub).toBe("string");
      expect(claims.exp).toBeGreaterThan(Date.now() / 1000 + 364 * 86400);
      expect(s.issuedTokens.has(refreshToken)).toBe(true);
      expect(s.issuedTokens.has(body.access_token as string)).toBe(true);
      expect(s.requests.at(-1)).toEqual({ method: "POST", path: "/auth/realms/org1/protocol/openid-connect/token" });
    });

    it("answers 500 (the gateway) when a password grant has no scope", async () => {
      const { status, body } = await form(s.tokenEndpoint("org1"), {
        client_id: "_org1-api",
        grant_type: "password",
        username: "alice",
        password: "alice-pass",
      });
      expect(status).toBe(500);
      expect(body).toMatchObject({ result: "500-99999", data: null });
    });

    it("rejects wrong passwords with invalid_grant, and matches usernames case-insensitively", async () => {
      const wrong = await issue(s, "org1", "alice", "nope");
      expect(wrong).toEqual({
        status: 401,
        body: { error: "invalid_grant", error_description: "Invalid user credentials" },
      });
      expect((await issue(s, "org1", "ALICE", "alice-pass")).status).toBe(200);
    });

    it("needs the right totp for a two-factor user", async () => {
      expect((await issue(s, "org1", "carol", "carol-pass")).status).toBe(401);
      expect((await issue(s, "org1", "carol", "carol-pass", { totp: "000000" })).body.error).toBe("invalid_grant");
      expect((await issue(s, "org1", "carol", "carol-pass", { totp: "123456" })).status).toBe(200);
    });

    it("rejects a wrong client, an unknown realm and unsupported grants", async () => {
      const badClient = await form(s.tokenEndpoint("org1"), {
        client_id: "_org2-api",
        grant_type: "password",
        scope: "openid offline_access",
        username: "alice",
        password: "alice-pass",
      });
      expect(badClient.status).toBe(401);
      expect(badClient.body.error).toBe("invalid_client");
      expect((await issue(s, "nope", "alice", "alice-pass")).status).toBe(404);
      const cc = await form(s.tokenEndpoint("org1"), { client_id: "_org1-api", grant_type: "client_credentials" });
      expect(cc).toMatchObject({ status: 401, body: { error: "unauthorized_client" } });
      const code = await form(s.tokenEndpoint("org1"), { client_id: "_org1-api", grant_type: "urn:x" });
      expect(code).toMatchObject({ status: 400, body: { error: "unsupported_grant_type" } });
      const scope = await issue(s, "org1", "alice", "alice-pass", { scope: "openid bogus" });
      expect(scope).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
    });

    it("refreshes with the reusable offline token, which comes back unchanged", async () => {
      const first = (await issue(s, "org1", "alice", "alice-pass")).body;
      const a = await refresh(s, "org1", first.refresh_token as string);
      const b = await refresh(s, "org1", first.refresh_token as string);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.body.refresh_token).toBe(first.refresh_token);
      expect(a.body.access_token).not.toBe(first.access_token);
      expect(a.body.session_state).toBe(first.session_state);
    });

    it("refuses a refresh token at another client or realm", async () => {
      const token = (await issue(s, "org2", "erin", "erin-pass")).body.refresh_token as string;
      expect((await refresh(s, "org1", token)).body.error).toBe("invalid_grant");
      const other = await refresh(s, "org2", token, "_org1-api");
      expect(other).toMatchObject({ status: 401, body: { error: "invalid_client" } });
      expect((await refresh(s, "org1", "garbage")).body).toEqual({
        error: "invalid_grant",
        error_description: "Invalid refresh token",
      });
      expect(
        (await form(s.tokenEndpoint("org1"), { client_id: "_org1-api", grant_type: "refresh_token" })).status,
      ).toBe(400);
    });

    it("gives an online (typ Refresh) token without offline_access, which the lists do not show", async () => {
      const { body } = await issue(s, "org2", "erin", "erin-pass", { scope: "openid" });
      expect(decodeJwt(body.refresh_token as string).typ).toBe("Refresh");
      expect(body.refresh_expires_in).toBe(1800);
      const list = await api(
        s.url,
        "GET",
        "/api/org2/platform/users/_current/refresh_tokens",
        body.access_token as string,
      );
      expect((list.body.data as Json[]).map((r) => r.id)).not.toContain(body.session_state);
    });

    it("rotates refresh tokens when asked: the old one then fails", () =>
      withServer({ rotateRefreshTokens: true }, async (r) => {
        r.addUser({ org: "o", username: "u", password: "p" });
        const first = (await issue(r, "o", "u", "p")).body.refresh_token as string;
        const second = await refresh(r, "o", first);
        expect(second.status).toBe(200);
        expect(second.body.refresh_token).not.toBe(first);
        expect((await refresh(r, "o", first)).body.error).toBe("invalid_grant");
        expect((await refresh(r, "o", second.body.refresh_token as string)).status).toBe(200);
      }));

    it("reissues refresh tokens like stock Keycloak when asked: both stay valid", () =>
      withServer({ reissueRefreshTokens: true }, async (r) => {
        r.addUser({ org: "o", username: "u", password: "p" });
        const first = (await issue(r, "o", "u", "p")).body.refresh_token as string;
        const second = await refresh(r, "o", first);
        expect(second.body.refresh_token).not.toBe(first);
        expect((await refresh(r, "o", first)).status).toBe(200);
      }));

    it("honours configured lifetimes and expires by the (advanceable) clock", () =>
      withServer({ accessTokenTtl: 60, refreshTokenTtl: 3600 }, async (r) => {
        r.addUser({ org: "o", username: "u", password: "p" });
        const body = (await issue(r, "o", "u", "p")).body;
        expect(body).toMatchObject({ expires_in: 60, refresh_expires_in: 3600 });
        const path = "/api/o/platform/users/_current/refresh_tokens";
        r.advanceClock(61);
        expect((await api(r.url, "GET", path, body.access_token as string)).status).toBe(401);
        expect(r.verify(body.access_token as string)).toEqual({ active: false, reason: "expired" });
        const again = await refresh(r, "o", body.refresh_token as string);
        expect(again.status).toBe(200);
        r.advanceClock(3600);
        const dead = await refresh(r, "o", body.refresh_token as string);
        expect(dead).toEqual({
          status: 400,
          body: { error: "invalid_grant", error_description: "Offline session not active" },
        });
      }));
  });

  describe("gateway", () => {
    const current = "/api/org1/platform/users/_current/refresh_tokens";

    it("wraps failures in the Japanese 401 envelope", async () => {
      for (const token of [undefined, "not-a-token"]) {
        const { status, body } = await api(s.url, "GET", current, token);
        expect(status).toBe(401);
        expect(body).toEqual({
          result: "401-00002",
          data: null,
          message: "認証に失敗しました。",
          ts: expect.any(String),
        });
        expect(new Date(body.ts as string).toISOString()).toBe(body.ts);
      }
    });

    it("lists the caller's offline sessions; DELETE revokes all of them at once", async () => {
      s.addUser({ org: "org1", username: "frank", password: "frank-pass" });
      const one = (await issue(s, "org1", "frank", "frank-pass")).body;
      const two = (await issue(s, "org1", "frank", "frank-pass")).body;
      const list = await api(s.url, "GET", current, one.access_token as string);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ result: "000-00000", message: "SUCCESS" });
      const rows = list.body.data as Json[];
      expect(rows.map((r) => r.id)).toEqual([one.session_state, two.session_state]);
      expect(Object.keys(rows[0]).sort()).toEqual([
        "expire_timestamp",
        "id",
        "lastaccess_timestamp",
        "start_timestamp",
      ]);
      expect(rows[0].id).toBe(decodeJwt(one.refresh_token as string).sid);

      const del = await api(s.url, "DELETE", current, two.access_token as string);
      expect(del).toMatchObject({ status: 200, body: { result: "000-00000", data: null } });
      expect((await api(s.url, "GET", current, one.access_token as string)).status).toBe(401);
      expect((await refresh(s, "org1", one.refresh_token as string)).body.error_description).toBe(
        "Offline session not active",
      );
      expect(nonEmpty(s.sessions("org1", "frank"), "sessions").every((x) => !x.active)).toBe(true);
    });

    it("revokeSession kills that session's access tokens immediately", async () => {
      const body = (await issue(s, "org1", "bob", "bob-pass")).body;
      expect(s.verify(body.access_token as string)).toMatchObject({ active: true, org: "org1", username: "bob" });
      expect(s.revokeSession(body.session_state as string)).toBe(true);
      expect(s.revokeSession(body.session_state as string)).toBe(false);
      expect((await api(s.url, "GET", current, body.access_token as string)).status).toBe(401);
      expect(s.verify(body.access_token as string)).toEqual({ active: false, reason: "session revoked" });
    });

    it("refuses a token of another organization", async () => {
      const erin = (await issue(s, "org2", "erin", "erin-pass")).body.access_token as string;
      expect((await api(s.url, "GET", current, erin)).status).toBe(401);
    });

    it("answers 498 for every API call in maintenance, and problem+json 404 for unknown paths", async () => {
      const token = (await issue(s, "org1", "alice", "alice-pass")).body.access_token as string;
      expect((await api(s.url, "GET", "/api/org1/platform/nope", token)).status).toBe(404);
      s.maintenance = true;
      const { status, body } = await api(s.url, "GET", current, token);
      expect(status).toBe(498);
      expect(body).toMatchObject({ result: "498-00001", data: null });
    });

    it("serves the system manager (realm master, _platform-api) on the manager path only", async () => {
      const body = (await issue(s, "master", "admin", "admin-pass")).body;
      const path = "/api/platform/users/_current/refresh_tokens";
      const list = await api(s.managerUrl, "GET", path, body.access_token as string);
      expect(list.status).toBe(200);
      expect((list.body.data as Json[]).map((r) => r.id)).toContain(body.session_state);
      expect((await api(s.url, "GET", current, body.access_token as string)).status).toBe(401);
      const alice = (await issue(s, "org1", "alice", "alice-pass")).body.access_token as string;
      expect((await api(s.managerUrl, "GET", path, alice)).status).toBe(401);
    });

    it("can put the manager on its own origin", () =>
      withServer({ separateManagerOrigin: true, language: "en" }, async (r) => {
        r.addUser({ org: "master", username: "admin", password: "p" });
        r.addUser({ org: "o", username: "u", password: "p" });
        expect(r.managerUrl).not.toBe(r.url);
        expect(r.tokenEndpoint("master").startsWith(r.managerUrl)).toBe(true);
        expect((await issue(r, "master", "admin", "p")).status).toBe(200);
        const wrongOrigin = await form(`${r.url}/auth/realms/master/protocol/openid-connect/token`, {
          client_id: "_platform-api",
          grant_type: "password",
          scope: "openid offline_access",
          username: "admin",
          password: "p",
        });
        expect(wrongOrigin.status).toBe(404);
        const denied = await api(r.url, "GET", "/api/o/platform/users/_current/refresh_tokens");
        expect(denied.body.message).toBe("Failed to authenticate");
      }));
  });

  describe("service-account users", () => {
    const base = "/api/org1/platform/workspaces/ws1/service-account-users";
    let admin: string;

    beforeAll(async () => {
      admin = (await issue(s, "org1", "alice", "alice-pass")).body.access_token as string;
    });

    const find = async (username: string) =>
      ((await api(s.url, "GET", base, admin)).body.data as Json[]).find((u) => u.username === username);

    it("needs _{ws}-admin", async () => {
      const bob = (await issue(s, "org1", "bob", "bob-pass")).body.access_token as string;
      const { status, body } = await api(s.url, "GET", base, bob);
      expect(status).toBe(403);
      expect(body).toMatchObject({ result: "403-00001", data: null });
    });

    it("creates without returning an id; the list (lower-cased names) gives it", async () => {
      const created = await api(s.url, "POST", base, admin, {
        username: "Agent-01",
        service_account_user_type: "ansible-execution-agent",
        description: "runs playbooks",
      });
      expect(created).toMatchObject({ status: 200, body: { result: "000-00000", data: null } });
      const row = await find("agent-01");
      expect(row).toMatchObject({
        username: "agent-01",
        service_account_user_type: "ansible-execution-agent",
        description: "runs playbooks",
        token_latest_expire_date: null,
      });
      expect(typeof row?.id).toBe("string");
      expect(s.serviceAccounts("org1", "ws1").map((x) => x.username)).toContain("agent-01");
    });

    it("rejects duplicates (HTTP 400, result 409-25001) and bad bodies", async () => {
      await api(s.url, "POST", base, admin, { username: "dup", service_account_user_type: "oase-agent" });
      const dup = await api(s.url, "POST", base, admin, { username: "DUP", service_account_user_type: "oase-agent" });
      expect(dup.status).toBe(400);
      expect(dup.body.result).toBe("409-25001");
      const badType = await api(s.url, "POST", base, admin, { username: "x1", service_account_user_type: "robot" });
      expect(badType).toMatchObject({ status: 400, body: { result: "400-00037" } });
      const empty = await api(s.url, "POST", base, admin, { username: "", service_account_user_type: "oase-agent" });
      expect(empty).toMatchObject({ status: 400, body: { result: "400-00011" } });
      const missing = await api(s.url, "POST", base, admin, { service_account_user_type: "oase-agent" });
      expect(missing).toMatchObject({ status: 400, body: { title: "Bad Request", status: 400 } });
    });

    it("gets, updates and 404s by id", async () => {
      await api(s.url, "POST", base, admin, { username: "agent-02", service_account_user_type: "oase-agent" });
      const id = (await find("agent-02"))?.id as string;
      const got = await api(s.url, "GET", `${base}/${id}`, admin);
      expect(got.body.data).toMatchObject({ id, username: "agent-02", description: "" });
      const put = await api(s.url, "PUT", `${base}/${id}`, admin, { description: "new" });
      expect(put).toMatchObject({ status: 200, body: { data: null } });
      expect((await api(s.url, "GET", `${base}/${id}`, admin)).body.data).toMatchObject({ description: "new" });
      expect((await api(s.url, "PUT", `${base}/${id}`, admin, {})).body.result).toBe("400-00002");
      const missing = await api(s.url, "GET", `${base}/00000000-0000-0000-0000-000000000000`, admin);
      expect(missing).toMatchObject({ status: 404, body: { result: "404-25001", data: null } });
    });

    it("issues SA refresh tokens usable at the org's token endpoint, lists and revokes them", async () => {
      await api(s.url, "POST", base, admin, { username: "agent-03", service_account_user_type: "oase-agent" });
      const id = (await find("agent-03"))?.id as string;
      const issued = await api(s.url, "POST", `${base}/${id}/refresh_tokens`, admin, {});
      expect(issued.status).toBe(200);
      const data = issued.body.data as { refresh_token: string; refresh_token_expire: string };
      expect(s.issuedTokens.has(data.refresh_token)).toBe(true);
      // Flask's RFC 1123 date, not ISO 8601.
      expect(data.refresh_token_expire).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      const claims = decodeJwt(data.refresh_token);
      expect(claims).toMatchObject({ typ: "Offline", sub: id });

      const access = await refresh(s, "org1", data.refresh_token);
      expect(access.status).toBe(200);
      expect(s.verify(access.body.access_token as string)).toMatchObject({ active: true, username: "agent-03" });

      const list = await api(s.url, "GET", `${base}/${id}/refresh_tokens`, admin);
      expect(list.body.data).toEqual([
        expect.objectContaining({ id: claims.sid, create_user_name: "alice", create_user_id: expect.any(String) }),
      ]);
      expect((await find("agent-03"))?.token_latest_expire_date).toEqual(expect.any(String));

      expect((await api(s.url, "DELETE", `${base}/${id}/refresh_tokens`, admin)).status).toBe(200);
      expect((await refresh(s, "org1", data.refresh_token)).status).toBe(400);
      expect((await api(s.url, "GET", `${base}/${id}/refresh_tokens`, admin)).body.data).toEqual([]);
    });

    it("answers 400-41007 for token calls on unknown or foreign users, and [] for their lists", async () => {
      const unknown = "00000000-0000-0000-0000-000000000000";
      const post = await api(s.url, "POST", `${base}/${unknown}/refresh_tokens`, admin, {});
      expect(post).toMatchObject({ status: 400, body: { result: "400-41007" } });
      expect((await api(s.url, "GET", `${base}/${unknown}/refresh_tokens`, admin)).body.data).toEqual([]);

      const dave = (await issue(s, "org1", "dave", "dave-pass")).body.access_token as string;
      const ws2 = "/api/org1/platform/workspaces/ws2/service-account-users";
      await api(s.url, "POST", ws2, dave, { username: "agent-ws2", service_account_user_type: "oase-agent" });
      const id = ((await api(s.url, "GET", ws2, dave)).body.data as Json[])[0].id as string;
      const foreign = await api(s.url, "GET", `${base}/${id}`, dave);
      expect(foreign).toMatchObject({ status: 400, body: { result: "400-41007" } });

      const human = s.sessions("org1", "alice")[0].userId;
      expect((await api(s.url, "GET", `${base}/${human}`, admin)).body.result).toBe("400-41009");
    });

    it("deleting the SA user ends its tokens", async () => {
      await api(s.url, "POST", base, admin, { username: "agent-04", service_account_user_type: "oase-agent" });
      const id = (await find("agent-04"))?.id as string;
      const token = ((await api(s.url, "POST", `${base}/${id}/refresh_tokens`, admin, {})).body.data as Json)
        .refresh_token as string;
      expect((await api(s.url, "DELETE", `${base}/${id}`, admin)).status).toBe(200);
      expect(await find("agent-04")).toBeUndefined();
      expect((await refresh(s, "org1", token)).status).toBe(400);
    });

    it("deleteUser removes a user as Keycloak's console does: its tokens die with it", async () => {
      await api(s.url, "POST", base, admin, { username: "agent-05", service_account_user_type: "oase-agent" });
      const id = (await find("agent-05"))?.id as string;
      const token = ((await api(s.url, "POST", `${base}/${id}/refresh_tokens`, admin, {})).body.data as Json)
        .refresh_token as string;
      const access = (await refresh(s, "org1", token)).body.access_token as string;
      expect(s.verify(access).active).toBe(true);
      expect(s.deleteUser("org1", "AGENT-05")).toBe(true);
      expect(s.deleteUser("org1", "agent-05")).toBe(false);
      expect(s.verify(access).active).toBe(false);
      expect((await api(s.url, "GET", `${base}/${id}`, admin)).body.result).toBe("404-25001");
      expect((await refresh(s, "org1", token)).status).toBe(400);
    });
  });
});
