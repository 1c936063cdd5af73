/**
 * Nothing the server issued is lost, and no refresh-token grant is burned by the provider:
 * bounded durations at check, bounded server numbers in the response parsers, recorded
 * failures that carry what refresh and destroy need, renewals that keep what the server
 * returned, and the edge semantics the README states. Scripted answers (the error paths a
 * real server does not take on request), plus a loopback server for the transport.
 */
import { randomUUID } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Diagnostics, recordingDiagnostics } from "../../../provider/diagnostics";
import { ErrorCode, isAccessTokenError } from "../../../provider/errors";
import { type HttpRequest, type HttpResponse, type Transport, createTransport } from "../../../provider/http/transport";
import {
  checkInputs,
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  updateAccessToken,
  checkApiClient,
  createApiClient,
  deleteApiClient,
} from "../../kit/lifecycles";
import { shimText } from "../../../sdk/shim";

const TOKEN_SHIM = shimText("AccessToken");
const CLIENT_SHIM = shimText("ApiClient");
const AS = "https://as.example";
const SECRET = `client-secret-${randomUUID()}`;

/** A scripted server: one answer function per `METHOD url`, every request kept. */
function scripted(answers: Record<string, (req: HttpRequest) => HttpResponse>, diagnostics?: Diagnostics) {
  const sent: HttpRequest[] = [];
  const transport: Transport = async (req) => {
    sent.push(req);
    const answer = answers[`${req.method} ${req.url}`];
    if (!answer) throw new Error(`unexpected ${req.method} ${req.url}`);
    return answer(req);
  };
  const recorder = recordingDiagnostics();
  return {
    sent,
    transport,
    diagnostics: diagnostics ?? recorder,
    messages: recorder.messages,
    config: { get: () => undefined } as never,
  };
}

const reply = (status: number, body?: unknown): HttpResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: body === undefined ? "" : JSON.stringify(body),
});

const form = (req: HttpRequest) => new URLSearchParams(req.body ?? "");

function tokenInputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "oauth2",
    resourceName: "api",
    tokenEndpoint: `${AS}/token`,
    revocationEndpoint: `${AS}/revoke`,
    clientId: "c",
    clientSecret: SECRET,
    __provider: TOKEN_SHIM,
    ...extra,
  };
}

async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a failure");
}

describe("durations are bounded at check, the property named", () => {
  const reasons = (failures: { property: string; reason: string }[] | undefined) =>
    Object.fromEntries((failures ?? []).map((f) => [f.property, f.reason]));

  it.each(["rotateAfter", "gracePeriod", "rotateBeforeExpiry"])("AccessToken %s", (key) => {
    const r = (value: string) => reasons(checkInputs(tokenInputs({ [key]: value })).failures)[key];
    expect(r("300000000d")).toBe("must be at most 100 years (36500d)");
    expect(r("36501d")).toBe("must be at most 100 years (36500d)");
    expect(r(`${"9".repeat(400)}d`)).toBe("must be at most 100 years (36500d)");
    expect(r("0s")).toBe("must be at least 1s");
    expect(r("0.5s")).toBe("must be at least 1s");
    expect(r("-1d")).toMatch(/^must be a duration/);
    expect(r("1e9d")).toMatch(/^must be a duration/);
    expect(r("36500d")).toBeUndefined();
    expect(r("1.5h")).toBeUndefined();
    expect(r("1s")).toBeUndefined();
  });

  it("rotateBeforeExpiry fractions stay strictly between 0% and 100%", () => {
    const r = (value: string) => reasons(checkInputs(tokenInputs({ rotateBeforeExpiry: value })).failures);
    expect(r("100%").rotateBeforeExpiry).toMatch(/between 0% and 100%/);
    expect(r("0%").rotateBeforeExpiry).toMatch(/between 0% and 100%/);
    expect(r("25%").rotateBeforeExpiry).toBeUndefined();
  });

  it("ApiClient rotateAfter", () => {
    const base = { system: "oauth2", resourceName: "r", registrationEndpoint: `${AS}/reg`, clientName: "r" };
    expect(reasons(checkApiClient({ ...base, rotateAfter: "300000000d" }).failures).rotateAfter).toBe(
      "must be at most 100 years (36500d)",
    );
    expect(reasons(checkApiClient({ ...base, rotateAfter: "90d" }).failures).rotateAfter).toBeUndefined();
  });
});

