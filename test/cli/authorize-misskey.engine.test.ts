/**
 * `authorize misskey` against the local Misskey server. The test plays the human: when the
 * command prints the approval page, it opens it and approves as the user.
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTHORIZE_EXIT, type AuthorizeIO, authorizeMisskey } from "../../cli/authorize-misskey";
import { deriveI } from "../../provider/systems/misskey/token";
import { type Program, createProgram } from "../kit/harness";
import { type MisskeyServer, startMisskeyServer } from "../servers/misskey-server";

let server: MisskeyServer;
let owner: { id: string; username: string; nativeToken: string };

interface Captured extends AuthorizeIO {
  out: string;
  err: string;
  approvals: Promise<unknown>[];
}

/** An interactive terminal whose user approves whatever page the command prints. */
function terminal(options: { approve?: boolean; env?: NodeJS.ProcessEnv; isInteractive?: boolean } = {}): Captured {
  const io: Captured = {
    out: "",
    err: "",
    approvals: [],
    isInteractive: options.isInteractive ?? true,
    env: { ...process.env, CI: "", ...options.env },
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
      const page = /(http:\/\/127\.0\.0\.1:\d+\/(miauth|auth)\/([^\s?]+)\S*)/.exec(text);
      if (page && options.approve !== false) {
        const [, url, kind, id] = page as unknown as [string, string, string, string];
        io.approvals.push(
          (async () => {
            await (await fetch(url)).text(); // the browser opens the page
            await new Promise((r) => setTimeout(r, 150));
            if (kind === "miauth") server.approveMiAuth(id, owner.id);
            else server.approveAppSession(id, owner.id);
          })(),
        );
      }
    },
  };
  return io;
}

const i = async (credential: string) =>
  (
    await fetch(`${server.url}/api/i`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
      body: "{}",
    })
  ).status;

beforeAll(async () => {
  server = await startMisskeyServer();
  owner = server.createUser("owner");
});
afterAll(() => server?.close());

