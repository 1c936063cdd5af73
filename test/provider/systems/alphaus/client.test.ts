/**
 * The Alphaus API client system: the Blue API judging functions on plain responses, and the
 * ApiClient lifecycle called directly against the local Alphaus server (owner's bearer from
 * the `accessToken` input, the `owner*` inputs or the ALPHAUS_* environment; refresh by
 * listing; delete with the "tokens stay valid" warning).
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recordingDiagnostics } from "../../../../provider/diagnostics";
import { isAccessTokenError } from "../../../../provider/errors";
import { type HttpResponse, createTransport } from "../../../../provider/http/transport";
import {
  processBlueCreateClientResponse,
  processBlueDeleteClientResponse,
  processBlueListClientsResponse,
} from "../../../../provider/systems/alphaus/token";
import {
  checkApiClient,
  createApiClient,
  deleteApiClient,
  diffApiClient,
  readApiClient,
  updateApiClient,
} from "../../../kit/lifecycles";
import { shimText } from "../../../../sdk/shim";
import { type AlphausServer, startAlphausServer } from "../../../servers/alphaus-server";
import { caught, nonEmpty } from "../../../kit/helpers";

const SHIM = shimText("ApiClient");
const owner = { clientId: "unit-owner", clientSecret: `owner-secret-${randomUUID()}`, name: "owner" };
const ctx = {
  system: "Alphaus",
  operation: "API client list",
  endpoint: "https://api.example/m/blue/iam/v1/apiclients",
};

let server: AlphausServer;
beforeAll(async () => {
  server = await startAlphausServer({ clients: [owner] });
});
afterAll(() => server?.close());

// The provider reads ALPHAUS_* from its environment: each test starts without any.
let savedEnv: Record<string, string | undefined>;
beforeEach(() => {
  savedEnv = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith("ALPHAUS_"))
      .map((k) => [k, process.env[k]]),
  );
  for (const k of Object.keys(savedEnv)) delete process.env[k];
});
afterEach(() => {
  for (const k of Object.keys(process.env).filter((k) => k.startsWith("ALPHAUS_"))) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

function res(status: number, body: string): HttpResponse {
  return { status, headers: { "content-type": "application/json" }, body };
}

/** Inputs as the SDK sends them. */
function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "alphaus",
    resourceName: "reports",
    name: "reports",
    apiUrl: server.blueApiBase,
    __provider: SHIM,
    ...extra,
  };
}

const ownerInputs = () => ({
  ownerClientId: owner.clientId,
  ownerClientSecret: owner.clientSecret,
  ownerAuthUrl: server.rippleTokenEndpoint,
});

function deps(now?: () => Date) {
  return { transport: createTransport(), diagnostics: recordingDiagnostics(), ...(now ? { now } : {}) };
}

/** An owner access token, as an alphaus.AccessToken would hold it. */
async function ownerToken(): Promise<string> {
  const body = new FormData();
  for (const [k, v] of Object.entries({
    grant_type: "client_credentials",
    client_id: owner.clientId,
    client_secret: owner.clientSecret,
    scope: "openid",
  })) {
    body.append(k, v);
  }
  const answer = (await (await fetch(server.rippleTokenEndpoint, { method: "POST", body })).json()) as {
    access_token: string;
  };
  return answer.access_token;
}

const tokenRequests = () =>
  server.requests.filter((r) => r.path.endsWith("/access_token") && r.clientId === owner.clientId);
const blueRequests = () => server.requests.filter((r) => r.path.startsWith("/m/blue"));