describe("server numbers are bounded in the parsers; a token issued anyway is revoked or recorded", () => {
  const ISSUED = `issued-${randomUUID()}`;

  it.each([
    ["2^53", 2 ** 53],
    ["1e300", 1e300],
    ["negative", -1],
    ["fractional", 1.5],
    ["text", "soon"],
  ])("expires_in %s: refused, and the token it came with is revoked", async (_name, expiresIn) => {
    const s = scripted({
      [`POST ${AS}/token`]: () =>
        reply(200, { access_token: ISSUED, token_type: "Bearer", expires_in: expiresIn as number }),
      [`POST ${AS}/revoke`]: () => reply(200),
    });
    const error = await caught(createAccessToken(tokenInputs(), s));
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.INVALID_RESPONSE);
    expect(error.message).toMatch(/"expires_in"/);
    expect(error.message).toMatch(/the token the server issued anyway was revoked$/);
    expect(error.message).not.toContain(ISSUED);
    expect(form(s.sent[1] as HttpRequest).get("token")).toBe(ISSUED);
  });

  it("where it cannot be revoked, it is recorded with the shim, so destroy can run", async () => {
    const s = scripted({
      [`POST ${AS}/token`]: () => reply(200, { access_token: ISSUED, token_type: "Bearer", expires_in: 2 ** 53 }),
    });
    const error = await caught(createAccessToken(tokenInputs({ revocationEndpoint: undefined }), s));
    expect(error.message).toMatch(/could not be revoked \(the server offers no revocation endpoint/);
    expect(error.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.reasons).toEqual([error.message]);
    const properties = error.properties as Record<string, unknown>;
    expect(properties).toMatchObject({ accessToken: ISSUED, issueIncomplete: true, __provider: TOKEN_SHIM });
    expect(Object.values(properties)).not.toContain(undefined);
    // refresh keeps it; the next up replaces it; destroy runs on it.
    expect(await readAccessToken(error.id as string, properties, s)).toEqual({
      id: error.id,
      props: expect.anything(),
    });
    expect((await diffAccessToken(properties, tokenInputs({ revocationEndpoint: undefined }), s)).replaces).toEqual([
      "issueIncomplete",
    ]);
    await deleteAccessToken(properties, s);
  });

  it("an answer with another token_type still gets its token revoked", async () => {
    const s = scripted({
      [`POST ${AS}/token`]: () => reply(200, { access_token: ISSUED, token_type: "mac" }),
      [`POST ${AS}/revoke`]: () => reply(200),
    });
    const error = await caught(createAccessToken(tokenInputs(), s));
    expect(error.message).toMatch(/token_type "mac" is not supported.*was revoked$/);
    expect(s.sent).toHaveLength(2);
  });

  it("expires_in 0 reads as not stated: no expiry, and the next preview plans nothing", async () => {
    const s = scripted({
      [`POST ${AS}/token`]: () => reply(200, { access_token: ISSUED, token_type: "Bearer", expires_in: 0 }),
    });
    const { outs } = await createAccessToken(tokenInputs(), s);
    expect(outs.expiresAt).toBeUndefined();
    expect(await diffAccessToken(outs, tokenInputs(), s)).toMatchObject({ changes: false, replaces: [] });
  });

  it("introspection: exp out of range is refused; exp in the past with active:true leaves expiresAt alone", async () => {
    let exp: number = 2 ** 53;
    const s = scripted({
      [`POST ${AS}/token`]: () => reply(200, { access_token: ISSUED, token_type: "Bearer", expires_in: 3600 }),
      [`POST ${AS}/introspect`]: () => reply(200, { active: true, exp }),
    });
    const inputs = tokenInputs({ introspectionEndpoint: `${AS}/introspect` });
    const { id, outs } = await createAccessToken(inputs, s);
    const error = await caught(readAccessToken(id, { ...outs, __provider: TOKEN_SHIM }, s));
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.INVALID_RESPONSE);
    expect(error.message).toMatch(/"exp" is out of range/);
    exp = 0;
    const read = await readAccessToken(id, outs, s);
    expect(read.props?.expiresAt).toBe(outs.expiresAt);
  });

  it("a registration answer with client_id_issued_at near 2^53 records the client it created", async () => {
    const RAT = `rat-${randomUUID()}`;
    const CLIENT_SECRET = `cs-${randomUUID()}`;
    const s = scripted({
      [`POST ${AS}/reg`]: () =>
        reply(201, {
          client_id: "c1",
          client_secret: CLIENT_SECRET,
          client_id_issued_at: 2 ** 53,
          registration_access_token: RAT,
          registration_client_uri: `${AS}/reg/c1`,
          grant_types: ["client_credentials"],
          token_endpoint_auth_method: "client_secret_basic",
        }),
      [`DELETE ${AS}/reg/c1`]: () => reply(204),
    });
    const error = await caught(
      createApiClient(
        {
          system: "oauth2",
          resourceName: "r",
          registrationEndpoint: `${AS}/reg`,
          clientName: "r",
          grantTypes: ["client_credentials"],
          __provider: CLIENT_SHIM,
        },
        s,
      ),
    );
    expect(error.message).toMatch(/"client_id_issued_at" is out of range/);
    expect(error.message).not.toContain(RAT);
    expect(error.properties).toMatchObject({
      clientId: "c1",
      registrationAccessToken: RAT,
      registrationIncomplete: true,
      __provider: CLIENT_SHIM,
    });
    await deleteApiClient(error.properties as Record<string, unknown>, s);
    expect(s.sent.at(-1)).toMatchObject({ method: "DELETE", url: `${AS}/reg/c1` });
  });
});

