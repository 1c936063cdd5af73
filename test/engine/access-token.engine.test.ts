/**
 * The AccessToken lifecycle through the real engine: `pulumi preview / up / refresh /
 * destroy` on examples/client-credentials against a real oidc-provider on loopback.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, type StateResource, createProgram, findLeaks, transcriptTexts } from "../kit/harness";
import { ACCESS_TOKEN_TYPE } from "../../sdk/shim";

const canary: TestClient = {
  client_id: "canary-client",
  client_secret: `canary-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
let program: Program;
let copy: Program | undefined;
const exports: { label: string; text: string }[] = [];

function tokenRequests(): number {
  return server.requests.filter((r) => r.method === "POST" && r.path === "/token").length;
}

async function stateOf(p: Program): Promise<StateResource | undefined> {
  const text = await p.exportState();
  exports.push({ label: `stack export after ${p.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).find((r: StateResource) => r.type.endsWith(":AccessToken"));
}

async function currentToken(p: Program): Promise<string> {
  const outputs = await p.revealedOutputs();
  expect(typeof outputs.accessToken).toBe("string");
  return outputs.accessToken as string;
}

describe("AccessToken through pulumi", () => {
  beforeAll(async () => {
    server = await startOAuthServer({ clients: [canary] });
    program = await createProgram("client-credentials");
    await program.config("issuer", server.issuer);
    await program.config("clientId", canary.client_id);
    await program.config("clientSecret", canary.client_secret as string, true);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("preview plans a create without calling the token endpoint", async () => {
    const before = server.requests.length;
    const r = await program.preview();
    expect(r.stdout).toContain(`${ACCESS_TOKEN_TYPE}: (create)`);
    expect(server.requests.length).toBe(before);
  });

  let first: string;
  it("up issues a token that works at the server, as a secret output", async () => {
    const r = await program.up();
    expect(r.stdout).toContain("accessToken: [secret]");
    first = await currentToken(program);
    expect((await server.introspect(first, canary)).active).toBe(true);
    expect(server.issuedTokens.has(first)).toBe(true);

    const resource = await stateOf(program);
    expect(resource).toBeDefined();
    const outputs = resource?.outputs as Record<string, unknown>;
    // Secret outputs are ciphertext envelopes, never the value.
    expect(outputs.accessToken).toMatchObject({ "4dabf18193072939515e22adb298388d": expect.any(String) });
    expect(outputs.clientSecret).toMatchObject({ "4dabf18193072939515e22adb298388d": expect.any(String) });
    expect(outputs.tokenType).toBe("Bearer");
    expect(Date.parse(outputs.expiresAt as string)).toBeGreaterThan(Date.now());
    expect(outputs.resolvedTokenEndpoint).toBe(server.tokenEndpoint);
    // The id is random, not derived from the token.
    expect(resource?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("stores a tiny shim with no path and no secret as __provider", async () => {
    const resource = await stateOf(program);
    for (const provider of [resource?.inputs?.__provider, resource?.outputs?.__provider]) {
      expect(typeof provider).toBe("string");
      const text = provider as string;
      expect(text.length).toBeLessThan(200);
      expect(text).toContain('require("pulumi-access-tokens/provider")');
      expect(text).not.toMatch(/\/(tmp|work|root|home)\//);
      expect(text).not.toContain(canary.client_secret);
      expect(text).not.toContain(first);
    }
  });

  it("a second up with nothing due changes nothing and calls no token endpoint", async () => {
    const before = tokenRequests();
    const r = await program.up();
    expect(r.stdout).toMatch(/unchanged/);
    expect(tokenRequests()).toBe(before);
    expect(await currentToken(program)).toBe(first);
  });

  let second: string;
  it("refresh detects a token revoked at the server; the next up issues a new one", async () => {
    await server.revoke(first, canary);
    const refreshed = await program.refresh();
    expect(refreshed.stdout).toMatch(/1 deleted/);
    expect(await stateOf(program)).toBeUndefined();

    await program.up();
    second = await currentToken(program);
    expect(second).not.toBe(first);
    expect((await server.introspect(second, canary)).active).toBe(true);
  });

  it("a cosmetic change updates in place and keeps the token", async () => {
    await program.config("revokeOnDelete", "true");
    // The example passes revokeOnDelete through only when set; see index.ts.
    const preview = await program.preview();
    expect(preview.stdout).toContain(`~ ${ACCESS_TOKEN_TYPE}: (update)`);
    expect(preview.stdout).toContain("~ 1 to update");
    const before = tokenRequests();
    await program.up();
    expect(tokenRequests()).toBe(before);
    expect(await currentToken(program)).toBe(second);
  });

  let third: string;
  it("a material change (scopes) replaces the token and revokes the old one", async () => {
    await program.pulumi(["config", "set", "--path", "scopes[0]", "api:write"]);
    const preview = await program.preview();
    expect(preview.stdout).toContain(`+-${ACCESS_TOKEN_TYPE}: (replace)`);
    expect(preview.stdout).toContain("+-1 to replace");
    await program.up();
    third = await currentToken(program);
    expect(third).not.toBe(second);
    const answer = await server.introspect(third, canary);
    expect(answer.active).toBe(true);
    expect(answer.scope).toBe("api:write");
    expect((await server.introspect(second, canary)).active).toBe(false);
  });

  it("state refreshes and destroys from a copy of the program at another path; destroy revokes", async () => {
    copy = await program.copyTo("moved-program");
    await copy.refresh();
    expect((await stateOf(copy))?.id).toBeDefined();
    await copy.destroy();
    expect(await stateOf(copy)).toBeUndefined();
    expect((await server.introspect(third, canary)).active).toBe(false);
  });

  it("no client secret or issued token appears in any output, log or state export", () => {
    const all = copy ?? program;
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(3);
    const secrets = [canary.client_secret as string, ...server.issuedTokens];
    const leaks = findLeaks([...transcriptTexts(all), ...exports], secrets);
    expect(leaks).toEqual([]);
  });
});
