/**
 * The plugin archive `npm run plugin:pack` builds, installed the way a user of any language
 * installs it (`pulumi plugin install resource access-tokens <version> --file <archive>`)
 * into a fresh plugin cache, then found by the engine for a YAML program that names no
 * plugin path: up issues a token (secret in state), destroy revokes it.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, REPO, SECRET_SIG, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const exec = promisify(execFile);

const client: TestClient = {
  client_id: "archive-client",
  client_secret: `archive-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
let program: Program;
let archive: string;
const exports: { label: string; text: string }[] = [];
const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

describe("the plugin archive", () => {
  beforeAll(async () => {
    server = await startOAuthServer({ clients: [client] });
    program = await createProgram("../test/engine/programs/yaml-installed");
    await program.config("issuer", server.issuer);
    await program.config("clientId", client.client_id);
    await program.config("clientSecret", client.client_secret as string, true);
    const packed = await exec("bash", [join(REPO, "scripts/plugin-pack.sh"), join(program.dir, "..", "archive")], {
      cwd: REPO,
      env: process.env,
    });
    archive = packed.stdout.trim().split("\n").at(-1) as string;
  });

  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  it("installs into the plugin cache with pulumi plugin install", async () => {
    expect(archive).toMatch(
      new RegExp(`pulumi-resource-access-tokens-v${version.replace(/\./g, "\\.")}-\\w+-\\w+\\.tar\\.gz$`),
    );
    await exec("pulumi", ["plugin", "install", "resource", "access-tokens", version, "--file", archive], {
      cwd: program.dir,
      env: program.env,
    });
    const listed = await exec("pulumi", ["plugin", "ls", "--json"], { cwd: program.dir, env: program.env });
    const plugins = JSON.parse(listed.stdout) as { name: string; kind: string; version: string }[];
    expect(plugins).toContainEqual(expect.objectContaining({ name: "access-tokens", kind: "resource", version }));
  });

  let token: string;
  it("a YAML program without a plugin path uses it: up issues a secret token", async () => {
    const r = await program.up();
    expect(r.stdout).toMatch(/accessToken\s*: \[secret\]/);
    token = (await program.revealedOutputs()).accessToken as string;
    expect((await server.introspect(token, client)).active).toBe(true);
    const text = await program.exportState();
    exports.push({ label: "stack export", text });
    const resource = JSON.parse(text).deployment.resources.find(
      (x: { type: string }) => x.type === "access-tokens:index:AccessToken",
    );
    expect(resource.outputs.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect(resource.inputs.clientSecret).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("destroy revokes the token; nothing secret was printed or stored in plaintext", async () => {
    await program.destroy();
    expect((await server.introspect(token, client)).active).toBe(false);
    const secrets = [client.client_secret as string, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(program), ...exports], secrets)).toEqual([]);
  });
});
