/**
 * `pulumi-access-tokens authorize misskey`: the one step of Misskey authorization that needs a
 * person. It prints the MiAuth page (or, with `--legacy`, the app-session page), waits with
 * visible progress and a deadline for the user to approve it, then stores the token as a
 * secret in stack config (`pulumi config set --secret`, the value on stdin, never in argv) or
 * prints it for piping (`--print`). The resource (`misskey.AccessToken`) then adopts the token
 * without ever waiting for a human; in a non-interactive run this command fails at once.
 */
import { spawn } from "node:child_process";
import { isAccessTokenError } from "../provider/errors";
import { redact } from "../provider/http/redact";
import { createApp, misskeyOrigin, unknownPermissions } from "../provider/systems/misskey/token";
import {
  ApprovalTimeoutError,
  generateSession,
  miauthUrl,
  newMiAuthSession,
  pollMiAuth,
  pollUserKey,
} from "../provider/systems/misskey/authorize";
import { parseDuration } from "../provider/core/rotation";
import { API_CLIENT_TYPE } from "../sdk/shim";

/** Exit codes of the authorize command. */
export const AUTHORIZE_EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_INTERACTIVE: 3 } as const;

/** What the command needs from its surroundings (compatible with the CLI's `CommandIO`). */
export interface AuthorizeIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A person is at the terminal (who can open a browser and approve). */
  isInteractive: boolean;
  /** Environment for `pulumi` (and `CI`). */
  env: NodeJS.ProcessEnv;
  /** The Pulumi project directory; default the process's. */
  cwd?: string;
}

/** Usage text of the command. */
export const AUTHORIZE_MISSKEY_USAGE = `usage: pulumi-access-tokens authorize misskey --host HOST
         [--permission a,b ...] [--name NAME] [--legacy [--app APP]]
         (--config-key KEY [--stack STACK] [--app-secret-config-key KEY2] | --print)
         [--timeout 5m] [--poll-interval 2s] [--cwd DIR]

  --host HOST              the server, e.g. misskey.io (or https://misskey.io)
  --permission a,b         permission kinds to request (repeatable), e.g. read:account,write:notes
  --name NAME              application name shown on the approval page (default "Pulumi")
  --config-key KEY         store the token as secret stack config KEY (pulumi config set --secret)
  --stack STACK            the stack to store it in (default: the selected stack)
  --print                  print the token on stdout instead (MiAuth: the token; --legacy: JSON)
  --legacy                 the legacy app flow (app/create, auth/session/*) instead of MiAuth;
                           stores KEY (the app access token) and KEY2 (the app secret,
                           default KEY + "AppSecret")
  --app APP                with --legacy: approve the misskey.App resource named APP of the
                           stack (its secret is read from the stack's state) instead of
                           creating an app; only the app access token is stored (KEY)
  --timeout DURATION       give up waiting for approval after this long (default 5m)
  --poll-interval DURATION pause between checks (default 2s)
  --cwd DIR                the Pulumi project directory (default the current one)
`;

interface Options {
  host: string;
  permissions: string[];
  name: string;
  legacy: boolean;
  configKey?: string;
  appSecretConfigKey?: string;
  /** The resource name of a misskey.App in the stack, whose secret the session uses. */
  app?: string;
  stack?: string;
  print: boolean;
  timeoutMs: number;
  intervalMs: number;
  cwd?: string;
}

function parseWait(text: string): number | undefined {
  const ms = /^(\d+)ms$/.exec(text.trim());
  return ms ? Number(ms[1]) : parseDuration(text);
}

