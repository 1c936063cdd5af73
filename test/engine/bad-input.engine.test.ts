/**
 * The bad-input matrix through the real engine: every invalid input in bad-input-cases.ts
 * is rejected at `pulumi preview` by `check`, with the property named and the reason in
 * the output, and no HTTP request reaches the (counting) server. Cases are packed into a
 * few resources, one preview each (the engine stops a preview at the first invalid
 * resource); the packing itself is proven harmless by calling `check` directly.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BAD_INPUT_CASES, type BadInputReport, kindAvailable, runBadInputMatrix } from "./bad-input-cases";

let report: BadInputReport;

describe("bad inputs at pulumi preview", () => {
  beforeAll(async () => {
    report = await runBadInputMatrix();
  }, 600_000);

  it("covers at least 30 invalid inputs in a few engine runs", () => {
    expect(report.results.length).toBeGreaterThanOrEqual(30);
    expect(report.previews).toBeLessThan(report.results.length / 3);
    expect(report.tableProblems).toEqual([]);
  });

  it("fails every preview and makes no HTTP request", () => {
    expect(report.allPreviewsFailed).toBe(true);
    expect(report.requests).toBe(0);
  });

  const cases = BAD_INPUT_CASES.filter((c) => kindAvailable(c.kind));
  it.for(cases)("$id: $what", (c) => {
    const result = report.results.find((r) => r.id === c.id);
    expect(result, "case did not run").toBeDefined();
    expect(result?.problems).toEqual([]);
    for (const found of result?.found ?? []) expect(found.line, `${found.property}: ${found.reason}`).toBeDefined();
    if (c.knownLeak) {
      // Known core issue (see docs/RELIABILITY.md): the engine prints the failing property's
      // value. When check stops naming secret properties, this starts failing: drop knownLeak.
      expect(result?.leaked.length, "no longer leaks: remove knownLeak from the case").toBeGreaterThan(0);
    } else {
      expect(result?.leaked).toEqual([]);
    }
  });
});
