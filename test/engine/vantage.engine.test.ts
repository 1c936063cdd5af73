/**
 * ABBYY Vantage tokens through the real engine: `pulumi preview / up / refresh / destroy`
 * on examples/vantage against the local Vantage server. The point: Vantage refresh tokens
 * are one-time, so every rotation must spend the refresh token stored in state and store
 * the new one, across successive `pulumi up` runs, with the 30-day absolute end carried
 * over and warned about.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VANTAGE_SCOPE, type VantageServer, startVantageServer } from "../servers/vantage-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { ACCESS_TOKEN_TYPE } from "../../sdk/shim";

const client = {
  clientId: "engine-vantage",
  clientSecret: `vantage-engine-secret-${randomUUID()}`,
  allowRopc: true,
  allowOfflineAccess: true,
};
const user = { username: "engine@example.com", password: `vantage-engine-password-${randomUUID()}` };
const DAY = 86_400_000;

let server: VantageServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const grants = () =>
  server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/connect/token")).map((r) => r.grantType);
const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

async function state(): Promise<StateResource | undefined> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return (JSON.parse(text).deployment.resources ?? []).find((r: StateResource) => r.type === ACCESS_TOKEN_TYPE);
}

/** Secret envelopes of `stack export --show-secrets` replaced by their values. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (SECRET_SIG in o && typeof o.plaintext === "string") return JSON.parse(o.plaintext);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

/** The token's state outputs, secrets decrypted (this command is left out of the leak scan). */
async function snapshot(): Promise<Record<string, string | undefined>> {
  const r = await program.pulumi(["stack", "export", "--show-secrets"], { revealsSecrets: true });
  const resource = (JSON.parse(r.stdout).deployment.resources ?? []).find(
    (x: StateResource) => x.type === ACCESS_TOKEN_TYPE,
  );
  return reveal(resource?.outputs ?? {}) as Record<string, string | undefined>;
}

/** This client's refresh tokens the server would accept now. */
const active = () => server.activeRefreshTokens().filter((rt) => server.issuedTokens.has(rt));

