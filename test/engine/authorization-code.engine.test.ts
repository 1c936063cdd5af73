/**
 * A refresh token from the interactive authorization, stored in stack config by the CLI,
 * renews the access token through `pulumi up` — across three successive rotations of a
 * server that rotates refresh tokens (a reused one would fail with invalid_grant). Each
 * rotation is made due by the provider's test clock, not by waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeStack } from "../kit/authorize";
import { type OAuthServer, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const cli: TestClient = {
  client_id: "cli-app",
  token_endpoint_auth_method: "none",
  application_type: "native",
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  redirect_uris: ["http://127.0.0.1/callback"],
  scope: "openid offline_access api:read",
};

let server: OAuthServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const userinfo = async (token: string) =>
  (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

describe("refresh token from the authorize command, renewed through pulumi up", () => {
  beforeAll(async () => {
    // Tokens outlive every move of the test clock, so only rotateAfter makes them due.
    server = await startOAuthServer({ clients: [cli], interactive: true, accessTokenTtl: 86_400 });
    program = await createProgram("authorization-code");
    await program.config("issuer", server.issuer);
    await program.config("clientId", cli.client_id);
    await program.config("rotateAfter", "1h");
  });
  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("authorize stores the refresh token as a secret in the stack's config", async () => {
    const { code, stderr } = await authorizeStack(
      program,
      server.issuer,
      cli.client_id,
      "openid offline_access api:read",
    );
    expect(stderr).toContain("Stored the refresh token as a secret");
    expect(code).toBe(0);
    const config = await program.pulumi(["config"]);
    expect(config.stdout).toMatch(/refreshToken\s+\[secret\]/);
  });

  it("up issues from it, and three successive rotations each renew from the latest refresh token", async () => {
    await program.up();
    const seen = new Set<string>();
    for (let rotation = 0; rotation <= 3; rotation++) {
      const out = await program.revealedOutputs();
      const token = out.accessToken as string;
      expect(seen.has(token)).toBe(false);
      seen.add(token);
      expect(await userinfo(token)).toBe(200);
      if (rotation === 3) break;
      program.clock.passTo(out.rotationDueAt as string);
      const up = await program.up();
      expect(up.stdout).toContain("~ 1 updated");
    }
    const state = await program.exportState();
    exports.push({ label: "stack export", text: state });
    const resource = JSON.parse(state).deployment.resources.find((r: { type: string }) =>
      r.type.endsWith(":AccessToken"),
    );
    expect(resource.outputs.refreshToken).toMatchObject({ "4dabf18193072939515e22adb298388d": expect.any(String) });
  });

  it("no refresh or access token appears in any output, log or state export", () => {
    expect(findLeaks([...transcriptTexts(program), ...exports], [...server.issuedTokens])).toEqual([]);
  });
});
