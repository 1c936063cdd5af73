/**
 * Rotation through `pulumi up`, as a scheduled pipeline runs it: only due tokens rotate,
 * `preview` says which and why, the consumer gets the new token before the old one is
 * revoked, grace periods keep the previous token alive until they end. Time moves only by
 * the provider's test clock: periods are hours, so no real delay makes anything due.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, type StateResource, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const client: TestClient = {
  client_id: "rotation-client",
  client_secret: `rotation-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
let program: Program;
let tokenFile: string;
const exports: { label: string; text: string }[] = [];

const tokenRequests = () => server.requests.filter((r) => r.method === "POST" && r.path === "/token").length;

async function outputs(): Promise<Record<string, string | undefined>> {
  return (await program.revealedOutputs()) as Record<string, string | undefined>;
}

async function resource(name: string): Promise<StateResource | undefined> {
  const text = await program.exportState();
  exports.push({ label: "stack export", text });
  return (JSON.parse(text).deployment.resources as StateResource[]).find((r) => r.urn.endsWith(`::${name}`));
}

const active = async (token: string) => (await server.introspect(token, client)).active;

describe("rotation through pulumi up", () => {
  beforeAll(async () => {
    // Tokens outlive every move of the test clock, so only the rotation policy makes them due.
    server = await startOAuthServer({ clients: [client], accessTokenTtl: 86_400 });
    program = await createProgram("rotation-pipeline");
    tokenFile = join(program.dir, "service.env");
    await program.config("issuer", server.issuer);
    await program.config("clientId", client.client_id);
    await program.config("clientSecret", client.client_secret as string, true);
    await program.config("rotateAfter", "1h");
    await program.config("tokenFile", tokenFile);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  let a: string;
  let reporting: string;
  it("the first up issues both tokens and delivers the service token", async () => {
    await program.up();
    const out = await outputs();
    a = out.serviceToken as string;
    reporting = out.reportingToken as string;
    expect(await active(a)).toBe(true);
    expect(Date.parse(out.serviceRotationDueAt as string) - Date.parse(out.serviceIssuedAt as string)).toBe(3_600_000);
    expect(readFileSync(tokenFile, "utf8")).toBe(`ACCESS_TOKEN=${a}\n`);
  });

  it("before anything is due, preview and up change nothing and call no token endpoint", async () => {
    const before = tokenRequests();
    const preview = await program.preview();
    expect(preview.stdout).toContain("4 unchanged");
    expect(preview.stdout + preview.stderr).not.toContain("will rotate");
    const up = await program.up();
    expect(up.stdout).toContain("4 unchanged");
    expect(tokenRequests()).toBe(before);
  });

  let b: string;
  it("once due, preview says which token rotates and why, without a request; up rotates only it", async () => {
    program.clock.passTo((await outputs()).serviceRotationDueAt as string);
    const before = tokenRequests();
    const preview = await program.preview();
    expect(preview.stdout + preview.stderr).toMatch(
      /token "service-token" will rotate \(replaced\): rotation due at \S+ \(rotateAfter 1h elapsed\)/,
    );
    expect(preview.stdout + preview.stderr).not.toContain('"reporting-token" will rotate');
    expect(preview.stdout).toContain("+-1 to replace");
    expect(tokenRequests()).toBe(before);

    await program.up();
    const out = await outputs();
    b = out.serviceToken as string;
    expect(b).not.toBe(a);
    expect(out.reportingToken).toBe(reporting);
    expect(tokenRequests()).toBe(before + 1);
    expect(await active(b)).toBe(true);
    expect(await active(a)).toBe(false);
    expect(readFileSync(tokenFile, "utf8")).toBe(`ACCESS_TOKEN=${b}\n`);
  });

  it("the consumer received the new token before the server saw the old one revoked", async () => {
    const consumer = await resource("service-env");
    const deliveredAt = Date.parse(consumer?.outputs?.writtenAt as string);
    const revokedAt = server.revokedAt.get(a) as number;
    expect(revokedAt).toBeDefined();
    expect(deliveredAt).toBeLessThanOrEqual(revokedAt);
  });

  let c: string;
  it("with a grace period, the previous token stays valid and exposed until the grace ends", async () => {
    await program.config("gracePeriod", "10m");
    await program.up(); // policy change only: updated in place, same token
    expect((await outputs()).serviceToken).toBe(b);

    program.clock.passTo((await outputs()).serviceRotationDueAt as string);
    const preview = await program.preview();
    expect(preview.stdout + preview.stderr).toMatch(/token "service-token" will rotate \(renewed in place\)/);
    await program.up();
    const out = await outputs();
    c = out.serviceToken as string;
    expect(c).not.toBe(b);
    expect(out.servicePreviousToken).toBe(b);
    expect(await active(b)).toBe(true);
    expect(await active(c)).toBe(true);
    expect(readFileSync(tokenFile, "utf8")).toBe(`ACCESS_TOKEN=${c}\n`);

    // The grace period (10m) ends well before the next rotation (1h): only its end is due.
    program.clock.passTo(out.servicePreviousRevokeAt as string);
    const after = await program.preview();
    expect(after.stdout + after.stderr).toMatch(/grace period ended at \S+; it will be revoked/);
    await program.up();
    expect(await active(b)).toBe(false);
    expect(await active(c)).toBe(true);
    expect((await outputs()).servicePreviousToken).toBeUndefined();
  });

  it("a changed trigger rotates at once", async () => {
    await program.pulumi(["config", "set", "--path", "triggers.version", "v2"]);
    const preview = await program.preview();
    expect(preview.stdout + preview.stderr).toMatch(
      /token "service-token" will rotate \(renewed in place\): triggers changed/,
    );
    await program.up();
    const d = (await outputs()).serviceToken as string;
    expect(d).not.toBe(c);
    expect(await active(d)).toBe(true);
  });

  it("destroy revokes the current and the previous token", async () => {
    const out = await outputs();
    // The trigger's rotation kept c for the grace period: all three are live before destroy.
    expect(out.servicePreviousToken).toBe(c);
    const tokens = [out.serviceToken, out.servicePreviousToken, out.reportingToken] as string[];
    for (const token of tokens) expect(await active(token)).toBe(true);
    await program.destroy();
    for (const token of tokens) expect(await active(token)).toBe(false);
  });

  it("no secret appears in any output, log or state export", () => {
    const secrets = [client.client_secret as string, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
