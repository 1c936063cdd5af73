/**
 * Smoke tests of the Alphaus stand-in: every behaviour docs/PROTOCOLS.md ("Alphaus") documents (or infers)
 * is exercised over real HTTP with plain `fetch`, so provider tests can rely on it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlphausServer, DEFAULT_ALPHAUS_CLIENTS, parseMultipart, startAlphausServer } from "./alphaus-server";

/** A JSON answer, typed by the fields these tests read; each test asserts what it expects. */
interface Answer {
  [field: string]: unknown;
  access_token: string;
  id_token: string;
  refresh_token: string;
  error: string;
  clientId: string;
  clientSecret: string;
  code: number;
}

const bodyOf = async (res: Response) => (await res.json()) as Answer;

const demo = DEFAULT_ALPHAUS_CLIENTS[0];

/** POSTs `fields` as multipart/form-data, the documented format. */
function multipart(url: string, fields: Record<string, string>) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return fetch(url, { method: "POST", body });
}

/** POSTs `fields` form-urlencoded, as the vendor SDKs do. */
function urlencoded(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

const cc = (client = demo) => ({
  grant_type: "client_credentials",
  client_id: client.clientId,
  client_secret: client.clientSecret,
  scope: "openid",
});

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

describe("Alphaus token endpoints", () => {
  let server: AlphausServer;
  beforeAll(async () => {
    server = await startAlphausServer();
  });
  afterAll(() => server.close());

  it("issues a Wave token for a multipart client_credentials request", async () => {
    const res = await multipart(server.waveTokenEndpoint, cc());
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(Object.keys(body)).toEqual(["id_token", "token_type", "expires_in", "access_token"]);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 86400 });
    // A JWT: three base64url segments, signed HS256, with the documented prefix.
    expect(body.access_token).toMatch(/^eyJ0eXAiOiJKV1Q[\w-]*\.[\w-]+\.[\w-]+$/);
    const c = claims(body.access_token);
    expect(c).toMatchObject({ sub: demo.clientId, aud: demo.clientId });
    expect(typeof c.exp).toBe("number");
    expect((c.exp as number) - (c.iat as number)).toBeCloseTo(86400, 3);
    expect(server.productOf(body.access_token)).toBe("wave");
    expect(server.verify(body.access_token)).toBe(true);
    expect(server.issuedTokens.has(body.access_token)).toBe(true);
    expect(server.issuedTokens.has(body.id_token)).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/access_token",
      contentType: "multipart/form-data",
      grantType: "client_credentials",
      clientId: demo.clientId,
      status: 200,
    });
  });

  it("also accepts form-urlencoded, and Ripple tokens are Ripple's", async () => {
    const res = await urlencoded(server.rippleTokenEndpoint, cc());
    expect(res.status).toBe(200);
    const { access_token } = await bodyOf(res);
    expect(server.productOf(access_token)).toBe("ripple");
    expect(server.requests.at(-1)?.contentType).toBe("application/x-www-form-urlencoded");
  });

  it("omits id_token without the openid scope", async () => {
    const { scope: _scope, ...fields } = cc();
    const body = await bodyOf(await multipart(server.waveTokenEndpoint, fields));
    expect(body.id_token).toBeUndefined();
    expect(body.access_token).toBeDefined();
  });

  it("issues a def50200 refresh token for the password grant only", async () => {
    const res = await multipart(server.waveTokenEndpoint, {
      ...cc(),
      grant_type: "password",
      username: "demo-user",
      password: "demo-user-password",
    });
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.refresh_token).toMatch(/^def50200[0-9a-f]+$/);
    expect(claims(body.access_token).sub).toBe("demo-user");
    expect(server.issuedTokens.has(body.refresh_token)).toBe(true);
    expect(server.productOf(body.refresh_token)).toBe("wave");
  });

  it("answers league/oauth2-server errors", async () => {
    const wrongSecret = await multipart(server.waveTokenEndpoint, { ...cc(), client_secret: "nope" });
    expect(wrongSecret.status).toBe(401);
    expect(await bodyOf(wrongSecret)).toEqual({
      error: "invalid_client",
      error_description: "Client authentication failed",
      message: "Client authentication failed",
    });

    const noUser = await multipart(server.waveTokenEndpoint, { ...cc(), grant_type: "password" });
    expect(noUser.status).toBe(400);
    expect(await bodyOf(noUser)).toMatchObject({ error: "invalid_request", hint: "Check the `username` parameter" });

    const badPassword = await multipart(server.waveTokenEndpoint, {
      ...cc(),
      grant_type: "password",
      username: "demo-user",
      password: "wrong",
    });
    expect(badPassword.status).toBe(400);
    expect((await bodyOf(badPassword)).error).toBe("invalid_grant");

    const refresh = await multipart(server.waveTokenEndpoint, { ...cc(), grant_type: "refresh_token" });
    expect(refresh.status).toBe(400);
    expect((await bodyOf(refresh)).error).toBe("unsupported_grant_type");

    const scope = await multipart(server.waveTokenEndpoint, { ...cc(), scope: "openid admin" });
    expect(scope.status).toBe(400);
    expect(await bodyOf(scope)).toMatchObject({ error: "invalid_scope", hint: "Check the `admin` scope" });

    // PHP parses no JSON bodies: the grant type is simply missing.
    const json = await fetch(server.waveTokenEndpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(cc()),
    });
    expect(json.status).toBe(400);
    expect((await bodyOf(json)).error).toBe("unsupported_grant_type");
  });

  it("keeps clients and users to their products", async () => {
    const ripple = server.clients.add({ clientId: "ripple-only", clientSecret: "ripple-secret", products: ["ripple"] });
    expect((await multipart(server.rippleTokenEndpoint, cc(ripple))).status).toBe(200);
    const wave = await multipart(server.waveTokenEndpoint, cc(ripple));
    expect(wave.status).toBe(401);
    expect((await bodyOf(wave)).error).toBe("invalid_client");

    server.users.add({ username: "wave-user", password: "pw", products: ["wave"] });
    const user = { ...cc(), grant_type: "password", username: "wave-user", password: "pw" };
    expect((await multipart(server.waveTokenEndpoint, user)).status).toBe(200);
    expect((await multipart(server.rippleTokenEndpoint, user)).status).toBe(400);
  });

  it("accepts HTTP Basic client authentication as league does", async () => {
    const basic = Buffer.from(`${demo.clientId}:${demo.clientSecret}`).toString("base64");
    const res = await urlencoded(
      server.waveTokenEndpoint,
      { grant_type: "client_credentials", scope: "openid" },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(200);
    const bad = Buffer.from(`${demo.clientId}:wrong`).toString("base64");
    const denied = await urlencoded(
      server.waveTokenEndpoint,
      { grant_type: "client_credentials" },
      { authorization: `Basic ${bad}` },
    );
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBe('Basic realm="OAuth"');
  });
});

