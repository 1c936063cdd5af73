/**
 * Writes docs/RELIABILITY.md: every network fault and every bad input tried, and what
 * happened — attempts, the error as the user sees it, whether a secret showed. Runs the
 * same case tables as the tests (test/kit/fault-cases.ts,
 * test/kit/bad-input-cases.ts): the faults in process against local servers, the bad
 * inputs through `pulumi preview`.
 *
 *   npm run reliability
 *
 * Exits non-zero when a case did not end as its table says (the file is written anyway).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { closeDispatchers } from "../provider/http/dispatcher";
import { HTTP_POLICY_DEFAULTS, MAX_ATTEMPTS } from "../provider/http/transport";
import { RETRY_DEFAULTS } from "../provider/http/retry";
import { type BadInputReport, runBadInputMatrix } from "../test/kit/bad-input-cases";
import { REPO } from "../test/kit/harness";
import {
  FAST_POLICY,
  FAULT_CANARY_SECRET,
  FAULT_CASES,
  type FaultResult,
  runFaultCase,
  startFaultEnv,
} from "../test/kit/fault-cases";

const COMMAND = "npm run reliability";
const OUT = join(REPO, "docs", "RELIABILITY.md");

/** Table cell text: stable (no ports, no canaries) and safe in a Markdown table. */
function cell(text: string): string {
  return text
    .split(FAULT_CANARY_SECRET)
    .join("{client secret}")
    .replace(/canary-[\w-]+?-[0-9a-f]{8}/g, "{secret}")
    .replace(/(127\.0\.0\.1|localhost):\d+/g, "$1:{port}")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/\n/g, " ");
}

function outcomeOf(r: FaultResult): string {
  if (r.skipped) return "skipped";
  if (r.outcome === "success") return "token issued";
  return `error ${r.code ?? ""}${r.status !== undefined ? `, HTTP ${r.status}` : ""}${r.oauthError ? `, ${r.oauthError}` : ""}`;
}

function faultSection(results: FaultResult[]): string[] {
  const ran = results.filter((r) => !r.skipped);
  const recovered = ran.filter((r) => r.outcome === "success" && r.attempts > 1).length;
  const errors = ran.filter((r) => r.outcome === "error").length;
  const lines = [
    `## Network faults`,
    "",
    `${results.length} faults, each driving the real transport and the real core (\`createAccessToken\`:` +
      " input parsing, the generic OAuth 2.0 system, redaction) against a local fault server" +
      " (test/kit/fault-server.ts). The client secret is a random canary; every message, stack," +
      ` cause and diagnostic was searched for it (plain, URL- and form-encoded, JSON-escaped, Base64, inside a Basic header).` +
      ` ${recovered} ended in a token after a bounded retry, ${errors} in an error,` +
      ` ${ran.length - recovered - errors} succeeded at once, ${results.length - ran.length} were skipped.`,
    "",
    `These runs use short limits so the table takes seconds: connect / headers / body timeouts` +
      ` ${FAST_POLICY.connectTimeoutMs} ms, backoff from ${FAST_POLICY.retry.baseDelayMs} ms,` +
      ` Retry-After honoured up to ${FAST_POLICY.retry.maxRetryAfterMs / 1000} s.` +
      ` "Reached" counts requests the server received (connections, for the connect timeout).`,
    "",
    "| # | Fault | Attempts | Reached | Outcome | What the user sees | Secret absent | As expected |",
    "|---|---|---|---|---|---|---|---|",
  ];
  results.forEach((r, i) => {
    const seen = r.skipped ? `skipped: ${r.skipped}` : r.outcome === "success" ? "(no error)" : (r.message ?? "");
    lines.push(
      `| ${i + 1} | ${cell(r.fault)} (\`${r.id}\`) | ${r.skipped ? "–" : r.attempts} | ${r.reached ?? "–"} | ${outcomeOf(r)} | ${cell(seen)} | ${r.secretAbsent ? "yes" : "**NO**"} | ${r.problems.length ? `**no**: ${cell(r.problems.join("; "))}` : "yes"} |`,
    );
  });
  return lines;
}

