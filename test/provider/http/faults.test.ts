/**
 * One test per network fault (the table is in test/kit/fault-cases.ts): the real transport and the
 * real core issue a token from a misbehaving endpoint; each case ends in a token after a
 * bounded retry, or in an error naming the system, endpoint, status and OAuth error code,
 * with the number of attempts asserted and the canary client secret absent everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDispatchers } from "../../../provider/http/dispatcher";
import { FAULT_CASES, type FaultEnv, runFaultCase, startFaultEnv } from "../../kit/fault-cases";

let env: FaultEnv;
beforeAll(async () => {
  env = await startFaultEnv();
});
afterAll(async () => {
  await closeDispatchers();
  await env?.close();
});

describe("transport faults", () => {
  it.for(FAULT_CASES)("$id: $fault", async (c, ctx) => {
    const result = await runFaultCase(c, env);
    if (result.skipped) {
      ctx.skip(result.skipped);
      return;
    }
    expect(result.problems, result.message).toEqual([]);
    expect(result.attempts).toBe(c.expect.attempts);
    expect(result.secretAbsent).toBe(true);
  });
});
