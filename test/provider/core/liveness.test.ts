/**
 * What `refresh` makes of a server's introspection answers, calibrated per client: against
 * a real oidc-provider whose introspection tells some clients `active: false` about their
 * own live tokens (as Keycloak ≥ 26.6 does when the client is not in their audience) and
 * refuses others with 403 (as Keycloak refuses a public client). A live token is never
 * dropped on such evidence; a token that does leave state is warned about and revoked.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSlot } from "../../../provider/config";
import { recordingDiagnostics } from "../../../provider/diagnostics";
import { type Transport, createTransport } from "../../../provider/http/transport";
import { createAccessToken, deleteAccessToken, readAccessToken, updateAccessToken } from "../../kit/lifecycles";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../../kit/oauth-server";

const client = (id: string): TestClient => ({
  client_id: id,
  client_secret: `${id}-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
});
/** A client the server's introspection answers truthfully. */
const trusted = client("trusted");
/** A client told `active: false` about every token, its own live ones too. */
const blind = client("blind");
/** A client refused introspection (403 invalid_request). */
const barred = client("barred");

let server: OAuthServer;
beforeAll(async () => {
  server = await startOAuthServer({
    clients: [trusted, blind, barred],
    introspection: { inactiveFor: [blind.client_id], forbiddenFor: [barred.client_id] },
  });
});
afterAll(() => server?.close());

function deps(transport: Transport = createTransport(), now?: () => Date) {
  const config = new ConfigSlot();
  config.set({ get: () => undefined });
  return { transport, config, diagnostics: recordingDiagnostics(), ...(now ? { now } : {}) };
}

const inputsFor = (c: TestClient, extra: Record<string, unknown> = {}) => ({
  system: "oauth2",
  resourceName: `token-of-${c.client_id}`,
  issuer: server.issuer,
  clientId: c.client_id,
  clientSecret: c.client_secret,
  ...extra,
});

const introspections = () => server.requests.filter((r) => r.path === "/token/introspection").length;
const warnings = (d: ReturnType<typeof deps>) =>
  d.diagnostics.messages.filter((m) => m.severity === "warning").map((m) => m.message);

/** State as written before `liveness` existed. */
function uncalibrated(outs: Record<string, unknown>): Record<string, unknown> {
  const { liveness: _l, ...rest } = outs;
  return rest;
}

describe("the server's test client options behave as the servers they stand for", () => {
  it("inactiveFor: live tokens are reported inactive to that client only; forbiddenFor: 403", async () => {
    const created = (await createAccessToken(inputsFor(blind), deps())).outs as Record<string, string>;
    expect((await server.introspect(created.accessToken, blind)).active).toBe(false);
    expect((await server.introspect(created.accessToken, trusted)).active).toBe(true);
    await expect(server.introspect(created.accessToken, barred)).rejects.toThrow(
      /HTTP 403 .*invalid_request.*Client not allowed/,
    );
  });
});

