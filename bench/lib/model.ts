/** The benchmark's vocabulary and result records, shared by the driver and the report. */

export interface Variant {
  id: string;
  label: string;
  short: string;
  project: string;
  color: string;
}

/** The four variants, in the order they are interleaved (rotated per run). */
export const VARIANTS: Variant[] = [
  { id: "access-token", label: "(a) AccessToken", short: "a", project: "bench-access-token", color: "#1f6fd1" },
  { id: "naive-fetch", label: "(b) naive fetch provider", short: "b", project: "bench-naive-fetch", color: "#e8710a" },
  { id: "noop", label: "(c) no-op floor", short: "c", project: "bench-noop", color: "#6b6b6b" },
  { id: "plugin", label: "(d) native plugin", short: "d", project: "bench-plugin", color: "#2a9d4b" },
];

export const FLOOR = "noop";
export const SUBJECT = "access-token";
export const NAIVE = "naive-fetch";
export const PLUGIN = "plugin";

export type Scenario =
  | "create"
  | "preview"
  | "up-nochange"
  | "rotate"
  | "refresh"
  | "destroy"
  | "create-checkpoints"
  | "destroy-checkpoints";

/** One timed command of a run's cycle. */
export interface ScenarioSpec {
  id: Scenario;
  label: string;
  command: string;
  /** Run with the file backend's per-step checkpoints (its default), whatever BENCH_CHECKPOINTS says. */
  checkpoints?: boolean;
  /** The variants that run it (default: all). */
  variants?: string[];
}

/**
 * The cycle of one run, in order. The last two repeat create and destroy with the file
 * backend's default per-step checkpoints, for the variants whose numbers a user compares
 * (the naive provider's ~8 KB of closure per resource makes them take minutes at N=500).
 */
export const SCENARIOS: ScenarioSpec[] = [
  { id: "create", label: "create", command: "pulumi up --yes --skip-preview" },
  { id: "preview", label: "no-change preview", command: "pulumi preview" },
  { id: "up-nochange", label: "no-change up", command: "pulumi up --yes --skip-preview" },
  { id: "rotate", label: "rotate all", command: "pulumi up --yes --skip-preview (after a rotation-key change)" },
  { id: "refresh", label: "refresh", command: "pulumi refresh --yes --skip-preview" },
  { id: "destroy", label: "destroy", command: "pulumi destroy --yes --skip-preview" },
  {
    id: "create-checkpoints",
    label: "create, checkpoints on",
    command: "pulumi up --yes --skip-preview, without PULUMI_SKIP_CHECKPOINTS",
    checkpoints: true,
    variants: [SUBJECT, FLOOR, PLUGIN],
  },
  {
    id: "destroy-checkpoints",
    label: "destroy, checkpoints on",
    command: "pulumi destroy --yes --skip-preview, without PULUMI_SKIP_CHECKPOINTS",
    checkpoints: true,
    variants: [SUBJECT, FLOOR, PLUGIN],
  },
];

/** Whether a variant runs a scenario. */
export function runs(scenario: ScenarioSpec, variant: string): boolean {
  return !scenario.variants || scenario.variants.includes(variant);
}

/** One timed command. */
export interface Measurement {
  variant: string;
  scenario: Scenario;
  n: number;
  run: number;
  /** Position of this variant within its interleaved triple (0 = ran first). */
  slot: number;
  ms: number;
  code: number;
  /** Token-server requests during the command, by kind. */
  requests: Record<string, number>;
  totalRequests: number;
  /** New TCP connections the token server accepted during the command. */
  connections: number;
  /** Most TCP connections open at the token server at once during the command. */
  peakConnections?: number;
  providerPeakRssMb: number;
  providerCpuMs: number;
  treeCpuMs: number;
  providerHosts: number;
  /** CPU time by process role, ms (see proc.ts). */
  cpuByRole: Record<"engine" | "program" | "provider" | "other", number>;
  /** Resource counts from the CLI's summary. */
  summary: Record<string, number>;
  /** Set when the outcome was not the expected one (wrong counts, non-zero exit). */
  problem?: string;
}

/** State footprint of a variant at one N, right after create. */
export interface Footprint {
  variant: string;
  n: number;
  resources: number;
  /** Bytes of one resource's `__provider` string (largest seen; 0 for the plugin). */
  providerBytes: number;
  /** How many copies of it one resource's state holds (inputs and outputs). */
  providerCopies: number;
  stateBytes: number;
}

export interface Machine {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  pulumi: string;
  pulumiSdk: string;
  oidcProvider: string;
  kernel: string;
  commit: string;
  loadBefore: number[];
  loadAfter: number[];
}

export interface Results {
  machine: Machine;
  command: string;
  ns: number[];
  runs: Record<string, number>;
  parallel: number;
  /** Whether the file backend wrote its per-step checkpoints. */
  checkpoints: boolean;
  totalSeconds: number;
  measurements: Measurement[];
  footprints: Footprint[];
}
