/**
 * ABBYY Vantage API clients (create-only) through the real engine: `pulumi preview / up /
 * refresh / destroy` on examples/vantage-api-client against the local Vantage server. An
 * administrator's token (`vantage.AccessToken`) creates a `vantage.ApiClient`, which issues
 * its own token by chaining (`vantage.AccessToken({ client })`). Vantage cannot read, update
 * or delete clients: refresh says it cannot check, a change creates a second client and
 * leaves the first, destroy leaves the client, and every one of those says so.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type VantageServer, startVantageServer } from "../servers/vantage-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { ACCESS_TOKEN_TYPE, API_CLIENT_TYPE } from "../../sdk/shim";

/** A client of the tenant allowed to administer it (the server's default for its own clients). */
const admin = { clientId: "engine-vantage-admin", clientSecret: `vantage-admin-secret-${randomUUID()}` };

let server: VantageServer;
let program: Program;
const exports: { label: string; text: string }[] = [];
const canaries = new Set<string>([admin.clientSecret]);

const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const adminCalls = () => server.requests.filter((r) => r.path.startsWith("/api/adminapi2/")).length;

async function resources(): Promise<StateResource[]> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

/** The client id an access token was issued to (its JWT's `client_id`). */
function clientOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split(".")[1] as string, "base64url").toString("utf8")).client_id;
}

interface Created {
  clientId: string;
  clientSecret: string;
  accessToken: string;
}

/** The stack outputs, secrets revealed (left out of the leak scan) and added to the canaries. */
async function current(): Promise<Created> {
  const out = await program.revealedOutputs();
  const found = {
    clientId: out.clientId as string,
    clientSecret: out.clientSecret as string,
    accessToken: out.accessToken as string,
  };
  expect(typeof found.clientId).toBe("string");
  for (const value of [found.clientSecret, found.accessToken]) {
    expect(typeof value).toBe("string");
    canaries.add(value);
  }
  return found;
}

describe("ABBYY Vantage API clients through pulumi", () => {
  beforeAll(async () => {
    server = await startVantageServer({ clients: [admin] });
    program = await createProgram("vantage-api-client");
    await program.pulumi([
      "config",
      "set-all",
      ...["--plaintext", `baseUrl=${server.origin}`, "--plaintext", `tenantId=${server.tenantId}`],
      ...["--plaintext", `adminClientId=${admin.clientId}`, "--secret", `adminClientSecret=${admin.clientSecret}`],
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("preview plans the client and both tokens without calling the admin API", async () => {
    const r = await program.preview();
    expect(r.stdout).toContain(`+ ${API_CLIENT_TYPE}: (create)`);
    expect(r.stdout.split(`+ ${ACCESS_TOKEN_TYPE}: (create)`)).toHaveLength(3);
    expect(adminCalls()).toBe(0);
    expect(server.clients.list()).toHaveLength(1);
  });

  let first: Created;
  it("up creates the client with the administrator's token; the chained token works", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/clientSecret\s*: \[secret\]/);
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    expect(adminCalls()).toBe(1);
    first = await current();
    expect(server.clients.get(first.clientId)).toMatchObject({
      tenantId: server.tenantId,
      clientName: "reporting",
      clientSecret: first.clientSecret,
      allowedGrantTypes: ["client_credentials"],
      admin: false,
    });
    expect(server.verify(first.accessToken)).toBe(true);
    expect(clientOf(first.accessToken)).toBe(first.clientId);

    const state = await resources();
    const client = state.find((x) => x.type === API_CLIENT_TYPE) as StateResource & { urn: string };
    for (const key of ["clientSecret", "accessToken"]) {
      expect(client.outputs?.[key]).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    }
    expect(client.inputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(client.outputs).toMatchObject({
      clientId: first.clientId,
      tenantId: server.tenantId,
      baseUrl: server.origin,
    });
    expect((client.outputs?.metadata as Record<string, unknown>).clientName).toBe("reporting");
    const token = state.find((x) => x.urn.endsWith("::reporting-token")) as StateResource & { dependencies?: string[] };
    expect(token.dependencies).toContain(client.urn);
    expect(token.outputs).toMatchObject({ clientId: first.clientId, tenantId: server.tenantId });
  });

  it("a no-change preview plans nothing for the client or what is chained to it (--expect-no-changes)", async () => {
    // Optional settings a client never had must not turn unknown at preview and plan
    // updates of the chained tokens.
    const r = await program.preview(["--expect-no-changes"]);
    expect(r.stdout).not.toMatch(/\((update|replace|create|delete)\)/);
  });

  it("refresh cannot check the client: keeps it and says so", async () => {
    const r = await program.refresh();
    expect(all(r)).toContain(
      `ABBYY Vantage API client "reporting-client": Vantage has no API to read or list API clients, so refresh cannot check client "${first.clientId}" in tenant ${server.tenantId}; it is kept in state as created`,
    );
    const client = (await resources()).find((x) => x.type === API_CLIENT_TYPE);
    expect(client?.outputs?.clientId).toBe(first.clientId);
    expect(adminCalls()).toBe(1);
  });

  let second: Created;
  it("a changed field: preview says replace and that the old client stays; up creates a second client", async () => {
    await program.config("clientName", "reporting v2");
    const preview = await program.preview();
    expect(preview.stdout).toContain(`+-${API_CLIENT_TYPE}: (replace)`);
    expect(all(preview)).toContain(
      `clientName changed, so a new client will be registered; ABBYY Vantage has no API to delete API clients, so the old client "${first.clientId}" is NOT deleted: it stays in tenant ${server.tenantId}`,
    );
    expect(adminCalls()).toBe(1);

    const r = await program.up();
    expect(all(r)).toContain(
      `ABBYY Vantage API client "reporting-client": not deleted: ABBYY Vantage has no API to delete API clients: client "${first.clientId}" stays in tenant ${server.tenantId}`,
    );
    expect(adminCalls()).toBe(2);
    second = await current();
    expect(second.clientId).not.toBe(first.clientId);
    // Both exist at Vantage: the old one was not (and cannot be) deleted.
    expect(server.clients.get(first.clientId)).toBeDefined();
    expect(server.clients.get(second.clientId)).toMatchObject({ clientName: "reporting v2" });
    // The token followed the client.
    expect(clientOf(second.accessToken)).toBe(second.clientId);
    expect(server.verify(second.accessToken)).toBe(true);
  });

  it("destroy warns that the client stays in Vantage, and it does", async () => {
    const r = await program.destroy();
    expect(all(r)).toContain(
      `ABBYY Vantage API client "reporting-client": not deleted: ABBYY Vantage has no API to delete API clients: client "${second.clientId}" stays in tenant ${server.tenantId} at ${server.origin}, and its secret stays valid until you delete it in Vantage`,
    );
    expect((await resources()).filter((x) => x.type.includes("access-tokens"))).toEqual([]);
    expect(server.clients.get(second.clientId)).toMatchObject({ clientSecret: second.clientSecret });
    expect(adminCalls()).toBe(2);
  });

  it("no administrator secret, client secret or issued token appears in any output or state", () => {
    for (const secret of server.issuedSecrets) canaries.add(secret);
    for (const token of server.issuedTokens) canaries.add(token);
    // Two client secrets; the administrator's token and one token per client.
    expect(server.issuedSecrets.size).toBe(2);
    expect(server.issuedTokens.size).toBe(3);
    expect(canaries.size).toBe(6);
    const leaks = findLeaks([...transcriptTexts(program), ...exports], [...canaries]);
    expect(leaks).toEqual([]);
  });
});
