/**
 * Secret inputs stay secret however the program passes them: one program
 * (test/engine/programs/plain-secrets) creates every resource kind of every system against
 * the local servers, each secret input a plain string, and no such value may appear in
 * `pulumi stack export` or in any command's output; each resource's secret inputs (the
 * list the provider and SDK share) are ciphertext envelopes in state.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../provider";
import { newMiAuthSession } from "../../provider/systems/misskey/authorize";
import { secretInputsOf } from "../../sdk/secret-inputs";
import { type AlphausServer, startAlphausServer } from "../servers/alphaus-server";
import { type ExastroServer, startExastroServer } from "../servers/exastro-server";
import { type MisskeyServer, startMisskeyServer } from "../servers/misskey-server";
import { type OAuthServer, SCOPES, startOAuthServer } from "../kit/oauth-server";
import { type VantageServer, startVantageServer } from "../servers/vantage-server";
import {
  type Program,
  SECRET_SIG,
  type StateResource,
  createProgram,
  findLeaks,
  transcriptTexts,
} from "../kit/harness";

const run = randomUUID().slice(0, 8);
const oidcClient = {
  client_id: "plain-oidc",
  client_secret: `plain-oidc-secret-${run}`,
  token_endpoint_auth_method: "client_secret_basic" as const,
  scope: SCOPES.join(" "),
};
const initialAccessToken = `plain-iat-${run}`;
const alphausClient = { clientId: "plain-alphaus", clientSecret: `plain-alphaus-secret-${run}`, name: "owner" };
const alphausUser = { username: "plain-alphaus-user", password: `plain-alphaus-pass-${run}` };
const vantageClient = {
  clientId: "plain-vantage",
  clientSecret: `plain-vantage-secret-${run}`,
  allowRopc: true,
  allowOfflineAccess: true,
};
const vantageUser = { username: "plain-vantage-user", password: `plain-vantage-pass-${run}` };
const exastroUser = { org: "org1", username: "plain-ops", password: `plain-ops-pass-${run}`, totp: "73920184" };
const exastroAdmin = {
  org: "org1",
  username: "plain-admin",
  password: `plain-admin-pass-${run}`,
  roles: ["_ws1-admin"],
};

let oidc: OAuthServer;
let alphausServer: AlphausServer;
let vantageServer: VantageServer;
let exastroServer: ExastroServer;
let misskeyServer: MisskeyServer;
let program: Program;
const exports: { label: string; text: string }[] = [];
/** Every value the program receives that is a secret. */
const secrets: string[] = [];

/** A token issued by the provider itself (as another stack would hand it over). */
async function issued(inputs: Record<string, unknown>): Promise<Record<string, string>> {
  return (await handler("AccessToken", 1).create(inputs)).outs as Record<string, string>;
}

async function postJson(url: string, body: Record<string, unknown>): Promise<Record<string, string>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

/** The program's values: every secret a plain string, each also a canary. */
async function values(): Promise<Record<string, string>> {
  const vantageHost = { system: "vantage", baseUrl: vantageServer.origin, tenantId: vantageServer.tenantId };
  const ropc = (offline: boolean) =>
    issued({
      ...vantageHost,
      grantType: "password",
      clientId: vantageClient.clientId,
      clientSecret: vantageClient.clientSecret,
      username: vantageUser.username,
      password: vantageUser.password,
      offlineAccess: offline,
    });
  const exastroSignIn = ({ username, password, totp }: { username: string; password: string; totp?: string }) =>
    issued({ system: "exastro", baseUrl: exastroServer.url, organizationId: "org1", username, password, totp });

  const owner = misskeyServer.createUser("plain-owner");
  const miauth = misskeyServer.approveMiAuth(newMiAuthSession(), owner.id, { permission: ["read:account"] }).token;
  const app = await postJson(`${misskeyServer.url}/api/app/create`, {
    i: owner.nativeToken,
    name: "plain-legacy",
    description: "legacy app",
    permission: ["read:account"],
    callbackUrl: null,
  });
  const session = await postJson(`${misskeyServer.url}/api/auth/session/generate`, { appSecret: app.secret });
  const appAccessToken = misskeyServer.approveAppSession(session.token as string, owner.id).accessToken;

  const plain = {
    oidcIssuer: oidc.issuer,
    oidcClientId: oidcClient.client_id,
    vantageTokenEndpoint: vantageServer.tokenEndpoint,
    vantageBaseUrl: vantageServer.origin,
    vantageTenantId: vantageServer.tenantId,
    vantageClientId: vantageClient.clientId,
    vantageUsername: vantageUser.username,
    alphausAuthUrl: alphausServer.rippleTokenEndpoint,
    alphausApiUrl: alphausServer.blueApiBase,
    alphausClientId: alphausClient.clientId,
    alphausUsername: alphausUser.username,
    exastroBaseUrl: exastroServer.url,
    exastroUsername: exastroUser.username,
    misskeyBaseUrl: misskeyServer.url,
  };
  const secret = {
    oidcClientSecret: oidcClient.client_secret,
    oidcInitialAccessToken: initialAccessToken,
    vantageClientSecret: vantageClient.clientSecret,
    vantagePassword: vantageUser.password,
    oauth2RefreshToken: (await ropc(true)).refreshToken as string,
    vantageRefreshToken: (await ropc(true)).refreshToken as string,
    vantageAdminAccessToken: (await ropc(false)).accessToken as string,
    alphausClientSecret: alphausClient.clientSecret,
    alphausPassword: alphausUser.password,
    alphausOwnerAccessToken: (
      await issued({
        system: "alphaus",
        product: "ripple",
        authUrl: alphausServer.rippleTokenEndpoint,
        clientId: alphausClient.clientId,
        clientSecret: alphausClient.clientSecret,
      })
    ).accessToken as string,
    exastroPassword: exastroUser.password,
    exastroTotp: exastroUser.totp,
    exastroRefreshToken: (await exastroSignIn(exastroUser)).refreshToken as string,
    exastroAdminAccessToken: (await exastroSignIn(exastroAdmin)).accessToken as string,
    misskeyToken: miauth,
    misskeyNativeToken: owner.nativeToken,
    misskeyAppAccessToken: appAccessToken,
    misskeyAppSecret: app.secret as string,
  };
  for (const [key, value] of Object.entries(secret)) {
    if (typeof value !== "string" || value.length < 8) throw new Error(`no usable secret for ${key}`);
    secrets.push(value);
  }
  return { ...plain, ...secret };
}

