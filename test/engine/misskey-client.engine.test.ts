/**
 * Misskey apps (`misskey.App`) through the real engine: `pulumi preview / up / refresh /
 * destroy` on examples/misskey-api-client against the local Misskey server, with the token a
 * person grants the app chained from it (`new misskey.AccessToken("t", { app, appAccessToken })`)
 * and approved through `authorize misskey --legacy --app`. Misskey has no API to delete an
 * app: destroy and replacement leave it registered and say so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTHORIZE_EXIT, type AuthorizeIO, authorizeMisskey } from "../../cli/authorize-misskey";
import { type MisskeyServer, startMisskeyServer } from "../servers/misskey-server";
import {
  type Program,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
  SECRET_SIG,
} from "../kit/harness";
import { ACCESS_TOKEN_TYPE, API_CLIENT_TYPE } from "../../sdk/shim";

let server: MisskeyServer;
let program: Program;
let owner: { id: string; username: string; nativeToken: string };
const exports: { label: string; text: string }[] = [];
/** What the authorize command printed (scanned for leaks too). */
const cliTexts: { label: string; text: string }[] = [];

const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const apiCalls = () => server.requests.filter((q) => q.path.startsWith("/api/")).length;

async function resources(): Promise<StateResource[]> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

/** `POST /api/i` with a credential: the status and the user. */
async function i(credential: string): Promise<{ status: number; username?: string }> {
  const res = await fetch(`${server.url}/api/i`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
    body: "{}",
  });
  const body = (await res.json()) as { username?: string };
  return { status: res.status, username: body.username };
}

/** `POST /api/app/show` without a credential: the status. */
async function showStatus(appId: string): Promise<number> {
  const res = await fetch(`${server.url}/api/app/show`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appId }),
  });
  await res.text();
  return res.status;
}

/** The owner runs `authorize misskey --legacy --app notes-bot-app` and approves the page it prints. */
async function authorize(): Promise<void> {
  const approvals: Promise<unknown>[] = [];
  let out = "";
  let err = "";
  const io: AuthorizeIO = {
    isInteractive: true,
    env: { ...program.env, CI: "" },
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
      const page = /http:\/\/127\.0\.0\.1:\d+\/auth\/([^\s?]+)/.exec(text);
      if (page) {
        approvals.push(
          (async () => {
            await (await fetch(page[0])).text(); // the browser opens the page
            server.approveAppSession(page[1] as string, owner.id);
          })(),
        );
      }
    },
  };
  const code = await authorizeMisskey(
    [
      "--host",
      server.url,
      "--legacy",
      "--app",
      "notes-bot-app",
      "--config-key",
      "appAccessToken",
      "--stack",
      program.stack,
      "--cwd",
      program.dir,
      "--poll-interval",
      "200ms",
    ],
    io,
  );
  await Promise.all(approvals);
  cliTexts.push({ label: `authorize misskey #${cliTexts.length + 1}`, text: out + err });
  expect(code, err).toBe(AUTHORIZE_EXIT.OK);
  expect(out).toMatch(/Stored the app access token as secret config appAccessToken/);
}

/** The app token the owner granted app `appId`, as the server has it. */
const grantOf = (appId: string) => server.tokensOf(owner.id).find((t) => t.appId === appId);