describe("ABBYY Vantage tokens through pulumi", () => {
  beforeAll(async () => {
    server = await startVantageServer({ revocation: true, clients: [client], users: [user] });
    program = await createProgram("vantage");
    await program.pulumi([
      "config",
      "set-all",
      ...["--plaintext", `baseUrl=${server.origin}`, "--plaintext", `tenantId=${server.tenantId}`],
      ...["--plaintext", `clientId=${client.clientId}`, "--secret", `clientSecret=${client.clientSecret}`],
      ...["--plaintext", "grantType=password", "--plaintext", `username=${user.username}`],
      ...["--secret", `password=${user.password}`, "--plaintext", "offlineAccess=true"],
      // Moved past by the provider's test clock, never reached by real time.
      ...["--plaintext", "rotateAfter=1h"],
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  let end: string;
  it("up signs in (password grant, offline_access) and keeps the refresh token and its 30-day end", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    const out = await snapshot();
    expect(server.verify(out.accessToken as string)).toBe(true);
    expect(out.scope).toBe(`${VANTAGE_SCOPE} offline_access`);
    expect(out.resolvedTokenEndpoint).toBe(server.tenant.tokenEndpoint);
    end = out.refreshTokenExpiresAt as string;
    // 30 days from the sign-in, never later than the server's own end.
    expect(Math.abs(Date.parse(end) - Date.parse(out.issuedAt as string) - 30 * DAY)).toBeLessThan(2000);
    expect(Date.parse(end)).toBeLessThanOrEqual(
      ((server.refreshTokenExpiry(out.refreshToken as string) as number) + 1) * 1000,
    );
    expect(active()).toEqual([out.refreshToken]);
    const resource = await state();
    expect(resource?.outputs?.refreshToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("three rotations each spend the stored refresh token and persist the new one", async () => {
    let out = await snapshot();
    const chain = [out.refreshToken as string];
    const accessTokens = [out.accessToken];
    for (let i = 1; i <= 3; i++) {
      program.clock.passTo(out.rotationDueAt as string);
      if (i === 1) {
        const preview = await program.preview();
        expect(all(preview)).toMatch(/ABBYY Vantage token "vantage-token" will rotate \(renewed in place\)/);
        expect(preview.stdout).not.toContain("replace");
      }
      const before = grants().length;
      await program.up();
      // Exactly one request: the refresh grant, with the refresh token stored by the previous up.
      expect(grants().slice(before)).toEqual(["refresh_token"]);
      out = await snapshot();
      const stored = out.refreshToken as string;
      expect(chain).not.toContain(stored);
      // The one stored before was spent by this rotation; only the new one works.
      expect(active()).toEqual([stored]);
      chain.push(stored);
      expect(accessTokens).not.toContain(out.accessToken);
      expect(server.verify(out.accessToken as string)).toBe(true);
      accessTokens.push(out.accessToken);
      // The absolute end does not move.
      expect(out.refreshTokenExpiresAt).toBe(end);
      expect(server.refreshTokenExpiry(stored)).toBe(server.refreshTokenExpiry(chain[0] as string));
    }
    expect(grants().filter((g) => g === "password")).toHaveLength(1);
  });

  let initial: string;
  it("switching to the refresh_token grant replaces the token, starting from a sign-in's refresh token", async () => {
    // Stands in for `npx pulumi-access-tokens authorize vantage ... --config-key refreshToken`.
    const res = await fetch(server.tenant.tokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: client.clientId,
        client_secret: client.clientSecret,
        username: user.username,
        password: user.password,
        scope: `${VANTAGE_SCOPE} offline_access`,
      }).toString(),
    });
    initial = ((await res.json()) as { refresh_token: string }).refresh_token;
    const signedIn = new Date(program.clock.now().getTime() - 25 * DAY).toISOString();
    const old = (await snapshot()).refreshToken;
    for (const key of ["username", "password", "offlineAccess"]) await program.pulumi(["config", "rm", key]);
    await program.pulumi([
      "config",
      "set-all",
      ...["--plaintext", "grantType=refresh_token", "--secret", `refreshToken=${initial}`],
      ...["--plaintext", `refreshTokenIssuedAt=${signedIn}`, "--plaintext", "rotateAfter=1h"],
      ...["--plaintext", "revokeOnDelete=true"],
    ]);

    const up = await program.up();
    expect(up.stdout).toMatch(/replaced/);
    // The old chain is left alone on delete (revoking would end the authorization) and says so.
    expect(all(up)).toContain("not revoked on delete");
    const out = await snapshot();
    expect(out.initialRefreshToken).toBe(initial);
    expect(out.refreshToken).not.toBe(initial);
    expect(active()).toEqual(expect.arrayContaining([out.refreshToken, old]));
    expect(active()).not.toContain(initial);
    end = new Date(Date.parse(signedIn) + 30 * DAY).toISOString();
    expect(out.refreshTokenExpiresAt).toBe(end);
    await state();
  });

  it("preview warns within 7 days of the refresh token's absolute end: re-authorize", async () => {
    const preview = await program.preview();
    expect(all(preview)).toContain(
      `ABBYY Vantage token "vantage-token": the Vantage refresh token (30 days from the original sign-in, not extendable) expires at ${end} (in 5 day(s)); re-authorize before then`,
    );
  });

  it("refresh keeps the live token; destroy with revokeOnDelete revokes the refresh token", async () => {
    const before = await snapshot();
    const refreshed = await program.refresh();
    expect(refreshed.stdout).not.toMatch(/deleted/);
    const destroyed = await program.destroy();
    expect(await state()).toBeUndefined();
    expect(active()).not.toContain(before.refreshToken);
    expect(server.requests.at(-1)).toMatchObject({ path: `/auth2/${server.tenantId}/connect/revocation`, status: 200 });
    expect(all(destroyed)).toContain("the refresh token was revoked, so no new token can be issued from it");
  });

  it("no client secret, password, access or refresh token appears in any output, log or state export", () => {
    const secrets = [client.clientSecret, user.password, initial, ...server.issuedTokens];
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(12);
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