beforeAll(async () => {
  oidc = await startOAuthServer({ clients: [oidcClient], registration: { initialAccessToken } });
  alphausServer = await startAlphausServer({ clients: [alphausClient], users: [alphausUser] });
  vantageServer = await startVantageServer({ clients: [vantageClient], users: [vantageUser] });
  exastroServer = await startExastroServer({ organizations: ["org1"] });
  exastroServer.addUser({ ...exastroUser });
  exastroServer.addUser({ ...exastroAdmin });
  misskeyServer = await startMisskeyServer();
  program = await createProgram("../test/engine/programs/plain-secrets");
  // Through the environment: plaintext stack config would be recorded in state by the engine.
  program.env.PLAIN_SECRETS_VALUES = JSON.stringify(await values());
});

afterAll(async () => {
  await Promise.all([oidc, alphausServer, vantageServer, exastroServer, misskeyServer].map((s) => s?.close()));
  await program?.cleanup();
});

async function resources(): Promise<StateResource[]> {
  const text = await program.exportState();
  exports.push({ label: `stack export after ${program.transcript.length} commands`, text });
  return JSON.parse(text).deployment.resources ?? [];
}

describe("plain-string secret inputs, every resource of every system", () => {
  it("up creates every resource", async () => {
    await program.up();
    const created = (await resources()).filter((r) => /:(AccessToken|ApiClient)$/.test(r.type));
    expect(created.map((r) => r.urn.split("::").at(-1)).sort()).toEqual([
      "alphaus-client",
      "alphaus-password",
      "exastro-agent",
      "exastro-password",
      "exastro-refresh-token",
      "misskey-app",
      "misskey-app-token",
      "misskey-token",
      "oauth2-client",
      "oauth2-client-credentials",
      "oauth2-password",
      "oauth2-refresh-token",
      "vantage-client",
      "vantage-password",
      "vantage-refresh-token",
    ]);
  });

  it("every secret input of every resource is a ciphertext envelope in state, inputs and outputs", async () => {
    const checked = new Map<string, number>();
    for (const r of await resources()) {
      const kind = r.type.endsWith(":AccessToken") ? "AccessToken" : r.type.endsWith(":ApiClient") ? "ApiClient" : "";
      if (!kind) continue;
      const system = r.inputs?.system as string;
      for (const key of secretInputsOf(kind, system)) {
        for (const [where, props] of [
          ["inputs", r.inputs],
          ["outputs", r.outputs],
        ] as const) {
          if (props?.[key] === undefined) continue;
          expect({ resource: r.urn, where, key, value: props[key] }).toEqual({
            resource: r.urn,
            where,
            key,
            value: expect.objectContaining({ [SECRET_SIG]: expect.any(String), ciphertext: expect.any(String) }),
          });
          checked.set(r.urn, (checked.get(r.urn) ?? 0) + 1);
        }
      }
    }
    // Every resource had secret inputs to check.
    expect(checked.size).toBe(15);
  });

  it("destroy removes them all", async () => {
    await program.destroy();
    expect((await resources()).filter((r) => /:(AccessToken|ApiClient)$/.test(r.type))).toEqual([]);
  });

  it("no secret input appears in any state export or command output", () => {
    expect(secrets.length).toBe(18);
    expect(exports.length).toBeGreaterThanOrEqual(3);
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
