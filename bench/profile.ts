/**
 * Where does the time go? Runs one variant's cycle (create, no-change preview, rotate,
 * destroy) at one N with every Node process of the tree under `--cpu-prof` (through
 * NODE_OPTIONS) and the engine under `pulumi --profiling`, then prints per command the
 * CPU time by process role and the hottest functions and packages of the program and of
 * the provider host. Used to explain missed targets in docs/BENCHMARKS.md.
 *
 *   node -r ts-node/register/transpile-only bench/profile.ts [variant] [N]
 *   (variant: access-token | naive-fetch | noop | plugin; default access-token 100)
 *
 * PROFILE_CPU=0 runs the same cycle without profilers (wall time, CPU by role and the
 * provider host's peak RSS only); PROFILE_EXTRA_PROPS=K gives each no-op resource K extra
 * undefined properties (the per-property reproduction in bench/NOTES.md), holding the
 * string PROFILE_EXTRA_VALUE when that is set; PROFILE_QUIET_STACKS=1 makes the plugin's
 * program register without a stack per property promise, as this package's SDK does.
 *
 * Profiles are kept in the printed directory (open *.cpuprofile in Chrome DevTools, or
 * `go tool pprof -top <file>` for the engine's).
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CLIENTS, startOAuthServer } from "../test/kit/oauth-server";
import { VARIANTS } from "./lib/model";
import { BenchStack } from "./lib/stack";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function out(line = ""): void {
  process.stdout.write(`${line}\n`);
}

function packageOf(url: string): string {
  const i = url.lastIndexOf("node_modules/");
  if (i >= 0) {
    const rest = url.slice(i + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:") || !url.includes("/")) return url ? "node (core)" : "(vm / gc / native)";
  if (url.includes("/dist/provider/") || url.includes("/dist/sdk/")) return "pulumi-access-tokens";
  return "(program / other)";
}

/** Self time by function and by package, ms. */
function summarize(profile: CpuProfile): { total: number; fns: [string, number][]; pkgs: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    total += ms;
    const short = url.replace(/^.*node_modules\//, "").replace(/^file:\/\//, "");
    const key = `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
    const pkg = packageOf(url);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  return { total, fns: top(fns, 12), pkgs: top(pkgs, 10) };
}

function roleOfProfile(profile: CpuProfile): string {
  const urls = profile.nodes.map((n) => n.callFrame.url);
  if (urls.some((u) => /cmd\/dynamic-provider\//.test(u))) return "provider host";
  if (urls.some((u) => /provider\/plugin\/main\.js$/.test(u))) return "provider host (plugin)";
  if (urls.some((u) => /cmd\/run\//.test(u))) return "program";
  return "other";
}

async function main(): Promise<void> {
  const variantId = process.argv[2] ?? "access-token";
  const n = Number(process.argv[3] ?? 100);
  const variant = VARIANTS.find((v) => v.id === variantId);
  if (!variant) throw new Error(`unknown variant ${variantId}`);
  const server = await startOAuthServer({ accessTokenTtl: 86_400 });
  const client = DEFAULT_CLIENTS[0] as { client_id: string; client_secret: string };
  const root = await mkdtemp(join(tmpdir(), "pat-profile-"));
  await mkdir(join(root, "home"));
  const stack = new BenchStack(
    variant.id,
    variant.project,
    join(root, "stack"),
    join(root, "home"),
    4 * availableParallelism(),
    false,
  );
  const profiling = process.env.PROFILE_CPU !== "0";
  const extraProps = process.env.PROFILE_EXTRA_PROPS;
  await stack.init(
    {
      count: String(n),
      ...(extraProps && variant.id === "noop" ? { extraProps } : {}),
      ...(process.env.PROFILE_EXTRA_VALUE && variant.id === "noop"
        ? { extraValue: process.env.PROFILE_EXTRA_VALUE }
        : {}),
      rotation: "one",
      issuer: server.issuer,
      tokenEndpoint: server.tokenEndpoint,
      revocationEndpoint: server.revocationEndpoint,
      clientId: client.client_id,
    },
    { clientSecret: client.client_secret },
  );
  // The engine stops plugins with SIGINT (then SIGKILL): exit cleanly so --cpu-prof writes.
  const preload = join(root, "exit-on-signal.js");
  await writeFile(preload, 'for (const s of ["SIGINT", "SIGTERM"]) process.once(s, () => process.exit(0));\n');
  out(`profiling ${variant.label} at N=${n}; profiles in ${root}/profiles`);
  const steps: [string, () => Promise<void>][] = [
    ["create", async () => {}],
    ["preview", async () => {}],
    ["rotate", () => stack.setConfig("rotation", "two")],
    ["destroy", async () => {}],
  ];
  try {
    for (const [name, before] of steps) {
      await before();
      const dir = join(root, "profiles", name);
      await mkdir(dir, { recursive: true });
      if (profiling) stack.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${dir} --require ${preload}`;
      const args =
        name === "preview"
          ? ["preview"]
          : name === "destroy"
            ? ["destroy", "--yes", "--skip-preview"]
            : ["up", "--yes", "--skip-preview"];
      const reqStart = server.requests.length;
      const run = await stack.pulumi([
        ...args,
        "--parallel",
        String(stack.parallel),
        ...(profiling ? ["--profiling", join(dir, "engine")] : []),
      ]);
      delete stack.env.NODE_OPTIONS;
      const roles = Object.entries(run.usage.cpuByRole)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}s`)
        .join(", ");
      out(
        `\n== ${name}: ${(run.ms / 1000).toFixed(2)} s wall, CPU ${roles}; provider host peak RSS ${run.usage.providerPeakRssMb.toFixed(0)} MiB; ${server.requests.length - reqStart} requests`,
      );
      for (const file of (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"))) {
        const profile: CpuProfile = JSON.parse(await readFile(join(dir, file), "utf8"));
        const role = roleOfProfile(profile);
        const sum = summarize(profile);
        if (sum.total < 200) continue;
        out(`-- ${role} (${file}): ${(sum.total / 1000).toFixed(2)} s sampled`);
        out(`   packages: ${sum.pkgs.map(([k, v]) => `${k} ${v.toFixed(0)}ms`).join(", ")}`);
        for (const [fn, ms] of sum.fns) out(`   ${ms.toFixed(0).padStart(6)} ms  ${fn}`);
      }
      const engineProfile = (await readdir(dir)).find((f) => f.startsWith("engine") && f.endsWith(".cpu"));
      if (engineProfile) {
        try {
          const top = execFileSync("go", ["tool", "pprof", "-top", "-nodecount=12", join(dir, engineProfile)], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
          });
          out(`-- engine (${engineProfile}):`);
          out(
            top
              .split("\n")
              .filter((l) => l.trim())
              .slice(0, 18)
              .map((l) => `   ${l}`)
              .join("\n"),
          );
        } catch {
          out(`-- engine profile: ${join(dir, engineProfile)} (go tool pprof unavailable)`);
        }
      }
    }
  } finally {
    await server.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
