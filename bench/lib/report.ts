/**
 * Turns saved results into docs/BENCHMARKS.md and docs/benchmarks.svg: medians, ratios to
 * the floor measured side by side, token-server traffic, provider-host memory, state
 * footprint, and each target met or missed with its numbers.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import {
  FLOOR,
  type Measurement,
  NAIVE,
  PLUGIN,
  type Results,
  SCENARIOS,
  type Scenario,
  SUBJECT,
  VARIANTS,
} from "./model";
import { REPO } from "./stack";
import { plotSvg } from "./svg";

export function median(xs: number[]): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function ok(results: Results): Measurement[] {
  return results.measurements.filter((m) => m.code === 0);
}

/** The successful measurements of one cell. */
export function cell(results: Results, variant: string, scenario: Scenario, n: number): Measurement[] {
  return ok(results).filter((m) => m.variant === variant && m.scenario === scenario && m.n === n);
}

/** Median wall time of a cell, seconds. */
export function medianSeconds(results: Results, variant: string, scenario: Scenario, n: number): number {
  return median(cell(results, variant, scenario, n).map((m) => m.ms)) / 1000;
}

/** Median over runs of (variant time / floor time of the same run and scenario). */
export function ratioToFloor(
  results: Results,
  variant: string,
  scenario: Scenario,
  n: number,
  metric: "ms" | "treeCpuMs" = "ms",
): number {
  const floor = new Map(cell(results, FLOOR, scenario, n).map((m) => [m.run, m[metric]]));
  const ratios = cell(results, variant, scenario, n)
    .filter((m) => floor.has(m.run))
    .map((m) => m[metric] / (floor.get(m.run) as number));
  return median(ratios);
}

