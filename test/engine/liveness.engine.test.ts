/**
 * Ambiguous liveness through the real engine: examples/client-credentials against a real
 * oidc-provider whose introspection answers one client `active: false` about its own live
 * tokens (as Keycloak ≥ 26.6 does when the client is not in their audience) and refuses
 * another with 403 (as Keycloak refuses a public client). `pulumi refresh` keeps their
 * tokens (state written before calibration too, with a warning), the next `up` issues
 * nothing, and `destroy` leaves no live token at the server.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, type StateResource, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const client = (id: string): TestClient => ({
  client_id: id,
  client_secret: `${id}-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
});
/** Told `active: false` about every token, its own live ones too. */
const blind = client("blind-client");
/** Refused introspection with 403 invalid_request "Client not allowed". */
const barred = client("barred-client");
/** Introspects truthfully: the test's view of the server. */
const observer = client("observer-client");

let server: OAuthServer;
const programs: Program[] = [];
const exports: { label: string; text: string }[] = [];

const tokenRequests = () => server.requests.filter((r) => r.method === "POST" && r.path === "/token").length;
const introspections = () => server.requests.filter((r) => r.path === "/token/introspection").length;

async function tokenOf(p: Program): Promise<StateResource | undefined> {
  const text = await p.exportState();
  exports.push({ label: `stack export of ${p.stack}`, text });
  return (JSON.parse(text).deployment.resources ?? []).find((r: StateResource) => r.type.endsWith(":AccessToken"));
}

/** Rewrites the stack's state as an older version wrote it: no `liveness` recorded. */
async function forgetCalibration(p: Program): Promise<void> {
  const deployment = JSON.parse(await p.exportState());
  for (const r of deployment.deployment.resources ?? []) if (r.outputs) delete r.outputs.liveness;
  const file = join(p.dir, "..", `${p.stack}-uncalibrated.json`);
  writeFileSync(file, JSON.stringify(deployment));
  await p.pulumi(["stack", "import", "--file", file]);
}

beforeAll(async () => {
  server = await startOAuthServer({
    clients: [blind, barred, observer],
    introspection: { inactiveFor: [blind.client_id], forbiddenFor: [barred.client_id] },
  });
});

afterAll(async () => {
  await server?.close();
  for (const p of programs) await p.cleanup();
});

describe.each([
  { c: blind, said: /introspection called the token it had just issued inactive/ },
  { c: barred, said: /introspection refused to answer \(.*HTTP 403.*Client not allowed/ },
])("a server whose introspection cannot judge $c.client_id's tokens", ({ c, said }) => {
  let program: Program;
  let token: string;

  beforeAll(async () => {
    program = await createProgram("client-credentials", c.client_id);
    programs.push(program);
    await program.config("issuer", server.issuer);
    await program.config("clientId", c.client_id);
    await program.config("clientSecret", c.client_secret as string, true);
  });

  it("up issues the token, records liveness expiry and says so", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(said);
    expect(r.stdout).toContain('refresh judges them by their expiry instead (liveness: "expiry")');
    const resource = await tokenOf(program);
    expect(resource?.outputs?.liveness).toBe("expiry");
    token = (await program.revealedOutputs()).accessToken as string;
    expect(server.issuedTokens.has(token)).toBe(true);
  });

  it("refresh keeps the live token without asking introspection again", async () => {
    const before = introspections();
    const r = await program.refresh();
    expect(r.stdout).not.toMatch(/deleted/);
    expect((await tokenOf(program))?.outputs?.liveness).toBe("expiry");
    expect((await program.revealedOutputs()).accessToken).toBe(token);
    expect(introspections()).toBe(before);
  });

  it("refresh of state written before calibration keeps the token, with a warning", async () => {
    await forgetCalibration(program);
    expect((await tokenOf(program))?.outputs?.liveness).toBeUndefined();
    const r = await program.refresh();
    expect(r.stdout).not.toMatch(/deleted/);
    expect(r.stdout).toMatch(/warning: .*OAuth 2\.0 token "api-token": .*(never calibrated|refused to introspect)/);
    expect((await tokenOf(program))?.outputs?.liveness).toBe("expiry");
    expect((await program.revealedOutputs()).accessToken).toBe(token);
  });

  it("the next up issues nothing new", async () => {
    const before = tokenRequests();
    const r = await program.up();
    expect(r.stdout).toMatch(/unchanged/);
    expect(tokenRequests()).toBe(before);
  });

  it("destroy revokes the token: no live token of this client is left at the server", async () => {
    await program.destroy();
    expect(await tokenOf(program)).toBeUndefined();
    expect(server.revokedAt.has(token)).toBe(true);
    const live = [];
    for (const t of server.issuedTokens) {
      const answer = await server.introspect(t, observer);
      if (answer.active && answer.client_id === c.client_id) live.push(t);
    }
    expect(live).toEqual([]);
  });
});

describe("no secret in any transcript or export", () => {
  it("holds for every command run above", () => {
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(2);
    const secrets = [blind.client_secret as string, barred.client_secret as string, ...server.issuedTokens];
    const texts = [...programs.flatMap((p) => transcriptTexts(p)), ...exports];
    expect(texts.length).toBeGreaterThan(0);
    expect(findLeaks(texts, secrets)).toEqual([]);
  });
});
