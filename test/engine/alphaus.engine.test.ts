/**
 * Alphaus tokens through the real engine: `pulumi preview / up / refresh / destroy` on
 * examples/alphaus against the local Alphaus server, with credentials taken from the
 * environment variables Alphaus users already set (never written to state), rotation by
 * running the grant again, and the honest "cannot revoke" warning.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlphausServer, startAlphausServer } from "../servers/alphaus-server";
import { type Program, type StateResource, createProgram, findLeaks, transcriptTexts } from "../kit/harness";
import { ACCESS_TOKEN_TYPE } from "../../sdk/shim";

const client = { clientId: "engine-alphaus", clientSecret: `alphaus-engine-secret-${randomUUID()}` };
const user = { username: "engine-user", password: `alphaus-engine-password-${randomUUID()}` };

let server: AlphausServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const tokenRequests = () => server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/access_token"));

async function state(): Promise<StateResource | undefined> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).find((r: StateResource) => r.type === ACCESS_TOKEN_TYPE);
}

async function outputs(): Promise<Record<string, string | undefined>> {
  return (await program.revealedOutputs()) as Record<string, string | undefined>;
}

const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe("Alphaus tokens through pulumi", () => {
  beforeAll(async () => {
    server = await startAlphausServer({ clients: [client], users: [user] });
    program = await createProgram("alphaus");
    // Where `pulumi` runs, as bluectl users have them; the provider host inherits them.
    program.env.ALPHAUS_CLIENT_ID = client.clientId;
    program.env.ALPHAUS_CLIENT_SECRET = client.clientSecret;
    await program.config("product", "wave");
    await program.config("authUrl", server.waveTokenEndpoint);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("preview plans a create without a request, and warns when the environment has no credentials", async () => {
    const before = server.requests.length;
    const bare = await program.preview([], { env: { ALPHAUS_CLIENT_ID: "", ALPHAUS_CLIENT_SECRET: "" } });
    expect(bare.stdout).toContain(`${ACCESS_TOKEN_TYPE}: (create)`);
    expect(all(bare)).toContain(
      "no client id: set the clientId input, or one of ALPHAUS_WAVE_CLIENT_ID, ALPHAUS_CLIENT_ID in the environment of the pulumi process; issuing or rotating this token will fail",
    );
    expect(server.requests.length).toBe(before);
  });

  let first: string;
  it("up issues a Wave token with the environment's credentials, sent as multipart; no credential in state", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    expect(all(r)).not.toContain("no client id");
    const out = await outputs();
    first = out.accessToken as string;
    expect(server.verify(first)).toBe(true);
    expect(server.productOf(first)).toBe("wave");
    expect(tokenRequests().at(-1)).toMatchObject({
      contentType: "multipart/form-data",
      grantType: "client_credentials",
      clientId: client.clientId,
      status: 200,
    });
    expect(out).toMatchObject({
      product: "wave",
      grantType: "client_credentials",
      clientId: client.clientId,
      credentialSource: "ALPHAUS_*",
      tokenEndpoint: server.waveTokenEndpoint,
    });
    const resource = await state();
    expect(resource?.outputs?.clientSecret).toBeUndefined();
    expect(resource?.inputs?.clientSecret).toBeUndefined();
    expect(resource?.outputs?.refreshToken).toBeUndefined();
    expect(resource?.outputs?.accessToken).toMatchObject({ "4dabf18193072939515e22adb298388d": expect.any(String) });
  });

  it("a second up changes nothing and sends no request", async () => {
    const before = tokenRequests().length;
    expect((await program.up()).stdout).toMatch(/unchanged/);
    expect(tokenRequests().length).toBe(before);
  });

  let second: string;
  it("once rotateAfter elapses, preview says why and up runs the grant again; the old token cannot be revoked", async () => {
    // A shorter policy, then the provider's test clock moved past it: due, whatever real time did.
    await program.config("rotateAfter", "1h");
    program.clock.passTo(new Date(Date.parse((await outputs()).issuedAt as string) + 3_600_000).toISOString());
    const before = tokenRequests().length;
    const preview = await program.preview();
    expect(all(preview)).toMatch(
      /Alphaus token "alphaus-token" will rotate \(replaced\): rotation due at \S+ \(rotateAfter 1h elapsed\)/,
    );
    expect(tokenRequests().length).toBe(before);

    const up = await program.up();
    second = (await outputs()).accessToken as string;
    expect(second).not.toBe(first);
    expect(tokenRequests().length).toBe(before + 1);
    expect(all(up)).toMatch(
      /Alphaus token "alphaus-token": token not revoked: Alphaus has no token revocation API; the token stays valid until it expires \(at \S+\)/,
    );
    // Honest: the old token still works at the server.
    expect(server.verify(first)).toBe(true);
  });

  it("ALPHAUS_USERNAME and ALPHAUS_PASSWORD switch the next issue to the password grant", async () => {
    program.env.ALPHAUS_USERNAME = user.username;
    program.env.ALPHAUS_PASSWORD = user.password;
    await program.pulumi(["config", "set", "--path", "triggers.version", "v2"]);
    await program.up();
    const out = await outputs();
    expect(out.grantType).toBe("password");
    expect(tokenRequests().at(-1)).toMatchObject({ grantType: "password", status: 200 });
    expect(server.verify(out.accessToken as string)).toBe(true);
  });

  it("refresh keeps a live token; destroy says it stays valid until it expires", async () => {
    const token = (await outputs()).accessToken as string;
    const refreshed = await program.refresh();
    expect(refreshed.stdout).not.toMatch(/deleted/);
    expect((await outputs()).accessToken).toBe(token);

    const destroyed = await program.destroy();
    expect(all(destroyed)).toContain("token not revoked: Alphaus has no token revocation API");
    expect(await state()).toBeUndefined();
    expect(server.verify(token)).toBe(true);
  });

  it("no client secret, password or issued token appears in any output, log or state export", () => {
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(6);
    const secrets = [client.clientSecret, user.password, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
