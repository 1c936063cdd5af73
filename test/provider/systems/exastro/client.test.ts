/**
 * Exastro service-account users (`system: "exastro"`) through the ApiClient lifecycle,
 * called directly against the local Exastro server: create (no id in the answer: found by
 * username), a duplicate username refused, the admin bearer refused (401) or lacking the
 * role (403), steps that fail after the user exists, read (gone, drift, a revoked refresh
 * token), in-place description updates and delete (the user's tokens die with it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recordingDiagnostics } from "../../../../provider/diagnostics";
import type { HttpRequest, Transport } from "../../../../provider/http/transport";
import { createTransport } from "../../../../provider/http/transport";
import { UNKNOWN } from "../../../../provider/core/api-client";
import {
  checkApiClient,
  createApiClient,
  deleteApiClient,
  diffApiClient,
  readApiClient,
  updateApiClient,
} from "../../../kit/lifecycles";
import { shimText } from "../../../../sdk/shim";
import { type ExastroServer, startExastroServer } from "../../../servers/exastro-server";
import { caught } from "../../../kit/helpers";

const SHIM = shimText("ApiClient");
const ADMIN = { org: "org1", username: "ws-admin", password: "admin-pass", roles: ["_ws1-admin"] };
const PLAIN = { org: "org1", username: "plain", password: "plain-pass" };

let server: ExastroServer;
let adminToken: string;
const sent: HttpRequest[] = [];

async function accessTokenOf(user: { username: string; password: string }): Promise<string> {
  const res = await fetch(server.tokenEndpoint("org1"), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "_org1-api",
      grant_type: "password",
      scope: "openid",
      username: user.username,
      password: user.password,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  server = await startExastroServer({ organizations: ["org1"] });
  server.addUser(ADMIN);
  server.addUser(PLAIN);
  adminToken = await accessTokenOf(ADMIN);
});
afterAll(() => server?.close());
beforeEach(() => {
  sent.length = 0;
});

/** Inputs as the SDK sends them. */
function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "exastro",
    resourceName: "agent",
    baseUrl: server.url,
    organizationId: "org1",
    workspaceId: "ws1",
    username: "agent",
    description: "runs playbooks",
    accessToken: adminToken,
    __provider: SHIM,
    ...extra,
  };
}

/** A transport that records requests and answers `fail(req)` instead of the server when it returns one. */
function deps(fail?: (req: HttpRequest) => { status: number; body: unknown } | undefined) {
  const base = createTransport();
  const transport: Transport = async (req, ctx) => {
    sent.push(req);
    const answer = fail?.(req);
    if (answer) {
      return {
        status: answer.status,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(answer.body),
      };
    }
    return base(req, ctx);
  };
  return { transport, diagnostics: recordingDiagnostics() };
}

const agentsNamed = (username: string) => server.serviceAccounts("org1", "ws1").filter((a) => a.username === username);
const SYSTEM_ERROR = { status: 500, body: { result: "500-99999", data: null, message: "システムエラー" } };

describe("check (no network)", () => {
  it("accepts valid inputs, and unknown values during preview", () => {
    expect(checkApiClient(inputs()).failures).toBeUndefined();
    expect(checkApiClient(inputs({ accessToken: UNKNOWN, type: "oase-agent" })).failures).toBeUndefined();
  });

  it("names each bad input", () => {
    const r = checkApiClient({
      system: "exastro",
      baseUrl: "http://ita.example.com",
      organizationId: "master",
      workspaceId: "ws/1",
      username: "has space",
      type: "robot",
      issueRefreshToken: "yes",
    });
    const by = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(by.baseUrl).toMatch(/must use https/);
    expect(by.organizationId).toMatch(/"master" is the system-manager realm/);
    expect(by.workspaceId).toMatch(/no spaces, slashes or URL syntax/);
    expect(by.username).toBe("must not contain spaces");
    expect(by.type).toBe('must be "ansible-execution-agent" or "oase-agent"');
    expect(by.accessToken).toMatch(/is required: the access token of a user with role _\{workspaceId\}-admin/);
    expect(by.issueRefreshToken).toBeDefined();
    expect(sent).toEqual([]);
  });
});

