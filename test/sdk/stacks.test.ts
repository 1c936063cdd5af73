/**
 * The SDK's resources register without a stack per property promise (sdk/stacks.ts): the
 * program's stack trace limit is the same after a constructor as before, an error the
 * registration throws still carries the program's call, and Pulumi's promise-leak
 * debugging switch keeps every stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as sdk from "../../sdk/index";
import { quietStacks, restoreStacks } from "../../sdk/stacks";

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: () => ({}),
    },
    "project",
    "stack",
    true,
  );
});

const original = Error.stackTraceLimit;
afterEach(() => {
  Error.stackTraceLimit = original;
  delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
});

const args = { issuer: "https://auth.example", clientId: "c", clientSecret: "s" };

describe("resource constructors and the stack trace limit", () => {
  it("leave the program's limit as they found it", () => {
    Error.stackTraceLimit = 17;
    new sdk.AccessToken("limit-token", args);
    expect(Error.stackTraceLimit).toBe(17);
    new sdk.ApiClient("limit-client", { issuer: "https://auth.example", redirectUris: [] });
    expect(Error.stackTraceLimit).toBe(17);
  });

  it("register with the limit at zero", () => {
    Error.stackTraceLimit = 10;
    const limit = quietStacks();
    expect(Error.stackTraceLimit).toBe(0);
    expect(new Error("inside").stack).toBe("Error: inside");
    restoreStacks(limit);
    expect(Error.stackTraceLimit).toBe(10);
  });

  it("keep every stack under PULUMI_DEBUG_PROMISE_LEAKS", () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "true";
    Error.stackTraceLimit = 10;
    const limit = quietStacks();
    expect(Error.stackTraceLimit).toBe(10);
    restoreStacks(limit);
  });

  it("give an error thrown while registering the program's call as its stack", () => {
    Error.stackTraceLimit = 10;
    let thrown: unknown;
    try {
      new sdk.AccessToken("", args);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/name/);
    expect((thrown as Error).stack).toContain("stacks.test.ts");
    expect(Error.stackTraceLimit).toBe(10);
  });
});