describe("Alphaus token lifetime and clock", () => {
  it("uses the configured expires_in and expires tokens on the server clock", async () => {
    const server = await startAlphausServer({ accessTokenTtl: 60 });
    try {
      const body = await bodyOf(await multipart(server.waveTokenEndpoint, cc()));
      expect(body.expires_in).toBe(60);
      expect(server.verify(body.access_token)).toBe(true);
      expect(server.verify(`${body.access_token}x`)).toBe(false);
      server.advanceClock(61);
      expect(server.verify(body.access_token)).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe("Alphaus rate limit", () => {
  it("answers 429 past the per-second limit of one client id and records the peak", async () => {
    const server = await startAlphausServer({ rateLimitPerSecond: 5 });
    try {
      // 30 requests at once: to dodge the limit of 5 they would have to spread over 6+
      // calendar seconds, so the test holds on a slow machine too.
      const answers = await Promise.all(Array.from({ length: 30 }, () => multipart(server.waveTokenEndpoint, cc())));
      const statuses = answers.map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
      const limited = answers[statuses.indexOf(429)];
      // Not a JSON body: clients must branch on the status.
      expect(await limited.text()).toBe("Too Many Requests");
      expect(server.peakRequestsPerSecond(demo.clientId)).toBeGreaterThan(5);
      expect(server.ratePeaks.get(demo.clientId)).toBe(server.peakRequestsPerSecond());

      // Another client id has its own budget; the next second starts afresh.
      server.clients.add({ clientId: "other", clientSecret: "other-secret" });
      const other = { ...cc(), client_id: "other", client_secret: "other-secret" };
      expect((await multipart(server.waveTokenEndpoint, other)).status).toBe(200);
      server.advanceClock(1);
      expect((await multipart(server.waveTokenEndpoint, cc())).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("Blue API: API clients", () => {
  let server: AlphausServer;
  let token: string;
  const api = () => `${server.blueApiBase}/iam/v1/apiclients`;
  const auth = (t = token) => ({ authorization: `Bearer ${t}` });
  const create = (name: string, t = token) =>
    fetch(api(), {
      method: "POST",
      headers: { ...auth(t), "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
  const list = async (t = token) => {
    const res = await fetch(api(), { headers: auth(t) });
    const text = await res.text();
    return {
      status: res.status,
      lines: text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
      text,
    };
  };

  beforeAll(async () => {
    server = await startAlphausServer();
    const res = await multipart(server.rippleTokenEndpoint, {
      ...cc(),
      grant_type: "password",
      username: "demo-user",
      password: "demo-user-password",
    });
    token = (await bodyOf(res)).access_token;
  });
  afterAll(() => server.close());

  it("refuses calls without a token this server issued (google.rpc.Status)", async () => {
    const none = await fetch(api());
    expect(none.status).toBe(401);
    expect(await bodyOf(none)).toEqual({ code: 16, message: "missing access token", details: [] });
    const forged = await fetch(api(), { headers: auth("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.AAAA") });
    expect(forged.status).toBe(401);
    expect((await bodyOf(forged)).code).toBe(16);
  });

  it("lists nothing as an empty body", async () => {
    expect(await list()).toEqual({ status: 200, lines: [], text: "" });
  });

  it("creates a client whose secret is shown once and which can get tokens", async () => {
    const res = await create("ci");
    expect(res.status).toBe(200);
    const created = await bodyOf(res);
    expect(Object.keys(created)).toEqual(["clientId", "clientSecret", "name", "grantType", "parent", "createTime"]);
    expect(created).toMatchObject({ name: "ci", grantType: "client_credentials", parent: "demo-user" });
    expect(created.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(server.issuedSecrets.has(created.clientSecret)).toBe(true);

    // Listed without the secret (proto3 JSON omits the redacted field).
    const { clientSecret: _secret, ...visible } = created;
    expect((await list()).lines).toEqual([{ result: visible }]);

    const fields = {
      grant_type: "client_credentials",
      client_id: created.clientId,
      client_secret: created.clientSecret,
    };
    const issued = await multipart(server.rippleTokenEndpoint, { ...fields, scope: "openid" });
    expect(issued.status).toBe(200);
    // Blue clients have client_credentials only.
    const pw = await multipart(server.rippleTokenEndpoint, {
      ...fields,
      grant_type: "password",
      username: "demo-user",
      password: "demo-user-password",
    });
    expect((await bodyOf(pw)).error).toBe("unauthorized_client");

    // The new client's token acts for the same owner, and Wave tokens work on Blue too.
    const waveToken = (await bodyOf(await multipart(server.waveTokenEndpoint, fields))).access_token;
    expect((await list(waveToken)).lines).toHaveLength(1);
  });

  it("rejects a create without a name", async () => {
    const res = await create("");
    expect(res.status).toBe(400);
    expect(await bodyOf(res)).toEqual({ code: 3, message: "name is required", details: [] });
  });

  it("ends a failing list with an in-band error chunk under HTTP 200", async () => {
    await create("second");
    await create("third");
    server.failListAfter = 2;
    try {
      const { status, lines } = await list();
      expect(status).toBe(200);
      expect(lines).toHaveLength(3);
      expect(lines.slice(0, 2).every((l) => typeof l.result?.clientId === "string")).toBe(true);
      expect(lines[2]).toEqual({ error: server.failListError });
      server.failListAfter = 0;
      expect((await list()).lines).toEqual([{ error: server.failListError }]);
    } finally {
      server.failListAfter = undefined;
    }
    expect((await list()).lines).toHaveLength(3);
  });

  it("deletes a client; its tokens stay valid, new ones are refused", async () => {
    const created = await bodyOf(await create("doomed"));
    const fields = {
      grant_type: "client_credentials",
      client_id: created.clientId,
      client_secret: created.clientSecret,
    };
    const before = (await bodyOf(await multipart(server.rippleTokenEndpoint, fields))).access_token;

    const url = `${api()}/${created.clientId}`;
    const del = await fetch(url, { method: "DELETE", headers: auth() });
    expect(del.status).toBe(200);
    expect(await bodyOf(del)).toEqual({});
    const again = await fetch(url, { method: "DELETE", headers: auth() });
    expect(again.status).toBe(404);
    expect(await bodyOf(again)).toMatchObject({ code: 5, details: [] });

    expect(server.verify(before)).toBe(true);
    expect((await list(before)).status).toBe(200);
    expect((await multipart(server.rippleTokenEndpoint, fields)).status).toBe(401);
  });

  it("routes like grpc-gateway: 404 and 405 before authentication", async () => {
    const unknown = await fetch(`${server.blueApiBase}/iam/v1/nothing`);
    expect(unknown.status).toBe(404);
    expect((await bodyOf(unknown)).code).toBe(5);
    const method = await fetch(api(), { method: "PUT" });
    expect(method.status).toBe(405);
  });
});

describe("parseMultipart", () => {
  it("reads quoted boundaries, CRLF values and repeated names (last wins, as PHP)", () => {
    const body = Buffer.from(
      [
        "preamble",
        "--a'b c",
        'Content-Disposition: form-data; name="x"',
        "",
        "line1\r\nline2",
        "--a'b c",
        'Content-Disposition: form-data; name="x"',
        "Content-Type: text/plain",
        "",
        "second",
        "--a'b c",
        'Content-Disposition: form-data; name="empty"',
        "",
        "",
        "--a'b c--",
        "",
      ].join("\r\n"),
    );
    expect(parseMultipart(body, `multipart/form-data; boundary="a'b c"`)).toEqual({ x: "second", empty: "" });
  });

  it("refuses malformed bodies", () => {
    expect(parseMultipart(Buffer.from("no parts"), "multipart/form-data; boundary=zz")).toBeUndefined();
    expect(parseMultipart(Buffer.from("--zz\r\nbroken"), "multipart/form-data; boundary=zz")).toBeUndefined();
    expect(parseMultipart(Buffer.from(""), "multipart/form-data")).toBeUndefined();
  });
});
