/**
 * ABBYY Vantage API clients (create-only), through the ApiClient lifecycle against the local
 * Vantage server: check names every bad input without a network call; diff replaces on every
 * client field and warns the old client stays; create sends the documented body and keeps
 * the one-time secret; refresh cannot check and says so; delete leaves the client with a
 * warning; admin API refusals (ProblemDetails) say what to do; an answer that goes wrong
 * after Vantage created the client still records it; a created client issues tokens; no
 * secret in any message.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vantageClientSystem } from "../../../../provider/systems/vantage/client";
import { ConfigSlot } from "../../../../provider/config";
import { recordingDiagnostics } from "../../../../provider/diagnostics";
import { ErrorCode } from "../../../../provider/errors";
import { type HttpResponse, type Transport, createTransport } from "../../../../provider/http/transport";
import { processCreateClientResponse, vantageAdminClientsUrl } from "../../../../provider/systems/vantage/token";
import {
  createAccessToken,
  checkApiClient,
  createApiClient,
  deleteApiClient,
  diffApiClient,
  readApiClient,
  updateApiClient,
} from "../../../kit/lifecycles";
import { shimText } from "../../../../sdk/shim";
import { DEFAULT_VANTAGE_TENANT, type VantageServer, startVantageServer } from "../../../servers/vantage-server";
import { failure as failureWithout, json } from "../../../kit/helpers";

const SHIM = shimText("ApiClient");
const OTHER_TENANT = "0a7e5c1d-2b3f-4a6e-8d9c-1f2e3d4c5b6a";
const adminClient = { clientId: "unit-admin", clientSecret: `vantage-admin-secret-${randomUUID()}` };
const plainClient = { clientId: "unit-plain", clientSecret: `vantage-plain-secret-${randomUUID()}`, admin: false };

let server: VantageServer;
let adminToken: string;
let plainToken: string;

async function clientCredentials(c: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(server.tenant.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
    }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  server = await startVantageServer({
    tenants: [DEFAULT_VANTAGE_TENANT, OTHER_TENANT],
    clients: [adminClient, plainClient],
  });
  adminToken = await clientCredentials(adminClient);
  plainToken = await clientCredentials(plainClient);
});
afterAll(() => server?.close());

/** Inputs as the SDK sends them. */
function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "vantage",
    resourceName: "reporting",
    baseUrl: server.origin,
    tenantId: server.tenantId,
    accessToken: adminToken,
    allowedGrantTypes: ["client_credentials"],
    __provider: SHIM,
    ...extra,
  };
}

function deps(transport: Transport = createTransport()) {
  return { transport, diagnostics: recordingDiagnostics() };
}

const adminPosts = () => server.requests.filter((r) => r.path.startsWith("/api/adminapi2/")).length;

/** Every secret a message must not carry. */
const secrets = () => [adminToken, plainToken, adminClient.clientSecret, ...server.issuedSecrets];

/** The AccessTokenError a call fails with, carrying no secret. */
const failure = (promise: Promise<unknown>) => failureWithout(promise, secrets());

/** A transport that answers every request with `answer` and records what was sent. */
function scripted(answer: HttpResponse) {
  const sent: { url: string; body?: string }[] = [];
  const transport: Transport = async (req) => {
    sent.push({ url: req.url, body: req.body });
    return answer;
  };
  return { transport, sent };
}

