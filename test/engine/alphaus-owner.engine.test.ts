/**
 * An Alphaus API client whose owner's bearer is an `alphaus.RippleToken` of the same stack
 * (the `accessToken` input; no ALPHAUS_* anywhere), through the real engine against the
 * local Alphaus server: a renewed owner token changes nothing at Alphaus; once it is stale,
 * refresh keeps the client with a warning, destroy says what to do, and after `pulumi up`
 * renews the owner token, destroy deletes the client.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlphausServer, startAlphausServer } from "../servers/alphaus-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { API_CLIENT_TYPE } from "../../sdk/shim";

const owner = { clientId: "engine-owner", clientSecret: `alphaus-owner-secret-${randomUUID()}`, name: "owner" };

let server: AlphausServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const blueRequests = () => server.requests.filter((r) => r.path.startsWith("/m/blue"));

async function clientState(): Promise<StateResource | undefined> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return ((JSON.parse(text).deployment.resources ?? []) as StateResource[]).find((x) => x.type === API_CLIENT_TYPE);
}

async function outputs(): Promise<Record<string, string>> {
  return (await program.revealedOutputs()) as Record<string, string>;
}

describe("Alphaus API client with the owner's token from the same stack", () => {
  beforeAll(async () => {
    server = await startAlphausServer({ clients: [owner] });
    program = await createProgram("../test/engine/programs/alphaus-owner-token");
    for (const key of Object.keys(program.env)) if (key.startsWith("ALPHAUS_")) delete program.env[key];
    await program.config("authUrl", server.rippleTokenEndpoint);
    await program.config("apiUrl", server.blueApiBase);
    await program.config("ownerClientId", owner.clientId);
    await program.config("ownerClientSecret", owner.clientSecret, true);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  let first: Record<string, string>;
  it("up creates the client with the owner token's bearer; the bearer is encrypted in state", async () => {
    await program.up();
    first = await outputs();
    expect(blueRequests()).toMatchObject([{ method: "POST", clientId: owner.clientId, status: 200 }]);
    expect(server.clients.get(first.clientId)).toMatchObject({ owner: owner.clientId });
    expect(server.verify(first.accessToken)).toBe(true);
    const client = (await clientState()) as StateResource;
    expect(client.inputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(client.outputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("a renewed owner token changes nothing at Alphaus: no call, same client, same token", async () => {
    const before = blueRequests().length;
    await program.config("ownerGeneration", "2");
    const r = await program.up();
    expect(r.stdout).toMatch(/owner\b.*replaced|\+-1 replaced/);
    const after = await outputs();
    expect(after.ownerToken).not.toBe(first.ownerToken);
    expect(after.clientId).toBe(first.clientId);
    expect(after.accessToken).toBe(first.accessToken);
    expect(blueRequests().length).toBe(before);
    await program.preview(["--expect-no-changes"]);
    first = after;
  });

  it("a stale owner token: refresh keeps the client and says why it was not checked", async () => {
    server.advanceClock(25 * 3600);
    expect(server.verify(first.ownerToken)).toBe(false);
    const r = await program.refresh();
    expect(all(r)).toMatch(
      /Alphaus API client "reports-client" was not checked: .*HTTP 401.*the Blue API refused the accessToken input; .*pulumi up renews the alphaus\.AccessToken that feeds it/,
    );
    expect((await clientState())?.outputs?.clientId).toBe(first.clientId);
  });

  it("destroy with the stale owner token fails naming the input; after up renews it, destroy deletes the client", async () => {
    const failed = await program.destroy([], { allowFailure: true });
    expect(failed.code).not.toBe(0);
    expect(all(failed)).toMatch(/HTTP 401.*the Blue API refused the accessToken input/);
    expect(server.clients.get(first.clientId)).toBeDefined();
    expect((await clientState())?.outputs?.clientId).toBe(first.clientId);

    await program.config("ownerGeneration", "3");
    await program.up();
    const r = await program.destroy();
    expect(server.clients.get(first.clientId)).toBeUndefined();
    expect(all(r)).toContain(`client "${first.clientId}" deleted`);
    expect(await clientState()).toBeUndefined();
  });

  it("no owner secret, owner token, client secret or issued token appears anywhere", () => {
    const secrets = [owner.clientSecret, ...server.issuedSecrets, ...server.issuedTokens];
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(4);
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