function badInputSection(report: BadInputReport): string[] {
  const leaks = report.results.filter((r) => r.leaked.length > 0);
  const lines = [
    "## Bad inputs",
    "",
    `${report.results.length} invalid inputs, rejected by \`check\` at \`pulumi preview\` through the real` +
      ` engine (test/engine/programs/bad-inputs). The engine stops a preview at the first resource that` +
      ` fails \`check\`, so cases touching different inputs are packed into one resource (packing is` +
      ` proven harmless by calling \`check\` directly: the packed inputs give exactly the union of each` +
      ` case's failures): ${report.previews} previews in all. Every endpoint pointed at a counting HTTP` +
      ` server: **${report.requests} HTTP requests** were made.` +
      (report.skippedKinds.length ? ` Skipped (not exported by the SDK): ${report.skippedKinds.join(", ")}.` : ""),
    "",
    "The last column is the check failure as `pulumi preview` prints it; the engine adds the value" +
      " of the named property. Secret values are shown here as {secret}.",
    "",
    "| # | Resource | Mistake | Property | `pulumi preview` prints | Secret shown | As expected |",
    "|---|---|---|---|---|---|---|",
  ];
  report.results.forEach((r, i) => {
    const properties = [...new Set(r.found.map((f) => f.property))].join(", ");
    const printed = r.found.map((f) => f.line ?? `(missing) ${f.property}: ${f.reason}`).join(" / ");
    const leak = r.leaked.length ? "**yes**" : "no";
    lines.push(
      `| ${i + 1} | ${r.kind} \`${r.resource}\` | ${cell(r.what)} (\`${r.id}\`) | ${cell(properties)} | ${cell(printed)} | ${leak} | ${r.problems.length ? `**no**: ${cell(r.problems.join("; "))}` : "yes"} |`,
    );
  });
  if (leaks.length) {
    lines.push(
      "",
      `### Secrets printed at preview (${leaks.length} cases)`,
      "",
      "When `check` names a property, the engine prints `property <name> value <value> has a problem`" +
        " — with the value in clear text, even when the program passed it as a Pulumi secret (it shows as" +
        " `{&{{...}}}`). So a check failure on a secret input, or on a URL or map that holds one, puts the" +
        " secret in the terminal and CI logs. Affected here: " +
        leaks.map((r) => `\`${r.id}\``).join(", ") +
        ". The fix belongs in the core's `checkInputs`: for secret inputs (each system's `secretInputs`)," +
        " and for URLs with credentials or maps of extra parameters, return the failure with an empty" +
        " `property` and the property's name in the reason; the engine then prints the reason alone.",
    );
  }
  return lines;
}