function parseArgs(argv: string[]): Options | string {
  const opts: Partial<Options> & { permissions: string[] } = { permissions: [], legacy: false, print: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      switch (flag) {
        case "--host":
          opts.host = value();
          break;
        case "--permission":
        case "--permissions":
          opts.permissions.push(
            ...value()
              .split(",")
              .map((p) => p.trim())
              .filter(Boolean),
          );
          break;
        case "--name":
          opts.name = value();
          break;
        case "--legacy":
          opts.legacy = true;
          break;
        case "--config-key":
          opts.configKey = value();
          break;
        case "--app-secret-config-key":
          opts.appSecretConfigKey = value();
          break;
        case "--app":
          opts.app = value();
          break;
        case "--stack":
        case "-s":
          opts.stack = value();
          break;
        case "--print":
          opts.print = true;
          break;
        case "--timeout": {
          const v = value();
          opts.timeoutMs = parseWait(v);
          if (opts.timeoutMs === undefined) return `--timeout: "${v}" is not a duration such as 5m or 90s`;
          break;
        }
        case "--poll-interval": {
          const v = value();
          opts.intervalMs = parseWait(v);
          if (opts.intervalMs === undefined) return `--poll-interval: "${v}" is not a duration such as 2s or 500ms`;
          break;
        }
        case "--cwd":
          opts.cwd = value();
          break;
        default:
          return `unknown argument ${arg}`;
      }
    } catch (error) {
      return (error as Error).message;
    }
  }
  if (!opts.host) return "--host is required";
  if (opts.print === (opts.configKey !== undefined)) return "set exactly one of --config-key KEY or --print";
  if (opts.print && opts.stack) return "--stack is only used with --config-key";
  if (opts.appSecretConfigKey && !(opts.legacy && opts.configKey)) {
    return "--app-secret-config-key is only used with --legacy --config-key";
  }
  if (opts.app && !opts.legacy) return "--app is only used with --legacy";
  if (opts.app && opts.appSecretConfigKey) {
    return "--app-secret-config-key cannot be combined with --app (the app secret stays in the app's state)";
  }
  return {
    host: opts.host,
    permissions: [...new Set(opts.permissions)],
    name: opts.name ?? "Pulumi",
    legacy: opts.legacy ?? false,
    configKey: opts.configKey,
    appSecretConfigKey:
      opts.legacy && opts.configKey && !opts.app
        ? (opts.appSecretConfigKey ?? `${opts.configKey}AppSecret`)
        : undefined,
    app: opts.app,
    stack: opts.stack,
    print: opts.print ?? false,
    timeoutMs: opts.timeoutMs ?? 5 * 60_000,
    intervalMs: opts.intervalMs ?? 2_000,
    cwd: opts.cwd,
  };
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** True when CI says so (`CI=true`, `CI=1`). */
function inCi(env: NodeJS.ProcessEnv): boolean {
  const ci = (env.CI ?? "").toLowerCase();
  return ci !== "" && ci !== "false" && ci !== "0";
}

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

