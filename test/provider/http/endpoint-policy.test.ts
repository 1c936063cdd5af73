/**
 * The one rule for where credentials may go, through the provider: discovered endpoints
 * (a discovery document's token, revocation and introspection endpoints, an RFC 7592
 * `registration_client_uri`) must share the issuer's origin unless the user opts out with
 * `allowCrossOriginEndpoints`; credentials in an endpoint's query are refused at check.
 * The servers are loopback; `127.0.0.1:<port>` and `localhost:<port>` are two origins.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSlot } from "../../../provider/config";
import { recordingDiagnostics } from "../../../provider/diagnostics";
import { ErrorCode, isAccessTokenError } from "../../../provider/errors";
import { closeDispatchers } from "../../../provider/http/dispatcher";
import { createTransport } from "../../../provider/http/transport";
import { createAccessToken, checkInputs, createApiClient } from "../../kit/lifecycles";

const SECRET = "policy-canary-secret-0123456789";

interface Seen {
  method: string;
  path: string;
  host: string;
  authorization?: string;
}

/** A loopback authorization server whose discovery document the test writes. */
let port = 0;
let metadata: (issuer: string) => Record<string, unknown> = () => ({});
let registration: (issuer: string) => Record<string, unknown> = () => ({});
const seen: Seen[] = [];
const server = createServer((req, res) => {
  const base = `http://127.0.0.1:${port}`;
  const path = (req.url ?? "/").split("?")[0] as string;
  seen.push({
    method: req.method ?? "",
    path,
    host: req.headers.host ?? "",
    ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
  });
  req.resume();
  const json = (status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  // Each test has its own issuer (`/<name>`): discovery documents are cached per issuer.
  const discovery = /^(\/[^/]+)\/\.well-known\/openid-configuration$/.exec(path);
  if (discovery) {
    const named = `${base}${discovery[1]}`;
    return json(200, { issuer: named, ...metadata(named) });
  }
  if (path === "/token") return json(200, { access_token: "at-policy-0001", token_type: "Bearer", expires_in: 600 });
  if (path === "/register") return json(201, registration(base));
  return json(404, { error: "not_found" });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await closeDispatchers();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const deps = () => {
  const config = new ConfigSlot();
  config.set({ get: () => undefined });
  return { transport: createTransport({ retry: false }), config, diagnostics: recordingDiagnostics() };
};
let issuers = 0;
/** A fresh issuer on the test server (discovery is cached per issuer). */
const issuer = () => `http://127.0.0.1:${port}/i${++issuers}`;
const other = () => `http://localhost:${port}`;
const tokenRequests = () => seen.filter((s) => s.path === "/token");

describe("discovered endpoints share the issuer's origin", () => {
  it("a token endpoint on another origin receives nothing", async () => {
    metadata = () => ({ token_endpoint: `${other()}/token` });
    const before = tokenRequests().length;
    const error = await createAccessToken({ issuer: issuer(), clientId: "c", clientSecret: SECRET }, deps()).catch(
      (e: unknown) => e,
    );
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.DISCOVERY);
    expect((error as Error).message).toMatch(/token endpoint http:\/\/localhost:\d+\/token is on another origin/);
    expect(tokenRequests().length).toBe(before);
  });

  it("a discovered revocation or introspection endpoint on another origin is refused too", async () => {
    for (const key of ["revocation_endpoint", "introspection_endpoint"]) {
      metadata = (i) => ({ token_endpoint: `${new URL(i).origin}/token`, [key]: "https://elsewhere.example/x" });
      const before = tokenRequests().length;
      const error = await createAccessToken({ issuer: issuer(), clientId: "c", clientSecret: SECRET }, deps()).catch(
        (e: unknown) => e,
      );
      expect((error as Error).message).toMatch(/another origin \(https:\/\/elsewhere\.example\)/);
      expect(tokenRequests().length).toBe(before);
    }
  });

  it("an endpoint the user sets is theirs to choose; allowCrossOriginEndpoints trusts the server's", async () => {
    metadata = (i) => ({
      token_endpoint: `${new URL(i).origin}/token`,
      revocation_endpoint: "https://elsewhere.example/revoke",
    });
    const explicit = await createAccessToken(
      { issuer: issuer(), clientId: "c", clientSecret: SECRET, revocationEndpoint: `${other()}/revoke` },
      deps(),
    );
    expect((explicit.outs as Record<string, unknown>).accessToken).toBe("at-policy-0001");

    metadata = () => ({ token_endpoint: `${other()}/token` });
    const before = tokenRequests().length;
    const created = await createAccessToken(
      { issuer: issuer(), clientId: "c", clientSecret: SECRET, allowCrossOriginEndpoints: true },
      deps(),
    );
    expect((created.outs as Record<string, unknown>).accessToken).toBe("at-policy-0001");
    expect(
      tokenRequests()
        .slice(before)
        .map((s) => s.host),
    ).toEqual([`localhost:${port}`]);
  });

  it("a registration_client_uri on another origin is not used with the registration token", async () => {
    metadata = (i) => ({
      token_endpoint: `${new URL(i).origin}/token`,
      registration_endpoint: `${new URL(i).origin}/register`,
    });
    registration = () => ({
      client_id: "registered-1",
      client_secret: "registered-secret-0123456789",
      registration_access_token: "rat-0123456789",
      registration_client_uri: "https://elsewhere.example/register/registered-1",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["client_credentials"],
    });
    const error = await createApiClient({ issuer: issuer(), clientName: "policy" }, deps()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /registration_client_uri https:\/\/elsewhere\.example\/register\/registered-1 is on another origin/,
    );
    // Recorded, not lost: the failure carries the client's state (the host keeps it, so
    // refresh and delete can reach it), marked incomplete; the message holds no secret.
    expect((error as { properties?: Record<string, unknown> }).properties).toMatchObject({
      clientId: "registered-1",
      registrationIncomplete: true,
    });
    expect((error as Error).message).not.toContain("registered-secret-0123456789");
    expect((error as Error).message).not.toContain("rat-0123456789");
  });
});

describe("credentials never ride in an endpoint's query", () => {
  it("check refuses them, naming the input and not echoing the value", () => {
    const result = checkInputs({
      tokenEndpoint: "https://as.example/token?client_secret=query-canary-value",
      clientId: "c",
      clientSecret: SECRET,
    });
    expect(result.failures).toEqual([
      { property: "tokenEndpoint", reason: "must not carry credentials in its query (client_secret)" },
    ]);
    expect(JSON.stringify(result.failures)).not.toContain("query-canary-value");
  });
});