function policySection(): string[] {
  return [
    "## Transport policy (provider/http/)",
    "",
    `- Timeouts: connect ${HTTP_POLICY_DEFAULTS.connectTimeoutMs / 1000} s (TCP + TLS + proxy tunnel),` +
      ` headers ${HTTP_POLICY_DEFAULTS.headersTimeoutMs / 1000} s, body ${HTTP_POLICY_DEFAULTS.bodyTimeoutMs / 1000} s` +
      " between chunks; each can be overridden per transport and per call.",
    `- Deadlines: each request has ${HTTP_POLICY_DEFAULTS.requestTimeoutMs / 1000} s in all for headers and the whole` +
      " body (a trickled body cannot outlast it); each operation (create, read, update, delete) has" +
      ` ${HTTP_POLICY_DEFAULTS.operationTimeoutMs / 60_000} min for all its requests, retries and waits together;` +
      " a retry whose wait would pass the budget is not made.",
    `- Retries: at most ${RETRY_DEFAULTS.maxAttempts} attempts by default, never more than ${MAX_ATTEMPTS};` +
      " only when the server certainly did not process the request: HTTP 429 and 503, and connection" +
      " failures (refused, reset, connect timeout, temporary DNS failure) before the request was handed" +
      " to a socket, or before a byte of it was written. A token request that may have reached the server" +
      " is never sent again: it could mint a second token.",
    `- Backoff: ${RETRY_DEFAULTS.baseDelayMs} ms doubling, equal jitter, at most ${RETRY_DEFAULTS.maxDelayMs / 1000} s;` +
      ` \`Retry-After\` (seconds or HTTP date) honoured up to ${RETRY_DEFAULTS.maxRetryAfterMs / 1000} s — a longer` +
      " one is not retried at all. The backoff is shared per origin by the whole process: while an" +
      " origin is backed off every request to it waits, then a single request probes it.",
    "- Where credentials may go: one rule (provider/http/policy.ts) for every URL before it receives a" +
      " credential — https except on loopback (`*.localhost` connects to 127.0.0.1 / ::1 without DNS), no" +
      " user info, no credential in the query, no fragment; discovered endpoints and" +
      " `registration_client_uri` on the issuer's origin unless `allowCrossOriginEndpoints` is set.",
    "- Redirects are never followed (the error names the target's origin only); responses over" +
      ` ${HTTP_POLICY_DEFAULTS.maxResponseBytes} bytes are cut off (early when Content-Length says so).`,
    "- TLS verification is always on (`NODE_TLS_REJECT_UNAUTHORIZED=0` is ignored); `caBundle` adds a" +
      " private CA (PEM text or file) to Node's roots.",
    "- `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` are honoured (undici `EnvHttpProxyAgent`); loopback is" +
      " never proxied. One keep-alive dispatcher per configuration (connect timeout, CA, proxy" +
      " environment) per process. An optional per-origin rate limit (GCRA) is shared by the process.",
  ];
}

async function main(): Promise<number> {
  const started = Date.now();
  console.error("[reliability] running the network faults");
  const env = await startFaultEnv();
  const faults: FaultResult[] = [];
  try {
    for (const c of FAULT_CASES) faults.push(await runFaultCase(c, env));
  } finally {
    await closeDispatchers();
    await env.close();
  }
  console.error(
    "[reliability] running the bad-input matrix through pulumi preview (several minutes on a busy machine)",
  );
  const bad = await runBadInputMatrix();

  let pulumiVersion = "unknown";
  try {
    pulumiVersion = execFileSync("pulumi", ["version"], { encoding: "utf8" }).trim();
  } catch {
    // Reported as unknown.
  }
  const faultProblems = faults.filter((r) => r.problems.length || !r.secretAbsent);
  const badProblems = bad.results.filter((r) => r.problems.length);
  const ok =
    !faultProblems.length &&
    !badProblems.length &&
    bad.requests === 0 &&
    bad.allPreviewsFailed &&
    bad.tableProblems.length === 0;
  const doc = [
    "# Reliability report",
    "",
    `Generated by \`${COMMAND}\` (scripts/reliability-report.ts); do not edit by hand.` +
      ` Last run ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, pulumi ${pulumiVersion},` +
      ` ${Math.round((Date.now() - started) / 1000)} s.`,
    "",
    `**Result: ${ok ? "every case ended as expected" : "some cases did NOT end as expected (see the last columns)"}.**` +
      ` ${faults.length} network faults, ${bad.results.length} bad inputs.`,
    "",
    ...policySection(),
    "",
    ...faultSection(faults),
    "",
    ...badInputSection(bad),
    ...(bad.tableProblems.length
      ? ["", "### Table problems", "", ...bad.tableProblems.map((p) => `- ${cell(p)}`)]
      : []),
    "",
  ].join("\n");
  mkdirSync(join(REPO, "docs"), { recursive: true });
  // Formatted as `npm run format` would, so the checked-in file stays prettier-clean.
  writeFileSync(OUT, await format(doc, { ...(await resolveConfig(OUT)), filepath: OUT }));
  console.error(`[reliability] wrote ${OUT}: ${ok ? "all as expected" : "PROBLEMS"}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[reliability] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
