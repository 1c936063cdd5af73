/**
 * One engine scenario for a program written against a generated SDK (Python, Go) with the
 * native plugin: a generic OAuth 2.0 AccessToken against oidc-provider through up, a
 * no-change preview, rotation by a trigger (the preview says why), refresh, destroy; secret
 * inputs and outputs encrypted in state; no client secret or token in any output or export.
 * The program reads `issuer`, `clientId`, `clientSecret` (secret) and `generation` from
 * stack config and exports `accessToken`, `tokenType` and `expiresAt`.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "./oauth-server";
import { type Program, type StateResource, SECRET_SIG, createProgram, findLeaks, transcriptTexts } from "./harness";
import { usePluginFromCheckout } from "./plugin";

const GENERIC = "access-tokens:index:AccessToken";

/**
 * Declares the scenario's `describe` block.
 *
 * @param language - names the block and the canary client
 * @param example - the program, as `createProgram` takes it
 * @param prepare - makes the copied program runnable (its SDK, its virtualenv); runs once
 */
export function describeSdkProgram(language: string, example: string, prepare: (program: Program) => Promise<void>) {
  const canary: TestClient = {
    client_id: `${language}-client`,
    client_secret: `${language}-canary-secret-${randomUUID()}`,
    token_endpoint_auth_method: "client_secret_basic",
    scope: SCOPES.join(" "),
  };
  let oauth: OAuthServer;
  let program: Program;
  const exports: { label: string; text: string }[] = [];
  const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const tokenRequests = () => oauth.requests.filter((r) => r.method === "POST" && r.path === "/token").length;

  async function resources(): Promise<StateResource[]> {
    const text = await program.exportState();
    exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
    return JSON.parse(text).deployment.resources ?? [];
  }

  async function accessToken(): Promise<string> {
    const token = (await program.revealedOutputs()).accessToken;
    expect(typeof token).toBe("string");
    return token as string;
  }

  describe(`${language} program with the generated SDK and the native plugin`, () => {
    beforeAll(async () => {
      oauth = await startOAuthServer({ clients: [canary], accessTokenTtl: 7 * 86_400 });
      program = await createProgram(example);
      await usePluginFromCheckout(program);
      await prepare(program);
      await program.config("issuer", oauth.issuer);
      await program.config("clientId", canary.client_id);
      await program.config("clientSecret", canary.client_secret as string, true);
      await program.config("generation", "gen-a");
    });

    afterAll(async () => {
      await oauth?.close();
      await program?.cleanup();
    });

    it("preview plans the create through the plugin without a token request", async () => {
      const r = await program.preview();
      expect(r.stdout).toContain(`+ ${GENERIC}: (create)`);
      expect(tokenRequests()).toBe(0);
    });

    let token: string;
    it("up issues the token as a secret output; secret inputs and outputs are encrypted in state", async () => {
      const r = await program.up();
      expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
      token = await accessToken();
      expect((await oauth.introspect(token, canary)).active).toBe(true);
      expect((await program.revealedOutputs()).tokenType).toBe("Bearer");

      const state = await resources();
      const resource = state.find((x) => x.type === GENERIC);
      expect(resource).toBeDefined();
      expect(resource?.inputs?.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      expect(resource?.outputs?.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      expect(resource?.outputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      expect(resource?.outputs).toMatchObject({ system: "oauth2", resourceName: "token", tokenType: "Bearer" });
      const stack = state.find((x) => x.type === "pulumi:pulumi:Stack");
      expect(stack?.outputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    });

    it("a preview with nothing due plans no change and sends no request", async () => {
      const before = tokenRequests();
      const r = await program.preview();
      expect(r.stdout).not.toMatch(/to (create|update|replace|delete)/);
      expect(r.stdout).toMatch(/2 unchanged/);
      expect(tokenRequests()).toBe(before);
    });

    it("a new trigger value rotates the token: the preview says why, up replaces and revokes", async () => {
      await program.config("generation", "gen-b");
      const preview = await program.preview();
      expect(all(preview)).toContain('OAuth 2.0 token "token" will rotate (replaced): triggers changed');
      expect(preview.stdout).toContain(`+-${GENERIC}: (replace)`);
      await program.up();
      const next = await accessToken();
      expect(next).not.toBe(token);
      expect((await oauth.introspect(next, canary)).active).toBe(true);
      expect((await oauth.introspect(token, canary)).active).toBe(false);
      token = next;
    });

    it("refresh keeps a live token and drops one revoked at the server; the next up issues it again", async () => {
      const kept = await program.refresh();
      expect(kept.stdout).not.toMatch(/deleted/);
      await oauth.revoke(token, canary);
      const dropped = await program.refresh();
      expect(dropped.stdout).toMatch(/1 deleted/);
      expect((await resources()).some((r) => r.type === GENERIC)).toBe(false);
      await program.up();
      const next = await accessToken();
      expect(next).not.toBe(token);
      expect((await oauth.introspect(next, canary)).active).toBe(true);
      token = next;
    });

    it("destroy removes the token and revokes it", async () => {
      await program.destroy();
      expect((await resources()).filter((r) => r.type.startsWith("access-tokens:"))).toEqual([]);
      expect((await oauth.introspect(token, canary)).active).toBe(false);
    });

    it("no client secret or issued token appears in any output, log or state export", () => {
      expect(oauth.issuedTokens.size).toBeGreaterThanOrEqual(3);
      const secrets = [canary.client_secret as string, ...oauth.issuedTokens];
      expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
    });
  });
}
