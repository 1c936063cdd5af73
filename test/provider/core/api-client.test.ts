/**
 * The ApiClient provider called directly: against a real oidc-provider with dynamic
 * registration (RFC 7591 / 7592) enabled, with and without an initial access token, and
 * against scripted answers for what oidc-provider never does (substituted metadata, no
 * management, expiring secrets, answers that go wrong after the server acted).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../../provider";
import { recordingDiagnostics } from "../../../provider/diagnostics";
import { isAccessTokenError } from "../../../provider/errors";
import { type HttpRequest, type HttpResponse, type Transport, createTransport } from "../../../provider/http/transport";
import { UNKNOWN } from "../../../provider/core/api-client";
import {
  checkApiClient,
  createApiClient,
  deleteApiClient,
  diffApiClient,
  readApiClient,
  updateApiClient,
} from "../../kit/lifecycles";
import { shimText } from "../../../sdk/shim";
import { type OAuthServer, startOAuthServer } from "../../kit/oauth-server";
import { caught } from "../../kit/helpers";

const SHIM = shimText("ApiClient");
const IAT = `iat-${randomUUID()}`;

let open: OAuthServer;
let guarded: OAuthServer;
let plain: OAuthServer;
beforeAll(async () => {
  [open, guarded, plain] = await Promise.all([
    startOAuthServer({ registration: {} }),
    startOAuthServer({ registration: { initialAccessToken: IAT } }),
    startOAuthServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.close(), guarded?.close(), plain?.close()]);
});

/** Inputs as the SDK sends them for a machine-to-machine client. */
function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "oauth2",
    resourceName: "reporting",
    clientName: "reporting",
    grantTypes: ["client_credentials"],
    responseTypes: [],
    scopes: ["api:read"],
    __provider: SHIM,
    ...extra,
  };
}

function deps() {
  const diagnostics = recordingDiagnostics();
  return { transport: createTransport(), diagnostics };
}

/** A client_credentials token request as the registered client: the HTTP status. */
async function tokenStatus(server: OAuthServer, outs: Record<string, unknown>): Promise<number> {
  const basic = Buffer.from(`${outs.clientId}:${outs.clientSecret}`).toString("base64");
  const res = await fetch(server.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
    body: "grant_type=client_credentials&scope=api%3Aread",
  });
  return res.status;
}

describe("check", () => {
  it("accepts valid inputs, with no network call", () => {
    expect(checkApiClient(inputs({ issuer: "https://as.example" })).failures).toBeUndefined();
    expect(checkApiClient(inputs({ registrationEndpoint: "https://as.example/reg" })).failures).toBeUndefined();
  });

  it("names the property and the reason for each bad input", () => {
    const r = checkApiClient({
      issuer: "http://as.example",
      scopes: ["has space"],
      redirectUris: ["/relative", "https://app.example/cb#frag"],
      applicationType: "desktop",
      clientName: "",
      extraMetadata: { client_secret: "mine" },
      grantTypes: ["client_credentials"],
      tokenEndpointAuthMethod: "none",
      logoUri: "not a url",
      colour: "blue",
    });
    const by = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(by.issuer).toMatch(/must use https/);
    expect(by["scopes.0"]).toMatch(/scope token/);
    expect(by["redirectUris.0"]).toBe("must be an absolute URI");
    expect(by["redirectUris.1"]).toMatch(/fragment/);
    expect(by.applicationType).toBe('must be "web" or "native"');
    expect(by.clientName).toBe("must not be empty");
    expect(by.extraMetadata).toMatch(/must not set .*client_secret/);
    expect(by.tokenEndpointAuthMethod).toMatch(/public client/);
    expect(by.logoUri).toMatch(/absolute URL/);
    expect(by["(inputs)"]).toBe("unknown input(s): colour");
  });

  it("requires an issuer or a registration endpoint", () => {
    expect(checkApiClient(inputs()).failures).toEqual([
      {
        property: "registrationEndpoint",
        reason: "set issuer (the registration endpoint is discovered) or registrationEndpoint",
      },
    ]);
  });

  it("tolerates unknown values during preview", () => {
    expect(checkApiClient(inputs({ issuer: UNKNOWN, scopes: [UNKNOWN] })).failures).toBeUndefined();
  });
});

