/**
 * The rules the wire kit exists for, checked over the source: no wire code pushes to a
 * secret list (the kit keeps it), appends to an error's message (hints are data of the
 * call), parses JSON or decodes a JWT on its own (the kit's helpers do), or points at a
 * design note outside the repository.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..", "..");

/** Every TypeScript file below `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The wire code: everything under provider/ but the kit's own secret list and redaction
 * (`http/redact.ts`), the kit's JSON and JWT helpers (`wire/kit.ts`), and the lifecycles
 * (`core/access-token.ts`, `core/api-client.ts`, `core/inputs.ts`, `core/rotation.ts`) and
 * the native plugin's server (`plugin/`, which reads local files and configuration), which
 * are not wire code.
 */
const WIRE = sources(join(ROOT, "provider"))
  .map((path) => relative(ROOT, path))
  .filter(
    (path) =>
      !/^provider\/(core\/(access-token|api-client|inputs|rotation)\.ts$|plugin\/|http\/redact\.ts$|wire\/kit\.ts$)/.test(
        path,
      ),
  );

/** The lines of `files` that match `pattern`, as `path:line: text`. */
function matches(files: string[], pattern: RegExp): string[] {
  return files.flatMap((path) =>
    readFileSync(join(ROOT, path), "utf8")
      .split("\n")
      .flatMap((line, i) => (pattern.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe("wire code conventions", () => {
  it("covers the systems' wire code", () => {
    expect(WIRE.length).toBeGreaterThan(10);
    expect(WIRE).toContain("provider/errors.ts");
  });

  it("never pushes to a secret list, in wire code or lifecycles: the kit keeps it (send, keepSecrets)", () => {
    const provider = sources(join(ROOT, "provider"))
      .map((path) => relative(ROOT, path))
      .filter((path) => path !== "provider/http/redact.ts");
    expect(matches(provider, /secrets\.push\(/)).toEqual([]);
  });

  it("never appends to an error's message: hints are built into the error", () => {
    expect(matches(WIRE, /\.message\s*(\+?=)[^=]/)).toEqual([]);
  });

  it("parses JSON and decodes JWTs only through the kit", () => {
    expect(matches(WIRE, /JSON\.parse\(|"base64url"/)).toEqual([]);
  });

  it("leaves the registries to provider/index.ts: nothing in provider/core imports provider/systems/index.ts", () => {
    const core = sources(join(ROOT, "provider", "core")).map((path) => relative(ROOT, path));
    expect(core).toContain("provider/core/access-token.ts");
    expect(matches(core, /from "\.\.\/systems(\/index)?"/)).toEqual([]);
  });

  it("points at no design note outside the repository", () => {
    const everywhere = ["provider", "cli", "sdk", "test", "scripts", "bench"].flatMap((dir) =>
      sources(join(ROOT, dir)).map((path) => relative(ROOT, path)),
    );
    expect(matches(everywhere, /(?<!docs\/)\b(PROTOCOLS|PULUMI|NATIVE|PRODUCT|STYLE)\.md\b/)).toEqual([]);
  });
});
