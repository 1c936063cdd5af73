/**
 * The provider's own cost, without the engine: replays what the dynamic-provider host
 * asks of the built provider (dist/) for N AccessTokens — check, create, diff (rotation
 * due), delete — with P of them in flight at once (the engine's parallelism), against a
 * local oidc-provider. The provider runs in a child process so its CPU time and peak RSS
 * are its own; the token server (this process) counts requests and TCP connections.
 *
 *   node -r ts-node/register/transpile-only bench/replay.ts [N=500] [P=8]
 *   (REPLAY_DIST=<dir> replays another build of dist/; REPLAY_ALLOC=1 also samples every
 *   allocation of the replay, garbage included, and prints where the bytes were allocated;
 *   REPLAY_PREVIEW=1 replays a no-change preview instead: check and diff, no request)
 *
 * Used to check transport and per-call fixes in seconds (see docs/BENCHMARKS.md).
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { DEFAULT_CLIENTS, startOAuthServer } from "../test/kit/oauth-server";

interface ChildReport {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  baseRssMb: number;
  /** With REPLAY_ALLOC=1: allocated MiB by package and by function (garbage included). */
  alloc?: { totalMb: number; packages: [string, number][]; functions: [string, number][] };
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated by package and function, from a sampling heap profile. */
function allocationSummary(head: HeapNode): NonNullable<ChildReport["alloc"]> {
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^.*node_modules\//, "").replace(/^.*\/dist\//, "dist/");
    const pkg = short.startsWith("dist/")
      ? "pulumi-access-tokens"
      : url.includes("node_modules/")
        ? (short.split("/")[0] ?? short)
        : "node (core) / other";
    total += node.selfSize;
    const key = `${functionName || "(anonymous)"} ${short}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(head);
  const mb = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, bytes]) => [name, bytes / 2 ** 20] as [string, number]);
  return { totalMb: total / 2 ** 20, packages: mb(byPkg, 8), functions: mb(byFn, 15) };
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function child(): Promise<void> {
  const [issuer, clientId, clientSecret, nText, pText] = process.argv.slice(3);
  const n = Number(nText);
  const p = Number(pText);
  // REPLAY_DIST: another build to compare (e.g. a patched copy of dist/).
  const dist = process.env.REPLAY_DIST ?? join(__dirname, "..", "dist");
  const { handler } = createRequire(__filename)(join(dist, "provider", "index.js"));
  const provider = handler("AccessToken", 1);
  await provider.configure?.({ config: { get: () => undefined } });
  const inputs = {
    issuer,
    clientId,
    clientSecret,
    scopes: ["api:read"],
    triggers: { rotation: "one" },
    system: "oauth2",
    resourceName: "replay",
    __provider: "replay",
  };
  const baseRssMb = process.memoryUsage().rss / 2 ** 20;
  const session = process.env.REPLAY_ALLOC === "1" ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  // REPLAY_PREVIEW=1: what a no-change preview asks of each resource (check, then diff
  // against the state of one token created up front), without requests.
  const preview = process.env.REPLAY_PREVIEW === "1";
  const existing = preview ? await provider.create((await provider.check({}, inputs)).inputs) : undefined;
  const worker = async () => {
    while (next < n) {
      next += 1;
      const checked = await provider.check(existing?.outs ?? {}, inputs);
      if (existing) {
        await provider.diff(existing.id, existing.outs, checked.inputs);
        continue;
      }
      const created = await provider.create(checked.inputs);
      await provider.diff(created.id, created.outs, { ...inputs, triggers: { rotation: "two" } });
      await provider.delete(created.id, created.outs);
    }
  };
  await Promise.all(Array.from({ length: p }, worker));
  const used = process.cpuUsage(cpu);
  const sampled = session
    ? ((await session.post("HeapProfiler.stopSampling")) as { profile: { head: HeapNode } }).profile
    : undefined;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  const report: ChildReport = {
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: hwm ? Number(hwm[1]) / 1024 : process.memoryUsage().rss / 2 ** 20,
    baseRssMb,
    ...(sampled ? { alloc: allocationSummary(sampled.head) } : {}),
  };
  process.send?.(report);
  process.exit(0);
}

async function parent(): Promise<void> {
  const n = Number(process.argv[2] ?? 500);
  const p = Number(process.argv[3] ?? 8);
  const server = await startOAuthServer({ accessTokenTtl: 86_400 });
  const client = DEFAULT_CLIENTS[0] as { client_id: string; client_secret: string };
  try {
    const report = await new Promise<ChildReport>((resolve, reject) => {
      const kid = fork(
        __filename,
        ["child", server.issuer, client.client_id, client.client_secret, String(n), String(p)],
        {
          execArgv: ["-r", "ts-node/register/transpile-only"],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        },
      );
      kid.once("message", (m) => resolve(m as ChildReport));
      kid.once("exit", (code) => reject(new Error(`replay child exited ${code}`)));
    });
    const byPath = new Map<string, number>();
    for (const r of server.requests) byPath.set(r.path, (byPath.get(r.path) ?? 0) + 1);
    out(
      `N=${n}, ${p} in flight: ${server.requests.length} requests (${[...byPath].map(([k, v]) => `${v} ${k}`).join(", ")}), ` +
        `${server.connections} TCP connections; provider ${(report.ms / 1000).toFixed(2)} s wall, ` +
        `${(report.cpuMs / 1000).toFixed(2)} s CPU, RSS ${report.baseRssMb.toFixed(0)} → peak ${report.peakRssMb.toFixed(0)} MiB`,
    );
    if (report.alloc) {
      out(`allocated ${report.alloc.totalMb.toFixed(1)} MiB (garbage included), by package:`);
      out(`  ${report.alloc.packages.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
      for (const [fn, v] of report.alloc.functions) out(`  ${v.toFixed(2).padStart(7)} MiB  ${fn}`);
    }
  } finally {
    await server.close();
  }
}

(process.argv[2] === "child" ? child() : parent()).catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