describe("diff (plan time, no network)", () => {
  const olds = {
    ...inputs({ issuer: "https://as.example" }),
    clientId: "c1",
    clientSecret: "s",
    registrationAccessToken: "rat",
    registrationClientUri: "https://as.example/reg/c1",
    discoveredTokenEndpoint: "https://as.example/token",
    tokenEndpoint: "https://as.example/token",
  };
  const news = inputs({ issuer: "https://as.example" });

  it("no change → no changes", async () => {
    expect(await diffApiClient(olds, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("metadata → update in place; issuer or registration endpoint → replace", async () => {
    expect(await diffApiClient(olds, { ...news, clientName: "v2" })).toMatchObject({ changes: true, replaces: [] });
    expect(await diffApiClient(olds, { ...news, scopes: ["api:read", "api:write"] })).toMatchObject({ replaces: [] });
    expect((await diffApiClient(olds, { ...news, issuer: "https://other.example" })).replaces).toEqual(["issuer"]);
    expect((await diffApiClient(olds, { ...news, registrationEndpoint: "https://as.example/reg2" })).replaces).toEqual([
      "registrationEndpoint",
    ]);
  });

  it("a new initial access token or token endpoint touches nothing at the server", async () => {
    expect(await diffApiClient(olds, { ...news, initialAccessToken: "new" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diffApiClient(olds, { ...news, tokenEndpoint: "https://as.example/t2" })).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  it("metadata of a client without management → replace, with a notice", async () => {
    const diagnostics = recordingDiagnostics();
    const { registrationAccessToken: _r, registrationClientUri: _u, ...unmanaged } = olds;
    const r = await diffApiClient(unmanaged, { ...news, clientName: "v2" }, { diagnostics });
    expect(r.replaces).toEqual(["clientName"]);
    expect(diagnostics.messages[0]?.message).toMatch(/no way to update this client in place/);
  });

  it("warns at preview when the secret expires within 7 days; replaces an expired one", async () => {
    const now = () => new Date("2030-01-01T00:00:00Z");
    const soon = { ...olds, clientSecretExpiresAt: "2030-01-04T00:00:00.000Z" };
    let diagnostics = recordingDiagnostics();
    expect(await diffApiClient(soon, news, { diagnostics, now })).toMatchObject({ changes: false });
    expect(diagnostics.messages).toEqual([
      {
        severity: "warning",
        message:
          'OAuth 2.0 API client "reporting": the client secret expires at 2030-01-04T00:00:00.000Z (in 3 day(s)); once it has, the next pulumi up registers a new client',
      },
    ]);
    diagnostics = recordingDiagnostics();
    const later = { ...olds, clientSecretExpiresAt: "2030-02-01T00:00:00.000Z" };
    await diffApiClient(later, news, { diagnostics, now });
    expect(diagnostics.messages).toEqual([]);
    const expired = { ...olds, clientSecretExpiresAt: "2029-12-31T00:00:00.000Z" };
    expect((await diffApiClient(expired, news, { now })).replaces).toEqual(["clientSecret"]);
  });

  it("replaces an incomplete registration", async () => {
    expect((await diffApiClient({ ...olds, registrationIncomplete: true }, news)).replaces).toEqual([
      "registrationIncomplete",
    ]);
  });

  it("tolerates unknown values during preview", async () => {
    expect((await diffApiClient(olds, { ...news, issuer: UNKNOWN })).replaces).toEqual(["issuer"]);
    expect(await diffApiClient(olds, { ...news, clientName: UNKNOWN })).toMatchObject({ changes: true, replaces: [] });
  });
});

describe("against oidc-provider, open registration", () => {
  let outs: Record<string, unknown>;
  let id: string;

  it("create discovers the registration endpoint and registers a usable client", async () => {
    const provider = handler("ApiClient", 1);
    const r = await provider.create(inputs({ issuer: open.issuer }));
    id = r.id;
    outs = r.outs;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(outs).toMatchObject({
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      registrationAccessToken: expect.any(String),
      registrationClientUri: `${open.issuer}/reg/${outs.clientId}`,
      tokenEndpoint: open.tokenEndpoint,
      issuer: open.issuer,
      clientIdIssuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      metadata: expect.objectContaining({
        client_name: "reporting",
        token_endpoint_auth_method: "client_secret_basic",
      }),
    });
    expect(outs.clientSecretExpiresAt).toBeUndefined();
    expect(id).not.toContain(outs.clientId as string);
    expect(JSON.stringify(outs.metadata)).not.toContain(outs.clientSecret as string);
    expect(await tokenStatus(open, outs)).toBe(200);
  });

  it("read returns the client unchanged", async () => {
    const r = await readApiClient(id, { ...outs, __provider: SHIM }, deps());
    expect(r).toEqual({ id, props: outs });
  });

  it("update PUTs the metadata and keeps the rotated registration access token", async () => {
    const news = inputs({ issuer: open.issuer, clientName: "reporting v2" });
    const r = await updateApiClient(id, { ...outs, __provider: SHIM }, news, deps());
    const next = r.outs as Record<string, unknown>;
    expect(next.clientId).toBe(outs.clientId);
    expect(next.clientSecret).toBe(outs.clientSecret);
    expect(next.registrationAccessToken).not.toBe(outs.registrationAccessToken);
    expect((next.metadata as Record<string, unknown>).client_name).toBe("reporting v2");
    const old = await fetch(outs.registrationClientUri as string, {
      headers: { authorization: `Bearer ${outs.registrationAccessToken}` },
    });
    expect(old.status).toBe(401);
    outs = next;
  });

  it("a cosmetic change makes no request", async () => {
    const before = open.requests.length;
    const news = inputs({ issuer: open.issuer, clientName: "reporting v2", initialAccessToken: "unused" });
    const r = await updateApiClient(id, outs, news, deps());
    expect(open.requests.length).toBe(before);
    expect((r.outs as Record<string, unknown>).initialAccessToken).toBe("unused");
  });

  it("refresh shows metadata changed at the server as drift, and up puts it back", async () => {
    const put = await fetch(outs.registrationClientUri as string, {
      method: "PUT",
      headers: { authorization: `Bearer ${outs.registrationAccessToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        client_id: outs.clientId,
        client_name: "renamed by hand",
        grant_types: ["client_credentials"],
        response_types: [],
        scope: "api:read",
      }),
    });
    const rotated = ((await put.json()) as { registration_access_token: string }).registration_access_token;
    outs = { ...outs, registrationAccessToken: rotated };
    const read = await readApiClient(id, outs, deps());
    const refreshed = read.props as Record<string, unknown>;
    expect(refreshed.clientName).toBe("renamed by hand");
    const news = inputs({ issuer: open.issuer, clientName: "reporting v2" });
    expect(await diffApiClient(refreshed, news)).toMatchObject({ changes: true, replaces: [] });
    const r = await updateApiClient(id, refreshed, news, deps());
    outs = r.outs as Record<string, unknown>;
    expect((outs.metadata as Record<string, unknown>).client_name).toBe("reporting v2");
  });

  it("list order and server-added fields are not drift", async () => {
    const r = await readApiClient(id, { ...outs, scopes: ["api:read"], grantTypes: ["client_credentials"] }, deps());
    expect(
      await diffApiClient(
        r.props as Record<string, unknown>,
        inputs({ issuer: open.issuer, clientName: "reporting v2" }),
      ),
    ).toMatchObject({
      changes: false,
    });
  });

  it("delete deletes the client; read then reports it gone; a second delete is harmless", async () => {
    await deleteApiClient(outs, deps());
    expect(await tokenStatus(open, outs)).toBe(401);
    expect(await readApiClient(id, outs, deps())).toEqual({ id: "", props: {} });
    const d = deps();
    await deleteApiClient(outs, d);
    expect(d.diagnostics.messages[0]?.message).toMatch(/was already gone at the server \(HTTP 401/);
  });
});

describe("against oidc-provider, registration with an initial access token", () => {
  it("says an initial access token is needed when none is given", async () => {
    const error = await caught(createApiClient(inputs({ issuer: guarded.issuer }), deps()));
    expect(isAccessTokenError(error)).toBe(true);
    expect(error.message).toBe(
      `OAuth 2.0 client registration at ${guarded.registrationEndpoint} failed: HTTP 401, OAuth error "invalid_token" (no access token provided): the server requires an initial access token: set initialAccessToken`,
    );
    expect(error.id).toBeUndefined();
  });

  it("says the initial access token was refused, without printing it", async () => {
    const wrong = `wrong-${randomUUID()}`;
    const error = await caught(createApiClient(inputs({ issuer: guarded.issuer, initialAccessToken: wrong }), deps()));
    expect(error.message).toMatch(/refused the initial access token \(initialAccessToken\)/);
    expect(error.message).not.toContain(wrong);
    expect(error.stack).not.toContain(wrong);
  });

  it("registers with it, at a given registration endpoint (no discovery)", async () => {
    const before = guarded.requests.filter((r) => r.path.includes("well-known")).length;
    const r = await createApiClient(
      inputs({ registrationEndpoint: guarded.registrationEndpoint, initialAccessToken: IAT }),
      deps(),
    );
    expect(guarded.requests.filter((x) => x.path.includes("well-known")).length).toBe(before);
    expect(r.outs.tokenEndpoint).toBeUndefined();
    expect(r.outs.initialAccessToken).toBe(IAT);
    expect(await tokenStatus(guarded, r.outs)).toBe(200);
    await deleteApiClient(r.outs, deps());
    expect(await tokenStatus(guarded, r.outs)).toBe(401);
  });

  it("reports a given token endpoint as the tokenEndpoint output", async () => {
    const r = await createApiClient(
      inputs({
        registrationEndpoint: guarded.registrationEndpoint,
        tokenEndpoint: guarded.tokenEndpoint,
        initialAccessToken: IAT,
      }),
      deps(),
    );
    expect(r.outs.tokenEndpoint).toBe(guarded.tokenEndpoint);
    await deleteApiClient(r.outs, deps());
  });

  it("names the refused metadata (RFC 7591 invalid_client_metadata)", async () => {
    const error = await caught(
      createApiClient(
        inputs({ issuer: guarded.issuer, initialAccessToken: IAT, grantTypes: ["urn:example:unknown-grant"] }),
        deps(),
      ),
    );
    expect((error as { oauthError?: string }).oauthError).toBe("invalid_client_metadata");
    expect(error.message).toMatch(
      /HTTP 400, OAuth error "invalid_client_metadata" \(.*grant_types.*\): the server refused a metadata value/,
    );
  });
});

describe("against a server without registration", () => {
  it("says plainly that discovery offers no registration endpoint", async () => {
    const error = await caught(createApiClient(inputs({ issuer: plain.issuer }), deps()));
    expect(error.message).toBe(
      `OAuth 2.0 discovery for ${plain.issuer}: the server offers no registration_endpoint (dynamic client registration, RFC 7591, is not enabled there); set registrationEndpoint if it has one elsewhere`,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Scripted answers: what a compliant server may do that oidc-provider does not.

const REG = "https://as.example/reg";
const SECRET = `scripted-secret-${randomUUID()}`;
const RAT = `scripted-rat-${randomUUID()}`;

function scripted(answers: Record<string, (req: HttpRequest) => HttpResponse>) {
  const sent: HttpRequest[] = [];
  const transport: Transport = async (req) => {
    sent.push(req);
    const answer = answers[`${req.method} ${req.url}`];
    if (!answer) throw new Error(`unexpected ${req.method} ${req.url}`);
    return answer(req);
  };
  return { sent, transport, diagnostics: recordingDiagnostics() };
}

const reply = (status: number, body?: unknown): HttpResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: body === undefined ? "" : JSON.stringify(body),
});

const client = {
  client_id: "c1",
  client_secret: SECRET,
  client_secret_expires_at: 0,
  registration_access_token: RAT,
  registration_client_uri: `${REG}/c1`,
  grant_types: ["client_credentials"],
  token_endpoint_auth_method: "client_secret_basic",
};

describe("scripted answers", () => {
  it("a client registered with a substituted grant is recorded (id, properties, shim), then deleted", async () => {
    const s = scripted({
      [`POST ${REG}`]: () => reply(201, { ...client, grant_types: ["authorization_code"] }),
      [`DELETE ${REG}/c1`]: () => reply(204),
    });
    const error = await caught(createApiClient(inputs({ registrationEndpoint: REG }), s));
    expect(error.message).toBe(
      `OAuth 2.0 client registration at ${REG} registered client "c1", but the server did not register the requested grant type(s) client_credentials`,
    );
    expect(error.id).toMatch(/^[0-9a-f-]{36}$/);
    const properties = error.properties as Record<string, unknown>;
    expect(properties).toMatchObject({
      clientId: "c1",
      clientSecret: SECRET,
      registrationAccessToken: RAT,
      registrationClientUri: `${REG}/c1`,
      registrationIncomplete: true,
      __provider: SHIM,
    });
    expect(error.reasons).toEqual([error.message]);
    await deleteApiClient(properties, s);
    expect(s.sent.at(-1)).toMatchObject({ method: "DELETE", headers: { authorization: `Bearer ${RAT}` } });
  });

  it("a malformed success answer still records the client it names", async () => {
    const s = scripted({ [`POST ${REG}`]: () => reply(201, { ...client, client_secret_expires_at: "never" }) });
    const error = await caught(createApiClient(inputs({ registrationEndpoint: REG }), s));
    expect(error.message).toMatch(/"client_secret_expires_at" must be a number/);
    expect(error.message).not.toContain(SECRET);
    expect(error.properties).toMatchObject({ clientId: "c1", registrationAccessToken: RAT });
  });

  it("a substituted authentication method, or a missing secret, is refused the same way", async () => {
    let s = scripted({
      [`POST ${REG}`]: () => reply(201, { ...client, token_endpoint_auth_method: "private_key_jwt" }),
    });
    let error = await caught(
      createApiClient(inputs({ registrationEndpoint: REG, tokenEndpointAuthMethod: "client_secret_post" }), s),
    );
    expect(error.message).toMatch(
      /registered token_endpoint_auth_method "private_key_jwt" instead of the requested "client_secret_post"/,
    );
    s = scripted({ [`POST ${REG}`]: () => reply(201, { ...client, client_secret: undefined }) });
    error = await caught(createApiClient(inputs({ registrationEndpoint: REG }), s));
    expect(error.message).toMatch(/issued no client_secret for a client that authenticates with client_secret_basic/);
  });

  it("an error body echoing a secret is redacted", async () => {
    const s = scripted({
      [`POST ${REG}`]: (req) =>
        reply(400, { error: "invalid_client_metadata", error_description: `bad token ${req.headers?.authorization}` }),
    });
    const error = await caught(createApiClient(inputs({ registrationEndpoint: REG, initialAccessToken: IAT }), s));
    expect(error.message).toContain("bad token Bearer [secret]");
    expect(error.message).not.toContain(IAT);
  });

  it("reports when the secret expires, as RFC 3339", async () => {
    const s = scripted({ [`POST ${REG}`]: () => reply(201, { ...client, client_secret_expires_at: 1_900_000_000 }) });
    const r = await createApiClient(inputs({ registrationEndpoint: REG }), s);
    expect(r.outs.clientSecretExpiresAt).toBe("2030-03-17T17:46:40.000Z");
  });

  it("without management: read cannot tell, delete says plainly the client stays", async () => {
    const { registration_access_token: _t, registration_client_uri: _u, ...unmanaged } = client;
    const s = scripted({ [`POST ${REG}`]: () => reply(201, unmanaged) });
    const r = await createApiClient(inputs({ registrationEndpoint: REG }), s);
    expect(await readApiClient(r.id, r.outs, s)).toEqual({ id: r.id, props: r.outs });
    await deleteApiClient(r.outs, s);
    expect(s.sent).toHaveLength(1);
    expect(s.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message:
          'OAuth 2.0 API client "reporting": not deleted: the server offered no client management (RFC 7592: no registration_client_uri and registration_access_token) when it registered this client, so it cannot be deleted by API: client "c1" stays registered; remove it with the server\'s own tools',
      },
    ]);
  });

  it("a server that refuses deletion (405) is reported, and the resource leaves state", async () => {
    const s = scripted({ [`POST ${REG}`]: () => reply(201, client), [`DELETE ${REG}/c1`]: () => reply(405) });
    const r = await createApiClient(inputs({ registrationEndpoint: REG }), s);
    await deleteApiClient(r.outs, s);
    expect(s.diagnostics.messages[0]?.message).toMatch(
      /does not support deleting clients \(HTTP 405.*stays registered/,
    );
  });

  it("an update whose answer goes wrong after the token was rotated keeps the new token", async () => {
    const s = scripted({
      [`POST ${REG}`]: () => reply(201, client),
      [`PUT ${REG}/c1`]: () =>
        reply(200, { ...client, registration_access_token: "rotated-rat-0123456789", client_secret_expires_at: "x" }),
    });
    const r = await createApiClient(inputs({ registrationEndpoint: REG }), s);
    const error = await caught(
      updateApiClient(
        r.id,
        { ...r.outs, __provider: SHIM },
        inputs({ registrationEndpoint: REG, clientName: "v2" }),
        s,
      ),
    );
    expect(error.id).toBe(r.id);
    expect(error.properties).toMatchObject({ registrationAccessToken: "rotated-rat-0123456789", __provider: SHIM });
    expect(error.message).not.toContain("rotated-rat-0123456789");
  });

  it("a read that describes another client is refused", async () => {
    const s = scripted({
      [`POST ${REG}`]: () => reply(201, client),
      [`GET ${REG}/c1`]: () => reply(200, { ...client, client_id: "c2" }),
    });
    const r = await createApiClient(inputs({ registrationEndpoint: REG }), s);
    const error = await caught(readApiClient(r.id, r.outs, s));
    expect(error.message).toMatch(/describes client "c2", not "c1"/);
  });
});