describe("diff (plan time, no network)", () => {
  it("description → update in place; where and who the user is → replace; a new admin token → cosmetic", async () => {
    const olds = { ...inputs(), clientId: "id-1", refreshToken: "rt" };
    expect(await diffApiClient(olds, inputs({ description: "v2" }))).toMatchObject({ changes: true, replaces: [] });
    for (const key of ["username", "type", "workspaceId", "organizationId", "baseUrl"]) {
      expect((await diffApiClient(olds, inputs({ [key]: "other" }))).replaces).toEqual([key]);
    }
    expect(await diffApiClient(olds, inputs({ accessToken: "renewed" }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diffApiClient(olds, inputs())).toMatchObject({ changes: false });
  });

  it("a refresh token that no longer works (removed by a read, or past its end) is issued again in place", async () => {
    const now = new Date("2026-06-01T00:00:00.000Z");
    const base = { ...inputs(), clientId: "id-1" };
    for (const olds of [base, { ...base, refreshToken: "rt", refreshTokenExpiresAt: "2026-05-31T23:59:59.000Z" }]) {
      const diagnostics = recordingDiagnostics();
      expect(await diffApiClient(olds, inputs(), { diagnostics, now: () => now })).toMatchObject({
        changes: true,
        replaces: [],
      });
      expect(diagnostics.messages).toEqual([
        expect.objectContaining({
          severity: "info",
          message: expect.stringMatching(/refreshToken no longer works; a new one will be issued in place/),
        }),
      ]);
    }
    const valid = { ...base, refreshToken: "rt", refreshTokenExpiresAt: "2026-06-02T00:00:00.000Z" };
    expect(await diffApiClient(valid, inputs(), { now: () => now })).toMatchObject({ changes: false });
    // Not asked for: nothing to restore.
    expect(
      await diffApiClient({ ...base, issueRefreshToken: false }, inputs({ issueRefreshToken: false }), {
        now: () => now,
      }),
    ).toMatchObject({ changes: false });
    // A replacement issues its own: no update is planned on top of it.
    expect(await diffApiClient(base, inputs({ username: "other" }), { now: () => now })).toMatchObject({
      replaces: ["username"],
    });
  });
});

describe("lifecycle", () => {
  it("create: creates the user, finds its id by (lower-cased) username, issues a refresh token", async () => {
    const d = deps();
    const { id, outs } = await createApiClient(inputs({ username: "Agent-A" }), d);
    const [agent] = agentsNamed("agent-a");
    expect(agent).toMatchObject({ type: "ansible-execution-agent", description: "runs playbooks" });
    expect(outs.clientId).toBe(agent?.id);
    expect(id).not.toBe(agent?.id);
    expect(outs.metadata).toMatchObject({ id: agent?.id, username: "agent-a", description: "runs playbooks" });
    expect(server.issuedTokens.has(outs.refreshToken as string)).toBe(true);
    expect(outs.refreshTokenSessionId).toBe(server.sessions("org1", "agent-a")[0]?.id);
    expect(Date.parse(outs.refreshTokenExpiresAt as string) - Date.now()).toBeGreaterThan(364 * 86_400_000);
    expect(outs.tokenEndpoint).toBe(server.tokenEndpoint("org1"));
    expect(sent.map((r) => `${r.method} ${r.url.replace(server.url, "")}`)).toEqual([
      "POST /api/org1/platform/workspaces/ws1/service-account-users",
      "GET /api/org1/platform/workspaces/ws1/service-account-users",
      `POST /api/org1/platform/workspaces/ws1/service-account-users/${agent?.id}/refresh_tokens`,
    ]);
    expect(JSON.parse(sent[0]?.body ?? "")).toEqual({
      username: "Agent-A",
      service_account_user_type: "ansible-execution-agent",
      description: "runs playbooks",
    });
    expect(JSON.parse(sent[2]?.body ?? "")).toEqual({});
  });

  it("create with issueRefreshToken false issues none; turning it on issues one in place", async () => {
    const created = await createApiClient(inputs({ username: "quiet", issueRefreshToken: false }), deps());
    expect(created.outs.refreshToken).toBeUndefined();
    expect(server.sessions("org1", "quiet")).toEqual([]);
    const updated = await updateApiClient(created.id, created.outs, inputs({ username: "quiet" }), deps());
    expect(server.issuedTokens.has(updated.outs?.refreshToken as string)).toBe(true);
    expect(sent.filter((r) => r.method === "PUT")).toEqual([]);
  });

  it("a duplicate username says 'already exists' and adopts nothing", async () => {
    await createApiClient(inputs({ username: "taken" }), deps());
    const error = await caught(createApiClient(inputs({ username: "TAKEN" }), deps()));
    expect(error.message).toMatch(
      /^Exastro service-account user creation at http:\/\/127\.0\.0\.1:\d+\/api\/org1\/platform\/workspaces\/ws1\/service-account-users failed: HTTP 400, result 409-25001 \(.+\): a user named "taken" already exists in organization org1 .* This resource does not adopt an existing user/,
    );
    expect(error.id).toBeUndefined();
    expect(agentsNamed("taken")).toHaveLength(1);
  });

  it("a refused admin token (401) says which input and what to do; a missing role (403) names it", async () => {
    const expired = await caught(createApiClient(inputs({ username: "x401", accessToken: "not-a-token" }), deps()));
    expect(expired.message).toMatch(
      /HTTP 401, result 401-00002 \(認証に失敗しました。\): the admin access token \(accessToken\) was refused, probably expired \(Exastro access tokens live 24 h\): run pulumi up so the exastro.AccessToken that feeds it renews, then retry/,
    );
    const plain = await accessTokenOf(PLAIN);
    const denied = await caught(createApiClient(inputs({ username: "x403", accessToken: plain }), deps()));
    expect(denied.message).toMatch(/HTTP 403, result 403-00001 .*without the role _ws1-admin/);
    expect(denied.message).not.toContain(plain);
    expect(agentsNamed("x401")).toEqual([]);
  });

  it("a token issue that fails after creation records the user, and delete removes it", async () => {
    const d = deps((req) => (req.url.endsWith("/refresh_tokens") ? SYSTEM_ERROR : undefined));
    const error = await caught(createApiClient(inputs({ username: "half" }), d));
    const [agent] = agentsNamed("half");
    expect(error.message).toMatch(/refresh-token issue .* HTTP 500, result 500-99999 .*the user was created/);
    const properties = error.properties as Record<string, unknown>;
    expect(properties).toMatchObject({ clientId: agent?.id, registrationIncomplete: true, __provider: SHIM });
    expect((await diffApiClient(properties, inputs({ username: "half" }))).replaces).toEqual([
      "registrationIncomplete",
    ]);
    await deleteApiClient(properties, deps());
    expect(agentsNamed("half")).toEqual([]);
  });

  it("a list that fails after creation records the user without an id; delete finds it by username", async () => {
    const d = deps((req) => (req.method === "GET" ? SYSTEM_ERROR : undefined));
    const error = await caught(createApiClient(inputs({ username: "nameless" }), d));
    expect(error.message).toMatch(/service-account user list .* HTTP 500/);
    const properties = error.properties as Record<string, unknown>;
    expect(properties).toMatchObject({ clientId: "", registrationIncomplete: true });
    expect(agentsNamed("nameless")).toHaveLength(1);
    await deleteApiClient(properties, deps());
    expect(agentsNamed("nameless")).toEqual([]);
  });

  describe("read, update and delete", () => {
    let created: { id: string; outs: Record<string, unknown> };
    beforeAll(async () => {
      const { id, outs } = await createApiClient(inputs({ username: "agent-rud" }), deps());
      created = { id, outs: outs ?? {} };
    });
    const news = (extra: Record<string, unknown> = {}) => inputs({ username: "agent-rud", ...extra });
    const userUrl = () =>
      `${server.url}/api/org1/platform/workspaces/ws1/service-account-users/${String(created.outs.clientId)}`;

    it("read: a description changed in Exastro shows as drift", async () => {
      await fetch(userUrl(), {
        method: "PUT",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ description: "changed in the UI" }),
      });
      const d = deps();
      const r = await readApiClient(created.id, created.outs, d);
      expect(r.id).toBe(created.id);
      expect(r.props?.description).toBe("changed in the UI");
      expect(d.diagnostics.messages).toEqual([]);
    });

    it("update: a description is PUT in place; clearing it sends an empty string; a new admin token sends nothing", async () => {
      const updated = await updateApiClient(created.id, created.outs, news({ description: "v2" }), deps());
      expect(agentsNamed("agent-rud")[0]?.description).toBe("v2");
      expect(updated.outs?.clientId).toBe(created.outs.clientId);
      expect(updated.outs?.refreshToken).toBe(created.outs.refreshToken);
      const cleared = await updateApiClient(created.id, updated.outs ?? {}, news({ description: undefined }), deps());
      expect(JSON.parse(sent.at(-1)?.body ?? "")).toEqual({ description: "" });
      expect(agentsNamed("agent-rud")[0]?.description).toBe("");
      sent.length = 0;
      const renewed = await accessTokenOf(ADMIN);
      const cosmetic = await updateApiClient(
        created.id,
        cleared.outs ?? {},
        news({ description: undefined, accessToken: renewed }),
        deps(),
      );
      expect(sent).toEqual([]);
      expect(cosmetic.outs?.accessToken).toBe(renewed);
      created = { id: created.id, outs: cosmetic.outs ?? {} };
    });

    it("read: an expired admin token warns and keeps the state; a revoked refresh token is warned about", async () => {
      const d = deps();
      const stale = await readApiClient(created.id, { ...created.outs, accessToken: "expired" }, d);
      expect(stale.id).toBe(created.id);
      expect(d.diagnostics.messages[0]?.message).toMatch(/was not checked: .*HTTP 401.*run pulumi up/);

      expect(server.revokeSession(created.outs.refreshTokenSessionId as string)).toBe(true);
      const d2 = deps();
      const r = await readApiClient(created.id, created.outs, d2);
      expect(r.id).toBe(created.id);
      expect(d2.diagnostics.messages).toEqual([
        expect.objectContaining({
          severity: "warning",
          message: expect.stringMatching(
            /the refresh token this resource issued \(session [0-9a-f-]{36}\) was revoked or has ended, so it is removed from the stack; the next pulumi up issues a new one in place/,
          ),
        }),
      ]);
      // Nothing in state points at the dead session any more.
      const refreshed = r.props ?? {};
      for (const key of ["refreshToken", "refreshTokenSessionId", "refreshTokenExpiresAt"]) {
        expect(refreshed).not.toHaveProperty(key);
      }
      expect(refreshed.clientId).toBe(created.outs.clientId);

      // The next up: an update in place issues a new refresh token for the same user.
      expect(await diffApiClient(refreshed, news())).toMatchObject({ changes: true, replaces: [] });
      const restored = (await updateApiClient(created.id, refreshed, news(), deps())).outs ?? {};
      expect(restored.clientId).toBe(created.outs.clientId);
      expect(typeof restored.refreshToken).toBe("string");
      expect(restored.refreshToken).not.toBe(created.outs.refreshToken);
      expect(server.sessions("org1", "agent-rud").filter((x) => x.active)).toEqual([
        expect.objectContaining({ id: restored.refreshTokenSessionId }),
      ]);
      expect(await diffApiClient(restored, news())).toMatchObject({ changes: false });
      created = { id: created.id, outs: restored };
    });

    it("delete: the user is gone and so are its tokens; a second delete finds it gone", async () => {
      const other = await createApiClient(inputs({ username: "agent-del" }), deps());
      const refresh = await fetch(server.tokenEndpoint("org1"), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: "_org1-api",
          grant_type: "refresh_token",
          refresh_token: other.outs.refreshToken as string,
        }),
      });
      const access = ((await refresh.json()) as { access_token: string }).access_token;
      expect(server.verify(access)).toMatchObject({ active: true, username: "agent-del" });
      const d = deps();
      await deleteApiClient(other.outs, d);
      expect(agentsNamed("agent-del")).toEqual([]);
      expect(server.verify(access).active).toBe(false);
      expect(d.diagnostics.messages[0]?.message).toMatch(
        /deleted: every refresh token and access token of that user .* stopped working with it/,
      );
      const again = deps();
      await deleteApiClient(other.outs, again);
      expect(again.diagnostics.messages[0]?.message).toMatch(/was already gone at the server \(HTTP 404/);
    });

    it("read: a user deleted in Exastro is gone; a delete with an expired admin token fails with advice", async () => {
      const error = await caught(deleteApiClient({ ...created.outs, accessToken: "expired" }, deps()));
      expect(error.message).toMatch(/service-account user delete at .* HTTP 401.*accessToken.*run pulumi up/);
      expect(server.deleteUser("org1", "agent-rud")).toBe(true);
      const d = deps();
      const r = await readApiClient(created.id, created.outs, d);
      expect(r.id).toBe("");
      expect(d.diagnostics.messages[0]?.message).toMatch(/no longer exists at the server/);
    });
  });
});
