/**
 * The benchmark driver (`npm run bench`, via bench/run.sh). In one run it measures, side
 * by side against one local oidc-provider and on local file backends:
 *
 *   (a) this package's AccessToken,
 *   (b) a hand-written dynamic provider that calls fetch (closure-serialized),
 *   (c) a no-op dynamic resource (the engine floor),
 *   (d) this package's native plugin, from a TypeScript program registering its type token,
 *
 * for N resources each: create, no-change preview, no-change up, rotate all, refresh,
 * destroy, then create and destroy again with the file backend's checkpoints on (a, c, d).
 * The variants are interleaved per scenario (a, b, c, d, then b, c, d, a on the next
 * run, ...) so the noise of a shared machine falls on all of them alike. Then it writes
 * docs/BENCHMARKS.md and docs/benchmarks.svg (or bench/results/ for non-default runs).
 *
 * Environment: BENCH_NS (default 10,100,500), BENCH_RUNS (default 3), BENCH_RUNS_MAX_N
 * (runs at the largest N; default BENCH_RUNS, but at least two and only as many as fit
 * BENCH_BUDGET_MIN, default 30 minutes, for the whole run), BENCH_PARALLEL (default 4 × CPUs, the CLI's
 * own default), BENCH_CHECKPOINTS=1 (let the file backend write its per-step checkpoints;
 * skipped by default, see docs/BENCHMARKS.md), BENCH_OUT (output directory),
 * BENCH_STRICT=1 (exit 1 on a missed hard target), BENCH_KEEP=1 (keep the temporary stacks).
 *
 * `--report <results.json>` rewrites the report from saved results without running.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { DEFAULT_CLIENTS, startOAuthServer, type OAuthServer } from "../test/kit/oauth-server";
import {
  type Footprint,
  type Machine,
  type Measurement,
  type Results,
  SCENARIOS,
  type Scenario,
  VARIANTS,
  runs as runsScenario,
} from "./lib/model";
import { evaluate, writeReport } from "./lib/report";
import { BenchStack, REPO, type Run, running, summaryCounts } from "./lib/stack";

const DEFAULT_NS = [10, 100, 500];
const DEFAULT_RUNS = 3;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(",").map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${name}: expected positive integers`);
  return [...new Set(values)].sort((x, y) => x - y);
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer`);
  return value;
}

function pathKind(path: string): string {
  if (path === "/token") return "token";
  if (path === "/token/revocation") return "revocation";
  if (path === "/token/introspection") return "introspection";
  if (path.startsWith("/.well-known/")) return "discovery";
  return "other";
}

function tryText(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", cwd: REPO, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

async function packageVersion(name: string): Promise<string> {
  try {
    return JSON.parse(await readFile(join(REPO, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

async function machine(): Promise<Machine> {
  const dirty = tryText("git", ["status", "--porcelain"]) !== "";
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    pulumi: tryText("pulumi", ["version"]),
    pulumiSdk: await packageVersion("@pulumi/pulumi"),
    oidcProvider: await packageVersion("oidc-provider"),
    kernel: release(),
    commit: `${tryText("git", ["rev-parse", "--short", "HEAD"])}${dirty ? " (with uncommitted changes)" : ""}`,
    loadBefore: loadavg(),
    loadAfter: [],
  };
}

/** What each scenario must show, so a silently wrong run is not reported as fast. */
function problemOf(scenario: Scenario, n: number, run: Run, summary: Record<string, number>): string | undefined {
  if (run.code !== 0) return `exit ${run.code}: ${(run.stderr || run.stdout).trim().split("\n").slice(-3).join(" | ")}`;
  const changed = ["created", "updated", "replaced", "deleted", "to create", "to replace", "to delete"].filter(
    (k) => (summary[k] ?? 0) > 0,
  );
  switch (scenario) {
    case "create":
    case "create-checkpoints":
      return (summary.created ?? 0) >= n ? undefined : `expected ${n} created, got ${JSON.stringify(summary)}`;
    case "rotate":
      return summary.replaced === n ? undefined : `expected ${n} replaced, got ${JSON.stringify(summary)}`;
    case "destroy":
    case "destroy-checkpoints":
      return (summary.deleted ?? 0) >= n ? undefined : `expected ${n} deleted, got ${JSON.stringify(summary)}`;
    default:
      return changed.length ? `expected no changes, got ${JSON.stringify(summary)}` : undefined;
  }
}

async function footprint(stack: BenchStack, n: number): Promise<Footprint> {
  const state = await stack.exportState();
  const mine = (state.deployment.resources ?? []).filter((r) =>
    /^(pulumi-nodejs:dynamic|access-tokens:)/.test(String(r.type)),
  );
  let providerBytes = 0;
  let providerCopies = 0;
  for (const r of mine) {
    const copies = [r.inputs, r.outputs]
      .map((o) => (o as Record<string, unknown> | undefined)?.__provider)
      .filter((p): p is string => typeof p === "string");
    providerCopies = Math.max(providerCopies, copies.length);
    for (const p of copies) providerBytes = Math.max(providerBytes, Buffer.byteLength(p));
  }
  if (mine.length !== n) log(`  ! ${stack.variant}: ${mine.length} token resources in state, expected ${n}`);
  return {
    variant: stack.variant,
    n,
    resources: mine.length,
    providerBytes,
    providerCopies,
    stateBytes: await stack.stateBytes(),
  };
}

