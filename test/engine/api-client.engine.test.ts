/**
 * The ApiClient lifecycle through the real engine: `pulumi preview / up / refresh /
 * destroy` on examples/api-client (a client registered by RFC 7591 at a real oidc-provider
 * on loopback, and a token issued to it by chaining `new AccessToken("t", { client })`).
 */
import { randomUUID } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/index";
import { STATUS_EXIT } from "../../cli/status";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { ACCESS_TOKEN_TYPE, API_CLIENT_TYPE } from "../../sdk/shim";

/** A static client of the server, to introspect tokens as someone else. */
const observer: TestClient = {
  client_id: "observer",
  client_secret: `observer-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};
const initialAccessToken = `iat-canary-${randomUUID()}`;

let server: OAuthServer;
let program: Program;

/** Runs `pulumi-access-tokens status` on the program's stack. */
async function status(p: Program): Promise<{ code: number; out: string }> {
  let out = "";
  const write = (t: string) => {
    out += t;
  };
  const code = await main(["status", "--stack", p.stack], {
    stdout: write,
    stderr: write,
    env: p.env,
    cwd: p.dir,
    isInteractive: false,
  });
  exports.push({ label: "status output", text: out });
  return { code, out };
}
/** Every secret seen (client secrets, registration access tokens, tokens): leak canaries. */
const canaries = new Set<string>([initialAccessToken, observer.client_secret as string]);
const exports: { label: string; text: string }[] = [];

interface Registered {
  clientId: string;
  clientSecret: string;
  registrationAccessToken: string;
  registrationClientUri: string;
  accessToken: string;
}

async function resourcesOf(p: Program): Promise<StateResource[]> {
  const text = await p.exportState();
  exports.push({ label: `stack export after ${p.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

/** A value of `stack export --show-secrets`: secrets come as `{ <sig>, plaintext: "<JSON>" }`. */
function revealed(value: unknown): unknown {
  const plaintext = (value as { plaintext?: unknown } | null)?.plaintext;
  return typeof plaintext === "string" ? JSON.parse(plaintext) : value;
}

/** The current client and token, secrets revealed (commands left out of the leak scan). */
async function current(p: Program): Promise<Registered> {
  const outputs = await p.revealedOutputs();
  const state = JSON.parse(
    (await p.pulumi(["stack", "export", "--show-secrets"], { revealsSecrets: true })).stdout,
  ).deployment.resources.find((r: StateResource) => r.type === API_CLIENT_TYPE);
  const found = {
    clientId: outputs.clientId as string,
    clientSecret: outputs.clientSecret as string,
    accessToken: outputs.accessToken as string,
    registrationAccessToken: revealed(state.outputs.registrationAccessToken),
    registrationClientUri: state.outputs.registrationClientUri as string,
  };
  for (const value of [found.clientSecret, found.registrationAccessToken, found.accessToken]) {
    expect(typeof value).toBe("string");
    canaries.add(value as string);
  }
  return found as Registered;
}

/** RFC 7592 read of the client, as the server answers it. */
async function readAtServer(c: Registered): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(c.registrationClientUri, {
    headers: { authorization: `Bearer ${c.registrationAccessToken}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A client_credentials token request as the client: 200, or the error status. */
async function tokenStatus(c: Registered): Promise<number> {
  const res = await fetch(server.tokenEndpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "api:read" }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (body.access_token) canaries.add(body.access_token);
  return res.status;
}

function registrations(): number {
  return server.requests.filter((r) => r.method === "POST" && r.path === "/reg").length;
}

beforeAll(async () => {
  // Tokens outlive every move of the test clock, so only the client's rotation makes them change.
  server = await startOAuthServer({
    clients: [observer],
    registration: { initialAccessToken },
    accessTokenTtl: 86_400,
  });
});
afterAll(() => server?.close());

describe("ApiClient through pulumi", () => {
  beforeAll(async () => {
    program = await createProgram("api-client");
    await program.config("issuer", server.issuer);
    await program.config("initialAccessToken", initialAccessToken, true);
  });

  afterAll(async () => {
    await program?.cleanup();
  });

  it("preview plans the client and its token without registering anything", async () => {
    const r = await program.preview();
    expect(r.stdout).toContain(`+ ${API_CLIENT_TYPE}: (create)`);
    expect(r.stdout).toContain(`+ ${ACCESS_TOKEN_TYPE}: (create)`);
    expect(registrations()).toBe(0);
  });

  let first: Registered;
  it("up registers the client, then issues its token by chaining; both secret", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/clientSecret\s*: \[secret\]/);
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    expect(r.stdout).not.toMatch(/warning/);
    expect(registrations()).toBe(1);
    first = await current(program);

    const token = await server.introspect(first.accessToken, observer);
    expect(token.active).toBe(true);
    expect(token.client_id).toBe(first.clientId);
    const atServer = await readAtServer(first);
    expect(atServer.status).toBe(200);
    expect(atServer.body).toMatchObject({ client_name: "reporting", grant_types: ["client_credentials"] });

    const resources = await resourcesOf(program);
    const client = resources.find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    const outputs = client.outputs as Record<string, unknown>;
    for (const key of ["clientSecret", "registrationAccessToken", "initialAccessToken"]) {
      expect(outputs[key]).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    }
    expect(client.inputs?.initialAccessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(outputs.clientId).toBe(first.clientId);
    expect(outputs.tokenEndpoint).toBe(server.tokenEndpoint);
    expect(client.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.outputs?.__provider).toBe(
      'exports.handler=()=>require("pulumi-access-tokens/provider").handler("ApiClient",1);',
    );
    // The token depends on the client (outputs flowed as inputs).
    const token_ = resources.find((x) => x.type === ACCESS_TOKEN_TYPE) as StateResource & { dependencies?: string[] };
    expect(token_.dependencies).toContain(client.urn);
  });

  it("a no-change preview plans nothing for the client or what is chained to it (--expect-no-changes)", async () => {
    // Optional settings a client never had must not turn unknown at preview and plan
    // updates of the chained tokens.
    const r = await program.preview(["--expect-no-changes"]);
    expect(r.stdout).not.toMatch(/\((update|replace|create|delete)\)/);
  });

  it("a second up changes nothing and registers nothing", async () => {
    const before = server.requests.length;
    const r = await program.up();
    expect(r.stdout).toMatch(/3 unchanged/);
    expect(server.requests.slice(before).filter((x) => x.path.startsWith("/reg"))).toEqual([]);
  });

  it("changed metadata updates the client in place (RFC 7592 PUT) and keeps its token", async () => {
    await program.config("clientName", "reporting v2");
    const preview = await program.preview();
    expect(preview.stdout).toContain(`~ ${API_CLIENT_TYPE}: (update)`);
    expect(preview.stdout).not.toContain(`+-${API_CLIENT_TYPE}: (replace)`);
    // Preview cannot know the client's outputs before the update runs, so it shows the
    // token (whose client id comes from them) as replaced; the up itself keeps it.
    const r = await program.up();
    expect(r.stdout).toMatch(/~ 1 updated/);
    expect(r.stdout).not.toMatch(/replaced/);
    const after = await current(program);
    expect(after.clientId).toBe(first.clientId);
    expect(after.accessToken).toBe(first.accessToken);
    // The server rotated the registration access token; the new one is in state and works.
    expect(after.registrationAccessToken).not.toBe(first.registrationAccessToken);
    expect((await readAtServer(after)).body.client_name).toBe("reporting v2");
    first = after;
  });

  it("triggers rotate the client: a new one, the token switches to it, then the old one is deleted", async () => {
    // Any change of the map rotates, setting it the first time included (as for tokens).
    await program.config("triggers", JSON.stringify({ quarter: "2027-Q1" }));
    const preview = await program.preview();
    expect(preview.stdout).toContain(`+-${API_CLIENT_TYPE}: (replace)`);
    expect(preview.stdout + preview.stderr).toContain("triggers changed; a new client will be registered");
    const before = registrations();
    const r = await program.up();
    expect(r.stdout).toMatch(/\+-2 replaced/);
    expect(registrations()).toBe(before + 1);
    const rotated = await current(program);
    expect(rotated.clientId).not.toBe(first.clientId);
    // The old client is gone at the server (after its token was revoked); the new token is its own.
    expect((await readAtServer(first)).status).toBe(401);
    expect((await server.introspect(first.accessToken, observer)).active).toBe(false);
    expect(await server.introspect(rotated.accessToken, observer)).toMatchObject({
      active: true,
      client_id: rotated.clientId,
    });
    first = rotated;
  });

  it("a rotateAfter already due rotates at once; a later one only schedules", async () => {
    await program.config("rotateAfter", "90d");
    const scheduled = await program.up();
    expect(scheduled.stdout).not.toMatch(/replaced/);
    const due = Date.parse(String((await program.revealedOutputs()).rotationDueAt));
    expect(due).toBeGreaterThan(program.clock.now().getTime() + 89 * 86_400_000);

    // The client is older than 1h by the provider's test clock, whatever real time did.
    await program.config("rotateAfter", "1h");
    program.clock.advance(3_600_000 + 60_000);
    const preview = await program.preview();
    expect(preview.stdout + preview.stderr).toMatch(/rotation due since \S+ \(rotateAfter 1h\)/);
    const r = await program.up();
    expect(r.stdout).toMatch(/\+-2 replaced/);
    const rotated = await current(program);
    expect(rotated.clientId).not.toBe(first.clientId);
    expect((await readAtServer(first)).status).toBe(401);
    first = rotated;

    // The new client is due an hour after its creation: once the clock passes it, status tells a pipeline so.
    const dueAt = String((await program.revealedOutputs()).rotationDueAt);
    program.clock.passTo(dueAt);
    const s = await status(program);
    expect(s.code).toBe(STATUS_EXIT.DUE);
    const lines = s.out.split("\n");
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+SYSTEM\s+EXPIRES\s+ROTATION DUE/);
    const clientLine = lines.find((l) => l.startsWith("reporting-client "));
    expect(clientLine).toMatch(/^reporting-client\s+client\s+oauth2\s/);
    expect(clientLine).toContain(dueAt);
    expect(clientLine).toMatch(/rotation due$/);
    expect(lines.find((l) => l.startsWith("reporting-token "))).toMatch(/^reporting-token\s+token\s+oauth2\s/);

    await program.pulumi(["config", "rm", "rotateAfter"]);
    await program.up();
    expect((await status(program)).code).toBe(STATUS_EXIT.OK);
  });

  it("destroy revokes the token, then deletes the client at the server", async () => {
    await program.destroy();
    expect((await resourcesOf(program)).filter((x) => x.type.includes("access-tokens"))).toEqual([]);
    expect((await server.introspect(first.accessToken, observer)).active).toBe(false);
    expect((await readAtServer(first)).status).toBe(401);
    expect(await tokenStatus(first)).toBe(401);
  });

  it("no initial access token, client secret, registration access token or issued token appears anywhere", () => {
    for (const token of server.issuedTokens) canaries.add(token);
    expect(canaries.size).toBeGreaterThanOrEqual(6);
    const leaks = findLeaks([...transcriptTexts(program), ...exports], [...canaries]);
    expect(leaks).toEqual([]);
  });
});

describe("an ApiClient deleted at the server", () => {
  let other: Program;
  const clientUrn = () =>
    `urn:pulumi:${other.stack}::api-client::pulumi-nodejs:dynamic/access-tokens:ApiClient::reporting-client`;

  beforeAll(async () => {
    other = await createProgram("api-client", "gone");
    await other.config("issuer", server.issuer);
    await other.config("initialAccessToken", initialAccessToken, true);
    await other.up();
  });

  afterAll(async () => {
    await other?.cleanup();
  });

  let deleted: Registered;
  it("refresh drops it from state; the next up registers a new one", async () => {
    deleted = await current(other);
    const res = await fetch(deleted.registrationClientUri, {
      method: "DELETE",
      headers: { authorization: `Bearer ${deleted.registrationAccessToken}` },
    });
    expect(res.status).toBe(204);

    const refreshed = await other.refresh(["--target", clientUrn()]);
    expect(refreshed.stdout).toContain("no longer exists at the server; the next pulumi up registers a new one");
    expect((await resourcesOf(other)).find((x) => x.type === API_CLIENT_TYPE)).toBeUndefined();

    const before = registrations();
    await other.up(["--target", clientUrn()]);
    expect(registrations()).toBe(before + 1);
    const again = await current(other);
    expect(again.clientId).not.toBe(deleted.clientId);
    expect((await readAtServer(again)).status).toBe(200);
  });

  // The chained token's own refresh and revocation authenticate as the deleted client: the
  // server's invalid_client is read as "cannot tell" / "cannot revoke", with a warning,
  // and the next up re-issues the token from the new client.
  it("the chained token's refresh warns its client is gone; the next up re-issues it", async () => {
    const r = await other.refresh();
    expect(r.stdout + r.stderr).toMatch(/the OAuth client can no longer authenticate/);
    const up = await other.up();
    expect(up.stdout + up.stderr).toMatch(/so it cannot revoke; the token stays valid until it expires/);
    const out = await other.revealedOutputs();
    expect(typeof out.accessToken).toBe("string");
  });

  it("leaks nothing either", () => {
    for (const token of server.issuedTokens) canaries.add(token);
    const leaks = findLeaks([...transcriptTexts(other), ...exports], [...canaries]);
    expect(leaks).toEqual([]);
  });
});

/**
 * A registration server that registers a client but leaves out the grant asked for (RFC
 * 7591 lets a server substitute values): the client exists, yet is unusable.
 */
async function startSubstitutingServer() {
  const deletes: string[] = [];
  const secrets = { clientSecret: `sub-secret-${randomUUID()}`, rat: `sub-rat-${randomUUID()}` };
  const http: Server = createServer((req, res) => {
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") {
      return send(200, { issuer, token_endpoint: `${issuer}/token`, registration_endpoint: `${issuer}/reg` });
    }
    if (req.method === "POST" && req.url === "/reg") {
      return send(201, {
        client_id: "substituted-client",
        client_secret: secrets.clientSecret,
        client_secret_expires_at: 0,
        registration_access_token: secrets.rat,
        registration_client_uri: `${issuer}/reg/substituted-client`,
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_basic",
      });
    }
    if (req.method === "DELETE" && req.url === "/reg/substituted-client") {
      deletes.push(req.headers.authorization ?? "");
      return send(204);
    }
    return send(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  return {
    issuer: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    deletes,
    secrets,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe("a registration the server completed differently than asked", () => {
  let sub: Awaited<ReturnType<typeof startSubstitutingServer>>;
  let failed: Program;

  beforeAll(async () => {
    sub = await startSubstitutingServer();
    failed = await createProgram("api-client", "substituted");
    await failed.config("issuer", sub.issuer);
  });

  afterAll(async () => {
    await sub?.close();
    await failed?.cleanup();
  });

  it("up fails naming what is missing, yet records the client (secrets encrypted)", async () => {
    const r = await failed.up([], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(
      'registered client "substituted-client", but the server did not register the requested grant type(s) client_credentials',
    );
    const client = (await resourcesOf(failed)).find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    expect(client).toBeDefined();
    expect(client.outputs?.clientId).toBe("substituted-client");
    expect(client.outputs?.registrationIncomplete).toBe(true);
    expect(client.outputs?.registrationAccessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(client.outputs?.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("destroy deletes the recorded client at the server: nothing is orphaned", async () => {
    await failed.destroy();
    expect(sub.deletes).toEqual([`Bearer ${sub.secrets.rat}`]);
    expect((await resourcesOf(failed)).find((x) => x.type === API_CLIENT_TYPE)).toBeUndefined();
  });

  it("leaks neither the client secret nor the registration access token", () => {
    const leaks = findLeaks([...transcriptTexts(failed), ...exports], [sub.secrets.clientSecret, sub.secrets.rat]);
    expect(leaks).toEqual([]);
  });
});