describe("check", () => {
  it("accepts valid inputs, with no network call", () => {
    const before = server.requests.length;
    expect(checkApiClient(inputs()).failures).toBeUndefined();
    expect(checkApiClient(inputs({ baseUrl: undefined, region: "us", apiVersion: "v1" })).failures).toBeUndefined();
    expect(server.requests.length).toBe(before);
  });

  it("names the property and the reason for each bad input", () => {
    const r = checkApiClient({
      system: "vantage",
      region: "eu",
      baseUrl: "https://vantage-eu.abbyy.com",
      tenantId: "not a guid",
      apiVersion: "v3",
      accessToken: "",
      requestedClientId: "",
      allowedScopes: ["has space"],
      redirectUris: ["/relative", "https://app.example/cb#frag"],
      allowedCorsOrigins: ["https://app.example/", "https://ok.example"],
      extraFields: { clientSecret: "mine" },
      colour: "blue",
    });
    const by = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(by.baseUrl).toBe('set exactly one of region ("eu", "us", "au") or baseUrl');
    expect(by.tenantId).toMatch(/must be a tenant id/);
    expect(by.apiVersion).toBe('must be "v2" or "v1"');
    expect(by.accessToken).toBe("must not be empty");
    expect(by.clientId).toBe("must not be empty");
    expect(by["allowedScopes.0"]).toMatch(/single scope name/);
    expect(by["redirectUris.0"]).toBe("must be an absolute URI");
    expect(by["redirectUris.1"]).toBe("must not have a fragment");
    expect(by["allowedCorsOrigins.0"]).toMatch(/must be an origin/);
    expect(by["allowedCorsOrigins.1"]).toBeUndefined();
    expect(by.extraFields).toMatch(/must not set .*clientSecret/);
    expect(by["(inputs)"]).toBe("unknown input(s): colour");
  });

  it("requires the tenant and the administrator's token, and a host", () => {
    const r = checkApiClient({ system: "vantage", resourceName: "x" });
    const by = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(by.tenantId).toBe("is required");
    expect(by.accessToken).toMatch(/^is required: a tenant administrator's access token/);
    expect(by.region).toBe('set exactly one of region ("eu", "us", "au") or baseUrl');
  });

  it("refuses a public client with client_credentials, and authorization_code without redirect URIs", () => {
    const pub = checkApiClient(inputs({ requireClientSecret: false, allowedGrantTypes: undefined })).failures;
    expect(pub).toEqual([
      {
        property: "allowedGrantTypes",
        reason:
          "a public client (requireClientSecret false) cannot use the client_credentials grant (the default): set allowedGrantTypes",
      },
    ]);
    const code = checkApiClient(inputs({ allowedGrantTypes: ["authorization_code"] })).failures;
    expect(code).toEqual([
      { property: "redirectUris", reason: 'is required when allowedGrantTypes includes "authorization_code"' },
    ]);
  });
});

describe("create, refresh, delete", () => {
  let outs: Record<string, unknown>;
  let id: string;

  it("creates the client with the documented body, keeping its one-time secret", async () => {
    const before = adminPosts();
    const created = await createApiClient(inputs({ allowOfflineAccess: true }), deps());
    expect(adminPosts()).toBe(before + 1);
    id = created.id;
    outs = created.outs as Record<string, unknown>;
    const clientId = outs.clientId as string;
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.issuedSecrets.has(outs.clientSecret as string)).toBe(true);
    expect(outs.accessToken).toBe(adminToken);
    expect(outs.metadata).toEqual({
      clientName: "reporting",
      allowOfflineAccess: true,
      requireClientSecret: true,
      requireConsent: false,
      allowNoPkce: false,
      allowedGrantTypes: ["client_credentials"],
      allowedCorsOrigins: [],
      allowedScopes: ["openid", "permissions", "publicapi.all"],
      redirectUris: [],
      postLogoutRedirectUris: [],
      allowRopc: false,
    });
    expect(JSON.stringify(outs.metadata)).not.toContain(outs.clientSecret as string);
    expect(server.clients.get(clientId)).toMatchObject({ tenantId: server.tenantId, clientName: "reporting" });
  });

  it("the created client issues tokens through the Vantage token system", async () => {
    const config = new ConfigSlot();
    config.set({ get: () => undefined });
    const token = await createAccessToken(
      {
        system: "vantage",
        resourceName: "t",
        baseUrl: server.origin,
        tenantId: outs.tenantId,
        clientId: outs.clientId,
        clientSecret: outs.clientSecret,
      },
      { transport: createTransport(), config, diagnostics: recordingDiagnostics() },
    );
    expect(server.verify(token.outs?.accessToken as string)).toBe(true);
  });

  it("refresh cannot check the client: keeps it in state and says so", async () => {
    const d = deps();
    const before = server.requests.length;
    const read = await readApiClient(id, outs, d);
    expect(read).toEqual({ id, props: outs });
    expect(server.requests.length).toBe(before);
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "info",
        message: expect.stringContaining(
          `ABBYY Vantage API client "reporting": Vantage has no API to read or list API clients, so refresh cannot check client "${String(outs.clientId)}" in tenant ${server.tenantId}`,
        ),
      },
    ]);
  });

  it("a new administrator token changes nothing at Vantage", async () => {
    const diagnostics = recordingDiagnostics();
    const news = inputs({ allowOfflineAccess: true, accessToken: plainToken, apiVersion: "v1" });
    const diff = await diffApiClient(outs, news, { diagnostics });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(diagnostics.messages).toEqual([]);
    const before = server.requests.length;
    const updated = await updateApiClient(id, outs, news, deps());
    expect(server.requests.length).toBe(before);
    expect(updated.outs).toMatchObject({ clientId: outs.clientId, accessToken: plainToken, apiVersion: "v1" });
  });

  it("delete leaves the client at Vantage and warns where to delete it", async () => {
    const d = deps();
    const before = server.requests.length;
    await deleteApiClient(outs, d);
    expect(server.requests.length).toBe(before);
    expect(server.clients.get(outs.clientId as string)).toBeDefined();
    expect(d.diagnostics.messages).toHaveLength(1);
    const { severity, message } = d.diagnostics.messages[0] as { severity: string; message: string };
    expect(severity).toBe("warning");
    expect(message).toBe(
      `ABBYY Vantage API client "reporting": not deleted: ABBYY Vantage has no API to delete API clients: client "${String(outs.clientId)}" stays in tenant ${server.tenantId} at ${server.origin}, and its secret stays valid until you delete it in Vantage as a tenant administrator (the tenant's API clients, see ABBYY's "Managing Tenant Vantage API Clients"); tokens already issued to it work until they expire. It is no longer tracked in this stack`,
    );
  });
});

