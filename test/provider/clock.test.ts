/**
 * The provider's one clock: real time unless a test names an offset file, which is read at
 * every call (the provider host outlives one command), and refused when it holds garbage.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_CLOCK_ENV, clockOffsetMs, now, nowMs } from "../../provider/clock";

const dir = mkdtempSync(join(tmpdir(), "pat-clock-"));
const file = join(dir, "offset");
const env = { [TEST_CLOCK_ENV]: file };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the provider clock", () => {
  it("is real time without the variable", () => {
    const before = Date.now();
    const at = now({}).getTime();
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(clockOffsetMs({})).toBe(0);
  });

  it("counts a missing offset file as offset 0", () => {
    expect(clockOffsetMs({ [TEST_CLOCK_ENV]: join(dir, "absent") })).toBe(0);
  });

  it("adds the file's offset, read again at every call", () => {
    writeFileSync(file, "3600000\n");
    const before = Date.now();
    expect(nowMs(env) - before).toBeGreaterThanOrEqual(3_600_000);
    writeFileSync(file, "-86400000");
    expect(clockOffsetMs(env)).toBe(-86_400_000);
    expect(now(env).getTime()).toBeLessThan(Date.now() - 86_399_000);
  });

  it("refuses an offset file that does not hold an integer, naming the variable", () => {
    writeFileSync(file, "2026-01-01T00:00:00Z");
    expect(() => now(env)).toThrow(`${TEST_CLOCK_ENV}: ${file} must hold an integer offset in milliseconds`);
  });
});