describe("Misskey app through pulumi", () => {
  beforeAll(async () => {
    server = await startMisskeyServer();
    owner = server.createUser("owner");
    program = await createProgram("misskey-api-client");
    await program.config("baseUrl", server.url);
    await program.config("ownerToken", owner.nativeToken, true);
    for (const [n, p] of ["read:account", "account/write", "write:note"].entries()) {
      await program.pulumi(["config", "set", "--path", `permissions[${n}]`, p]);
    }
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("preview plans the app without calling Misskey", async () => {
    const r = await program.preview();
    expect(r.stdout).toContain(`+ ${API_CLIENT_TYPE}: (create)`);
    expect(r.stdout).not.toContain(ACCESS_TOKEN_TYPE);
    expect(apiCalls()).toBe(0);
  });

  let first: { id: string; secret: string };
  it("up registers the app, owned by the account, its secret a secret output", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/appSecret\s*: \[secret\]/);
    expect(output(r)).toMatch(/Misskey app "Notes bot": unknown Misskey permission\(s\) write:note: /);
    expect(output(r)).toMatch(
      /approvedToken\s*: "not yet: run `npx pulumi-access-tokens authorize misskey --legacy --app notes-bot-app/,
    );
    expect(output(r)).not.toMatch(/Undefined value/);
    const apps = server.apps();
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({
      name: "Notes bot",
      description: "Posts notes for the team",
      userId: owner.id,
      permission: ["read:account", "write:account", "write:note"],
    });
    first = apps[0] as { id: string; secret: string };
    const out = await program.revealedOutputs();
    expect(out).toMatchObject({
      appId: first.id,
      appSecret: first.secret,
      registeredPermissions: ["read:account", "write:account", "write:note"],
    });
    const app = (await resources()).find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    for (const key of ["clientSecret", "token"]) {
      expect(app.outputs?.[key]).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    }
    expect(app.inputs?.token).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(app.outputs).toMatchObject({ clientId: first.id, origin: server.url, system: "misskey" });
  });

  it("a no-change preview plans nothing for the client or what is chained to it (--expect-no-changes)", async () => {
    // Optional settings a client never had must not turn unknown at preview and plan
    // updates of the chained tokens.
    const r = await program.preview(["--expect-no-changes"]);
    expect(r.stdout).not.toMatch(/\((update|replace|create|delete)\)/);
  });

  it("the owner approves the app with the CLI; the token chained from the app works", async () => {
    const before = server.requests.length;
    await authorize();
    expect(server.requests.slice(before).map((q) => q.path)).not.toContain("/api/app/create");
    const r = await program.up();
    expect(r.stdout).toMatch(/accessToken: \[secret\]/);
    const grant = grantOf(first.id);
    expect(grant).toBeDefined();
    const { accessToken, username } = (await program.revealedOutputs()).approvedToken as Record<string, string>;
    expect(accessToken).toBe(grant?.credential);
    expect(username).toBe("owner");
    expect(await i(accessToken as string)).toEqual({ status: 200, username: "owner" });
    const state = await resources();
    const app = state.find((x) => x.type === API_CLIENT_TYPE) as StateResource;
    const token = state.find((x) => x.type === ACCESS_TOKEN_TYPE) as StateResource & { dependencies?: string[] };
    expect(token.dependencies).toContain(app.urn);
    expect(token.outputs).toMatchObject({
      baseUrl: server.url,
      permissions: ["read:account", "write:account", "write:note"],
    });
    expect(token.outputs?.appSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  let second: { id: string; secret: string };
  it("an app an administrator deleted leaves state on refresh; up registers a new one, the old grant is void", async () => {
    expect(server.deleteApp(first.id)).toBe(true);
    const refreshed = await program.refresh();
    expect(output(refreshed)).toContain(
      `client "${first.id}" no longer exists at the server; the next pulumi up registers a new one`,
    );
    expect((await resources()).filter((x) => x.type.includes("access-tokens"))).toEqual([]);

    // The grant died with its app: the token cannot follow until the owner approves the new app.
    const r = await program.up([], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(output(r)).toMatch(/token rejected by http:\/\/127\.0\.0\.1:\d+\/api\/i: HTTP 401 AUTHENTICATION_FAILED/);
    const apps = server.apps();
    expect(apps).toHaveLength(1);
    second = apps[0] as { id: string; secret: string };
    expect(second.id).not.toBe(first.id);
    expect((await resources()).find((x) => x.type === API_CLIENT_TYPE)?.outputs?.clientId).toBe(second.id);

    await authorize();
    await program.up();
    const out = await program.revealedOutputs();
    expect(out.appId).toBe(second.id);
    const { accessToken } = out.approvedToken as Record<string, string>;
    expect(accessToken).toBe(grantOf(second.id)?.credential);
    expect((await i(accessToken as string)).status).toBe(200);
  });

  it("a changed name is planned as a new app, and preview says the old one stays", async () => {
    await program.config("appName", "Notes bot v2");
    const before = apiCalls();
    const r = await program.preview();
    expect(r.stdout).toContain(`+-${API_CLIENT_TYPE}: (replace)`);
    expect(output(r)).toContain(
      `name changed, so a new client will be registered; the old app stays: Misskey has no API to delete apps: app "${second.id}" stays registered at ${server.url}`,
    );
    expect(apiCalls()).toBe(before);
  });

  it("destroy cannot delete the app: it says so, and the app and its grant stay at the server", async () => {
    const grant = grantOf(second.id)?.credential as string;
    const r = await program.destroy();
    expect(output(r)).toContain(
      `not deleted: Misskey has no API to delete apps: app "${second.id}" stays registered at ${server.url} and its secret stays valid`,
    );
    expect(output(r)).toMatch(/an administrator can delete the app in the database/);
    expect((await resources()).filter((x) => x.type.includes("access-tokens"))).toEqual([]);
    expect(server.apps().map((a) => a.id)).toEqual([second.id]);
    expect(await showStatus(second.id)).toBe(200);
    expect((await i(grant)).status).toBe(200);
  });

  it("no app secret, owner token, app access token or credential appears in any output, log or state export", () => {
    const canaries = [owner.nativeToken, first.secret, second.secret, ...server.issuedTokens];
    expect(canaries.length).toBeGreaterThanOrEqual(7);
    expect(findLeaks([...transcriptTexts(program), ...exports, ...cliTexts], canaries)).toEqual([]);
  });
});