describe("diff", () => {
  const olds = () => ({
    ...inputs({ clientName: "reporting" }),
    clientId: "created-id",
    metadata: {},
  });

  it("replaces on every client field and on where the client lives, warning that the old one stays", async () => {
    const changes: Record<string, unknown> = {
      region: "eu",
      tenantId: OTHER_TENANT,
      requestedClientId: "mine",
      clientName: "other",
      allowOfflineAccess: true,
      requireClientSecret: false,
      requireConsent: true,
      allowNoPkce: true,
      allowedGrantTypes: ["authorization_code"],
      allowedCorsOrigins: ["https://app.example"],
      allowedScopes: ["openid"],
      redirectUris: ["https://app.example/cb"],
      postLogoutRedirectUris: ["https://app.example/bye"],
      allowRopc: true,
      extraFields: { accessTokenLifetime: 3600 },
    };
    for (const [key, value] of Object.entries(changes)) {
      const diagnostics = recordingDiagnostics();
      const diff = await diffApiClient(
        olds(),
        { ...inputs({ clientName: "reporting" }), [key]: value },
        { diagnostics },
      );
      expect(diff.replaces, key).toContain(key);
      expect(diagnostics.messages, key).toEqual([
        {
          severity: "warning",
          message: expect.stringMatching(
            /so a new client will be registered; ABBYY Vantage has no API to delete API clients, so the old client "created-id" is NOT deleted: it stays in tenant .* with a valid secret until you delete it in Vantage/,
          ),
        },
      ]);
    }
  });

  it("says a reused clientId would be refused while the old client exists", async () => {
    const diagnostics = recordingDiagnostics();
    await diffApiClient(
      { ...olds(), requestedClientId: "fixed" },
      inputs({ requestedClientId: "fixed", clientName: "renamed" }),
      { diagnostics },
    );
    expect(diagnostics.messages[0]?.message).toMatch(
      /The old client keeps clientId "fixed": give the new one another clientId \(or none\), .* or Vantage refuses the new one \(HTTP 409\)/,
    );
  });

  it("replaces a client whose creation did not complete", async () => {
    const diff = await diffApiClient({ ...olds(), registrationIncomplete: true }, inputs({ clientName: "reporting" }));
    expect(diff.replaces).toContain("registrationIncomplete");
  });
});

