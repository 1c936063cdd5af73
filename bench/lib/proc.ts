/**
 * Samples a process tree through /proc while a `pulumi` command runs: the peak resident
 * set (VmHWM, the kernel's own high-water mark, so sampling cannot miss a short peak) and
 * CPU time of the provider host (Pulumi's dynamic-provider host, or this package's native
 * plugin), and the CPU time of the whole tree (engine,
 * language host, program, plugins). Linux only; elsewhere every figure stays 0.
 */
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** What a {@link TreeWatcher} saw. */
export interface TreeUsage {
  /** Peak RSS of the dynamic-provider host(s), MiB (largest one if several ran). */
  providerPeakRssMb: number;
  /** CPU time (user + system) of the dynamic-provider host(s), ms. */
  providerCpuMs: number;
  /** CPU time of every process of the tree, ms (last sample of each; approximate). */
  treeCpuMs: number;
  /** How many dynamic-provider hosts ran. */
  providerHosts: number;
  /** CPU time by role, ms: engine (the `pulumi` CLI), program (Node running the program), provider, other. */
  cpuByRole: Record<Role, number>;
}

export type Role = "engine" | "program" | "provider" | "other";

interface Seen {
  cpuTicks: number;
  role?: Role;
  hwmKb: number;
}

function roleOf(pid: number, rootPid: number, argv: string[]): Role | undefined {
  if (pid === rootPid) return "engine";
  // The dynamic-provider plugin is a shell script that execs node: undecided until it has.
  if (/cmd[/\\]dynamic-provider/.test(argv[1] ?? "")) return "provider";
  // The native plugin: a shell script too, which execs node on the built plugin.
  if (/provider[/\\]plugin[/\\]main\.js$/.test(argv[1] ?? "")) return "provider";
  if (argv.some((a) => /@pulumi[/\\]pulumi[/\\]cmd[/\\]run/.test(a))) return "program";
  if (/(^|\/)sh$/.test(argv[0] ?? "")) return undefined;
  return "other";
}

/** Watches the descendants of one pid. */
export class TreeWatcher {
  private readonly seen = new Map<number, Seen>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): TreeUsage {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const tick = 1000 / ticksPerSecond();
    let providerPeakKb = 0;
    let providerTicks = 0;
    let treeTicks = 0;
    let providerHosts = 0;
    const cpuByRole: Record<Role, number> = { engine: 0, program: 0, provider: 0, other: 0 };
    for (const s of this.seen.values()) {
      treeTicks += s.cpuTicks;
      cpuByRole[s.role ?? "other"] += s.cpuTicks * tick;
      if (s.role === "provider") {
        providerHosts += 1;
        providerTicks += s.cpuTicks;
        providerPeakKb = Math.max(providerPeakKb, s.hwmKb);
      }
    }
    return {
      providerPeakRssMb: providerPeakKb / 1024,
      providerCpuMs: providerTicks * tick,
      treeCpuMs: treeTicks * tick,
      providerHosts,
      cpuByRole,
    };
  }

  private sample(): void {
    let entries: string[];
    try {
      entries = readdirSync("/proc");
    } catch {
      return;
    }
    const parent = new Map<number, number>();
    const cpu = new Map<number, number>();
    for (const entry of entries) {
      if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
      const pid = Number(entry);
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt
        // majflt cmajflt utime stime ...
        const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        parent.set(pid, Number(rest[1]));
        cpu.set(pid, Number(rest[11]) + Number(rest[12]));
      } catch {
        // exited meanwhile
      }
    }
    const tree = new Set<number>([this.rootPid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of parent) {
        if (!tree.has(pid) && tree.has(ppid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    for (const pid of tree) {
      const ticks = cpu.get(pid);
      if (ticks === undefined) continue;
      const prev = this.seen.get(pid) ?? { cpuTicks: 0, hwmKb: 0 };
      prev.cpuTicks = Math.max(prev.cpuTicks, ticks);
      // Decide once a process is what it will stay; a fork may not have exec'd yet.
      if (!prev.role || prev.role === "other") {
        try {
          prev.role = roleOf(pid, this.rootPid, readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0"));
        } catch {
          // exited
        }
      }
      if (prev.role === "provider") {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
          if (m) prev.hwmKb = Math.max(prev.hwmKb, Number(m[1]));
        } catch {
          // exited
        }
      }
      this.seen.set(pid, prev);
    }
  }
}
