/**
 * The `__provider` shim: what state stores, and the host contract it relies on (the
 * provider host evaluates the text with require-from-string from the program directory and
 * calls `handler()`). The engine tests run the same text in the real host.
 */
import requireFromString from "require-from-string";
import { describe, expect, it } from "vitest";
import { SHIM_VERSION, shimText } from "../../sdk/shim";

describe("shim", () => {
  const text = shimText("AccessToken");

  it("is tiny, versioned, and carries no path", () => {
    expect(text.length).toBeLessThan(150);
    expect(text).toContain(`"AccessToken",${SHIM_VERSION}`);
    expect(text).not.toMatch(/[/\\](tmp|work|home|root|Users)[/\\]/);
    expect(text).not.toContain(process.cwd());
  });

  it("loads the installed implementation the way the host does", () => {
    const provider = (requireFromString(text).handler as () => Record<string, unknown>)();
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
      expect(typeof provider[method]).toBe("function");
    }
  });

  it("refuses state from a newer shim with a message that says what to do", () => {
    const newer = text.replace(`,${SHIM_VERSION})`, `,${SHIM_VERSION + 1})`);
    expect(() => (requireFromString(newer).handler as () => unknown)()).toThrow(
      /written by shim v2, this installed version understands up to v1; upgrade pulumi-access-tokens/,
    );
  });
});