const s = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} s` : "–");
const r = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
const mb = (x: number) => `${x.toFixed(0)} MiB`;
const bytes = (x: number) =>
  x >= 1 << 20 ? `${(x / 2 ** 20).toFixed(2)} MiB` : x >= 10240 ? `${(x / 1024).toFixed(0)} KiB` : `${x} B`;

/** Median CPU seconds of one process role in a cell. */
function roleSeconds(results: Results, variant: string, scenario: Scenario, n: number, role: string): number {
  return (
    median(
      cell(results, variant, scenario, n).map((m) => (m.cpuByRole as Record<string, number> | undefined)?.[role] ?? 0),
    ) / 1000
  );
}

/** "program +1.2 s, provider +0.8 s, engine +0.1 s": (variant − floor) CPU by role. */
function excess(results: Results, variant: string, scenario: Scenario, n: number): string {
  return ["program", "provider", "engine"]
    .map((role) => {
      const d = roleSeconds(results, variant, scenario, n, role) - roleSeconds(results, FLOOR, scenario, n, role);
      return `${role} ${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)} s`;
    })
    .join(", ");
}

export interface Target {
  name: string;
  status: "met" | "missed" | "n/a";
  detail: string;
  hard: boolean;
}

/** Median CPU seconds of the whole process tree in a cell. */
function treeCpuSeconds(results: Results, variant: string, scenario: Scenario, n: number): number {
  return median(cell(results, variant, scenario, n).map((m) => m.treeCpuMs)) / 1000;
}

/**
 * Per-resource marginal cost between consecutive Ns (seconds per resource), from median
 * CPU time of the whole tree: the N phases run one after the other, so wall time across
 * N also measures how the machine's load changed in between; CPU time hardly does.
 */
function slopes(results: Results, variant: string, scenario: Scenario): number[] {
  const ns = results.ns;
  const out: number[] = [];
  for (let i = 1; i < ns.length; i++) {
    const a = ns[i - 1] as number;
    const b = ns[i] as number;
    out.push((treeCpuSeconds(results, variant, scenario, b) - treeCpuSeconds(results, variant, scenario, a)) / (b - a));
  }
  return out;
}

export function evaluate(results: Results): { targets: Target[]; hardMisses: string[] } {
  const targets: Target[] = [];
  const subject = ok(results).filter((m) => m.variant === SUBJECT);
  const P = results.parallel;

  // 1. No requests when nothing changes.
  const idle = subject.filter((m) => m.scenario === "preview" || m.scenario === "up-nochange");
  const idleMax = Math.max(0, ...idle.map((m) => m.totalRequests));
  const idleToken = Math.max(0, ...idle.map((m) => m.requests.token ?? 0));
  targets.push({
    name: "No-change `preview` and no-change `up` make zero token-endpoint requests",
    status: idle.length ? (idleToken === 0 ? "met" : "missed") : "n/a",
    detail: idle.length
      ? `(a): ${idleToken} token-endpoint requests, ${idleMax} requests of any kind, in the worst of ${idle.length} commands`
      : "not measured",
    hard: true,
  });

  // 2. __provider size.
  const fp = (v: string) => results.footprints.filter((f) => f.variant === v);
  const subjectFp = fp(SUBJECT);
  const providerMax = Math.max(0, ...subjectFp.map((f) => f.providerBytes));
  const others = VARIANTS.filter((v) => v.id !== SUBJECT && v.id !== PLUGIN)
    .map((v) => `${v.label} ${Math.max(0, ...fp(v.id).map((f) => f.providerBytes))} B`)
    .join(", ");
  targets.push({
    name: "`__provider` ≤ 1 KB per resource",
    status: subjectFp.length ? (providerMax <= 1024 ? "met" : "missed") : "n/a",
    detail: `(a): ${providerMax} B (kept ${Math.max(0, ...subjectFp.map((f) => f.providerCopies))}× per resource: inputs and outputs); ${others}`,
    hard: true,
  });

  // 3. Connections: most open at once (what keep-alive reuse bounds), and new ones.
  const peakOf = (m: Measurement) => m.peakConnections ?? m.connections;
  const connWorst = subject.reduce<Measurement | undefined>((w, m) => (!w || peakOf(m) > peakOf(w) ? m : w), undefined);
  const newWorst = subject.reduce<Measurement | undefined>(
    (w, m) => (!w || m.connections > w.connections ? m : w),
    undefined,
  );
  const naive = ok(results).filter((m) => m.variant === "naive-fetch");
  targets.push({
    name: `TCP connections to the token server ≤ engine parallelism (${P}): keep-alive reuse`,
    status: connWorst ? (peakOf(connWorst) <= P ? "met" : "missed") : "n/a",
    detail:
      connWorst && newWorst
        ? `(a): at most ${peakOf(connWorst)} ${connWorst.peakConnections === undefined ? "opened (open at once not recorded by this run's driver)" : "open at once"} (${connWorst.scenario}, N=${connWorst.n}, ${connWorst.totalRequests} requests); at most ${newWorst.connections} opened in one command (${newWorst.scenario}, N=${newWorst.n})${newWorst.connections > peakOf(newWorst) ? ", counting sockets re-opened after idling out" : ""}; (b): at most ${Math.max(0, ...naive.map(peakOf))} open, ${Math.max(0, ...naive.map((m) => m.connections))} opened`
        : "not measured",
    hard: true,
  });

  // 4. Time relative to the floor and to the naive provider, every scenario, side by side.
  const bounds: Record<number, number> = { 100: 1.15, 500: 1.35 };
  const compared: Scenario[] = ["create", "preview", "up-nochange", "rotate", "destroy"];
  for (const n of results.ns.filter((x) => bounds[x] !== undefined)) {
    const bound = bounds[n] as number;
    for (const scenario of compared) {
      const ratio = ratioToFloor(results, SUBJECT, scenario, n);
      const naiveRatio = ratioToFloor(results, NAIVE, scenario, n);
      const label = SCENARIOS.find((x) => x.id === scenario)?.label;
      const met = ratio <= bound && !(ratio > naiveRatio);
      targets.push({
        name: `${label} at N=${n}: (a) within ${bound}× of the floor and ahead of (b)`,
        status: Number.isFinite(ratio) ? (met ? "met" : "missed") : "n/a",
        detail: Number.isFinite(ratio)
          ? `(a) ${s(medianSeconds(results, SUBJECT, scenario, n))} vs floor ${s(medianSeconds(results, FLOOR, scenario, n))}: ${r(ratio)}; (b) ${r(naiveRatio)} (tree CPU (a) ${r(ratioToFloor(results, SUBJECT, scenario, n, "treeCpuMs"))}, (b) ${r(ratioToFloor(results, NAIVE, scenario, n, "treeCpuMs"))}; (a)'s CPU over the floor: ${excess(results, SUBJECT, scenario, n)})`
          : "not run",
        hard: false,
      });
    }
  }

  // 4b. The native plugin below the dynamic floor.
  for (const n of results.ns.filter((x) => bounds[x] !== undefined)) {
    const ratios = SCENARIOS.map((sc) => [sc, ratioToFloor(results, PLUGIN, sc.id, n)] as const).filter(([, x]) =>
      Number.isFinite(x),
    );
    const worst = Math.max(...ratios.map(([, x]) => x));
    targets.push({
      name: `N=${n}: (d) the native plugin below the dynamic floor in every scenario`,
      status: ratios.length ? (worst < 1 ? "met" : "missed") : "n/a",
      detail: ratios.length ? ratios.map(([sc, x]) => `${sc.label} ${r(x)}`).join(", ") : "not run",
      hard: false,
    });
  }

  // 5. Linear growth.
  if (results.ns.length >= 3) {
    const parts: string[] = [];
    let worst = 0;
    for (const scenario of ["create", "rotate", "destroy"] as Scenario[]) {
      const a = slopes(results, SUBJECT, scenario);
      const f = slopes(results, FLOOR, scenario);
      const growth = (a.at(-1) as number) / (a[0] as number);
      const floorGrowth = (f.at(-1) as number) / (f[0] as number);
      worst = Math.max(worst, growth);
      parts.push(
        `${scenario}: (a) ${a.map((x) => `${(x * 1000).toFixed(0)}`).join(" → ")} ms CPU/resource (×${growth.toFixed(2)}), floor ${f
          .map((x) => `${(x * 1000).toFixed(0)}`)
          .join(" → ")} (×${floorGrowth.toFixed(2)})`,
      );
    }
    targets.push({
      name: `Cost grows ~linearly in N (marginal CPU per resource, N=${results.ns.join("→")}, grows ≤ 1.5×)`,
      status: worst <= 1.5 ? "met" : "missed",
      detail: parts.join("; "),
      hard: false,
    });
  } else {
    targets.push({ name: "Cost grows ~linearly in N", status: "n/a", detail: "needs three values of N", hard: false });
  }

  // 6. Memory at N=500: the provider host's peak against the floor's.
  const peakAt500 = (v: string) =>
    Math.max(
      0,
      ...ok(results)
        .filter((m) => m.variant === v && m.n === 500)
        .map((m) => m.providerPeakRssMb),
    );
  const big = subject.filter((m) => m.n === 500);
  const rss = peakAt500(SUBJECT);
  const floorRss = peakAt500(FLOOR);
  targets.push({
    name: "Provider-host peak RSS at N=500 within 25 MiB of the floor's",
    status: big.length ? (rss - floorRss <= 25 ? "met" : "missed") : "n/a",
    detail: big.length
      ? `(a): ${mb(rss)} (+${mb(rss - floorRss)}); (b) ${mb(peakAt500(NAIVE))}; floor ${mb(floorRss)}; (d) plugin ${mb(peakAt500(PLUGIN))}`
      : "N=500 not run",
    hard: true,
  });

  const hardMisses = targets.filter((t) => t.hard && t.status === "missed").map((t) => t.name);
  return { targets, hardMisses };
}

