/**
 * Misskey apps (`system: "misskey"`) through the ApiClient lifecycle, called directly, against
 * the local Misskey server: check, app/create (with and without a creator), app/show (gone
 * after an administrator deleted the app; drift), replace-only changes and the warning that the
 * old app stays, delete that cannot delete, and the wire judges of app/create and app/show.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingDiagnostics } from "../../../../provider/diagnostics";
import { isAccessTokenError } from "../../../../provider/errors";
import {
  type HttpRequest,
  type HttpResponse,
  type Transport,
  createTransport,
} from "../../../../provider/http/transport";
import {
  normalizeAppPermission,
  processAppCreateResponse,
  processAppShowResponse,
} from "../../../../provider/systems/misskey/token";
import {
  checkApiClient,
  createApiClient,
  deleteApiClient,
  diffApiClient,
  readApiClient,
  updateApiClient,
} from "../../../kit/lifecycles";
import { shimText } from "../../../../sdk/shim";
import { type MisskeyServer, startMisskeyServer } from "../../../servers/misskey-server";
import { caught } from "../../../kit/helpers";

const SHIM = shimText("ApiClient");
const RCTX = { system: "Misskey", operation: "app read (app/show)", endpoint: "https://misskey.example/api/app/show" };

let server: MisskeyServer;
let alice: { id: string; username: string; nativeToken: string };
const sent: HttpRequest[] = [];

beforeAll(async () => {
  server = await startMisskeyServer();
  alice = server.createUser("alice");
});
afterAll(() => server?.close());

/** Inputs as the SDK sends them. */
function inputs(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system: "misskey",
    resourceName: "bot-app",
    baseUrl: server.url,
    name: "Notes bot",
    permissions: ["read:account", "write:notes"],
    __provider: SHIM,
    ...extra,
  };
}

function deps(transport?: Transport) {
  const base = transport ?? createTransport();
  return {
    transport: ((req, ctx) => {
      sent.push(req);
      return base(req, ctx);
    }) as Transport,
    diagnostics: recordingDiagnostics(),
  };
}

/** A transport that answers `app/show` with `body` and passes everything else to the server. */
function showing(body: Record<string, unknown>): Transport {
  const base = createTransport();
  return async (req, ctx) =>
    req.url.endsWith("/api/app/show")
      ? { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
      : base(req, ctx);
}

const response = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("check", () => {
  it("names every bad input with a reason, without a network call", () => {
    const before = sent.length;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: undefined }, "name", /^is required$/],
      [{ name: "" }, "name", /must not be empty/],
      [{ name: "x".repeat(129) }, "name", /at most 128 characters/],
      [{ description: "x".repeat(513) }, "description", /at most 512 characters/],
      [{ host: "misskey.example" }, "baseUrl", /set exactly one of host or baseUrl/],
      [{ baseUrl: undefined }, "host", /set exactly one of host or baseUrl/],
      [{ baseUrl: "http://misskey.example" }, "baseUrl", /https/i],
      [{ baseUrl: `${server.url}/api` }, "baseUrl", /origin/],
      [{ host: "https://misskey.example", baseUrl: undefined }, "host", /host name/],
      [{ permissions: ["read:account", "read:account"] }, "permissions.1", /repeats "read:account"/],
      [{ permissions: ["read:account write:notes"] }, "permissions.0", /one permission name/],
      [{ callbackUrl: "/relative" }, "callbackUrl", /absolute URL/],
      [{ token: "" }, "token", /must not be empty/],
      [{ clientName: "x" }, "(inputs)", /unknown input\(s\): clientName/],
    ];
    for (const [extra, property, reason] of cases) {
      const result = checkApiClient(inputs(extra));
      const failure = result.failures?.find((f) => f.property === property);
      expect(failure, `${JSON.stringify(extra)} → ${JSON.stringify(result.failures)}`).toBeDefined();
      expect(failure?.reason).toMatch(reason);
    }
    expect(checkApiClient(inputs({ description: "", callbackUrl: "https://bot.example/cb" })).failures).toBeUndefined();
    expect(sent.length).toBe(before);
  });
});