async function main(): Promise<void> {
  const reportIndex = process.argv.indexOf("--report");
  if (reportIndex > 0) {
    const file = process.argv[reportIndex + 1];
    if (!file) throw new Error("--report needs a results.json path");
    const results: Results = JSON.parse(await readFile(file, "utf8"));
    const full = results.command === "npm run bench";
    const out = process.env.BENCH_OUT ?? join(REPO, full ? "docs" : join("bench", "results"));
    const written = await writeReport(results, out);
    log(`wrote ${written.join(", ")}`);
    return;
  }

  const ns = envList("BENCH_NS", DEFAULT_NS);
  const runsDefault = envInt("BENCH_RUNS", DEFAULT_RUNS);
  const maxN = Math.max(...ns);
  const runsAtMax = envInt("BENCH_RUNS_MAX_N", runsDefault);
  const runsFor = (n: number) => (n === maxN ? runsAtMax : runsDefault);
  // A cycle of the four variants at N=500 (checkpoint scenarios included) takes ~5 minutes on an idle 2-CPU machine and 10
  // when other work loads it: unless BENCH_RUNS_MAX_N fixes the count, the largest N
  // stops after two runs when a third would end past the time budget.
  const budgetMs = envInt("BENCH_BUDGET_MIN", 30) * 60_000;
  const runsDone: Record<string, number> = {};
  const parallel = envInt("BENCH_PARALLEL", 4 * availableParallelism());
  const checkpoints = process.env.BENCH_CHECKPOINTS === "1";
  const isFull =
    !process.env.BENCH_NS && !process.env.BENCH_RUNS && !process.env.BENCH_RUNS_MAX_N && !process.env.BENCH_PARALLEL;
  const outDir = process.env.BENCH_OUT ?? (isFull ? join(REPO, "docs") : join(REPO, "bench", "results"));
  const overrides = [
    "BENCH_NS",
    "BENCH_RUNS",
    "BENCH_RUNS_MAX_N",
    "BENCH_PARALLEL",
    "BENCH_CHECKPOINTS",
    "BENCH_BUDGET_MIN",
  ]
    .filter((k) => process.env[k])
    .map((k) => `${k}=${process.env[k]}`);
  const command = [...overrides, "npm run bench"].join(" ");

  const started = performance.now();
  const info = await machine();
  log(
    `bench: N=${ns.join(",")}, runs=${ns.map(runsFor).join(",")}, parallel=${parallel}, checkpoints=${checkpoints ? "on" : "off"}, output ${outDir}`,
  );

  // Connections open at once: keep-alive reuse bounds it by the engine's parallelism, while
  // the count of new connections also includes sockets re-opened after idling out.
  let openSockets = 0;
  let peakSockets = 0;
  const server: OAuthServer = await startOAuthServer({
    accessTokenTtl: 86_400,
    onConnection: (socket) => {
      openSockets += 1;
      peakSockets = Math.max(peakSockets, openSockets);
      socket.once("close", () => {
        openSockets -= 1;
      });
    },
  });
  const client = DEFAULT_CLIENTS[0] as { client_id: string; client_secret: string };
  const root = await mkdtemp(join(tmpdir(), "pat-bench-"));
  const home = join(root, "pulumi-home");
  await mkdir(home);
  const measurements: Measurement[] = [];
  const footprints: Footprint[] = [];
  let failed = false;
  const stop = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping`);
    for (const child of running) child.kill("SIGTERM");
    void server
      .close()
      .finally(() =>
        rm(root, { recursive: true, force: true }).finally(() => process.exit(signal === "SIGINT" ? 130 : 143)),
      );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  try {
    for (const n of ns) {
      const stacks = new Map<string, BenchStack>();
      for (const v of VARIANTS) {
        const stack = new BenchStack(v.id, v.project, join(root, `${v.id}-n${n}`), home, parallel, checkpoints);
        await stack.init(
          {
            count: String(n),
            rotation: "initial",
            issuer: server.issuer,
            tokenEndpoint: server.tokenEndpoint,
            revocationEndpoint: server.revocationEndpoint,
            clientId: client.client_id,
          },
          { clientSecret: client.client_secret },
        );
        stacks.set(v.id, stack);
      }
      const runs = runsFor(n);
      for (let run = 1; run <= runs; run++) {
        const runStarted = performance.now();
        // Rotate the order per run: a b c d, b c d a, c d a b, ...
        const order = VARIANTS.map((_, i) => VARIANTS[(i + run - 1) % VARIANTS.length]!);
        const broken = new Set<string>();
        for (const v of VARIANTS) await stacks.get(v.id)!.setConfig("rotation", `run${run}`);
        for (const scenario of SCENARIOS) {
          if (scenario.id === "rotate") {
            for (const v of VARIANTS) await stacks.get(v.id)!.setConfig("rotation", `run${run}-rotated`);
          }
          for (const [slot, v] of order.filter((x) => runsScenario(scenario, x.id)).entries()) {
            if (broken.has(v.id)) continue;
            const stack = stacks.get(v.id)!;
            stack.useCheckpoints(checkpoints || scenario.checkpoints === true);
            const reqStart = server.requests.length;
            const connStart = server.connections;
            peakSockets = openSockets;
            const result =
              scenario.id === "preview"
                ? await stack.preview()
                : scenario.id === "refresh"
                  ? await stack.refresh()
                  : scenario.id === "destroy" || scenario.id === "destroy-checkpoints"
                    ? await stack.destroy()
                    : await stack.up();
            const requests: Record<string, number> = {};
            for (const r of server.requests.slice(reqStart)) {
              const kind = pathKind(r.path);
              requests[kind] = (requests[kind] ?? 0) + 1;
            }
            const summary = summaryCounts(result.stdout);
            const m: Measurement = {
              variant: v.id,
              scenario: scenario.id,
              n,
              run,
              slot,
              ms: result.ms,
              code: result.code,
              requests,
              totalRequests: server.requests.length - reqStart,
              connections: server.connections - connStart,
              peakConnections: peakSockets,
              ...result.usage,
              summary,
              problem: problemOf(scenario.id, n, result, summary),
            };
            measurements.push(m);
            const kinds = Object.entries(requests)
              .map(([k, c]) => `${k}=${c}`)
              .join(" ");
            log(
              `[N=${n} run ${run}/${runs}] ${scenario.id.padEnd(19)} ${v.id.padEnd(12)} ${(m.ms / 1000).toFixed(2).padStart(7)}s` +
                `  req=${m.totalRequests}${kinds ? ` (${kinds})` : ""} conn=${m.connections} (max open ${m.peakConnections})` +
                `  host rss=${m.providerPeakRssMb.toFixed(0)}MiB cpu=${(m.providerCpuMs / 1000).toFixed(2)}s` +
                `  tree cpu=${(m.treeCpuMs / 1000).toFixed(2)}s${m.problem ? `  !! ${m.problem}` : ""}`,
            );
            if (m.problem) {
              failed = true;
              if (m.code !== 0) broken.add(v.id);
            }
            if (scenario.id === "create" && run === 1 && m.code === 0) {
              footprints.push(await footprint(stack, n));
            }
          }
        }
        // A failed cycle leaves resources behind: clear them before the next run.
        for (const id of broken) {
          log(`  cleaning up ${id} after a failure`);
          stacks.get(id)!.useCheckpoints(checkpoints);
          await stacks.get(id)!.destroy();
        }
        runsDone[String(n)] = run;
        const now = performance.now();
        if (
          n === maxN &&
          run >= 2 &&
          run < runs &&
          !process.env.BENCH_RUNS_MAX_N &&
          now - started + (now - runStarted) > budgetMs
        ) {
          log(
            `  stopping N=${n} after ${run} runs: another (~${((now - runStarted) / 60_000).toFixed(1)} min) would pass the ${budgetMs / 60_000}-minute budget (BENCH_BUDGET_MIN)`,
          );
          break;
        }
      }
    }
  } finally {
    await server.close();
    if (!process.env.BENCH_KEEP) await rm(root, { recursive: true, force: true });
    else log(`stacks kept in ${root}`);
  }

  info.loadAfter = loadavg();
  const results: Results = {
    machine: info,
    command,
    ns,
    runs: Object.fromEntries(ns.map((n) => [String(n), runsDone[String(n)] ?? 0])),
    parallel,
    checkpoints,
    totalSeconds: (performance.now() - started) / 1000,
    measurements,
    footprints,
  };
  const rawDir = join(REPO, "bench", "results");
  await mkdir(rawDir, { recursive: true });
  const raw = join(rawDir, `results-${info.date.replace(/[:.]/g, "-")}.json`);
  await writeFile(raw, `${JSON.stringify(results, null, 1)}\n`);
  await writeFile(join(rawDir, "latest.json"), `${JSON.stringify(results, null, 1)}\n`);
  const written = await writeReport(results, outDir);
  log(`\nraw results: ${raw}\nwrote ${written.join(", ")} in ${results.totalSeconds.toFixed(0)} s`);
  const { hardMisses } = evaluate(results);
  if (failed) {
    log("some commands failed or did not do what they should (see !! above)");
    process.exitCode = 1;
  }
  if (process.env.BENCH_STRICT === "1" && hardMisses.length) {
    log(`hard targets missed: ${hardMisses.join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