function traffic(m: Measurement[]): string {
  if (!m.length) return "–";
  const req = Math.max(...m.map((x) => x.totalRequests));
  const conn = Math.max(...m.map((x) => x.connections));
  const open = Math.max(...m.map((x) => x.peakConnections ?? x.connections));
  if (req === 0 && conn === 0) return "0";
  const first = m[0] as Measurement;
  const kinds = Object.entries(first.requests)
    .sort(([, x], [, y]) => y - x)
    .map(([k, c]) => `${c} ${k}`)
    .join(" + ");
  return `${req} req${kinds ? ` (${kinds})` : ""}, ${conn} conn${open !== conn ? ` (≤ ${open} open)` : ""}`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function markdown(results: Results, svgName: string, notes: string): string {
  const { machine: mc } = results;
  const { targets } = evaluate(results);
  const runsText = results.ns.map((n) => `${results.runs[String(n)]} at N=${n}`).join(", ");
  const out: string[] = [];
  out.push("# Benchmarks");
  out.push(
    `Generated by \`${results.command}\` (bench/run.sh → bench/driver.ts) on ${mc.date.slice(0, 10)}, in ${(results.totalSeconds / 60).toFixed(1)} minutes. Do not edit by hand: rerun the command. Raw numbers of every run are written to \`bench/results/\`.`,
  );
  out.push("## What is measured");
  out.push(
    [
      "Four Pulumi programs (`bench/programs/`), each declaring N resources, run through the real `pulumi` CLI on local file backends (passphrase secrets) against one local [oidc-provider](https://github.com/panva/node-oidc-provider) token server started by the driver:",
      "",
      "- **(a) AccessToken** — this package, written as the README's shortest program (`issuer` discovery, client_credentials, secret client secret); rotation through `triggers`.",
      "- **(b) naive fetch provider** — a typical hand-written dynamic provider: client_credentials with the global `fetch` (default dispatcher, no keep-alive tuning), revocation on delete, its logic and helpers captured in the serialized closure; no `read`. Rotation by an input that forces replacement.",
      "- **(c) no-op floor** — a dynamic resource whose provider does nothing: what the engine, the Node language host and the dynamic-provider host cost by themselves.",
      "- **(d) native plugin** — the same token as (a) through this package's plugin `pulumi-resource-access-tokens` (`plugins.providers` path in Pulumi.yaml; it runs `dist/provider/plugin/main.js`), from a TypeScript program registering `new pulumi.CustomResource(\"access-tokens:index:AccessToken\", name, props)` with the inputs given and the output it reads (`accessToken`). Its host RSS and CPU are the plugin process's.",
      "",
      `Scenarios per N: ${SCENARIOS.map((x) => `**${x.label}** (\`${x.command}\`)`).join(", ")}. Every command passes \`--parallel ${results.parallel}\` (the CLI's default, 4 × CPUs, made explicit). Each command's outcome is checked (N created, nothing to do, N replaced, N deleted) before its time counts.`,
      "",
      results.checkpoints
        ? "The file backend wrote its per-step checkpoints in every scenario (`BENCH_CHECKPOINTS=1`)."
        : "`PULUMI_SKIP_CHECKPOINTS=true` is set for every variant in the first six scenarios. By default the file backend rewrites the whole state file after every resource step, which makes an update O(N² × state size) and at N=500 turns the benchmark into one of the engine's JSON writer (see the analysis below); the final state is still written. The last two scenarios, **create, checkpoints on** and **destroy, checkpoints on**, are what a user gets by default: the same commands without `PULUMI_SKIP_CHECKPOINTS`, for (a), (c) and (d) (the naive provider's large state makes them take minutes at N=500). `BENCH_CHECKPOINTS=1` keeps checkpoints on everywhere.",
      "",
      `Runs: ${runsText}. Within each run the variants run back to back for each scenario, in an order rotated per run (a b c d, b c d a, …), so load from other work on the machine falls on all of them alike. **Time** is the median wall time of the \`pulumi\` command; **×floor** is the median over runs of the variant's time divided by the floor's time in the same run and scenario. **Requests** and **connections** are counted by the token server (new TCP connections accepted, and the most open at once). **Host RSS** is the provider host's peak resident set (\`VmHWM\` from \`/proc\`, the \`node …/dynamic-provider\` process the engine starts, or the plugin's \`node …/plugin/main.js\`), the worst over runs; **host CPU** its user + system time.`,
    ].join("\n"),
  );

  out.push("## Machine");
  out.push(
    table(
      ["", ""],
      [
        ["CPUs (nproc)", String(mc.cpus)],
        ["CPU model", mc.cpuModel],
        ["Memory", `${mc.memoryGiB.toFixed(1)} GiB`],
        ["Kernel", mc.kernel],
        ["Node.js", mc.node],
        ["Pulumi CLI", mc.pulumi],
        ["@pulumi/pulumi", mc.pulumiSdk],
        ["oidc-provider", mc.oidcProvider],
        ["Commit", mc.commit],
        [
          "Load average (1/5/15 min)",
          `before ${mc.loadBefore.map((x) => x.toFixed(2)).join(" / ")}, after ${mc.loadAfter.map((x) => x.toFixed(2)).join(" / ")}`,
        ],
      ],
    ),
  );
  out.push(
    "The machine is shared (other test runs execute concurrently), so absolute times are noisy; the ratios, measured side by side, are the numbers to compare.",
  );

  out.push("## Command");
  out.push(
    [
      "```sh",
      "npm run bench                              # full: N=10,100,500 × 3 runs → docs/ (~25 min idle)",
      "BENCH_NS=10 BENCH_RUNS=1 npm run bench     # smoke (~2–3 min) → bench/results/",
      "BENCH_NS=10,100 BENCH_RUNS=3 npm run bench # smaller run → bench/results/",
      "```",
      "",
      "Other settings: `BENCH_RUNS_MAX_N` (runs at the largest N; by default the third run there is skipped when it would end the whole run past `BENCH_BUDGET_MIN`, 30 minutes — a cycle of the four variants at N=500, checkpoint scenarios included, takes about 5 minutes on an idle 2-CPU machine and up to 10 under load), `BENCH_PARALLEL`, `BENCH_CHECKPOINTS=1` (keep the file backend's per-step checkpoints), `BENCH_OUT` (output directory), `BENCH_STRICT=1` (exit 1 when a hard target — requests, `__provider` size, connections, memory — is missed), `BENCH_KEEP=1` (keep the temporary stacks). `node -r ts-node/register/transpile-only bench/driver.ts --report bench/results/latest.json` rewrites this page from saved results.",
    ].join("\n"),
  );

  out.push("## Targets");
  out.push(
    table(
      ["Target", "Result", "Numbers"],
      targets.map((t) => [
        t.name,
        t.status === "met" ? "✅ met" : t.status === "missed" ? "❌ missed" : "n/a",
        t.detail,
      ]),
    ),
  );

  out.push("## Wall time");
  out.push(`![Wall time against N](${svgName})`);
  const rows: string[][] = [];
  for (const n of results.ns) {
    for (const sc of SCENARIOS) {
      rows.push([
        String(n),
        sc.label,
        ...VARIANTS.map((v) =>
          v.id === FLOOR
            ? s(medianSeconds(results, v.id, sc.id, n))
            : `${s(medianSeconds(results, v.id, sc.id, n))} (${r(ratioToFloor(results, v.id, sc.id, n))})`,
        ),
      ]);
    }
  }
  out.push(table(["N", "Scenario", ...VARIANTS.map((v) => (v.id === FLOOR ? v.label : `${v.label} (×floor)`))], rows));

  out.push("## Checkpoints on (the file backend's default)");
  out.push(
    "The same create and destroy with and without `PULUMI_SKIP_CHECKPOINTS=true`, in the same run: the median wall time with checkpoints, and its ratio to the same variant's time with them skipped.",
  );
  const ckrows: string[][] = [];
  for (const n of results.ns) {
    for (const [on, off] of [
      ["create-checkpoints", "create"],
      ["destroy-checkpoints", "destroy"],
    ] as [Scenario, Scenario][]) {
      const label = SCENARIOS.find((x) => x.id === off)?.label ?? off;
      ckrows.push([
        String(n),
        label,
        ...VARIANTS.filter((v) => v.id !== NAIVE).map((v) => {
          const withOn = medianSeconds(results, v.id, on, n);
          if (!Number.isFinite(withOn)) return "–";
          const offRuns = new Map(cell(results, v.id, off, n).map((m) => [m.run, m.ms]));
          const ratio = median(
            cell(results, v.id, on, n)
              .filter((m) => offRuns.has(m.run))
              .map((m) => m.ms / (offRuns.get(m.run) as number)),
          );
          return `${s(withOn)} (${r(ratio)} of skipped)`;
        }),
      ]);
    }
  }
  out.push(table(["N", "Scenario", ...VARIANTS.filter((v) => v.id !== NAIVE).map((v) => v.label)], ckrows));

  out.push("## Token-server traffic");
  out.push(
    "Requests by endpoint and new TCP connections per command (worst run), and the most open at once when that is fewer (a keep-alive socket idle for the server's 5 s is closed and a later request opens another). `token` is the token endpoint, `discovery` the issuer's metadata, `introspection` RFC 7662 (refresh), `revocation` RFC 7009 (delete).",
  );
  const trows: string[][] = [];
  for (const n of results.ns) {
    for (const sc of SCENARIOS) {
      trows.push([
        String(n),
        sc.label,
        ...VARIANTS.filter((v) => v.id !== FLOOR).map((v) => traffic(cell(results, v.id, sc.id, n))),
      ]);
    }
  }
  out.push(table(["N", "Scenario", ...VARIANTS.filter((v) => v.id !== FLOOR).map((v) => v.label)], trows));
  out.push("The floor makes no requests.");

  out.push("## Provider host");
  out.push(
    "Peak RSS (worst run) and median CPU time of the dynamic-provider host, and median CPU time of the whole process tree (engine, language host, program, provider host).",
  );
  const prows: string[][] = [];
  for (const n of results.ns) {
    for (const sc of SCENARIOS) {
      prows.push([
        String(n),
        sc.label,
        ...VARIANTS.map((v) => {
          const c = cell(results, v.id, sc.id, n);
          if (!c.length) return "–";
          return `${mb(Math.max(...c.map((m) => m.providerPeakRssMb)))}, ${s(median(c.map((m) => m.providerCpuMs)) / 1000)} (tree ${s(median(c.map((m) => m.treeCpuMs)) / 1000)})`;
        }),
      ]);
    }
  }
  out.push(table(["N", "Scenario", ...VARIANTS.map((v) => v.label)], prows));

  out.push("## Where the CPU goes");
  out.push(
    "Median CPU seconds by process of the command's tree: **engine** (the `pulumi` CLI), **program** (Node running the Pulumi program: the SDK registering resources), **provider** (the dynamic-provider host). Sampled from `/proc` every 100 ms, so a process's last tenth of a second can be missed.",
  );
  const crows: string[][] = [];
  for (const n of results.ns) {
    for (const sc of SCENARIOS) {
      crows.push([
        String(n),
        sc.label,
        ...VARIANTS.map((v) =>
          cell(results, v.id, sc.id, n).length
            ? ["engine", "program", "provider"]
                .map((role) => roleSeconds(results, v.id, sc.id, n, role).toFixed(1))
                .join(" / ")
            : "–",
        ),
      ]);
    }
  }
  out.push(table(["N", "Scenario", ...VARIANTS.map((v) => `${v.label}: engine / program / provider`)], crows));

  out.push("## State footprint");
  out.push(
    "Right after create. `__provider` is the text the dynamic-provider host evaluates for each resource; it is stored in the resource's inputs and again in its outputs.",
  );
  const frows: string[][] = [];
  for (const n of results.ns) {
    for (const v of VARIANTS) {
      const f = results.footprints.find((x) => x.variant === v.id && x.n === n);
      if (!f) continue;
      frows.push([
        String(n),
        v.label,
        f.providerCopies ? `${f.providerBytes} B × ${f.providerCopies}` : "none",
        bytes(f.stateBytes),
        `${(f.stateBytes / Math.max(1, f.resources) / 1024).toFixed(2)} KiB`,
      ]);
    }
  }
  out.push(table(["N", "Variant", "`__provider` per resource", "State file", "State per resource"], frows));

  const problems = results.measurements.filter((m) => m.problem);
  if (problems.length) {
    out.push("## Problems seen");
    out.push(problems.map((m) => `- N=${m.n} run ${m.run} ${m.scenario} ${m.variant}: ${m.problem}`).join("\n"));
  }
  if (notes.trim()) out.push(notes.trim());
  return `${out.join("\n\n")}\n`;
}

/** Writes BENCHMARKS.md and benchmarks.svg into `dir`; returns the paths written. */
export async function writeReport(results: Results, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const notesFile = join(REPO, "bench", "NOTES.md");
  const notes = existsSync(notesFile) ? await readFile(notesFile, "utf8") : "";
  const svgPath = join(dir, "benchmarks.svg");
  const mdPath = join(dir, "BENCHMARKS.md");
  await writeFile(svgPath, plotSvg(results));
  let text = markdown(results, "benchmarks.svg", notes);
  try {
    const prettier = await import("prettier");
    const config = (await prettier.resolveConfig(mdPath)) ?? {};
    text = await prettier.format(text, { ...config, parser: "markdown" });
  } catch {
    // Unformatted is still correct markdown.
  }
  await writeFile(mdPath, text);
  return [relative(REPO, mdPath), relative(REPO, svgPath)];
}
