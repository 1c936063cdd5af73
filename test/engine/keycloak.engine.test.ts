/**
 * Keycloak as a real peer: the AccessToken lifecycle through the real engine
 * (client_credentials; password grant renewed through a chain of rotated refresh tokens;
 * refresh; destroy → revoked at Keycloak), and Keycloak's own quirks, each pinned by a
 * call of the provider's wire functions against the running server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSlot } from "../../provider/config";
import { recordingDiagnostics } from "../../provider/diagnostics";
import { isAccessTokenError } from "../../provider/errors";
import { createTransport } from "../../provider/http/transport";
import { oauth2TokenSystem } from "../../provider/systems/oauth2/token";
import type { OAuth2TokenInputs } from "../../provider/systems/oauth2/token";
import type { SystemContext, TokenState } from "../../provider/core/token-system";
import { KEYCLOAK_HOOK_TIMEOUT_MS, type Keycloak, startKeycloak } from "../servers/keycloak";
import {
  type Program,
  SECRET_SIG,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
} from "../kit/harness";

let kc: Keycloak;
let program: Program;
const exports: { label: string; text: string }[] = [];
/** Every token Keycloak issued to the stack (canaries). */
const issued = new Set<string>();

beforeAll(async () => {
  kc = await startKeycloak();
}, KEYCLOAK_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await program?.cleanup();
  await kc?.close();
}, 60_000);

