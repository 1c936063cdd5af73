/**
 * Nothing orphaned: `pulumi up` creating 50 tokens is interrupted (SIGINT) part-way, then
 * recovered with `refresh` and `up`. Afterwards the set of live tokens at the server equals
 * the set in state, and destroy leaves none alive.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const COUNT = 50;
const client: TestClient = {
  client_id: "bulk-client",
  client_secret: `bulk-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
let program: Program;

async function liveTokens(): Promise<Set<string>> {
  const live = new Set<string>();
  for (const token of server.issuedTokens) if ((await server.introspect(token, client)).active) live.add(token);
  return live;
}

describe("interrupting pulumi up part-way", () => {
  beforeAll(async () => {
    server = await startOAuthServer({ clients: [client] });
    program = await createProgram("../test/engine/programs/many-tokens");
    await program.config("issuer", server.issuer);
    await program.config("clientId", client.client_id);
    await program.config("clientSecret", client.client_secret as string, true);
    await program.config("count", String(COUNT));
  });
  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("after SIGINT and recovery, live tokens at the server are exactly the tokens in state", async () => {
    const child = spawn(
      "pulumi",
      ["--non-interactive", "--color", "never", "--stack", program.stack, "up", "--yes", "--skip-preview"],
      { cwd: program.dir, env: program.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    while (server.issuedTokens.size < 10) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const code = await exited;
    program.transcript.push({ args: ["up (interrupted)"], code, stdout: output, stderr: "" });
    expect(code).not.toBe(0);
    expect(server.issuedTokens.size).toBeLessThan(COUNT);

    // Recovery as a pipeline would do it.
    await program.refresh(["--clear-pending-creates"]);
    await program.up();
    const state = (await program.revealedOutputs()).accessTokens as string[];
    expect(state).toHaveLength(COUNT);
    expect([...(await liveTokens())].sort()).toEqual([...state].sort());

    await program.destroy();
    expect((await liveTokens()).size).toBe(0);
    expect(findLeaks(transcriptTexts(program), [client.client_secret as string, ...server.issuedTokens])).toEqual([]);
  });
});
