/**
 * One benchmark stack: a copy of `bench/programs/<variant>` (node_modules symlinked to the
 * repository's, as test/kit/harness.ts does) on its own local file backend with a
 * passphrase secrets provider, driven through the real `pulumi` CLI. Every command is
 * timed and its process tree watched (see proc.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { TreeWatcher, type TreeUsage } from "./proc";

/** The repository root. */
export const REPO = resolve(__dirname, "../..");

/** A finished command. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  usage: TreeUsage;
}

/** Resource counts from the update summary ("+ 10 created", "+-10 replaced", ...). */
export function summaryCounts(stdout: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const tail = stdout.slice(stdout.lastIndexOf("Resources:"));
  for (const m of tail.matchAll(/(\d+) (created|updated|replaced|deleted|unchanged|to create|to replace|to delete)/g)) {
    counts[m[2] as string] = (counts[m[2] as string] ?? 0) + Number(m[1]);
  }
  return counts;
}

export class BenchStack {
  readonly dir: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stack = "bench";

  constructor(
    readonly variant: string,
    readonly project: string,
    root: string,
    home: string,
    readonly parallel: number,
    checkpoints: boolean,
  ) {
    this.dir = join(root, "program");
    this.stateDir = join(root, "state");
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "bench-passphrase",
      PULUMI_HOME: home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // Same for every variant: no type-check of the program per run.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      NO_COLOR: "1",
    };
    this.useCheckpoints(checkpoints);
  }

  /**
   * The file backend rewrites the whole state file after every step (O(N²) bytes over an
   * update); skipped unless asked for, the same for every variant.
   *
   * @param on - let the backend write its per-step checkpoints (its default)
   */
  useCheckpoints(on: boolean): void {
    if (on) delete this.env.PULUMI_SKIP_CHECKPOINTS;
    else this.env.PULUMI_SKIP_CHECKPOINTS = "true";
  }

  /** Copies the program, creates the stack and sets its config (untimed). */
  async init(config: Record<string, string>, secrets: Record<string, string>): Promise<void> {
    await cp(join(REPO, "bench", "programs", this.variant), this.dir, {
      recursive: true,
      filter: (src) => !src.endsWith("node_modules"),
    });
    await symlink(join(REPO, "node_modules"), join(this.dir, "node_modules"), "dir");
    // A program using the native plugin names it by path, relative to its place in the
    // repository: point the copy at this checkout's bin/ (which runs dist/).
    const yamlFile = join(this.dir, "Pulumi.yaml");
    const yaml = await readFile(yamlFile, "utf8");
    const entry = /(- name: access-tokens\n\s+path: ).*/;
    if (entry.test(yaml)) await writeFile(yamlFile, yaml.replace(entry, `$1${join(REPO, "bin")}`));
    await mkdir(this.stateDir, { recursive: true });
    await this.pulumi(["stack", "init", this.stack], { noStack: true });
    const args = ["config", "set-all"];
    for (const [k, v] of Object.entries(config)) args.push("--plaintext", `${k}=${v}`);
    for (const [k, v] of Object.entries(secrets)) args.push("--secret", `${k}=${v}`);
    await this.pulumi(args);
  }

  /**
   * Sets a plaintext config value by editing the stack file (untimed and much faster than
   * a `pulumi config set` per rotation). The key must already be set.
   */
  async setConfig(key: string, value: string): Promise<void> {
    const file = join(this.dir, `Pulumi.${this.stack}.yaml`);
    const text = await readFile(file, "utf8");
    const line = new RegExp(`^(\\s+${this.project}:${key}:).*$`, "m");
    if (!line.test(text)) throw new Error(`${file}: no ${this.project}:${key} to change`);
    await writeFile(file, text.replace(line, `$1 ${JSON.stringify(value)}`));
  }

  /** The checkpoint file the file backend keeps for this stack. */
  statePath(): string {
    return join(this.stateDir, ".pulumi", "stacks", this.project, `${this.stack}.json`);
  }

  async stateBytes(): Promise<number> {
    try {
      return (await stat(this.statePath())).size;
    } catch {
      return 0;
    }
  }

  /** Runs `pulumi <args>` in the program directory, timed and watched. */
  async pulumi(args: string[], opts: { noStack?: boolean; allowFailure?: boolean } = {}): Promise<Run> {
    const full = ["--non-interactive", "--color", "never", ...(opts.noStack ? [] : ["--stack", this.stack]), ...args];
    const result = await runWatched("pulumi", full, this.dir, this.env);
    if (result.code !== 0 && !opts.allowFailure) {
      throw new Error(
        `[${this.variant}] pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
      );
    }
    return result;
  }

  /** Flags that bound the engine's parallelism explicitly, so the number is on record. */
  private get par(): string[] {
    return ["--parallel", String(this.parallel)];
  }

  up(): Promise<Run> {
    return this.pulumi(["up", "--yes", "--skip-preview", ...this.par], { allowFailure: true });
  }

  preview(): Promise<Run> {
    return this.pulumi(["preview", ...this.par], { allowFailure: true });
  }

  refresh(): Promise<Run> {
    return this.pulumi(["refresh", "--yes", "--skip-preview", ...this.par], { allowFailure: true });
  }

  destroy(): Promise<Run> {
    return this.pulumi(["destroy", "--yes", "--skip-preview", ...this.par], { allowFailure: true });
  }

  async exportState(): Promise<{ deployment: { resources?: Record<string, unknown>[] } }> {
    return JSON.parse((await this.pulumi(["stack", "export"])).stdout);
  }
}

/** Commands running now, so an interrupted benchmark can stop them. */
export const running = new Set<ChildProcess>();

function runWatched(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const watcher = child.pid ? new TreeWatcher(child.pid) : undefined;
    watcher?.start();
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      running.delete(child);
      const ms = performance.now() - started;
      const usage = watcher?.stop() ?? {
        providerPeakRssMb: 0,
        providerCpuMs: 0,
        treeCpuMs: 0,
        providerHosts: 0,
        cpuByRole: { engine: 0, program: 0, provider: 0, other: 0 },
      };
      resolvePromise({ code: code ?? -1, stdout, stderr, ms, usage });
    });
  });
}