describe("calibration at create", () => {
  it("a server that calls the fresh token active: liveness introspection, no warning", async () => {
    const d = deps();
    const outs = (await createAccessToken(inputsFor(trusted), d)).outs as Record<string, unknown>;
    expect(outs.liveness).toBe("introspection");
    expect(warnings(d)).toEqual([]);
  });

  it.each([
    ["calls the token it just issued inactive", blind, /called the token it had just issued inactive/],
    ["refuses introspection (403)", barred, /refused to answer \(.*HTTP 403.*Client not allowed/],
  ])("a server that %s: liveness expiry, said once", async (_what, c, said) => {
    const d = deps();
    const outs = (await createAccessToken(inputsFor(c), d)).outs as Record<string, unknown>;
    expect(outs.liveness).toBe("expiry");
    expect(warnings(d)).toEqual([expect.stringMatching(said)]);
    expect(warnings(d)[0]).toContain('liveness: "expiry"');
    expect(warnings(d)[0]).not.toContain(c.client_secret);
  });

  it("a server that fails the calibration (HTTP 500): the token is created, calibrated on its next refresh", async () => {
    const failing: Transport = (req, rctx, o) =>
      req.url.endsWith("/token/introspection")
        ? Promise.resolve({ status: 500, headers: {}, body: "" })
        : createTransport()(req, rctx, o);
    const outs = (await createAccessToken(inputsFor(trusted), deps(failing))).outs as Record<string, unknown>;
    expect(outs.liveness).toBeUndefined();
    expect(server.issuedTokens.has(outs.accessToken as string)).toBe(true);
    const read = await readAccessToken("t", outs, deps());
    expect(read.props).toMatchObject({ liveness: "introspection" });
  });

  it("no introspection endpoint: liveness expiry, no warning, no request", async () => {
    const before = introspections();
    const d = deps();
    const inputs = { ...inputsFor(trusted), issuer: undefined, tokenEndpoint: server.tokenEndpoint };
    const outs = (await createAccessToken(inputs, d)).outs as Record<string, unknown>;
    expect(outs.liveness).toBe("expiry");
    expect(warnings(d)).toEqual([]);
    expect(introspections()).toBe(before);
  });
});

describe("refresh", () => {
  it("a calibrated server's inactive means revoked: the token leaves state with a warning", async () => {
    const outs = (await createAccessToken(inputsFor(trusted), deps())).outs as Record<string, string>;
    await server.revoke(outs.accessToken, trusted);
    const d = deps();
    const read = await readAccessToken("t", outs, d);
    expect(read.id).toBe("");
    expect(warnings(d)).toEqual([
      `OAuth 2.0 token "token-of-trusted" leaves state: the OAuth 2.0 server reports it inactive (revoked); the next pulumi up issues a new one`,
    ]);
  });

  it.each([
    ["called inactive", blind],
    ["refused", barred],
  ])("a live token whose introspection is %s is kept, judged by expiry, without asking again", async (_w, c) => {
    const outs = (await createAccessToken(inputsFor(c), deps())).outs as Record<string, string>;
    const before = introspections();
    const d = deps();
    const read = await readAccessToken("t", outs, d);
    expect(read.id).toBe("t");
    expect(read.props).toMatchObject({ accessToken: outs.accessToken, liveness: "expiry" });
    expect(warnings(d)).toEqual([]);
    expect(introspections()).toBe(before);
    // Expiry still decides.
    const later = () => new Date(Date.parse(outs.expiresAt as string) + 1000);
    expect((await readAccessToken("t", outs, deps(createTransport(), later))).id).toBe("");
  });

  it("state written before calibration: a blind server's inactive keeps the live token, with a warning", async () => {
    const outs = (await createAccessToken(inputsFor(blind), deps())).outs as Record<string, string>;
    const d = deps();
    const read = await readAccessToken("t", uncalibrated(outs), d);
    expect(read.id).toBe("t");
    expect(read.props).toMatchObject({ accessToken: outs.accessToken, liveness: "expiry" });
    expect(warnings(d)).toEqual([
      expect.stringMatching(
        /^OAuth 2\.0 token "token-of-blind": the server's introspection calls it inactive, but that was never calibrated for this client .* it is kept and judged by its expiry from now on \(expires at \S+\)\. If it was revoked, run pulumi up --replace on it$/,
      ),
    ]);
    expect((await server.introspect(outs.accessToken, trusted)).active).toBe(true);
  });

  it("state written before calibration: a refusal (403) keeps the token with a warning, not a failed refresh", async () => {
    const outs = (await createAccessToken(inputsFor(barred), deps())).outs as Record<string, string>;
    const d = deps();
    const read = await readAccessToken("t", uncalibrated(outs), d);
    expect(read.id).toBe("t");
    expect(read.props).toMatchObject({ liveness: "expiry" });
    expect(warnings(d)).toEqual([expect.stringMatching(/refused to introspect it \(.*HTTP 403.*\); it is kept/)]);
  });

  it("a calibrated server that later refuses: kept with a warning, still calibrated", async () => {
    const outs = (await createAccessToken(inputsFor(trusted), deps())).outs as Record<string, string>;
    const refusing: Transport = (req, rctx, o) =>
      req.url.endsWith("/token/introspection")
        ? Promise.resolve({
            status: 401,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ error: "invalid_client" }),
          })
        : createTransport()(req, rctx, o);
    const d = deps(refusing);
    const read = await readAccessToken("t", outs, d);
    expect(read.id).toBe("t");
    expect(read.props).toMatchObject({ liveness: "introspection" });
    expect(warnings(d)).toEqual([
      expect.stringMatching(/can no longer authenticate.*it is kept, judged by its expiry$/),
    ]);
  });

  it("state written before calibration: active calibrates it", async () => {
    const outs = (await createAccessToken(inputsFor(trusted), deps())).outs as Record<string, string>;
    const read = await readAccessToken("t", uncalibrated(outs), deps());
    expect(read.props).toMatchObject({ liveness: "introspection" });
  });

  it("a server failure (HTTP 500) fails the refresh and drops nothing", async () => {
    const outs = (await createAccessToken(inputsFor(trusted), deps())).outs as Record<string, string>;
    const failing: Transport = (req, rctx, o) =>
      req.url.endsWith("/token/introspection")
        ? Promise.resolve({ status: 500, headers: {}, body: "" })
        : createTransport()(req, rctx, o);
    await expect(readAccessToken("t", outs, deps(failing))).rejects.toThrow(/introspection .* HTTP 500/);
  });

  it("an expired token of a refresh-token chain stays for its refresh token (the next up renews it), until that ends too", async () => {
    const outs = (await createAccessToken(inputsFor(trusted), deps())).outs as Record<string, string>;
    const chain = { ...outs, refreshToken: `refresh-${randomUUID()}` };
    const later = () => new Date(Date.parse(outs.expiresAt as string) + 1000);
    const d = deps(createTransport(), later);
    const read = await readAccessToken("t", chain, d);
    expect(read.id).toBe("t");
    expect(read.props).toMatchObject({ accessToken: outs.accessToken, refreshToken: chain.refreshToken });
    expect(d.diagnostics.messages.map((m) => m.message).join("\n")).toMatch(
      /expired at .*stays in state for its refresh token/,
    );
    // Once the refresh token has ended too, nothing is left to renew from: it leaves state.
    const ended = {
      ...chain,
      refreshTokenExpiresAt: new Date(Date.parse(outs.expiresAt as string) - 1000).toISOString(),
    };
    expect((await readAccessToken("t", ended, deps(createTransport(), later))).id).toBe("");
  });

  it("a token that leaves state while live (calibrated inactive) is revoked", async () => {
    const outs = (await createAccessToken(inputsFor(trusted), deps())).outs as Record<string, string>;
    // The server calls it inactive this once, though it is live.
    const lying: Transport = (req, rctx, o) =>
      req.url.endsWith("/token/introspection")
        ? Promise.resolve({ status: 200, headers: {}, body: JSON.stringify({ active: false }) })
        : createTransport()(req, rctx, o);
    expect((await readAccessToken("t", outs, deps(lying))).id).toBe("");
    expect(server.revokedAt.has(outs.accessToken)).toBe(true);
  });

  it("a previous token still in its grace period is revoked when the current one leaves state", async () => {
    const inputs = inputsFor(trusted, { gracePeriod: "1h", triggers: { at: "1" } });
    const first = (await createAccessToken(inputs, deps())).outs as Record<string, unknown>;
    const next = (await updateAccessToken(first, { ...inputs, triggers: { at: "2" } }, deps())).outs as Record<
      string,
      string
    >;
    expect(next.previousAccessToken).toBe(first.accessToken);
    await server.revoke(next.accessToken, trusted);
    expect((await readAccessToken("t", next, deps())).id).toBe("");
    expect(server.revokedAt.has(next.previousAccessToken)).toBe(true);
  });

  it("revokeOnDelete false: a token leaving state is not revoked", async () => {
    const outs = (await createAccessToken(inputsFor(trusted, { revokeOnDelete: false }), deps())).outs as Record<
      string,
      string
    >;
    const lying: Transport = (req, rctx, o) =>
      req.url.endsWith("/token/introspection")
        ? Promise.resolve({ status: 200, headers: {}, body: JSON.stringify({ active: false }) })
        : createTransport()(req, rctx, o);
    expect((await readAccessToken("t", outs, deps(lying))).id).toBe("");
    expect(server.revokedAt.has(outs.accessToken)).toBe(false);
    expect((await server.introspect(outs.accessToken, trusted)).active).toBe(true);
  });

  it("recreateIfInvalid false keeps a revoked token, as before", async () => {
    const outs = (await createAccessToken(inputsFor(trusted, { recreateIfInvalid: false }), deps())).outs as Record<
      string,
      string
    >;
    await server.revoke(outs.accessToken, trusted);
    const d = deps();
    expect((await readAccessToken("t", outs, d)).id).toBe("t");
    expect(warnings(d)).toEqual([
      expect.stringMatching(/is no longer valid .*recreateIfInvalid is false, so it is kept/),
    ]);
  });
});

describe("rotation and delete", () => {
  it("a renewal keeps the calibration and does not warn again", async () => {
    const inputs = inputsFor(blind, { triggers: { at: "1" } });
    const outs = (await createAccessToken(inputs, deps())).outs as Record<string, unknown>;
    const d = deps();
    const next = (await updateAccessToken(outs, { ...inputs, triggers: { at: "2" } }, d)).outs as Record<
      string,
      unknown
    >;
    expect(next.accessToken).not.toBe(outs.accessToken);
    expect(next.liveness).toBe("expiry");
    expect(warnings(d)).toEqual([]);
  });

  it("delete revokes a token whose introspection could not judge it", async () => {
    const outs = (await createAccessToken(inputsFor(blind), deps())).outs as Record<string, string>;
    await deleteAccessToken(outs, deps());
    expect(server.revokedAt.has(outs.accessToken)).toBe(true);
  });
});
