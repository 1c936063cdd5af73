/**
 * `pulumi-access-tokens status`: one line per token and API client of a stack — kind,
 * system, expiry, when rotation is due, when it last rotated, warnings — read from
 * `pulumi stack export` without decrypting anything, so no secret can be printed. The exit
 * code lets a pipeline branch: 0 nothing to do, 10 something is due (run `pulumi up`), 11
 * something expired or an upstream credential is about to (a human must act).
 */
import { spawnSync } from "node:child_process";
import * as clock from "../provider/clock";
import { ACCESS_TOKEN_TYPE, API_CLIENT_TYPE } from "../sdk/shim";

/** Exit codes of the status command. */
export const STATUS_EXIT = { OK: 0, FAILURE: 1, USAGE: 2, DUE: 10, EXPIRED: 11 } as const;

/** How soon before an upstream credential's end status warns. */
const UPSTREAM_WINDOW_MS = 7 * 86_400_000;

/** What status reports about one token or API client. */
export interface TokenStatus {
  name: string;
  /** `token` (an AccessToken) or `client` (an ApiClient). */
  kind: "token" | "client";
  system: string;
  expiresAt?: string;
  rotationDueAt?: string;
  lastRotatedAt?: string;
  warnings: string[];
  /** 0, 10 or 11: the worst condition of this token. */
  level: number;
}

interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Collects one resource's warnings and the worst exit level they call for. */
function findings(now: Date) {
  const t = now.getTime();
  const warnings: string[] = [];
  let level: number = STATUS_EXIT.OK;
  const raise = (warning: string, to: number) => {
    warnings.push(warning);
    level = Math.max(level, to);
  };
  return {
    warnings,
    level: () => level,
    /** Once `at` has passed. */
    passed(at: string | undefined, warning: string, to: number) {
      if (at && Date.parse(at) <= t) raise(warning, to);
    },
    /** Once `at` has passed, or (`soon`) within 7 days of it. */
    ending(at: string | undefined, ended: [string, number], soon: [string, number]) {
      if (!at) return;
      const left = Date.parse(at) - t;
      if (left <= 0) raise(...ended);
      else if (left <= UPSTREAM_WINDOW_MS) raise(...soon);
    },
  };
}

/** Judges one token's state at `now`. Only non-secret fields are read. */
export function tokenStatus(resource: StateResource, now: Date): TokenStatus {
  const o = resource.outputs ?? {};
  const f = findings(now);
  const expiresAt = str(o.expiresAt);
  const due = str(o.rotationDueAt);
  f.passed(expiresAt, "expired", STATUS_EXIT.EXPIRED);
  f.passed(due, "rotation due", STATUS_EXIT.DUE);
  f.passed(str(o.previousRevokeAt), "previous token awaits revocation", STATUS_EXIT.DUE);
  const refreshEnd = str(o.refreshTokenExpiresAt);
  f.ending(
    refreshEnd,
    [`refresh token expired at ${refreshEnd}: re-authorize`, STATUS_EXIT.EXPIRED],
    [`refresh token expires at ${refreshEnd}: re-authorize before then`, STATUS_EXIT.EXPIRED],
  );
  return {
    name: resource.urn.split("::").pop() ?? resource.urn,
    kind: "token",
    system: str(o.system) ?? "oauth2",
    expiresAt,
    rotationDueAt: due,
    lastRotatedAt: str(o.issuedAt),
    warnings: f.warnings,
    level: f.level(),
  };
}

/**
 * Judges one API client's state at `now`. Only non-secret fields are read. A due rotation
 * or an expired client secret is DUE: the next `pulumi up` registers a new client; so is an
 * ended refresh token of the client's user (the next `up` issues a new one). A secret or
 * refresh token that ends within 7 days is a warning only.
 */
export function clientStatus(resource: StateResource, now: Date): TokenStatus {
  const o = resource.outputs ?? {};
  const f = findings(now);
  const expiresAt = str(o.clientSecretExpiresAt);
  const due = str(o.rotationDueAt);
  f.ending(
    expiresAt,
    ["client secret expired: the next pulumi up registers a new client", STATUS_EXIT.DUE],
    [`client secret expires at ${expiresAt}`, STATUS_EXIT.OK],
  );
  // A refresh token issued for the client's user (Exastro): the next up issues a new one.
  const refreshEnd = str(o.refreshTokenExpiresAt);
  f.ending(
    refreshEnd,
    ["its refresh token ended: the next pulumi up issues a new one", STATUS_EXIT.DUE],
    [`its refresh token ends at ${refreshEnd}`, STATUS_EXIT.OK],
  );
  f.passed(due, "rotation due", STATUS_EXIT.DUE);
  return {
    name: resource.urn.split("::").pop() ?? resource.urn,
    kind: "client",
    system: str(o.system) ?? "oauth2",
    expiresAt,
    rotationDueAt: due,
    lastRotatedAt: str(o.createdAt) ?? str(o.clientIdIssuedAt),
    warnings: f.warnings,
    level: f.level(),
  };
}

/** Formats statuses as aligned lines. */
export function formatStatus(statuses: TokenStatus[]): string {
  const rows = [
    ["NAME", "KIND", "SYSTEM", "EXPIRES", "ROTATION DUE", "LAST ROTATED", "WARNINGS"],
    ...statuses.map((s) => [
      s.name,
      s.kind,
      s.system,
      s.expiresAt ?? "never",
      s.rotationDueAt ?? "-",
      s.lastRotatedAt ?? "-",
      s.warnings.join("; ") || "-",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** I/O of a CLI command (injected, so tests can drive it). */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isInteractive: boolean;
}

/** Runs `status [--stack S] [--cwd DIR] [--json]`; returns the exit code. */
export async function status(argv: string[], io: CommandIO): Promise<number> {
  let stack: string | undefined;
  let cwd = io.cwd;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--stack" || arg === "-s") stack = argv[++i];
    else if (arg === "--cwd" || arg === "-C") cwd = argv[++i] ?? cwd;
    else if (arg === "--json") json = true;
    else {
      io.stderr(
        `status: unknown argument ${arg}\nusage: pulumi-access-tokens status [--stack S] [--cwd DIR] [--json]\n`,
      );
      return STATUS_EXIT.USAGE;
    }
  }
  const args = ["stack", "export", "--non-interactive", ...(stack ? ["--stack", stack] : [])];
  const result = spawnSync("pulumi", args, { cwd, env: io.env, encoding: "utf8", maxBuffer: 256 << 20 });
  if (result.error || result.status !== 0) {
    io.stderr(`status: pulumi ${args.join(" ")} failed: ${result.error?.message ?? result.stderr.trim()}\n`);
    return STATUS_EXIT.FAILURE;
  }
  let resources: StateResource[];
  try {
    resources = JSON.parse(result.stdout).deployment?.resources ?? [];
  } catch {
    io.stderr("status: could not parse the output of pulumi stack export\n");
    return STATUS_EXIT.FAILURE;
  }
  const now = clock.now(io.env);
  const statuses = resources.flatMap((r) =>
    r.type === API_CLIENT_TYPE ? [clientStatus(r, now)] : r.type === ACCESS_TOKEN_TYPE ? [tokenStatus(r, now)] : [],
  );
  if (json) io.stdout(`${JSON.stringify(statuses, null, 2)}\n`);
  else io.stdout(statuses.length ? `${formatStatus(statuses)}\n` : "no tokens or API clients in this stack\n");
  return Math.max(STATUS_EXIT.OK, ...statuses.map((s) => s.level));
}
