/**
 * Misskey tokens through the real engine: `pulumi preview / up / refresh / destroy` on
 * examples/misskey against the local Misskey server. Refresh finds a revoked token; destroy
 * without a native token warns and leaves the token, with one it revokes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newMiAuthSession } from "../../provider/systems/misskey/authorize";
import { type MisskeyServer, startMisskeyServer } from "../servers/misskey-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { ACCESS_TOKEN_TYPE } from "../../sdk/shim";

let server: MisskeyServer;
let program: Program;
let owner: { id: string; username: string; nativeToken: string };
const exports: { label: string; text: string }[] = [];

const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const live = (token: string) => server.tokensOf(owner.id).some((t) => t.token === token);
/** The owner approves a MiAuth request in the browser. */
const approve = () =>
  server.approveMiAuth(newMiAuthSession(), owner.id, { permission: ["read:account", "write:notes"] }).token;

async function stateOf(): Promise<StateResource | undefined> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).find((r: StateResource) => r.type === ACCESS_TOKEN_TYPE);
}

async function revealed(): Promise<Record<string, string | undefined>> {
  return (await program.revealedOutputs()) as Record<string, string | undefined>;
}

describe("Misskey token through pulumi", () => {
  beforeAll(async () => {
    server = await startMisskeyServer();
    owner = server.createUser("owner");
    program = await createProgram("misskey");
    await program.config("baseUrl", server.url);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  let first: string;
  it("preview warns about an unknown permission name without calling Misskey", async () => {
    first = approve();
    await program.config("token", first, true);
    await program.pulumi(["config", "set", "--path", "permissions[0]", "read:account"]);
    await program.pulumi(["config", "set", "--path", "permissions[1]", "write:note"]);
    const before = server.requests.length;
    const r = await program.preview();
    expect(r.stdout).toContain(`${ACCESS_TOKEN_TYPE}: (create)`);
    expect(output(r)).toMatch(/unknown Misskey permission\(s\) write:note/);
    expect(server.requests.length).toBe(before);
  });

  it("up checks the token with POST /api/i and adopts it as a secret output", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    const out = await revealed();
    expect(out.accessToken).toBe(first);
    expect(out).toMatchObject({ username: "owner", userId: owner.id });
    const state = (await stateOf())?.outputs as Record<string, unknown>;
    for (const key of ["accessToken", "token"]) {
      expect(state[key]).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    }
    expect(server.requests.filter((q) => q.path === "/api/i")).toHaveLength(1);
  });

  it("refresh keeps a working token and drops a revoked one", async () => {
    expect((await program.refresh()).stdout).not.toMatch(/deleted/);
    server.revoke(first);
    expect((await program.refresh()).stdout).toMatch(/1 deleted/);
    expect(await stateOf()).toBeUndefined();
  });

  let second: string;
  it("up with the same revoked token says it was rejected and what to run", async () => {
    const r = await program.up([], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(output(r)).toMatch(/token rejected by http:\/\/127\.0\.0\.1:\d+\/api\/i: HTTP 401 AUTHENTICATION_FAILED/);
    expect(output(r)).toMatch(/npx pulumi-access-tokens authorize misskey/);

    second = approve();
    await program.config("token", second, true);
    await program.up();
    expect((await revealed()).accessToken).toBe(second);
  });

  it("destroy without a native token leaves the token valid and says why", async () => {
    const r = await program.destroy();
    expect(output(r)).toMatch(/only lets the account's native token revoke an access token/);
    expect(live(second)).toBe(true);
  });

  it("with a native token, destroy revokes the token", async () => {
    await program.up();
    await program.config("nativeToken", owner.nativeToken, true);
    const update = await program.up();
    expect(update.stdout).toMatch(/1 updated/);
    expect((await revealed()).accessToken).toBe(second);
    const r = await program.destroy();
    expect(output(r)).not.toMatch(/not revoked/);
    expect(live(second)).toBe(false);
  });

  it("no token, native token or app credential appears in any output, log or state export", () => {
    const secrets = [first, second, owner.nativeToken, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