async function stateResources(p: Program): Promise<StateResource[]> {
  const text = await p.exportState();
  exports.push({ label: `stack export after ${p.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).filter((r: StateResource) => r.type.endsWith(":AccessToken"));
}

/** The user token's refresh token, from a secret-revealing export (not scanned for leaks). */
async function userRefreshToken(p: Program): Promise<string> {
  const r = await p.pulumi(["stack", "export", "--show-secrets"], { revealsSecrets: true });
  const resources: StateResource[] = JSON.parse(r.stdout).deployment.resources ?? [];
  const user = resources.find((x) => x.urn.endsWith("::user-token"));
  const value = revealed(user?.outputs?.refreshToken);
  expect(typeof value).toBe("string");
  issued.add(value as string);
  return value as string;
}

/** A value of `stack export --show-secrets`: secrets come as `{ <sig>, plaintext: "<JSON>" }`. */
function revealed(value: unknown): unknown {
  const plaintext = (value as { plaintext?: unknown } | null)?.plaintext;
  return typeof plaintext === "string" ? JSON.parse(plaintext) : value;
}

async function tokens(p: Program): Promise<{ machine: string; user: string }> {
  const outputs = await p.revealedOutputs();
  expect(typeof outputs.machineAccessToken).toBe("string");
  expect(typeof outputs.userAccessToken).toBe("string");
  const t = { machine: outputs.machineAccessToken as string, user: outputs.userAccessToken as string };
  issued.add(t.machine);
  issued.add(t.user);
  return t;
}

describe("AccessToken through pulumi against Keycloak", () => {
  let first: { machine: string; user: string };
  const refreshTokens: string[] = [];
  const accessTokens: string[] = [];

  it("up issues a client_credentials and a password-grant token that Keycloak calls active", async () => {
    program = await createProgram("../test/engine/programs/keycloak-tokens");
    await program.config("issuer", kc.issuer);
    await program.config("machineClientId", kc.clients.machine.clientId);
    await program.config("machineClientSecret", kc.clients.machine.clientSecret as string, true);
    await program.config("userClientId", kc.clients.userApp.clientId);
    await program.config("userClientSecret", kc.clients.userApp.clientSecret as string, true);
    await program.config("username", kc.user.username);
    await program.config("password", kc.user.password, true);
    await program.pulumi(["config", "set", "--path", "machineScopes[0]", "phone"]);

    const r = await program.up();
    expect(r.stdout).toContain("machineAccessToken: [secret]");
    first = await tokens(program);

    const machine = await kc.introspect(first.machine);
    expect(machine).toMatchObject({ active: true, client_id: "machine" });
    expect(String(machine.scope).split(" ")).toContain("phone");
    // The machine client is in its own tokens' audience, so it may judge them itself.
    expect((await kc.introspect(first.machine, kc.clients.machine)).active).toBe(true);
    expect(await kc.introspect(first.user)).toMatchObject({ active: true, username: "alice", azp: "user-app" });

    const state = await stateResources(program);
    expect(state.map((s) => s.urn.split("::").pop()).sort()).toEqual(["machine-token", "user-token"]);
    for (const s of state) {
      expect(s.outputs?.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
      expect(s.outputs?.resolvedTokenEndpoint).toBe(kc.tokenEndpoint);
    }
    refreshTokens.push(await userRefreshToken(program));
    accessTokens.push(first.user);
  });

  for (const round of ["1", "2", "3"]) {
    it(`renewal round ${round}: up gets a new access and refresh token from Keycloak (rotation, no reuse)`, async () => {
      await program.config("round", round);
      await program.up();
      const now = await tokens(program);
      // Only the user token renews; the machine token is untouched.
      expect(now.machine).toBe(first.machine);
      expect(accessTokens).not.toContain(now.user);
      const refresh = await userRefreshToken(program);
      expect(refreshTokens).not.toContain(refresh);
      accessTokens.push(now.user);
      refreshTokens.push(refresh);
      expect(await kc.introspect(now.user)).toMatchObject({ active: true, username: "alice" });
      expect(refreshTokens).toHaveLength(Number(round) + 1);
    });
  }

  it("pulumi refresh keeps both live tokens", async () => {
    const before = await tokens(program);
    await program.refresh();
    const state = await stateResources(program);
    expect(state).toHaveLength(2);
    expect(await tokens(program)).toEqual(before);
  });

  it("Keycloak refuses every earlier refresh token of the chain (the stack holds the newest)", async () => {
    expect(refreshTokens.slice(0, -1)).toHaveLength(3);
    for (const old of refreshTokens.slice(0, -1)) {
      const r = await kc.token(kc.clients.userApp, { grant_type: "refresh_token", refresh_token: old });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("invalid_grant");
    }
  });

  it("destroy revokes both tokens at Keycloak", async () => {
    const last = await tokens(program);
    await program.destroy();
    expect(await stateResources(program)).toEqual([]);
    expect((await kc.introspect(last.machine)).active).toBe(false);
    expect((await kc.introspect(last.user)).active).toBe(false);
    const r = await kc.token(kc.clients.userApp, { grant_type: "refresh_token", refresh_token: refreshTokens.at(-1)! });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("invalid_grant");
  });

  it("no secret or issued token appears in any output, log or state export", () => {
    // The machine token, and four access and four refresh tokens of the user's chain.
    expect(issued.size).toBeGreaterThanOrEqual(9);
    const leaks = findLeaks([...transcriptTexts(program), ...exports], [...kc.secrets, ...issued]);
    expect(leaks).toEqual([]);
  });
});

describe("ApiClient through pulumi against Keycloak's RFC 7591 / 7592 endpoints", () => {
  let clients: Program;
  interface Registered {
    clientId: string;
    clientSecret: string;
    registrationAccessToken: string;
  }
  const registrationTokens: string[] = [];

  /** The client as in state, secrets revealed (left out of the leak scan). */
  async function registered(p: Program): Promise<Registered> {
    const outputs = await p.revealedOutputs();
    const state = JSON.parse(
      (await p.pulumi(["stack", "export", "--show-secrets"], { revealsSecrets: true })).stdout,
    ).deployment.resources.find((r: StateResource) => r.type.endsWith(":ApiClient"));
    const found = {
      clientId: outputs.clientId as string,
      clientSecret: outputs.clientSecret as string,
      registrationAccessToken: revealed(state?.outputs?.registrationAccessToken) as string,
    };
    for (const value of [found.clientSecret, found.registrationAccessToken, outputs.accessToken]) {
      expect(typeof value).toBe("string");
      issued.add(value as string);
    }
    return found;
  }

  async function atKeycloak(clientId: string): Promise<{ name?: string }[]> {
    return (await kc.adminGet(`/clients?clientId=${encodeURIComponent(clientId)}`)) as { name?: string }[];
  }

  /** Refreshes only the client (RFC 7592 read); its token's own liveness is another test's subject. */
  async function refreshClient(p: Program) {
    const urn = (await stateResources(p, ":ApiClient"))[0]?.urn;
    expect(urn).toBeDefined();
    return p.refresh(["--target", urn as string]);
  }

  async function stateResources(p: Program, suffix: string): Promise<StateResource[]> {
    const text = await p.exportState();
    exports.push({ label: `stack export after ${p.transcript.length} commands`, text });
    return (JSON.parse(text).deployment.resources ?? []).filter((r: StateResource) => r.type.endsWith(suffix));
  }

  let first: Registered;
  it("up registers a client (RFC 7591, initial access token) and issues its token", async () => {
    clients = await createProgram("api-client");
    await clients.config("issuer", kc.issuer);
    await clients.config("initialAccessToken", kc.initialAccessToken, true);
    await clients.config("clientName", "reporting-1");
    await clients.pulumi(["config", "set", "--path", "scopes[0]", "phone"]);
    await clients.up();
    first = await registered(clients);
    registrationTokens.push(first.registrationAccessToken);
    expect(await atKeycloak(first.clientId)).toMatchObject([{ name: "reporting-1" }]);
    const r = await kc.token(first, { grant_type: "client_credentials" });
    expect(r.status).toBe(200);
    issued.add(r.body.access_token as string);
  });

  it("refresh reads the client back (RFC 7592) and keeps it", async () => {
    await refreshClient(clients);
    const again = await registered(clients);
    expect(again.clientId).toBe(first.clientId);
    registrationTokens.push(again.registrationAccessToken);
    expect(await stateResources(clients, ":ApiClient")).toHaveLength(1);
  });

  for (const name of ["reporting-2", "reporting-3"]) {
    it(`metadata update to ${name}: the PUT gets a new registration access token, which the next call uses`, async () => {
      await clients.config("clientName", name);
      const preview = await clients.preview();
      expect(preview.stdout).toMatch(/~ .*:ApiClient: \(update\)/);
      await clients.up();
      const now = await registered(clients);
      expect(now.clientId).toBe(first.clientId);
      expect(now.clientSecret).toBe(first.clientSecret);
      expect(registrationTokens).not.toContain(now.registrationAccessToken);
      registrationTokens.push(now.registrationAccessToken);
      expect(await atKeycloak(first.clientId)).toMatchObject([{ name }]);
    });
  }

  it("after two updates the newest registration access token still manages the client (RFC 7592 read)", async () => {
    await refreshClient(clients);
    const state = await stateResources(clients, ":ApiClient");
    expect((state[0]?.outputs?.metadata as Record<string, unknown>)?.client_name).toBe("reporting-3");
  });

  it("destroy deletes the client: Keycloak refuses its credentials (401 invalid_client)", async () => {
    await clients.destroy();
    expect(await stateResources(clients, "")).toEqual([]);
    expect(await atKeycloak(first.clientId)).toEqual([]);
    const r = await kc.token(first, { grant_type: "client_credentials" });
    // A client that no longer exists is `invalid_client`; a wrong secret of an existing one
    // is `unauthorized_client` (see the quirks below).
    expect(r.status).toBe(401);
    expect(r.body.error).toBe("invalid_client");
  });

  it("no secret or issued token appears in any output, log or state export", () => {
    expect(registrationTokens.length).toBeGreaterThanOrEqual(4);
    const leaks = findLeaks([...transcriptTexts(clients), ...exports], [...kc.secrets, ...issued]);
    expect(leaks).toEqual([]);
  });
});

describe("Keycloak's quirks, through the provider's wire functions", () => {
  function ctx(): SystemContext & { diagnostics: ReturnType<typeof recordingDiagnostics> } {
    return {
      transport: createTransport(),
      config: new ConfigSlot(),
      diagnostics: recordingDiagnostics(),
      now: () => new Date(),
      secrets: [],
    };
  }
  const machineInputs = (): OAuth2TokenInputs =>
    ({
      issuer: kc.issuer,
      clientId: kc.clients.machine.clientId,
      clientSecret: kc.clients.machine.clientSecret,
    }) as OAuth2TokenInputs;
  const stateWith = (accessToken: string): TokenState =>
    ({ accessToken, endpoints: { token: kc.tokenEndpoint, revocation: kc.revocationEndpoint } }) as TokenState;

  it("a bad secret: Keycloak answers 401 unauthorized_client; the error names system, endpoint, status and code", async () => {
    const error = await oauth2TokenSystem.issue({ ...machineInputs(), clientSecret: "not-the-secret" }, ctx()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAccessTokenError(error)).toBe(true);
    expect((error as Error).message).toContain(
      `OAuth 2.0 token request (client_credentials) at ${kc.tokenEndpoint} failed: HTTP 401, OAuth error "unauthorized_client"`,
    );
    expect(error).toMatchObject({ status: 401, oauthError: "unauthorized_client", endpoint: kc.tokenEndpoint });
  });

  it("Basic credentials are form-encoded (RFC 6749 §2.3.1): a secret with %, + and : authenticates", async () => {
    const secret = kc.clients.machine.clientSecret as string;
    expect(secret).toMatch(/%/);
    expect(secret).toMatch(/\+/);
    expect(secret).toMatch(/:/);
    const issuedNow = await oauth2TokenSystem.issue(machineInputs(), ctx());
    expect((await kc.introspect(issuedNow.accessToken)).active).toBe(true);
    // Keycloak does decode: the same secret sent raw (not form-encoded) is refused.
    const raw = await fetch(kc.tokenEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`machine:${secret}`).toString("base64")}`,
      },
      body: "grant_type=client_credentials",
    });
    expect(raw.status).toBe(401);
    await oauth2TokenSystem.revoke(machineInputs(), stateWith(issuedNow.accessToken), issuedNow.accessToken, ctx());
  });

  it("revoking a token Keycloak does not know: 200 with an invalid_token body counts as revoked", async () => {
    // RFC 7009 §2.2: an invalid token is not an error of revocation; Keycloak says so with a
    // 200 and an `invalid_token` body. The token works nowhere, which is what revocation is
    // for, so the provider reports it revoked rather than failing the destroy.
    const raw = await fetch(kc.revocationEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`machine:${encodeURIComponent(kc.clients.machine.clientSecret as string)}`).toString("base64")}`,
      },
      body: "token=not-a-token-keycloak-issued",
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ error: "invalid_token" });
    const outcome = await oauth2TokenSystem.revoke(
      machineInputs(),
      stateWith("not-a-token-keycloak-issued"),
      "not-a-token-keycloak-issued",
      ctx(),
    );
    expect(outcome).toEqual({ revoked: true });
  });

  it("revoking another client's token: Keycloak's 400 is an error naming endpoint, status and code, never 'revoked'", async () => {
    const other = await kc.token(kc.clients.noAudience, { grant_type: "client_credentials" });
    expect(other.status).toBe(200);
    const token = other.body.access_token as string;
    issued.add(token);
    const error = await oauth2TokenSystem.revoke(machineInputs(), stateWith(token), token, ctx()).then(
      (o) => o,
      (e: unknown) => e,
    );
    expect(isAccessTokenError(error)).toBe(true);
    expect((error as Error).message).toContain(
      `OAuth 2.0 revocation (access_token) at ${kc.revocationEndpoint} failed: HTTP 400, OAuth error "invalid_request" (Unmatching clients)`,
    );
    // It was not revoked, and the message does not claim so.
    expect((error as Error).message).not.toMatch(/\brevoked\b/);
    expect((await kc.introspect(token)).active).toBe(true);
  });
});
