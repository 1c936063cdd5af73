/**
 * Drives the real `pulumi` CLI (built by scripts/toolchain.sh) on a copy of an example
 * program, with a local file backend and a passphrase secrets provider, and records
 * every command's output so tests can scan it for secrets.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { TEST_CLOCK_ENV, clockOffsetMs } from "../../provider/clock";

/** The repository root. */
export const REPO = resolve(__dirname, "../..");

/** The key `pulumi stack export` marks an encrypted (secret) value with. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** One finished command. */
export interface CommandResult {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link Program.pulumi}. */
export interface RunOptions {
  /** Expect a non-zero exit instead of throwing on it. */
  allowFailure?: boolean;
  /** Leave this command's output out of the leak scan (it reveals secrets on purpose). */
  revealsSecrets?: boolean;
  env?: Record<string, string>;
}

/**
 * The provider's test clock (provider/clock.ts) for every `pulumi` command of a program and
 * of the programs sharing its backend: tests move time forward explicitly, so no verdict
 * depends on how long a command takes. Real time still runs underneath.
 */
export class TestClock {
  constructor(readonly file: string) {}

  /** The current offset from real time, in milliseconds. */
  offsetMs(): number {
    return clockOffsetMs({ [TEST_CLOCK_ENV]: this.file });
  }

  /** "Now" as the provider (and the CLI given the program's environment) sees it. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs());
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`the test clock only moves forward, not by ${ms} ms`);
    writeFileSync(this.file, String(this.offsetMs() + Math.ceil(ms)));
  }

  /** Moves the clock one second past `iso` (no move when it is already past). */
  passTo(iso: string): void {
    const at = Date.parse(iso);
    if (Number.isNaN(at)) throw new Error(`not an instant: ${iso}`);
    const needed = at + 1000 - this.now().getTime();
    if (needed > 0) this.advance(needed);
  }
}

/** A program copy bound to a stack on a local backend. */
export class Program {
  /** Every command run (except those that reveal secrets on purpose), for leak scans. */
  readonly transcript: CommandResult[] = [];
  /** The provider's clock for this program's commands (shared with programs on its backend). */
  readonly clock: TestClock;

  constructor(
    readonly dir: string,
    readonly stack: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly cleanupRoot?: string,
  ) {
    const file = env[TEST_CLOCK_ENV];
    if (!file) throw new Error(`a program's environment must name its test clock (${TEST_CLOCK_ENV})`);
    this.clock = new TestClock(file);
  }

  /** Runs `pulumi <args>` in the program directory. */
  async pulumi(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    const stackFlag = args[0] === "stack" && args[1] === "init" ? [] : ["--stack", this.stack];
    const full = ["--non-interactive", "--color", "never", ...stackFlag, ...args];
    const result = await run("pulumi", full, this.dir, { ...this.env, ...options.env });
    if (!options.revealsSecrets) this.transcript.push(result);
    if (result.code !== 0 && !options.allowFailure) {
      throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  /** `pulumi up --yes --skip-preview`. */
  up(extra: string[] = [], options?: RunOptions) {
    return this.pulumi(["up", "--yes", "--skip-preview", ...extra], options);
  }

  /** `pulumi preview --diff`. */
  preview(extra: string[] = [], options?: RunOptions) {
    return this.pulumi(["preview", "--diff", ...extra], options);
  }

  /** `pulumi refresh --yes`. */
  refresh(extra: string[] = [], options?: RunOptions) {
    return this.pulumi(["refresh", "--yes", "--skip-preview", ...extra], options);
  }

  /** `pulumi destroy --yes`. */
  destroy(extra: string[] = [], options?: RunOptions) {
    return this.pulumi(["destroy", "--yes", "--skip-preview", ...extra], options);
  }

  /** Sets stack config (secret with `--secret`). */
  async config(key: string, value: string, secret = false) {
    await this.pulumi(["config", "set", secret ? "--secret" : "--plaintext", key, "--", value]);
  }

  /** `pulumi stack export` as text (recorded for leak scans). */
  async exportState(): Promise<string> {
    return (await this.pulumi(["stack", "export"])).stdout;
  }

  /** The deployment's resources. */
  async resources(): Promise<StateResource[]> {
    return JSON.parse(await this.exportState()).deployment.resources ?? [];
  }

  /** Stack outputs with secrets revealed (left out of leak scans). */
  async revealedOutputs(): Promise<Record<string, unknown>> {
    const r = await this.pulumi(["stack", "output", "--json", "--show-secrets"], { revealsSecrets: true });
    return JSON.parse(r.stdout);
  }

  /** Copies the program (with its stack config) to a new directory, same backend and stack. */
  async copyTo(name: string): Promise<Program> {
    const root = this.cleanupRoot ?? (await mkdtemp(join(tmpdir(), "pat-engine-")));
    const dir = join(root, name);
    await cp(this.dir, dir, { recursive: true, filter: (src) => !src.endsWith("node_modules") });
    await symlink(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
    const copy = new Program(dir, this.stack, this.env);
    copy.transcript.push(...this.transcript);
    return copy;
  }

  /** Removes the temporary directories. */
  async cleanup() {
    if (this.cleanupRoot) await rm(this.cleanupRoot, { recursive: true, force: true });
  }
}

/** A resource as `pulumi stack export` shows it. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/**
 * Copies `examples/<example>` to a temp dir and creates a stack on a fresh file backend, or
 * on the backend of `shareBackendWith` (same passphrase), for stack references.
 */
export async function createProgram(example: string, stack = "test", shareBackendWith?: Program): Promise<Program> {
  const root = await mkdtemp(join(tmpdir(), "pat-engine-"));
  const dir = join(root, "program");
  await cp(join(REPO, "examples", example), dir, {
    recursive: true,
    filter: (src) => !src.endsWith("node_modules"),
  });
  await symlink(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const state = join(root, "state");
  await mkdir(state);
  const env: NodeJS.ProcessEnv = shareBackendWith
    ? { ...shareBackendWith.env }
    : {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
        PULUMI_HOME: join(root, "pulumi-home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // Examples are type-checked by `npm run typecheck`; skip it per run for speed.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        NO_COLOR: "1",
        // Test only: the provider's clock, moved forward by the tests (offset 0 until then).
        [TEST_CLOCK_ENV]: join(root, "clock-offset-ms"),
      };
  const program = new Program(dir, stack, env, root);
  await program.pulumi(["stack", "init", stack]);
  return program;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ args, code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Every place in `texts` where one of `secrets` appears (empty when none leaked). A scan
 * that cannot find anything is refused: no texts, no secrets, or a secret that is not a
 * non-empty string (a canary the test never captured) throw instead of returning [].
 */
export function findLeaks(texts: { label: string; text: string }[], secrets: string[]): string[] {
  if (!texts.length) throw new Error("findLeaks: no texts to scan");
  if (!secrets.length) throw new Error("findLeaks: no secrets to scan for");
  const missing = secrets.filter((s) => typeof s !== "string" || s.length === 0).length;
  if (missing) throw new Error(`findLeaks: ${missing} of ${secrets.length} secrets are missing or empty`);
  const leaks: string[] = [];
  for (const { label, text } of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) leaks.push(`${label} contains secret ${secret.slice(0, 4)}…`);
    }
  }
  return leaks;
}

/** The transcript as labelled texts (stdout and stderr of each command). */
export function transcriptTexts(program: Program): { label: string; text: string }[] {
  return program.transcript.flatMap((r) => [
    { label: `stdout of pulumi ${r.args.join(" ")}`, text: r.stdout },
    { label: `stderr of pulumi ${r.args.join(" ")}`, text: r.stderr },
  ]);
}