describe("admin API refusals", () => {
  it("401: names accessToken and says it probably expired", async () => {
    const e = await failure(createApiClient(inputs({ accessToken: `expired-${adminToken}` }), deps()));
    expect(e.code).toBe(ErrorCode.HTTP_STATUS);
    expect(e.status).toBe(401);
    expect(e.message).toContain(
      `ABBYY Vantage API client creation (admin API) at ${server.tenant.adminClientsUrl} failed: HTTP 401, "Unauthorized", A valid bearer token is required.: the bearer token in accessToken was refused: it has probably expired (Vantage access tokens live 24 h)`,
    );
    expect(e.message).toContain("pulumi up renews that token first");
  });

  it("403: the caller must be a tenant administrator", async () => {
    const e = await failure(createApiClient(inputs({ accessToken: plainToken }), deps()));
    expect(e.status).toBe(403);
    expect(e.message).toMatch(/may not manage API clients of tenant .*: the token must be a tenant administrator's/);
  });

  it("403 too for an administrator of another tenant", async () => {
    const e = await failure(createApiClient(inputs({ tenantId: OTHER_TENANT }), deps()));
    expect(e.status).toBe(403);
  });

  it("404: no such tenant", async () => {
    const e = await failure(createApiClient(inputs({ tenantId: "00000000-0000-0000-0000-000000000000" }), deps()));
    expect(e.status).toBe(404);
    expect(e.message).toMatch(/Tenant 00000000-0000-0000-0000-000000000000 not found\.: no tenant .* check tenantId/);
  });

  it("409: the clientId exists", async () => {
    const e = await failure(createApiClient(inputs({ requestedClientId: plainClient.clientId }), deps()));
    expect(e.status).toBe(409);
    expect(e.message).toContain(
      `a client with clientId "${plainClient.clientId}" already exists in tenant ${server.tenantId}: choose another clientId, or leave it unset`,
    );
  });

  it("400: lists the fields Vantage refused", () => {
    const url = vantageAdminClientsUrl({ baseUrl: "https://vantage-eu.abbyy.com" }, DEFAULT_VANTAGE_TENANT);
    expect(url).toBe(`https://vantage-eu.abbyy.com/api/adminapi2/v2/tenants/${DEFAULT_VANTAGE_TENANT}/clients/`);
    const rctx = { system: "ABBYY Vantage", operation: "API client creation (admin API)", endpoint: url };
    const res = json(400, {
      type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
      title: "One or more validation errors occurred.",
      status: 400,
      errors: { RedirectUris: ["Invalid URI."], ClientName: ["Too long.", "Bad."] },
    });
    expect(() => processCreateClientResponse(res, rctx, { tenantId: DEFAULT_VANTAGE_TENANT })).toThrow(
      `${url} failed: HTTP 400, "One or more validation errors occurred.", errors: RedirectUris: Invalid URI.; ClientName: Too long. Bad.: Vantage refused a field`,
    );
    const bare = { status: 502, headers: {}, body: "<html>bad gateway</html>" };
    expect(() => processCreateClientResponse(bare, rctx, { tenantId: DEFAULT_VANTAGE_TENANT })).toThrow(
      `${url} failed: HTTP 502, no ProblemDetails body`,
    );
  });

  it("v1 (older docs) creates the same way", async () => {
    const created = await createApiClient(inputs({ apiVersion: "v1" }), deps());
    expect(server.requests.at(-1)?.path).toBe(`/api/adminapi2/v1/tenants/${server.tenantId}/clients/`);
    expect(server.clients.get(created.outs?.clientId as string)).toBeDefined();
  });

  it("a requested clientId is created as asked", async () => {
    const created = await createApiClient(inputs({ requestedClientId: `asked-${randomUUID()}` }), deps());
    expect(created.outs?.clientId).toBe(created.outs?.requestedClientId);
  });

  it("a public client gets no secret", async () => {
    const created = await createApiClient(
      inputs({
        requireClientSecret: false,
        allowedGrantTypes: ["authorization_code"],
        redirectUris: ["https://a.example/cb"],
      }),
      deps(),
    );
    expect(created.outs?.clientSecret).toBeUndefined();
    expect((created.outs?.metadata as Record<string, unknown>).requireClientSecret).toBe(false);
  });
});

describe("an answer that goes wrong after Vantage created the client", () => {
  const secret = `scripted-secret-${randomUUID()}`;

  it("no secret for a confidential client: recorded as incomplete, nothing lost", async () => {
    const { transport } = scripted(json(201, { clientId: "made", clientSecret: null, clientName: "x" }));
    const e = await failure(createApiClient(inputs(), deps(transport)));
    expect(e.code).toBe(ErrorCode.INVALID_RESPONSE);
    expect(e.message).toContain('created client "made", but Vantage returned no clientSecret');
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.properties).toMatchObject({ clientId: "made", registrationIncomplete: true, __provider: SHIM });
  });

  it("another clientId than asked: recorded, secret kept and redacted", async () => {
    const { transport } = scripted(json(201, { clientId: "other", clientSecret: secret }));
    const e = await failure(createApiClient(inputs({ requestedClientId: "asked" }), deps(transport)));
    expect(e.message).toContain('it has clientId "other", not the requested "asked"');
    expect(e.properties).toMatchObject({ clientId: "other", clientSecret: secret, registrationIncomplete: true });
    expect(e.message).not.toContain(secret);
  });

  it("an unreadable success answer: the requested clientId is recorded", async () => {
    const { transport } = scripted({ status: 201, headers: {}, body: "created" });
    const e = await failure(createApiClient(inputs({ requestedClientId: "asked" }), deps(transport)));
    expect(e.properties).toMatchObject({ clientId: "asked", registrationIncomplete: true });
  });

  it("an unreadable success answer without a requested clientId says where to look", async () => {
    const { transport } = scripted({ status: 201, headers: {}, body: "created" });
    const e = await failure(createApiClient(inputs(), deps(transport)));
    expect(e.properties).toBeUndefined();
    expect(e.message).toMatch(
      /body is not JSON.*: Vantage answered success, so a client was probably created in tenant/,
    );
  });

  it("the admin token never reaches an error, even when the server echoes it", async () => {
    // Long enough that the message clips it: no part of the token may show.
    const detail = `${"x".repeat(250)} bad token ${adminToken}`;
    const { transport } = scripted(json(401, { title: "Unauthorized", status: 401, detail }));
    const e = await failure(createApiClient(inputs(), deps(transport)));
    expect(e.message).toContain(" bad token [secret]");
    expect(e.message).not.toContain(adminToken.slice(0, 20));
  });
});

describe("the system object", () => {
  it("cannot update, and tells why", async () => {
    expect(vantageClientSystem.canUpdate({})).toBe(false);
    expect(vantageClientSystem.updateInputs).toEqual([]);
    await expect(
      vantageClientSystem.update({} as never, {}, { ...deps(), now: () => new Date(), secrets: [] }),
    ).rejects.toThrow("ABBYY Vantage has no API to update an API client");
  });
});