describe("a renewal never loses what the server returned", () => {
  const chain = (refresh: (req: HttpRequest) => HttpResponse) =>
    scripted({ [`POST ${AS}/token`]: refresh, [`POST ${AS}/revoke`]: () => reply(200) });
  const inputs = tokenInputs({ grantType: "refresh_token", refreshToken: "rt-0", rotateAfter: "1h" });
  const olds = {
    ...inputs,
    initialRefreshToken: "rt-0",
    refreshToken: "rt-1",
    accessToken: "at-1",
    tokenType: "Bearer",
    issuedAt: "2020-01-01T00:00:00.000Z",
    rotationDueAt: "2020-01-01T01:00:00.000Z",
    stateVersion: 1,
  };

  it("a refused answer that rotated the refresh token: the new one reaches state, no token is revoked", async () => {
    const s = chain(() =>
      reply(200, { access_token: "at-2", refresh_token: "rt-2", token_type: "Bearer", expires_in: 2 ** 53 }),
    );
    const error = await caught(updateAccessToken(olds, inputs, s, "id-1"));
    expect(error.id).toBe("id-1");
    expect(error.properties).toMatchObject({ refreshToken: "rt-2", accessToken: "at-1", __provider: TOKEN_SHIM });
    expect(error.message).toMatch(/refresh token the server issued anyway is kept in state/);
    expect(s.sent.map((r) => r.url)).toEqual([`${AS}/token`]);
  });

  it("a previous token whose revocation fails stays in state, and nothing new is issued beside it", async () => {
    const s = scripted({ [`POST ${AS}/revoke`]: () => reply(503, { error: "temporarily_unavailable" }) });
    const graceful = tokenInputs({ rotateAfter: "1h", gracePeriod: "10m" });
    const state = {
      ...graceful,
      accessToken: "at-1",
      tokenType: "Bearer",
      issuedAt: "2020-01-01T00:00:00.000Z",
      previousAccessToken: "at-0",
      previousRevokeAt: "2020-01-01T00:10:00.000Z",
      stateVersion: 1,
    };
    expect((await diffAccessToken(state, graceful, s)).changes).toBe(true);
    const { outs } = await updateAccessToken(state, graceful, s, "id-1");
    expect(outs).toMatchObject({ accessToken: "at-1", previousAccessToken: "at-0" });
    expect(s.sent.map((r) => r.url)).toEqual([`${AS}/revoke`, `${AS}/revoke`]);
    expect(s.messages.map((m) => m.message)).toContainEqual(
      expect.stringMatching(/was not rotated: the previous token could not be revoked.*next pulumi up retries$/),
    );
  });

  it("without a gracePeriod, the stack is converged after the renewal (no update planned next)", async () => {
    const s = chain(() =>
      reply(200, { access_token: "at-2", refresh_token: "rt-2", token_type: "Bearer", expires_in: 3600 }),
    );
    const { outs } = await updateAccessToken(olds, inputs, s, "id-1");
    expect(outs).toMatchObject({ refreshToken: "rt-2", accessToken: "at-2", previousAccessToken: "at-1" });
    expect(outs?.previousRevokeAt).toBeUndefined();
    expect(await diffAccessToken(outs as Record<string, unknown>, inputs, s)).toMatchObject({ changes: false });
    expect(s.sent).toHaveLength(1);
  });

  it("a replacement sends the newest refresh token, never the spent one it was given", async () => {
    const s = chain(() =>
      reply(200, { access_token: "at-3", refresh_token: "rt-3", token_type: "Bearer", expires_in: 3600 }),
    );
    const news = { ...inputs, scopes: ["narrower"], revokeOnDelete: true };
    const diff = await diffAccessToken(olds, news, s);
    expect(diff.replaces).toEqual(["scopes"]);
    const { outs } = await createAccessToken(news, s);
    expect(form(s.sent[0] as HttpRequest).get("refresh_token")).toBe("rt-1");
    expect(outs).toMatchObject({ initialRefreshToken: "rt-0", refreshToken: "rt-3" });
    // A carried refresh token is redacted like the given one.
    const echo = chain((req) =>
      reply(400, { error: "invalid_grant", error_description: `bad ${form(req).get("refresh_token")}` }),
    );
    await diffAccessToken({ ...olds, refreshToken: "rt-carried-0123" }, news, echo);
    const echoed = await caught(createAccessToken(news, echo));
    expect(form(echo.sent[0] as HttpRequest).get("refresh_token")).toBe("rt-carried-0123");
    expect(echoed.message).not.toContain("rt-carried-0123");
    // The replaced resource's delete does not revoke the refresh token its replacement used.
    await deleteAccessToken({ ...olds, revokeOnDelete: true }, s);
    expect(s.sent).toHaveLength(1);
    // The given input is unchanged in state: the next preview plans nothing.
    expect((await diffAccessToken(outs, news, s)).changes).toBe(false);
  });
});

describe("a body that is not valid UTF-8 is refused, not stored with replacement characters", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(Buffer.concat([Buffer.from('{"access_token":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("names system, endpoint and status", async () => {
    const transport = createTransport();
    const error = await caught(
      transport({ method: "POST", url, body: "" }, { system: "OAuth 2.0", operation: "token request", endpoint: url }),
    );
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.INVALID_RESPONSE);
    expect(error.message).toBe(`OAuth 2.0 token request at ${url} failed: HTTP 200, body is not valid UTF-8`);
  });
});
