/**
 * Alphaus API clients through the real engine: `pulumi preview / up / refresh / destroy` on
 * examples/alphaus-api-client against the local Alphaus server. The owner's credentials are
 * the ALPHAUS_* environment variables (never in state); the program creates a client with
 * the Blue API and issues a Ripple token for it by chaining (`RippleToken({ client })`).
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
import { ACCESS_TOKEN_TYPE, API_CLIENT_TYPE } from "../../sdk/shim";

const owner = { clientId: "engine-owner", clientSecret: `alphaus-owner-secret-${randomUUID()}`, name: "owner" };

let server: AlphausServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const blueRequests = (method?: string) =>
  server.requests.filter((r) => r.path.startsWith("/m/blue") && (method === undefined || r.method === method));
const clientsUrl = () => `${server.blueApiBase}/iam/v1/apiclients`;

async function resources(): Promise<StateResource[]> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

async function outputs(): Promise<Record<string, string | undefined>> {
  return (await program.revealedOutputs()) as Record<string, string | undefined>;
}

/** Checks the client and its chained token at the server; returns the outputs. */
async function expectWorkingPair(): Promise<Record<string, string | undefined>> {
  const out = await outputs();
  const id = out.clientId as string;
  const atServer = server.clients.get(id);
  expect(atServer).toMatchObject({ name: "pulumi-reports", owner: owner.clientId, grantTypes: ["client_credentials"] });
  expect(server.issuedSecrets.has(out.clientSecret as string)).toBe(true);
  expect(atServer?.clientSecret).toBe(out.clientSecret);
  // The token was issued to this client (client_credentials, Ripple) and works.
  expect(out.tokenClientId).toBe(id);
  expect(server.verify(out.accessToken as string)).toBe(true);
  expect(server.productOf(out.accessToken as string)).toBe("ripple");
  expect(server.requests.filter((r) => r.path === "/ripple/access_token" && r.clientId === id).at(-1)).toMatchObject({
    grantType: "client_credentials",
    status: 200,
  });
  return out;
}

describe("Alphaus API client through pulumi", () => {
  beforeAll(async () => {
    server = await startAlphausServer({ clients: [owner] });
    program = await createProgram("alphaus-api-client");
    // The owner's credentials where `pulumi` runs, as bluectl users have them.
    program.env.ALPHAUS_CLIENT_ID = owner.clientId;
    program.env.ALPHAUS_CLIENT_SECRET = owner.clientSecret;
    await program.config("authUrl", server.rippleTokenEndpoint);
    await program.config("apiUrl", server.blueApiBase);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("preview plans the client and its token without calling Alphaus", async () => {
    const r = await program.preview();
    expect(r.stdout).toContain(`+ ${API_CLIENT_TYPE}: (create)`);
    expect(r.stdout).toContain(`+ ${ACCESS_TOKEN_TYPE}: (create)`);
    expect(server.requests).toEqual([]);
  });

  let first: Record<string, string | undefined>;
  it("up creates the client with the owner's bearer from the environment; the chained token works", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/clientSecret\s*: \[secret\]/);
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    expect(blueRequests("POST")).toMatchObject([{ clientId: owner.clientId, status: 200 }]);
    // The owner's token came from ALPHAUS_* at the configured endpoint.
    expect(
      server.requests.find((x) => x.clientId === owner.clientId && x.path.endsWith("/access_token")),
    ).toMatchObject({ grantType: "client_credentials", status: 200 });
    first = await expectWorkingPair();

    const state = await resources();
    const client = state.find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    const outs = client.outputs as Record<string, unknown>;
    expect(outs.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(outs).toMatchObject({
      clientId: first.clientId,
      name: "pulumi-reports",
      grantType: "client_credentials",
      parent: owner.clientId,
      blueApiUrl: server.blueApiBase,
      clientIdIssuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // Credentials read from the environment never reach state.
    for (const key of ["accessToken", "ownerClientId", "ownerClientSecret"]) expect(outs[key]).toBeUndefined();
    const token = state.find((x) => x.type === ACCESS_TOKEN_TYPE) as StateResource & { dependencies?: string[] };
    expect(token.dependencies).toContain(client.urn);
  });

  it("a no-change preview plans nothing for the client or what is chained to it (--expect-no-changes)", async () => {
    // Optional settings a client never had must not turn unknown at preview and plan
    // updates of the chained tokens.
    const r = await program.preview(["--expect-no-changes"]);
    expect(r.stdout).not.toMatch(/\((update|replace|create|delete)\)/);
  });

  it("a client deleted at Alphaus leaves state on refresh; the next up creates a new one and the token follows", async () => {
    expect(server.clients.delete(first.clientId as string)).toBe(true);
    const refreshed = await program.refresh();
    expect(all(refreshed)).toContain(
      `Alphaus API client "reports-client": client "${first.clientId}" no longer exists at the server; the next pulumi up registers a new one`,
    );
    expect((await resources()).find((x) => x.type === API_CLIENT_TYPE)).toBeUndefined();

    const up = await program.up();
    expect(blueRequests("POST")).toHaveLength(2);
    const second = await expectWorkingPair();
    expect(second.clientId).not.toBe(first.clientId);
    expect(second.accessToken).not.toBe(first.accessToken);
    // Replacing the token could not revoke the old one (nor could deleting its client).
    expect(all(up)).toContain("token not revoked: Alphaus has no token revocation API");
    first = second;
  });

  it("a list that breaks off with an in-band error fails the refresh, naming it, and leaves state untouched", async () => {
    server.failListAfter = 0;
    try {
      const r = await program.refresh([], { allowFailure: true });
      expect(r.code).not.toBe(0);
      expect(all(r)).toContain(
        `Alphaus API client list at ${clientsUrl()} failed: the list stream broke off after 0 client(s) with an in-band error (under HTTP 200): gRPC INTERNAL (13): "internal error while listing API clients"`,
      );
      expect(all(r)).not.toContain("no longer exists at the server");
    } finally {
      server.failListAfter = undefined;
    }
    const client = (await resources()).find((x) => x.type === API_CLIENT_TYPE);
    expect(client?.outputs?.clientId).toBe(first.clientId);
    expect(server.clients.get(first.clientId as string)).toBeDefined();
  });

  it("destroy deletes the client at Alphaus and says its tokens stay valid until they expire", async () => {
    const r = await program.destroy();
    expect(blueRequests("DELETE")).toMatchObject([
      { path: `/m/blue/iam/v1/apiclients/${first.clientId}`, status: 200 },
    ]);
    expect(server.clients.get(first.clientId as string)).toBeUndefined();
    expect(all(r)).toContain(
      `Alphaus API client "reports-client": client "${first.clientId}" deleted; Alphaus has no token revocation API: tokens already issued to this client probably stay valid until they expire`,
    );
    // Honest: the server still accepts the token of the deleted client until it expires.
    expect(server.verify(first.accessToken as string)).toBe(true);
    expect((await resources()).filter((x) => x.type.includes("access-tokens"))).toEqual([]);
  });

  it("no owner secret, client secret or issued token appears in any output, log or state export", () => {
    expect(server.issuedSecrets.size).toBe(2);
    const secrets = [owner.clientSecret, ...server.issuedSecrets, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
