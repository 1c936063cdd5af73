/**
 * Ambiguous liveness against Keycloak itself: RFC 7662 lets a server answer `active:false`
 * when the caller may not judge a token, and Keycloak does — for a client introspecting its
 * own token while not in the token's audience (`active:false`), and for a public client
 * (403 "Client not allowed"). `pulumi refresh` must keep such live tokens in state (and
 * say why it cannot verify them), the tokens must keep working, and destroy must still
 * revoke them: no orphan at the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYCLOAK_HOOK_TIMEOUT_MS, type Keycloak, startKeycloak } from "../servers/keycloak";
import { type Program, type StateResource, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

let kc: Keycloak;
const programs: Program[] = [];
const exports: { label: string; text: string }[] = [];
const issued = new Set<string>();

beforeAll(async () => {
  kc = await startKeycloak();
}, KEYCLOAK_HOOK_TIMEOUT_MS);

afterAll(async () => {
  for (const p of programs) await p.cleanup();
  await kc?.close();
}, 60_000);

async function tokensInState(p: Program): Promise<StateResource[]> {
  const text = await p.exportState();
  exports.push({ label: `stack export of ${p.stack} after ${p.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).filter((r: StateResource) => r.type.endsWith(":AccessToken"));
}

async function accessToken(p: Program): Promise<string> {
  const outputs = await p.revealedOutputs();
  expect(typeof outputs.accessToken).toBe("string");
  issued.add(outputs.accessToken as string);
  return outputs.accessToken as string;
}

describe("a confidential client not in its own tokens' audience", () => {
  let program: Program;
  let token: string;

  it("up issues a token; Keycloak's introspection answers the client itself active:false", async () => {
    program = await createProgram("../test/engine/programs/keycloak-introspection", "confidential");
    programs.push(program);
    await program.config("kind", "confidential");
    await program.config("issuer", kc.issuer);
    await program.config("clientId", kc.clients.noAudience.clientId);
    await program.config("clientSecret", kc.clients.noAudience.clientSecret as string, true);
    const up = await program.up();
    token = await accessToken(program);
    // Calibrated at create: the server called the token it had just issued inactive.
    expect(`${up.stdout}\n${up.stderr}`).toMatch(/warning:[^\n]*introspection[^\n]*cannot judge/i);
    expect((await tokensInState(program))[0]?.outputs?.liveness).toBe("expiry");
    // Live for a resource server in its audience; "inactive" to the client that owns it.
    expect(await kc.introspect(token)).toMatchObject({ active: true, client_id: "no-audience" });
    expect(await kc.introspect(token, kc.clients.noAudience)).toEqual({ active: false });
  });

  it("pulumi refresh keeps the live token in state, judged by its expiry", async () => {
    await program.refresh();
    expect(await tokensInState(program)).toHaveLength(1);
    expect(await accessToken(program)).toBe(token);
    // Still live at Keycloak.
    expect((await kc.introspect(token)).active).toBe(true);
  });

  it("the next up issues no second token (no orphan)", async () => {
    await program.up();
    expect(await accessToken(program)).toBe(token);
  });

  it("destroy revokes it at Keycloak", async () => {
    await program.destroy();
    expect(await tokensInState(program)).toEqual([]);
    expect((await kc.introspect(token)).active).toBe(false);
  });
});

describe("a public client, which Keycloak does not let introspect (403)", () => {
  let program: Program;
  let token: string;

  it("up issues a token from a refresh token", async () => {
    const initial = await kc.passwordGrant(kc.clients.publicApp);
    expect(typeof initial.refresh_token).toBe("string");
    issued.add(initial.refresh_token as string);
    issued.add(initial.access_token as string);
    program = await createProgram("../test/engine/programs/keycloak-introspection", "public");
    programs.push(program);
    await program.config("kind", "public");
    await program.config("issuer", kc.issuer);
    await program.config("clientId", kc.clients.publicApp.clientId);
    await program.config("refreshToken", initial.refresh_token as string, true);
    await program.up();
    token = await accessToken(program);
    expect(await kc.introspect(token)).toMatchObject({ active: true, azp: "public-app", username: "alice" });
    const self = await fetch(kc.introspectionEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "public-app", token }).toString(),
    });
    expect(self.status).toBe(403);
  });

  it("pulumi refresh succeeds and keeps the token (the stack is not stuck)", async () => {
    const r = await program.refresh([], { allowFailure: true });
    expect(r.code).toBe(0);
    expect(await tokensInState(program)).toHaveLength(1);
    expect(await accessToken(program)).toBe(token);
    expect((await kc.introspect(token)).active).toBe(true);
  });

  it("destroy revokes the grant at Keycloak", async () => {
    await program.destroy();
    expect(await tokensInState(program)).toEqual([]);
    expect((await kc.introspect(token)).active).toBe(false);
  });
});

describe("secrets", () => {
  it("no secret or issued token appears in any output, log or state export", () => {
    expect(programs).toHaveLength(2);
    expect(issued.size).toBeGreaterThanOrEqual(4);
    const texts = [...programs.flatMap((p) => transcriptTexts(p)), ...exports];
    expect(findLeaks(texts, [...kc.secrets, ...issued])).toEqual([]);
  });
});
