/**
 * Exastro service-account users through the real engine: `pulumi preview / up / refresh /
 * destroy` on examples/exastro-api-client against the local Exastro server. A workspace
 * administrator's `exastro.AccessToken` (password grant) feeds an `exastro.ServiceAccount`,
 * whose refresh token feeds a chained `exastro.AccessToken({ serviceAccount })`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExastroServer, startExastroServer } from "../servers/exastro-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { ACCESS_TOKEN_TYPE, API_CLIENT_TYPE } from "../../sdk/shim";

const ADMIN = { org: "org1", username: "ws-admin", password: `admin-pass-${Date.now()}`, roles: ["_ws1-admin"] };

let server: ExastroServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const agents = () => server.serviceAccounts("org1", "ws1");
const saRequests = () => server.requests.filter((r) => r.path.includes("/service-account-users")).length;

async function resourcesOf(p: Program): Promise<StateResource[]> {
  const text = await p.exportState();
  exports.push({ label: `stack export after ${p.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

async function outputs(p: Program): Promise<Record<string, string>> {
  return (await p.revealedOutputs()) as Record<string, string>;
}

describe("Exastro service account through pulumi", () => {
  beforeAll(async () => {
    server = await startExastroServer({ organizations: ["org1"] });
    server.addUser({ ...ADMIN });
    program = await createProgram("exastro-api-client");
    await program.config("baseUrl", server.url);
    await program.config("organizationId", "org1");
    await program.config("workspaceId", "ws1");
    await program.config("adminUsername", ADMIN.username);
    await program.config("adminPassword", ADMIN.password, true);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("preview plans the admin token, the service account and its token without calling Exastro", async () => {
    const r = await program.preview();
    expect(r.stdout).toContain(`+ ${API_CLIENT_TYPE}: (create)`);
    expect(r.stdout.split(`+ ${ACCESS_TOKEN_TYPE}: (create)`)).toHaveLength(3);
    expect(server.requests).toEqual([]);
  });

  let first: Record<string, string>;
  it("up creates the user at the server; the chained token is the user's, and every secret is encrypted", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/agentRefreshToken\s*: \[secret\]/);
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    expect(agents()).toEqual([
      expect.objectContaining({
        username: "ita-agent",
        type: "ansible-execution-agent",
        description: "IT Automation execution agent",
      }),
    ]);
    first = await outputs(program);
    expect(first.serviceAccountUserId).toBe(agents()[0]?.id);
    expect(server.issuedTokens.has(first.agentRefreshToken)).toBe(true);
    expect(server.verify(first.accessToken)).toMatchObject({ active: true, username: "ita-agent" });
    expect(Date.parse(first.agentRefreshTokenExpiresAt) - Date.now()).toBeGreaterThan(364 * 86_400_000);

    const resources = await resourcesOf(program);
    const client = resources.find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    for (const key of ["accessToken", "refreshToken"]) {
      expect(client.outputs?.[key]).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    }
    expect(client.inputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    const chained = resources.find((x) => x.urn.endsWith("::ita-agent-token")) as StateResource & {
      dependencies?: string[];
    };
    expect(chained.dependencies).toContain(client.urn);
    expect(chained.outputs?.initialRefreshToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("a no-change preview plans nothing for the client or what is chained to it (--expect-no-changes)", async () => {
    // Optional settings a client never had must not turn unknown at preview and plan
    // updates of the chained tokens.
    const r = await program.preview(["--expect-no-changes"]);
    expect(r.stdout).not.toMatch(/\((update|replace|create|delete)\)/);
  });

  it("a new description updates the user in place; its refresh token and the chained token stay", async () => {
    await program.config("description", "agent v2");
    const r = await program.up();
    expect(r.stdout).toMatch(/~ 1 updated/);
    expect(r.stdout).not.toMatch(/replaced/);
    expect(agents()).toEqual([expect.objectContaining({ id: first.serviceAccountUserId, description: "agent v2" })]);
    const after = await outputs(program);
    expect(after.agentRefreshToken).toBe(first.agentRefreshToken);
    expect(after.accessToken).toBe(first.accessToken);
  });

  it("its refresh token revoked in Exastro: refresh drops it, the next up issues a new one for the same user", async () => {
    const live = server.sessions("org1", "ita-agent").filter((x) => x.active);
    expect(live.length).toBeGreaterThan(0);
    for (const session of live) server.revokeSession(session.id);
    const refreshed = await program.refresh();
    expect(output(refreshed)).toMatch(
      /the refresh token this resource issued \(session [0-9a-f-]{36}\) was revoked or has ended, so it is removed from the stack; the next pulumi up issues a new one in place/,
    );
    const client = (await resourcesOf(program)).find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    expect(client.outputs?.refreshToken).toBeUndefined();
    expect(client.outputs?.clientId).toBe(first.serviceAccountUserId);

    const preview = await program.preview();
    expect(output(preview)).toMatch(/refreshToken no longer works; a new one will be issued in place/);
    expect(preview.stdout).toMatch(new RegExp(`~ ${API_CLIENT_TYPE}: \\(update\\)`));

    const r = await program.up();
    expect(r.stdout).not.toMatch(/deleted|replaced/);
    const again = await outputs(program);
    expect(again.serviceAccountUserId).toBe(first.serviceAccountUserId);
    expect(again.agentRefreshToken).not.toBe(first.agentRefreshToken);
    expect(server.issuedTokens.has(again.agentRefreshToken)).toBe(true);
    expect(server.verify(again.accessToken)).toMatchObject({ active: true, username: "ita-agent" });
    await program.preview(["--expect-no-changes"]);
    first = again;
  });

  it("a user deleted in Exastro: refresh drops it, the next up creates it again and the token follows", async () => {
    expect(server.deleteUser("org1", "ita-agent")).toBe(true);
    expect(server.verify(first.accessToken).active).toBe(false);
    const refreshed = await program.refresh();
    expect(output(refreshed)).toContain(
      `client "${first.serviceAccountUserId}" no longer exists at the server; the next pulumi up registers a new one`,
    );
    expect((await resourcesOf(program)).find((x) => x.type === API_CLIENT_TYPE)).toBeUndefined();

    await program.up();
    const again = await outputs(program);
    expect(agents()).toEqual([
      expect.objectContaining({ id: again.serviceAccountUserId, username: "ita-agent", description: "agent v2" }),
    ]);
    expect(again.serviceAccountUserId).not.toBe(first.serviceAccountUserId);
    expect(again.agentRefreshToken).not.toBe(first.agentRefreshToken);
    expect(server.verify(again.accessToken)).toMatchObject({ active: true, username: "ita-agent" });
    first = again;
  });

  it("a new type replaces the user, deleting the old one first (same username); the token follows", async () => {
    await program.config("agentType", "oase-agent");
    const r = await program.up();
    expect(r.stdout).toMatch(/\+-1 replaced|2 replaced/);
    const again = await outputs(program);
    expect(agents()).toEqual([
      expect.objectContaining({ id: again.serviceAccountUserId, username: "ita-agent", type: "oase-agent" }),
    ]);
    expect(again.serviceAccountUserId).not.toBe(first.serviceAccountUserId);
    expect(server.verify(first.accessToken).active).toBe(false);
    expect(server.verify(again.accessToken)).toMatchObject({ active: true, username: "ita-agent" });
    first = again;
  });

  it("destroy deletes the user, says its tokens stop working, and the chained token no longer verifies", async () => {
    const before = saRequests();
    const r = await program.destroy();
    expect(output(r)).toMatch(
      /service-account user "ita-agent" \([0-9a-f-]{36}\) of workspace ws1 of organization org1 deleted: every refresh token and access token of that user .* stopped working with it/,
    );
    expect(saRequests()).toBe(before + 1);
    expect(agents()).toEqual([]);
    expect(server.verify(first.accessToken)).toMatchObject({ active: false });
    expect((await resourcesOf(program)).filter((x) => x.type.includes("access-tokens"))).toEqual([]);
  });

  it("no admin password, refresh token or access token appears in any output, log or state export", () => {
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(8);
    const leaks = findLeaks([...transcriptTexts(program), ...exports], [ADMIN.password, ...server.issuedTokens]);
    expect(leaks).toEqual([]);
  });
});