function runPulumi(args: string[], io: AuthorizeIO, cwd: string | undefined, input?: string): Promise<Spawned> {
  return new Promise((resolve) => {
    const child = spawn("pulumi", args, { cwd, env: io.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", (error) => resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` }));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // The secret travels on stdin only, never in argv (visible to every user in `ps`).
    child.stdin.end(input ?? "");
  });
}

const stackArgs = (opts: Options) => (opts.stack ? ["--stack", opts.stack] : []);

async function storeSecret(opts: Options, io: AuthorizeIO, key: string, value: string): Promise<string | undefined> {
  const r = await runPulumi(
    ["config", "set", "--secret", key, "--non-interactive", ...stackArgs(opts)],
    io,
    opts.cwd ?? io.cwd,
    value,
  );
  return r.code === 0 ? undefined : redact(r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`, [value]);
}

/**
 * The secret of the misskey.App resource named `name`, from `pulumi stack export
 * --show-secrets` (state is written per resource, so it is there even after a failed up).
 */
async function appSecretOf(opts: Options, io: AuthorizeIO, name: string): Promise<string | { problem: string }> {
  const r = await runPulumi(
    ["stack", "export", "--show-secrets", "--non-interactive", ...stackArgs(opts)],
    io,
    opts.cwd ?? io.cwd,
  );
  if (r.code !== 0) {
    return {
      problem: `cannot read the stack's state (pulumi stack export failed): ${r.stderr.trim() || `exit ${r.code}`}`,
    };
  }
  let resources: { urn?: string; type?: string; outputs?: Record<string, unknown> }[] = [];
  try {
    resources = JSON.parse(r.stdout).deployment?.resources ?? [];
  } catch {
    return { problem: "cannot read the stack's state (pulumi stack export printed no JSON)" };
  }
  const apps = resources.filter(
    (x) => x.type === API_CLIENT_TYPE && x.outputs?.system === "misskey" && x.urn?.endsWith(`::${name}`),
  );
  const secret = apps[0]?.outputs?.clientSecret as { plaintext?: unknown } | string | undefined;
  let value: unknown = secret;
  if (typeof secret === "object" && typeof secret?.plaintext === "string") {
    try {
      value = JSON.parse(secret.plaintext);
    } catch {
      value = undefined;
    }
  }
  if (apps.length !== 1 || typeof value !== "string" || value === "") {
    return {
      problem:
        apps.length > 1
          ? `the stack has ${apps.length} misskey.App resources named ${name}`
          : `the stack has no misskey.App named ${name} with a secret: run pulumi up first, so the app exists`,
    };
  }
  return value;
}

/**
 * Runs `authorize misskey` with `argv` (the arguments after `authorize misskey`); returns the
 * exit code ({@link AUTHORIZE_EXIT}).
 */
export async function authorizeMisskey(argv: string[], io: AuthorizeIO): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === "string") {
    io.stderr(`authorize misskey: ${parsed}\n${AUTHORIZE_MISSKEY_USAGE}`);
    return AUTHORIZE_EXIT.USAGE;
  }
  const opts = parsed;
  let origin: string;
  try {
    origin = misskeyOrigin(opts.host);
  } catch (error) {
    io.stderr(`authorize misskey: ${(error as Error).message}\n`);
    return AUTHORIZE_EXIT.USAGE;
  }
  const host = new URL(origin).host;
  const unknown = unknownPermissions(opts.permissions);
  if (unknown.length > 0) {
    io.stderr(
      `warning: Misskey does not know the permission(s) ${unknown.join(", ")} and will drop them without a word\n`,
    );
  }

  if (!io.isInteractive || inCi(io.env)) {
    const why = inCi(io.env) ? `CI=${io.env.CI}` : "no terminal";
    io.stderr(
      `authorize misskey: a person must approve access in a browser, and this run is not interactive (${why}); nothing was requested from ${host}.\n` +
        `Run this on a machine where you can open a browser, then commit the stack config it writes:\n\n` +
        `  npx pulumi-access-tokens authorize misskey ${argv.map(shellQuote).join(" ")}\n`,
    );
    return AUTHORIZE_EXIT.NOT_INTERACTIVE;
  }

  if (opts.configKey) {
    // Fail before the user approves anything: a token fetched once cannot be fetched again.
    const probe = await runPulumi(["config", "--json", ...stackArgs(opts)], io, opts.cwd ?? io.cwd);
    if (probe.code !== 0) {
      io.stderr(
        `authorize misskey: cannot use the stack config (pulumi config ${stackArgs(opts).join(" ")} failed): ${probe.stderr.trim() || `exit ${probe.code}`}\n`,
      );
      return AUTHORIZE_EXIT.FAILURE;
    }
  }

  const secrets: string[] = [];
  let existingAppSecret: string | undefined;
  if (opts.app) {
    // Read before anyone approves: the session is generated with this secret.
    const found = await appSecretOf(opts, io, opts.app);
    if (typeof found !== "string") {
      io.stderr(`authorize misskey: ${found.problem}\n`);
      return AUTHORIZE_EXIT.FAILURE;
    }
    existingAppSecret = found;
    secrets.push(found);
  }

  let lastProgress = 0;
  const poll = {
    deadlineMs: opts.timeoutMs,
    intervalMs: opts.intervalMs,
    onProgress: ({ elapsedMs, remainingMs }: { elapsedMs: number; remainingMs: number }) => {
      if (elapsedMs - lastProgress < 10_000 && lastProgress !== 0) return;
      lastProgress = Math.max(elapsedMs, 1);
      io.stderr(`  waiting for approval… ${formatDuration(elapsedMs)} elapsed, ${formatDuration(remainingMs)} left\n`);
    },
  };
  const openPage = (url: string) =>
    io.stderr(
      `Open this page in a browser signed in to ${host}, check the permissions and approve:\n\n  ${url}\n\n` +
        `Waiting up to ${formatDuration(opts.timeoutMs)} (Ctrl-C to give up).\n`,
    );

  try {
    let values: { key: string | undefined; value: string }[];
    let who: string | undefined;
    if (opts.legacy) {
      const appSecret =
        existingAppSecret ??
        (
          await createApp(origin, {
            name: opts.name,
            description: "Access token managed by Pulumi (pulumi-access-tokens)",
            permissions: opts.permissions,
          })
        ).secret;
      secrets.push(appSecret);
      const session = await generateSession(origin, appSecret);
      openPage(session.url);
      const key = await pollUserKey(origin, appSecret, session.token, poll);
      secrets.push(key.accessToken);
      who = key.user?.username;
      values = [
        { key: opts.configKey, value: key.accessToken },
        ...(existingAppSecret ? [] : [{ key: opts.appSecretConfigKey, value: appSecret }]),
      ];
      if (opts.print) {
        io.stdout(
          `${JSON.stringify(existingAppSecret ? { appAccessToken: key.accessToken } : { appAccessToken: key.accessToken, appSecret })}\n`,
        );
      }
    } else {
      const session = newMiAuthSession();
      openPage(miauthUrl(origin, session, { name: opts.name, permissions: opts.permissions }));
      const result = await pollMiAuth(origin, session, poll);
      secrets.push(result.token);
      who = result.user?.username;
      values = [{ key: opts.configKey, value: result.token }];
      if (opts.print) io.stdout(`${result.token}\n`);
    }
    io.stderr(`Approved${who ? ` by @${who}` : ""} on ${host}.\n`);
    if (opts.print) return AUTHORIZE_EXIT.OK;

    for (const { key, value } of values) {
      const failure = await storeSecret(opts, io, key as string, value);
      if (failure) {
        io.stderr(
          `authorize misskey: the token was issued but storing it as ${key} failed: ${redact(failure, secrets)}\n` +
            `It is not shown, to keep it out of logs. Revoke it in Misskey Web (Settings > Apps, /settings/apps) and run this command again.\n`,
        );
        return AUTHORIZE_EXIT.FAILURE;
      }
    }
    const where = opts.stack ? `stack ${opts.stack}` : "the selected stack";
    const stored = values.map((v) => v.key).join(" and ");
    io.stdout(
      existingAppSecret
        ? `Stored the app access token as secret config ${stored} of ${where}.\n` +
            `Use it as appAccessToken: config.requireSecret("${opts.configKey}") in a misskey.AccessToken with app: <the misskey.App>, then run pulumi up.\n`
        : `Stored the ${opts.legacy ? "app access token and app secret" : "token"} as secret config ${stored} of ${where}.\n` +
            (opts.legacy
              ? `Use them as appAccessToken: config.requireSecret("${opts.configKey}"), appSecret: config.requireSecret("${opts.appSecretConfigKey}").\n`
              : `Use it as token: config.requireSecret("${opts.configKey}") in a misskey.AccessToken, then run pulumi up.\n`),
    );
    return AUTHORIZE_EXIT.OK;
  } catch (error) {
    if (error instanceof ApprovalTimeoutError) {
      io.stderr(
        `authorize misskey: nobody approved within ${formatDuration(opts.timeoutMs)}; nothing was stored. ` +
          `Misskey sessions do not expire, so deny this request if it shows up later, and run the command again for a new session.\n`,
      );
      return AUTHORIZE_EXIT.FAILURE;
    }
    const message = isAccessTokenError(error) || error instanceof Error ? error.message : String(error);
    io.stderr(`authorize misskey: ${redact(message, secrets)}\n`);
    return AUTHORIZE_EXIT.FAILURE;
  }
}