describe("authorize misskey --print", () => {
  it("prints the MiAuth page, waits for approval, prints only the token on stdout", async () => {
    const io = terminal();
    const code = await authorizeMisskey(
      [
        "--host",
        server.url,
        "--permission",
        "read:account,write:notes",
        "--name",
        "CI bot",
        "--print",
        "--poll-interval",
        "200ms",
      ],
      io,
    );
    await Promise.all(io.approvals);
    expect(code).toBe(AUTHORIZE_EXIT.OK);
    expect(io.err).toMatch(/\/miauth\/[0-9a-f-]{36}\?name=CI\+bot&permission=read:account,write:notes/);
    expect(io.err).toMatch(/waiting for approval… 0s elapsed, 5m00s left/);
    expect(io.err).toMatch(/Approved by @owner/);
    const token = io.out.trim();
    expect(io.out).toBe(`${token}\n`);
    expect(await i(token)).toBe(200);
    const [info] = server.tokensOf(owner.id).filter((t) => t.token === token);
    expect(info).toMatchObject({ kind: "miauth", name: "CI bot", permission: ["read:account", "write:notes"] });
  });

  it("warns about unknown permission names instead of dropping them silently", async () => {
    const io = terminal();
    const code = await authorizeMisskey(
      ["--host", server.url, "--permission", "read:acount", "--print", "--poll-interval", "200ms"],
      io,
    );
    await Promise.all(io.approvals);
    expect(code).toBe(AUTHORIZE_EXIT.OK);
    expect(io.err).toMatch(/warning: Misskey does not know the permission\(s\) read:acount/);
  });

  it("the legacy app flow prints the app access token and secret; the provider's i works", async () => {
    const io = terminal();
    const code = await authorizeMisskey(
      ["--host", server.url, "--legacy", "--permission", "read:account", "--print", "--poll-interval", "200ms"],
      io,
    );
    await Promise.all(io.approvals);
    expect(code).toBe(AUTHORIZE_EXIT.OK);
    expect(io.err).toMatch(/\/auth\/[0-9a-f-]{36}/);
    const { appAccessToken, appSecret } = JSON.parse(io.out) as { appAccessToken: string; appSecret: string };
    expect(await i(deriveI(appAccessToken, appSecret))).toBe(200);
    expect(await i(appAccessToken)).toBe(401);
  });

  it("gives up at the deadline with visible progress, storing nothing", async () => {
    const io = terminal({ approve: false });
    const started = Date.now();
    const code = await authorizeMisskey(
      ["--host", server.url, "--print", "--timeout", "2s", "--poll-interval", "500ms"],
      io,
    );
    expect(code).toBe(AUTHORIZE_EXIT.FAILURE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(io.err).toMatch(/waiting for approval… 0s elapsed, 2s left/);
    expect(io.err).toMatch(/nobody approved within 2s; nothing was stored/);
    expect(io.out).toBe("");
  });
});

describe("never waits for a human when nobody is there", () => {
  const argv = [
    "--host",
    "misskey.example",
    "--permission",
    "read:account",
    "--stack",
    "prod",
    "--config-key",
    "token",
  ];

  it.each([
    ["no terminal", { isInteractive: false }, /not interactive \(no terminal\)/],
    ["CI=true", { env: { CI: "true" } }, /not interactive \(CI=true\)/],
  ])("%s: fails at once, saying exactly what to run", async (_name, options, why) => {
    const io = terminal(options);
    const before = server.requests.length;
    const started = Date.now();
    expect(await authorizeMisskey(argv, io)).toBe(AUTHORIZE_EXIT.NOT_INTERACTIVE);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(io.err).toMatch(why);
    expect(io.err).toContain(
      "npx pulumi-access-tokens authorize misskey --host misskey.example --permission read:account --stack prod --config-key token",
    );
    expect(server.requests.length).toBe(before);
  });

  it("refuses bad arguments with the usage", async () => {
    const io = terminal();
    expect(await authorizeMisskey(["--permission", "read:account", "--print"], io)).toBe(AUTHORIZE_EXIT.USAGE);
    expect(io.err).toMatch(/--host is required\nusage:/);
    const both = terminal();
    expect(await authorizeMisskey(["--host", "a.example", "--print", "--config-key", "k"], both)).toBe(
      AUTHORIZE_EXIT.USAGE,
    );
    expect(both.err).toMatch(/exactly one of --config-key KEY or --print/);
    const http = terminal();
    expect(await authorizeMisskey(["--host", "http://misskey.example", "--print"], http)).toBe(AUTHORIZE_EXIT.USAGE);
    expect(http.err).toMatch(/must use https/);
    const app = terminal();
    expect(await authorizeMisskey(["--host", "a.example", "--app", "bot-app", "--print"], app)).toBe(
      AUTHORIZE_EXIT.USAGE,
    );
    expect(app.err).toMatch(/--app is only used with --legacy/);
    const appSecretKey = terminal();
    expect(
      await authorizeMisskey(
        ["--host", "a.example", "--legacy", "--app", "a", "--config-key", "k", "--app-secret-config-key", "s"],
        appSecretKey,
      ),
    ).toBe(AUTHORIZE_EXIT.USAGE);
    expect(appSecretKey.err).toMatch(/--app-secret-config-key cannot be combined with --app/);
  });
});

describe("authorize misskey --stack --config-key", () => {
  let program: Program;
  let bin: string;
  let argvLog: string;

  beforeAll(async () => {
    program = await createProgram("misskey");
    // A `pulumi` in front of the real one that records its argv: the token must never be there.
    bin = await mkdtemp(join(tmpdir(), "pat-bin-"));
    argvLog = join(bin, "argv.log");
    const real = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).stdout.trim();
    await writeFile(join(bin, "pulumi"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${argvLog}"\nexec "${real}" "$@"\n`);
    await chmod(join(bin, "pulumi"), 0o755);
  });
  afterAll(async () => {
    await program?.cleanup();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  it("stores the token as an encrypted secret in the stack's config, passing it on stdin only", async () => {
    const io = terminal({ env: { ...program.env, PATH: `${bin}:${process.env.PATH}`, CI: "" } });
    const code = await authorizeMisskey(
      [
        "--host",
        server.url,
        "--permission",
        "read:account",
        "--stack",
        program.stack,
        "--config-key",
        "token",
        "--cwd",
        program.dir,
        "--poll-interval",
        "200ms",
      ],
      io,
    );
    await Promise.all(io.approvals);
    expect(io.err).not.toMatch(/authorize misskey:/);
    expect(code).toBe(AUTHORIZE_EXIT.OK);
    expect(io.out).toMatch(/Stored the token as secret config token of stack test/);

    const printed = (await program.pulumi(["config", "get", "token"], { revealsSecrets: true })).stdout;
    const stored = printed.replace(/\n$/, "");
    // Exactly the token: no newline or padding picked up on the way through stdin.
    expect(server.tokensOf(owner.id).map((t) => t.token)).toContain(stored);
    expect(await i(stored)).toBe(200);
    const file = await readFile(join(program.dir, `Pulumi.${program.stack}.yaml`), "utf8");
    expect(file).toMatch(/misskey:token:\s+secure: /);
    expect(file).not.toContain(stored);
    const argv = await readFile(argvLog, "utf8");
    expect(argv).toMatch(/config set --secret token --non-interactive --stack test/);
    expect(argv).not.toContain(stored);
    expect(io.out + io.err).not.toContain(stored);
  });

  it("legacy mode stores the app access token and the app secret under two keys", async () => {
    const io = terminal({ env: { ...program.env, CI: "" } });
    const code = await authorizeMisskey(
      [
        "--host",
        server.url,
        "--legacy",
        "--permission",
        "read:account",
        "--stack",
        program.stack,
        "--config-key",
        "appAccessToken",
        "--app-secret-config-key",
        "appSecret",
        "--cwd",
        program.dir,
        "--poll-interval",
        "200ms",
      ],
      io,
    );
    await Promise.all(io.approvals);
    expect(code).toBe(AUTHORIZE_EXIT.OK);
    const get = async (key: string) =>
      (await program.pulumi(["config", "get", key], { revealsSecrets: true })).stdout.trim();
    expect(await i(deriveI(await get("appAccessToken"), await get("appSecret")))).toBe(200);
  });

  it("checks the stack before anyone approves anything", async () => {
    const io = terminal({ env: { ...program.env, CI: "" } });
    const before = server.requests.length;
    const code = await authorizeMisskey(
      ["--host", server.url, "--stack", "no-such-stack", "--config-key", "token", "--cwd", program.dir],
      io,
    );
    expect(code).toBe(AUTHORIZE_EXIT.FAILURE);
    expect(io.err).toMatch(/cannot use the stack config/);
    expect(io.err).not.toMatch(/miauth/);
    expect(server.requests.length).toBe(before);
  });

  it("--legacy --app needs that misskey.App in the stack's state, and asks Misskey nothing without it", async () => {
    const io = terminal({ env: { ...program.env, CI: "" } });
    const before = server.requests.length;
    const code = await authorizeMisskey(
      [
        "--host",
        server.url,
        "--legacy",
        "--app",
        "bot-app",
        "--stack",
        program.stack,
        "--config-key",
        "k",
        "--cwd",
        program.dir,
      ],
      io,
    );
    expect(code).toBe(AUTHORIZE_EXIT.FAILURE);
    expect(io.err).toMatch(/the stack has no misskey.App named bot-app with a secret: run pulumi up first/);
    expect(server.requests.length).toBe(before);
  });
});