describe("lifecycle", () => {
  it("registers an app owned by the token's account; the secret is a secret output", async () => {
    const d = deps();
    const { id, outs } = await createApiClient(
      inputs({
        token: alice.nativeToken,
        permissions: ["read:account", "account/write"],
        callbackUrl: "https://bot.example/cb",
      }),
      d,
    );
    const app = server.apps().find((a) => a.id === outs.clientId);
    expect(app).toMatchObject({
      name: "Notes bot",
      description: "",
      userId: alice.id,
      callbackUrl: "https://bot.example/cb",
      permission: ["read:account", "write:account"],
    });
    expect(outs).toMatchObject({
      clientSecret: app?.secret,
      origin: server.url,
      registeredPermissions: ["read:account", "write:account"],
      system: "misskey",
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const req = sent.at(-1) as HttpRequest;
    expect(req.url).toBe(`${server.url}/api/app/create`);
    expect(req.headers?.authorization).toBe(`Bearer ${alice.nativeToken}`);
    expect(JSON.parse(req.body as string)).toEqual({
      name: "Notes bot",
      description: "",
      permission: ["read:account", "account/write"],
      callbackUrl: "https://bot.example/cb",
    });
    // The legacy name is rewritten by the server: no warning, and no drift on refresh.
    expect(d.diagnostics.messages).toEqual([]);
    const read = await readApiClient(id, outs, deps());
    expect(read.id).toBe(id);
    expect(read.props?.permissions).toEqual(["read:account", "account/write"]);
  });

  it("registers without a creator and warns about unknown permission names", async () => {
    const d = deps();
    const { outs } = await createApiClient(inputs({ permissions: ["read:account", "write:note"] }), d);
    expect(server.apps().find((a) => a.id === outs.clientId)?.userId).toBeNull();
    expect(sent.at(-1)?.headers?.authorization).toBeUndefined();
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: expect.stringContaining(
          'Misskey app "Notes bot": unknown Misskey permission(s) write:note: Misskey stores them with the app',
        ),
      },
    ]);
  });

  it("warns when the server registers other permissions than asked", async () => {
    const base = createTransport();
    const dropping: Transport = async (req, ctx) => {
      const res = await base(req, ctx);
      if (!req.url.endsWith("/api/app/create")) return res;
      return { ...res, body: JSON.stringify({ ...JSON.parse(res.body), permission: ["read:account"] }) };
    };
    const d = deps(dropping);
    const { outs } = await createApiClient(inputs(), d);
    expect(outs.registeredPermissions).toEqual(["read:account"]);
    expect(d.diagnostics.messages.map((m) => m.message)).toEqual([
      expect.stringMatching(
        /Misskey app "Notes bot" \(\w+\) was registered with permissions \[read:account\], not the requested \[read:account, write:notes\]/,
      ),
    ]);
  });

  it("a refused creator token says which input and what to do, and never shows it", async () => {
    const error = await caught(createApiClient(inputs({ token: "x".repeat(16) }), deps()));
    expect(isAccessTokenError(error)).toBe(true);
    expect(error.message).toMatch(
      /^Misskey app creation \(app\/create\) at http:\/\/127\.0\.0\.1:\d+\/api\/app\/create failed: HTTP 401 AUTHENTICATION_FAILED/,
    );
    expect(error.message).toMatch(/the token input \(the app creator's credential\) was refused/);
    expect(error.message).toMatch(/or remove token \(app\/create works without it\)/);
    expect(error.message).not.toContain("x".repeat(16));
  });

  it("a 429 names the endpoint, status, code and Retry-After", async () => {
    server.rateLimit = { limit: 0, windowSeconds: 60 };
    try {
      const error = await caught(createApiClient(inputs(), deps()));
      expect(error.message).toMatch(/app\/create failed: HTTP 429 RATE_LIMIT_EXCEEDED .*; retry after \d+ s/);
    } finally {
      server.rateLimit = undefined;
    }
  });

  it("refresh reads the app (app/show); an app an administrator deleted is gone", async () => {
    const { id, outs } = await createApiClient(inputs({ token: alice.nativeToken }), deps());
    const same = await readApiClient(id, outs, deps());
    expect(same).toEqual({
      id,
      props: expect.objectContaining({ clientId: outs.clientId, clientSecret: outs.clientSecret }),
    });
    expect(sent.at(-1)?.url).toBe(`${server.url}/api/app/show`);

    expect(server.deleteApp(outs.clientId as string)).toBe(true);
    const d = deps();
    expect(await readApiClient(id, outs, d)).toEqual({ id: "", props: {} });
    expect(d.diagnostics.messages[0]?.message).toContain(
      `client "${String(outs.clientId)}" no longer exists at the server; the next pulumi up registers a new one`,
    );
  });

  it("refresh reports permissions the server holds differently as drift; legacy spellings are not drift", async () => {
    const { id, outs } = await createApiClient(inputs(), deps());
    const app = { id: outs.clientId, name: "Notes bot", callbackUrl: null };
    const drifted = await readApiClient(id, outs, deps(showing({ ...app, permission: ["read:account"] })));
    expect(drifted.props).toMatchObject({ permissions: ["read:account"], registeredPermissions: ["read:account"] });
    const renamed = await readApiClient(
      id,
      outs,
      deps(showing({ ...app, name: "Renamed", permission: ["write:notes", "read:account"] })),
    );
    expect(renamed.props).toMatchObject({ name: "Renamed", permissions: ["read:account", "write:notes"] });

    const other = await caught(readApiClient(id, outs, deps(showing({ ...app, id: "someone-else", permission: [] }))));
    expect(other.message).toMatch(/describes app "someone-else", not "\w+"/);
  });

  it("every change but token is a new app, and diff says the old one stays", async () => {
    const { outs } = await createApiClient(inputs(), deps());
    const before = sent.length;
    for (const [key, value] of [
      ["name", "Other"],
      ["description", "new"],
      ["permissions", ["read:account"]],
      ["callbackUrl", "https://bot.example/cb"],
      ["baseUrl", "https://misskey.example"],
    ] as const) {
      const d = deps();
      const diff = await diffApiClient(outs, inputs({ [key]: value }), d);
      expect(diff.replaces, key).toEqual([key]);
      expect(d.diagnostics.messages).toEqual([
        {
          severity: "warning",
          message: `Misskey API client "bot-app": ${key} changed, so a new client will be registered; the old app stays: Misskey has no API to delete apps: app "${String(outs.clientId)}" stays registered at ${server.url} and its secret stays valid. Tokens people granted it can be revoked in Misskey Web (Settings > Apps, ${server.url}/settings/apps) or with i/revoke-token and the account's native token; an administrator can delete the app in the database. It is no longer tracked in this stack`,
        },
      ]);
    }
    const d = deps();
    const diff = await diffApiClient(outs, inputs({ token: alice.nativeToken }), d);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(d.diagnostics.messages).toEqual([]);
    const { outs: updated } = await updateApiClient("id", outs, inputs({ token: alice.nativeToken }), deps());
    expect(updated).toMatchObject({
      clientId: outs.clientId,
      clientSecret: outs.clientSecret,
      token: alice.nativeToken,
    });
    expect(sent.length).toBe(before);
  });

  it("delete cannot delete: it warns with what to do, and the app stays", async () => {
    const { outs } = await createApiClient(inputs(), deps());
    const before = sent.length;
    const d = deps();
    await deleteApiClient(outs, d);
    expect(sent.length).toBe(before);
    expect(d.diagnostics.messages).toEqual([
      {
        severity: "warning",
        message: expect.stringContaining(
          `Misskey API client "bot-app": not deleted: Misskey has no API to delete apps: app "${String(outs.clientId)}" stays registered at ${server.url} and its secret stays valid`,
        ),
      },
    ]);
    expect(d.diagnostics.messages[0]?.message).toMatch(/an administrator can delete the app in the database/);
    expect(server.apps().some((a) => a.id === outs.clientId)).toBe(true);
  });
});

describe("wire judges", () => {
  it("processAppShowResponse: the app, gone on NO_SUCH_APP, an error otherwise", () => {
    expect(
      processAppShowResponse(
        response(200, { id: "a1", name: "n", callbackUrl: null, permission: ["read:account"] }),
        RCTX,
      ),
    ).toEqual({
      id: "a1",
      name: "n",
      callbackUrl: null,
      permission: ["read:account"],
    });
    const noSuchApp = {
      error: {
        message: "No such app.",
        code: "NO_SUCH_APP",
        id: "dce83913-2dc6-4093-8a7b-71dbb11718a3",
        kind: "client",
      },
    };
    expect(processAppShowResponse(response(400, noSuchApp), RCTX)).toBe("gone");
    expect(() =>
      processAppShowResponse(response(500, { error: { code: "INTERNAL_ERROR", message: "boom" } }), RCTX),
    ).toThrow(
      "Misskey app read (app/show) at https://misskey.example/api/app/show failed: HTTP 500 INTERNAL_ERROR (boom)",
    );
    expect(() => processAppShowResponse(response(200, { id: "a1" }), RCTX)).toThrow(/app\/show/);
  });

  it("processAppCreateResponse requires the secret", () => {
    const ctx = { ...RCTX, operation: "app creation (app/create)" };
    expect(() =>
      processAppCreateResponse(response(200, { id: "a1", name: "n", callbackUrl: null, permission: [] }), ctx),
    ).toThrow('the server created app "a1" but sent no secret');
    expect(
      processAppCreateResponse(response(200, { id: "a1", name: "n", permission: [], secret: "s3cr3t" }), ctx).secret,
    ).toBe("s3cr3t");
  });

  it("normalizeAppPermission rewrites legacy names as Misskey does", () => {
    expect(["account-read", "account/write", "read:account", "write:admin:meta"].map(normalizeAppPermission)).toEqual([
      "read:account",
      "write:account",
      "read:account",
      "write:admin:meta",
    ]);
  });
});
