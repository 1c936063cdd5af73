/**
 * A YAML program through the real engine and the native plugin (`pulumi-resource-access-tokens`,
 * found through `plugins.providers` in the program's Pulumi.yaml): a generic OAuth 2.0
 * AccessToken against oidc-provider, an Alphaus (Wave) token against the local Alphaus
 * server, one reading its client secret from the provider's stack config, and an
 * ApiClient registered at oidc-provider whose secret feeds a second token.
 * up, a no-change preview, an in-place update, rotation by a trigger and by the clock (the
 * preview says why), refresh, destroy; secrets encrypted in state, inputs included; no
 * canary anywhere.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type AlphausServer, startAlphausServer } from "../servers/alphaus-server";
import {
  type Program,
  type StateResource,
  SECRET_SIG,
  createProgram,
  findLeaks,
  transcriptTexts,
} from "../kit/harness";
import { usePluginFromCheckout } from "../kit/plugin";

const GENERIC = "access-tokens:index:AccessToken";
const WAVE = "access-tokens:alphaus:AccessToken";
const CLIENT = "access-tokens:index:ApiClient";
const IAT = `yaml-initial-access-token-${randomUUID()}`;

const canary: TestClient = {
  client_id: "yaml-client",
  client_secret: `yaml-canary-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};
const alphausClient = { clientId: "yaml-alphaus", clientSecret: `yaml-alphaus-secret-${randomUUID()}` };

let oauth: OAuthServer;
let alphaus: AlphausServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const tokenRequests = () =>
  oauth.requests.filter((r) => r.method === "POST" && r.path === "/token").length +
  alphaus.requests.filter((r) => r.method === "POST" && r.path.endsWith("/access_token")).length;

async function resources(): Promise<StateResource[]> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

async function outputs(): Promise<Record<string, string>> {
  return (await program.revealedOutputs()) as Record<string, string>;
}

describe("YAML program with the native plugin", () => {
  beforeAll(async () => {
    // Generic tokens outlive the clock moves below, so only triggers rotate them.
    oauth = await startOAuthServer({
      clients: [canary],
      accessTokenTtl: 7 * 86_400,
      registration: { initialAccessToken: IAT },
    });
    alphaus = await startAlphausServer({ clients: [alphausClient] });
    program = await createProgram("../test/engine/programs/yaml-tokens");
    await usePluginFromCheckout(program);
    await program.config("issuer", oauth.issuer);
    await program.config("clientId", canary.client_id);
    await program.config("clientSecret", canary.client_secret as string, true);
    await program.config("access-tokens:clientSecret", canary.client_secret as string, true);
    await program.config("generation", "gen-a");
    await program.config("requestTimeout", "30s");
    await program.config("initialAccessToken", IAT, true);
    await program.config("alphausAuthUrl", alphaus.waveTokenEndpoint);
    await program.config("alphausClientId", alphausClient.clientId);
    await program.config("alphausClientSecret", alphausClient.clientSecret, true);
  });

  afterAll(async () => {
    await oauth?.close();
    await alphaus?.close();
    await program?.cleanup();
  });

  it("preview plans every create through the plugin without a request, unknown inputs included", async () => {
    const r = await program.preview();
    expect(r.stdout).toContain(`+ ${GENERIC}: (create)`);
    expect(r.stdout).toContain(`+ ${WAVE}: (create)`);
    expect(r.stdout).toContain(`+ ${CLIENT}: (create)`);
    // clientToken's client id and secret are not known before the client exists.
    expect(r.stdout).toContain("+ 6 to create");
    expect(tokenRequests()).toBe(0);
    expect(oauth.requests.some((q) => q.path.startsWith("/reg"))).toBe(false);
  });

  let generic: string;
  let wave: string;
  let clientSecret: string;
  it("up issues the tokens as secret outputs; secret inputs and outputs are encrypted in state", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    expect(r.stdout).toMatch(/waveToken\s*: \[secret\]/);
    const out = await outputs();
    generic = out.accessToken as string;
    wave = out.waveToken as string;
    expect((await oauth.introspect(generic, canary)).active).toBe(true);
    expect(alphaus.verify(wave)).toBe(true);
    expect(out.tokenType).toBe("Bearer");

    const state = await resources();
    const byType = (type: string) => state.find((x) => x.type === type);
    const withSecretInput = state.filter(
      (x) => (x.type === GENERIC || x.type === WAVE) && !x.urn.endsWith("::fromConfig"),
    );
    expect(withSecretInput).toHaveLength(3);
    for (const resource of withSecretInput) {
      const type = `${resource.type} ${resource.urn}`;
      expect(resource, type).toBeDefined();
      expect(resource?.inputs?.clientSecret, type).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      expect(resource?.outputs?.clientSecret, type).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      expect(resource?.outputs?.accessToken, type).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      // The system comes from the type token, the name from the URN.
      expect(resource?.inputs?.system, type).toBeUndefined();
    }
    expect(state.filter((x) => x.type === GENERIC)).toHaveLength(3);
    const named = (name: string) => state.find((x) => x.urn.endsWith(`::${name}`));
    expect(named("token")?.outputs).toMatchObject({ system: "oauth2", resourceName: "token", tokenType: "Bearer" });
    expect(byType(WAVE)?.outputs).toMatchObject({ system: "alphaus", resourceName: "wave" });
    // The registered client: the initial access token (input), client secret and
    // registration access token (outputs) encrypted; its secret works at the token endpoint.
    const registered = byType(CLIENT);
    expect(registered?.inputs?.initialAccessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    for (const key of ["initialAccessToken", "clientSecret", "registrationAccessToken"]) {
      expect(registered?.outputs?.[key], key).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    }
    clientSecret = out.clientSecret as string;
    const clientId = registered?.outputs?.clientId as string;
    expect(typeof clientId).toBe("string");
    const issuedToClient = out.clientToken as string;
    expect((await oauth.introspect(issuedToClient, { client_id: clientId, client_secret: clientSecret })).active).toBe(
      true,
    );
    // clientSecretConfigKey: issued with the secret from the provider's stack config, which
    // is nowhere in the resource's state.
    const fromConfig = named("fromConfig");
    expect(fromConfig?.outputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(fromConfig?.outputs?.clientSecret).toBeUndefined();
    expect(fromConfig?.inputs?.clientSecret).toBeUndefined();
    expect(fromConfig?.outputs?.clientSecretConfigKey).toBe("access-tokens:clientSecret");
    // The client secret reached clientToken as a secret input.
    expect(named("clientToken")?.inputs?.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(named("clientToken")?.inputs?.clientId).toBe(clientId);
    const stack = state.find((x) => x.type === "pulumi:pulumi:Stack");
    expect(stack?.outputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(stack?.outputs?.waveToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(stack?.outputs?.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(stack?.outputs?.clientToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("a preview with nothing due plans no change and sends no request", async () => {
    const before = tokenRequests();
    const r = await program.preview();
    expect(r.stdout).not.toMatch(/to (create|update|replace|delete)/);
    expect(r.stdout).toMatch(/6 unchanged/);
    expect(tokenRequests()).toBe(before);
  });

  it("a cosmetic change (the HTTP policy) updates in place and keeps the token", async () => {
    await program.config("requestTimeout", "45s");
    const preview = await program.preview();
    expect(preview.stdout).toContain(`~ ${GENERIC}: (update)`);
    expect(preview.stdout).toContain("~ 1 to update");
    const before = tokenRequests();
    await program.up();
    expect(tokenRequests()).toBe(before);
    expect((await outputs()).accessToken).toBe(generic);
  });

  it("a new trigger value rotates the generic token: the preview says why, up replaces and revokes", async () => {
    await program.config("generation", "gen-b");
    const preview = await program.preview();
    expect(all(preview)).toContain('OAuth 2.0 token "token" will rotate (replaced): triggers changed');
    expect(preview.stdout).toContain(`+-${GENERIC}: (replace)`);
    expect(preview.stdout).toContain("+-1 to replace");
    await program.up();
    const next = (await outputs()).accessToken as string;
    expect(next).not.toBe(generic);
    expect((await oauth.introspect(next, canary)).active).toBe(true);
    expect((await oauth.introspect(generic, canary)).active).toBe(false);
    generic = next;
    expect((await outputs()).waveToken).toBe(wave);
  });

  it("the Alphaus token rotates when rotateAfter has passed on the provider's clock", async () => {
    program.clock.advance(21 * 3_600_000);
    const preview = await program.preview();
    expect(all(preview)).toMatch(/Alphaus token "wave" will rotate \(replaced\): rotation due at \S+/);
    expect(preview.stdout).toContain(`+-${WAVE}: (replace)`);
    expect(preview.stdout).not.toContain(`+-${GENERIC}`);
    await program.up();
    const next = (await outputs()).waveToken as string;
    expect(next).not.toBe(wave);
    expect(alphaus.verify(next)).toBe(true);
    wave = next;
    expect((await outputs()).accessToken).toBe(generic);
  });

  it("refresh keeps live tokens and drops one revoked at the server; the next up issues it again", async () => {
    const kept = await program.refresh();
    expect(kept.stdout).not.toMatch(/deleted/);
    await oauth.revoke(generic, canary);
    const dropped = await program.refresh();
    expect(dropped.stdout).toMatch(/1 deleted/);
    expect((await resources()).some((r) => r.urn.endsWith("::token"))).toBe(false);
    await program.up();
    const next = (await outputs()).accessToken as string;
    expect(next).not.toBe(generic);
    expect((await oauth.introspect(next, canary)).active).toBe(true);
    generic = next;
  });

  it("destroy removes every resource, revokes the generic token and deletes the client", async () => {
    await program.destroy();
    expect((await resources()).filter((r) => r.type.startsWith("access-tokens:"))).toEqual([]);
    expect((await oauth.introspect(generic, canary)).active).toBe(false);
    expect(oauth.requests.some((q) => q.method === "DELETE" && q.path.startsWith("/reg/"))).toBe(true);
  });

  it("no client secret or issued token appears in any output, log or state export", () => {
    expect(oauth.issuedTokens.size).toBeGreaterThanOrEqual(3);
    expect(alphaus.issuedTokens.size).toBeGreaterThanOrEqual(2);
    const secrets = [
      canary.client_secret as string,
      alphausClient.clientSecret,
      IAT,
      clientSecret,
      ...oauth.issuedTokens,
      ...alphaus.issuedTokens,
    ];
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
