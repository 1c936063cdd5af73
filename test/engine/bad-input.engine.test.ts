/**
 * The bad-input matrix through the real engine: every invalid input in test/kit/bad-input-cases.ts
 * is rejected at `pulumi preview` by `check`, with the property named and the reason in
 * the output, and no HTTP request reaches the (counting) server. Cases are packed into a
 * few resources, one preview each (the engine stops a preview at the first invalid
 * resource); the packing itself is proven harmless by calling `check` directly.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BAD_INPUT_CASES, type BadInputReport, kindAvailable, runBadInputMatrix } from "../kit/bad-input-cases";

let report: BadInputReport;

describe("bad inputs at pulumi preview", () => {
  beforeAll(async () => {
    report = await runBadInputMatrix();
  }, 600_000);

  it("covers at least 30 invalid inputs in a few engine runs", () => {
    expect(report.results.length).toBeGreaterThanOrEqual(30);
    expect(report.previews).toBeLessThan(report.results.length / 3);
    expect(report.tableProblems).toEqual([]);
    // A kind the SDK no longer exports fails its cases below; none may be dropped quietly.
    expect(report.skippedKinds).toEqual([]);
  });

  it("fails every preview and makes no HTTP request", () => {
    expect(report.allPreviewsFailed).toBe(true);
    expect(report.requests).toBe(0);
  });

  it.for(BAD_INPUT_CASES)("$id: $what", (c) => {
    expect(kindAvailable(c.kind), `the SDK no longer exports ${c.kind}`).toBe(true);
    const result = report.results.find((r) => r.id === c.id);
    expect(result, "case did not run").toBeDefined();
    expect(result?.problems).toEqual([]);
    expect(c.expect.length, "a case must expect at least one failure").toBeGreaterThan(0);
    expect(result?.found).toHaveLength(c.expect.length);
    for (const found of result?.found ?? []) expect(found.line, `${found.property}: ${found.reason}`).toBeDefined();
    expect(result?.leaked).toEqual([]);
  });
});
