/**
 * Exastro tokens through the real engine: `pulumi preview / up / refresh / destroy` on
 * examples/exastro against the local Exastro server. A session revoked at the server is
 * found by refresh and replaced by the next up; destroy leaves the session (and says so)
 * unless revokeAllSessionsOnDelete is set, which revokes all of the user's refresh tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExastroServer, startExastroServer } from "../servers/exastro-server";
import { type Program, type StateResource, createProgram, findLeaks, transcriptTexts } from "../kit/harness";
import { ACCESS_TOKEN_TYPE } from "../../sdk/shim";

const OPS = { org: "org1", username: "ops", password: `ops-pass-${Date.now()}`, totp: "90817263" };
const DEV = { org: "org1", username: "dev", password: `dev-pass-${Date.now()}` };

let server: ExastroServer;
let password: Program;
let ui: Program | undefined;
const exports: { label: string; text: string }[] = [];

const tokenRequests = () => server.requests.filter((r) => r.path.endsWith("/openid-connect/token")).length;
const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const liveSessions = (username: string) => server.sessions("org1", username).filter((s) => s.active);

async function stateOf(p: Program): Promise<StateResource | undefined> {
  const text = await p.exportState();
  exports.push({ label: `stack export after ${p.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).find((r: StateResource) => r.type === ACCESS_TOKEN_TYPE);
}

async function outputs(p: Program): Promise<Record<string, string | undefined>> {
  return (await p.revealedOutputs()) as Record<string, string | undefined>;
}

/** What the Exastro UI's "トークン発行" does: an offline refresh token for the user. */
async function uiRefreshToken(username: string, password_: string): Promise<string> {
  const res = await fetch(server.tokenEndpoint("org1"), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "_org1-api",
      grant_type: "password",
      scope: "openid offline_access",
      username,
      password: password_,
    }),
  });
  return ((await res.json()) as { refresh_token: string }).refresh_token;
}

describe("Exastro token through pulumi", () => {
  beforeAll(async () => {
    server = await startExastroServer({ organizations: ["org1"] });
    server.addUser({ ...OPS });
    server.addUser({ ...DEV });
    password = await createProgram("exastro");
    await password.config("baseUrl", server.url);
    await password.config("organizationId", "org1");
    await password.config("username", OPS.username);
    await password.config("password", OPS.password, true);
    await password.config("totp", OPS.totp, true);
  });

  afterAll(async () => {
    await server?.close();
    await password?.cleanup();
    await ui?.cleanup();
  });

  describe("password + totp: the resource issues its own offline session", () => {
    it("preview plans a create without calling Exastro", async () => {
      const before = server.requests.length;
      const r = await password.preview();
      expect(r.stdout).toContain(`${ACCESS_TOKEN_TYPE}: (create)`);
      expect(server.requests.length).toBe(before);
    });

    let first: Record<string, string | undefined>;
    it("up issues an offline session; the access token works at the gateway, as a secret output", async () => {
      const r = await password.up();
      expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
      first = await outputs(password);
      const [session] = liveSessions("ops");
      expect(first.sessionId).toBe(session?.id);
      expect(server.verify(first.accessToken as string)).toMatchObject({ active: true, sid: session?.id });
      expect(Date.parse(first.refreshTokenExpiresAt as string) - Date.now()).toBeGreaterThan(364 * 86_400_000);

      const state = (await stateOf(password))?.outputs as Record<string, unknown>;
      for (const key of ["accessToken", "refreshToken", "password", "totp"]) {
        expect(state[key]).toMatchObject({ "4dabf18193072939515e22adb298388d": expect.any(String) });
      }
      expect(state.sessionId).toBe(session?.id);
    });

    it("a second up changes nothing and calls no token endpoint", async () => {
      const before = tokenRequests();
      expect((await password.up()).stdout).toMatch(/1 unchanged|2 unchanged/);
      expect(tokenRequests()).toBe(before);
    });

    let renewed: Record<string, string | undefined>;
    it("a trigger renews in place from the stored refresh token: new access token, same session", async () => {
      await password.pulumi(["config", "set", "--path", "triggers.rotation", "first"]);
      const preview = await password.preview();
      expect(output(preview)).toMatch(/token "exastro-token" will rotate \(renewed in place\): triggers changed/);
      await password.up();
      renewed = await outputs(password);
      expect(renewed.accessToken).not.toBe(first.accessToken);
      expect(renewed.sessionId).toBe(first.sessionId);
      expect(server.verify(renewed.accessToken as string).active).toBe(true);
      expect(liveSessions("ops")).toHaveLength(1);
    });

    it("refresh finds a session revoked at the server; the next up issues a new one", async () => {
      expect(server.revokeSession(renewed.sessionId as string)).toBe(true);
      const refreshed = await password.refresh();
      expect(refreshed.stdout).toMatch(/1 deleted/);
      expect(await stateOf(password)).toBeUndefined();

      await password.up();
      const again = await outputs(password);
      expect(again.sessionId).not.toBe(renewed.sessionId);
      expect(server.verify(again.accessToken as string)).toMatchObject({ active: true, sid: again.sessionId });
    });

    it("destroy without the opt-in leaves the session valid and says why", async () => {
      const sessionId = (await outputs(password)).sessionId;
      const r = await password.destroy();
      expect(output(r)).toMatch(
        /Exastro can only revoke all of a user's refresh tokens at once; set revokeAllSessionsOnDelete to do that\. The token stays valid until/,
      );
      expect(liveSessions("ops").map((s) => s.id)).toContain(sessionId);
      expect(server.requests.some((r_) => r_.method === "DELETE")).toBe(false);
    });
  });

  describe("a refresh token from the UI, with revokeAllSessionsOnDelete", () => {
    let given: string;
    it("preview warns about the opt-in; up adopts the given refresh token's session", async () => {
      given = await uiRefreshToken(DEV.username, DEV.password);
      await uiRefreshToken(DEV.username, DEV.password); // another token of the same user
      ui = await createProgram("exastro");
      await ui.config("baseUrl", server.url);
      await ui.config("organizationId", "org1");
      await ui.config("refreshToken", given, true);
      await ui.config("revokeAllSessionsOnDelete", "true");

      const preview = await ui.preview();
      expect(output(preview)).toMatch(
        /revokeAllSessionsOnDelete is set: deleting this resource revokes EVERY refresh token/,
      );
      await ui.up();
      const out = await outputs(ui);
      const sid = JSON.parse(Buffer.from(given.split(".")[1] as string, "base64url").toString()).sid;
      expect(out.sessionId).toBe(sid);
      expect(server.verify(out.accessToken as string)).toMatchObject({ active: true, sid });
      expect(liveSessions("dev")).toHaveLength(2);
    });

    it("destroy revokes ALL of the user's refresh tokens and says so loudly", async () => {
      const r = await (ui as Program).destroy();
      expect(output(r)).toMatch(
        /revokeAllSessionsOnDelete: revoked ALL 2 refresh token\(s\) of user "dev" of organization org1/,
      );
      expect(liveSessions("dev")).toEqual([]);
    });
  });

  it("no password, one-time code, refresh or access token appears in any output, log or state export", () => {
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(6);
    const secrets = [OPS.password, OPS.totp, DEV.password, ...server.issuedTokens];
    const texts = [...transcriptTexts(password), ...(ui ? transcriptTexts(ui) : []), ...exports];
    expect(findLeaks(texts, secrets)).toEqual([]);
  });
});