describe("Blue API judging", () => {
  it("reads a list stream line by line: CRLF, blank lines, an empty body", () => {
    const a = {
      clientId: "a",
      name: "A",
      grantType: "client_credentials",
      parent: "u",
      createTime: "2030-01-01T00:00:00Z",
    };
    const body = `${JSON.stringify({ result: a })}\r\n\n${JSON.stringify({ result: { clientId: "b" } })}\n`;
    expect(processBlueListClientsResponse(res(200, body), ctx)).toEqual({ clients: [a, { clientId: "b" }] });
    expect(processBlueListClientsResponse(res(200, ""), ctx)).toEqual({ clients: [] });
  });

  it("an in-band error under HTTP 200 is a failure naming the gRPC status, with what came before it", () => {
    const body = `${JSON.stringify({ result: { clientId: "a" } })}\n${JSON.stringify({ error: { code: 14, message: "backend unavailable", details: [] } })}\n`;
    const list = processBlueListClientsResponse(res(200, body), ctx);
    expect(list.clients).toEqual([{ clientId: "a" }]);
    expect(list.failure?.message).toBe(
      `Alphaus API client list at ${ctx.endpoint} failed: the list stream broke off after 1 client(s) with an in-band error (under HTTP 200): gRPC UNAVAILABLE (14): "backend unavailable"`,
    );
    expect(list.failure).toMatchObject({ code: "HTTP_STATUS", status: 200, oauthError: "UNAVAILABLE" });
  });

  it("refuses malformed lines, naming the line", () => {
    expect(() =>
      processBlueListClientsResponse(res(200, `${JSON.stringify({ result: { clientId: "a" } })}\n{"res`), ctx),
    ).toThrow(/line 2 of the stream is not a JSON object/);
    expect(() => processBlueListClientsResponse(res(200, '{"result":{"name":"x"}}'), ctx)).toThrow(
      /line 1 of the stream is invalid: "result.clientId"/,
    );
    expect(() => processBlueListClientsResponse(res(200, '{"other":1}'), ctx)).toThrow(
      /has neither "result" nor "error"/,
    );
  });

  it("an error status names HTTP status, gRPC code and message; 429 adds the documented limit", () => {
    const e = (() => {
      try {
        processBlueListClientsResponse(res(403, '{"code":7,"message":"permission denied","details":[]}'), ctx);
      } catch (error) {
        return error as Error & Record<string, unknown>;
      }
    })();
    expect(e?.message).toBe(
      `Alphaus API client list at ${ctx.endpoint} failed: HTTP 403, gRPC PERMISSION_DENIED (7): "permission denied"`,
    );
    expect(e).toMatchObject({ status: 403, oauthError: "PERMISSION_DENIED" });
    expect(() => processBlueDeleteClientResponse({ ...res(429, "busy"), attempts: 3 }, ctx)).toThrow(
      /HTTP 429, no google.rpc.Status body; rate limited after 3 attempts \(Alphaus allows 100 requests per second per user/,
    );
  });

  it("a create answer must carry the secret; delete reads 404 as already gone", () => {
    expect(() => processBlueCreateClientResponse(res(200, '{"clientId":"a","name":"x"}'), ctx)).toThrow(
      /"clientSecret" must be a string/,
    );
    expect(processBlueDeleteClientResponse(res(404, '{"code":5,"message":"API client not found"}'), ctx)).toBe("gone");
    expect(processBlueDeleteClientResponse(res(200, "{}"), ctx)).toBe("deleted");
  });
});

describe("check and diff (no network)", () => {
  it("names each bad input", () => {
    const before = server.requests.length;
    const r = checkApiClient({
      system: "alphaus",
      environment: "staging",
      apiUrl: "http://api.example/m/blue",
      ownerAuthUrl: "x",
      accessToken: "",
    });
    const by = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(by).toEqual({
      name: "is required (the API client's name)",
      environment: 'must be "production" or "beta"',
      apiUrl: "must use https for a non-loopback host",
      ownerAuthUrl: "must be an absolute URL",
      accessToken: "must not be empty",
    });
    expect(checkApiClient(inputs({ name: "  " })).failures).toEqual([
      { property: "name", reason: "must not be blank" },
    ]);
    expect(checkApiClient(inputs({ registrationEndpoint: "https://x" })).failures?.[0]?.reason).toBe(
      "unknown input(s): registrationEndpoint",
    );
    expect(checkApiClient(inputs()).failures).toBeUndefined();
    expect(server.requests.length).toBe(before);
  });

  it("name, environment or apiUrl replace; the owner's bearer and credentials are cosmetic", async () => {
    const olds = { ...inputs({ accessToken: "t1", ...ownerInputs() }), clientId: "c", clientSecret: "s" };
    const news = inputs({ accessToken: "t1", ...ownerInputs() });
    expect(await diffApiClient(olds, news)).toMatchObject({ changes: false, replaces: [] });
    for (const change of [
      { accessToken: "t2" },
      { ownerClientSecret: "other" },
      { ownerAuthUrl: server.waveTokenEndpoint },
    ]) {
      expect(await diffApiClient(olds, { ...news, ...change })).toMatchObject({ changes: true, replaces: [] });
    }
    expect((await diffApiClient(olds, { ...news, name: "v2" })).replaces).toEqual(["name"]);
    expect((await diffApiClient(olds, { ...news, environment: "beta" })).replaces).toEqual(["environment"]);
    expect((await diffApiClient(olds, { ...news, apiUrl: `${server.origin}/other` })).replaces).toEqual(["apiUrl"]);
  });
});

describe("the lifecycle against the Alphaus server", () => {
  it("accessToken: create keeps the secret; refresh finds the client by listing; a cosmetic update calls nothing; delete warns", async () => {
    const token = await ownerToken();
    const d = deps();
    const created = await createApiClient(inputs({ accessToken: token }), d);
    const outs = created.outs as Record<string, unknown>;
    const atServer = server.clients.get(outs.clientId as string);
    expect(atServer).toMatchObject({ name: "reports", owner: owner.clientId });
    expect(outs).toMatchObject({
      clientSecret: atServer?.clientSecret,
      grantType: "client_credentials",
      parent: owner.clientId,
      createTime: atServer?.createTime,
      clientIdIssuedAt: new Date(atServer?.createTime as string).toISOString(),
      blueApiUrl: server.blueApiBase,
    });

    // The list never repeats the secret: the stored one is kept.
    const read = await readApiClient(created.id, { ...outs, __provider: SHIM }, d);
    expect(read.id).toBe(created.id);
    expect(read.props).toMatchObject({ clientId: outs.clientId, clientSecret: outs.clientSecret });

    const before = server.requests.length;
    const updated = await updateApiClient(created.id, outs, { ...inputs({ accessToken: "renewed" }) }, d);
    expect(server.requests.length).toBe(before);
    expect(updated.outs).toMatchObject({ accessToken: "renewed", clientId: outs.clientId });

    await deleteApiClient({ ...outs, __provider: SHIM }, d);
    expect(server.clients.get(outs.clientId as string)).toBeUndefined();
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: `Alphaus API client "reports": client "${String(outs.clientId)}" deleted; Alphaus has no token revocation API: tokens already issued to this client probably stay valid until they expire (24 h after issue); deleting the client is the only lever`,
      },
    ]);

    // Deleted at the server before: refresh drops it; delete calls it already gone.
    const gone = await readApiClient(created.id, { ...outs, __provider: SHIM }, d);
    expect(gone.id).toBe("");
    await deleteApiClient({ ...outs, __provider: SHIM }, d);
    expect(d.diagnostics.messages.slice(1).map((m) => m.message)).toEqual([
      `Alphaus API client "reports": client "${String(outs.clientId)}" no longer exists at the server; the next pulumi up registers a new one`,
      `Alphaus API client "reports": client "${String(outs.clientId)}" was already gone at the server (HTTP 404 from ${server.blueApiBase}/iam/v1/apiclients/${String(outs.clientId)})`,
      expect.stringMatching(/client "[0-9a-f]+" is gone; Alphaus has no token revocation API/),
    ]);
  });

  it("owner inputs: the provider issues the owner's bearer once and reuses it", async () => {
    const tokensBefore = tokenRequests().length;
    const a = (await createApiClient(inputs(ownerInputs()), deps())).outs as Record<string, unknown>;
    const b = (await createApiClient(inputs({ ...ownerInputs(), name: "second" }), deps())).outs as Record<
      string,
      unknown
    >;
    expect(tokenRequests().length).toBe(tokensBefore + 1);
    expect(server.clients.get(a.clientId as string)?.name).toBe("reports");
    expect(server.clients.get(b.clientId as string)?.name).toBe("second");
    for (const o of [a, b]) await deleteApiClient({ ...o, __provider: SHIM }, deps());
  });

  it("the ALPHAUS_* environment: nothing of it is written to state", async () => {
    process.env.ALPHAUS_CLIENT_ID = owner.clientId;
    process.env.ALPHAUS_CLIENT_SECRET = owner.clientSecret;
    process.env.ALPHAUS_AUTH_URL = server.rippleTokenEndpoint;
    const outs = (await createApiClient(inputs(), deps())).outs as Record<string, unknown>;
    expect(server.clients.get(outs.clientId as string)).toBeDefined();
    expect(JSON.stringify(outs)).not.toContain(owner.clientSecret);
    expect(Object.keys(outs).filter((k) => /^owner|accessToken/.test(k))).toEqual([]);
    await deleteApiClient({ ...outs, __provider: SHIM }, deps());
  });

  it("a refused accessToken names the input and what to do, and never the token", async () => {
    const token = `${await ownerToken()}x`;
    const e = await caught(createApiClient(inputs({ accessToken: token }), deps()));
    expect(e.message).toBe(
      `Alphaus API client create at ${server.blueApiBase}/iam/v1/apiclients failed: HTTP 401, gRPC UNAUTHENTICATED (16): "invalid or expired access token": the Blue API refused the accessToken input; it may have expired (Alphaus access tokens live 24 h) or belong to another environment: pulumi up renews the alphaus.AccessToken that feeds it; or leave accessToken unset so the provider issues the owner's token itself from the ALPHAUS_* environment variables`,
    );
    expect(isAccessTokenError(e) && e.status).toBe(401);

    // On refresh, the same refusal keeps the state with a warning.
    const created = (await createApiClient(inputs({ accessToken: await ownerToken() }), deps())).outs as Record<
      string,
      unknown
    >;
    const d = deps();
    const kept = await readApiClient("id", { ...created, accessToken: token, __provider: SHIM }, d);
    expect(kept.props?.clientId).toBe(created.clientId);
    expect(d.diagnostics.messages[0]?.message).toMatch(
      /^Alphaus API client "reports" was not checked: .*HTTP 401.*the Blue API refused the accessToken input; .*pulumi up renews/,
    );
    await deleteApiClient({ ...created, __provider: SHIM }, deps());
  });

  it("refused owner credentials name the inputs and the token endpoint, and never the secret", async () => {
    const wrong = `wrong-${randomUUID()}`;
    const e = await caught(createApiClient(inputs({ ...ownerInputs(), ownerClientSecret: wrong }), deps()));
    expect(e.message).toContain(
      `Alphaus Blue API: the owner's bearer token could not be issued from the owner credentials of the ownerClientId / ownerClientSecret inputs (client_credentials grant at ${server.rippleTokenEndpoint}): Alphaus token request (client_credentials) at ${server.rippleTokenEndpoint} failed: HTTP 401, OAuth error "invalid_client"`,
    );
    expect(e.message + String(e.stack)).not.toContain(wrong);
  });

  it("no owner credential at all: a clear error, no request", async () => {
    const before = server.requests.length;
    const e = await caught(createApiClient(inputs(), deps()));
    expect(e.message).toBe(
      "Alphaus Blue API: no owner credential: set the accessToken input (e.g. an alphaus.AccessToken's accessToken), or give the owner's API client credentials (no client id: set the ownerClientId input, or one of ALPHAUS_CLIENT_ID, ALPHAUS_RIPPLE_CLIENT_ID, ALPHAUS_WAVE_CLIENT_ID in the environment of the pulumi process)",
    );
    expect(server.requests.length).toBe(before);
  });

  it("an expired accessToken: the owner credentials take over (with a notice), else an error says what to do", async () => {
    const token = await ownerToken();
    const created = (await createApiClient(inputs({ accessToken: token }), deps())).outs as Record<string, unknown>;
    const later = () => new Date(Date.now() + 2 * 86_400_000);
    // Refresh: not checked, state kept (the next pulumi up renews the token that feeds it).
    const stale = deps(later);
    const kept = await readApiClient("id", { ...created, __provider: SHIM }, stale);
    expect(kept.id).toBe("id");
    expect(kept.props?.clientId).toBe(created.clientId);
    expect(stale.diagnostics.messages).toEqual([
      expect.objectContaining({
        severity: "warning",
        message: expect.stringMatching(
          /^Alphaus API client "reports" was not checked: Alphaus Blue API: the accessToken input expired at \S+, and no owner credentials are there to issue a new one: run pulumi up so the alphaus.AccessToken that feeds it renews it, or give the owner's API client credentials \(no client id/,
        ),
      }),
    ]);
    // Delete cannot do without: the same words, as an error.
    const e = await caught(deleteApiClient({ ...created, __provider: SHIM }, deps(later)));
    expect(e.message).toMatch(/^Alphaus Blue API: the accessToken input expired at \S+, and no owner credentials/);
    expect(server.clients.get(created.clientId as string)).toBeDefined();

    const d = deps(later);
    await deleteApiClient({ ...created, ...ownerInputs(), __provider: SHIM }, d);
    expect(server.clients.get(created.clientId as string)).toBeUndefined();
    expect(d.diagnostics.messages[0]?.message).toMatch(
      /^Alphaus Blue API: the accessToken input expired at \S+; using a token issued from the owner credentials of the ownerClientId \/ ownerClientSecret inputs/,
    );
  });

  it("a list that breaks off: an error if the client was not received yet, the record if it was", async () => {
    const d = deps();
    const a = (await createApiClient(inputs(ownerInputs()), d)).outs as Record<string, unknown>;
    const b = (await createApiClient(inputs({ ...ownerInputs(), name: "b" }), d)).outs as Record<string, unknown>;
    server.failListAfter = 1;
    try {
      const found = await readApiClient("id-a", { ...a, __provider: SHIM }, d);
      expect(found.props).toMatchObject({ clientId: a.clientId });
      const e = await caught(readApiClient("id-b", { ...b, __provider: SHIM }, d));
      expect(e.message).toBe(
        `Alphaus API client list at ${server.blueApiBase}/iam/v1/apiclients failed: the list stream broke off after 1 client(s) with an in-band error (under HTTP 200): gRPC INTERNAL (13): "internal error while listing API clients"; client "${String(b.clientId)}" was not among the clients received, so whether it still exists is unknown (state unchanged)`,
      );
    } finally {
      server.failListAfter = undefined;
    }
    for (const o of [a, b]) await deleteApiClient({ ...o, __provider: SHIM }, d);
    expect(nonEmpty(blueRequests(), "API requests").every((r) => r.status !== undefined)).toBe(true);
  });
});
