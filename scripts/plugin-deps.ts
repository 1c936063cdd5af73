/**
 * Copies the runtime dependencies of the package (its `dependencies`, and `@pulumi/pulumi`,
 * its peer) with everything they need, from this checkout's node_modules into a plugin
 * archive's staging folder: the same versions the tests ran, and no registry access.
 *
 * Usage: node -r ts-node/register/transpile-only scripts/plugin-deps.ts <staging folder>
 */
import { cpSync, existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const root = join(__dirname, "..");
const stage = process.argv[2];
if (!stage) throw new Error("usage: plugin-deps.ts <staging folder>");

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Node's lookup: `name` in the nearest node_modules from `from` up to the checkout. */
function resolve(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

const found = new Set<string>();
function visit(from: string, name: string, required: boolean): void {
  const dir = resolve(from, name);
  if (!dir) {
    if (required) throw new Error(`${name} (needed by ${relative(root, from) || "the package"}) is not installed`);
    return;
  }
  if (found.has(dir)) return;
  found.add(dir);
  const m = manifest(dir);
  for (const dep of Object.keys(m.dependencies ?? {})) visit(dir, dep, true);
  for (const dep of Object.keys(m.optionalDependencies ?? {})) visit(dir, dep, false);
  for (const dep of Object.keys(m.peerDependencies ?? {})) visit(dir, dep, !m.peerDependenciesMeta?.[dep]?.optional);
}

const own = manifest(root);
for (const dep of [...Object.keys(own.dependencies ?? {}), ...Object.keys(own.peerDependencies ?? {})]) {
  visit(root, dep, true);
}
for (const dir of found) {
  const target = join(stage, relative(root, dir));
  // A package's own node_modules holds packages visited on their own (or not needed).
  cpSync(dir, target, {
    recursive: true,
    filter: (src) => !relative(dir, src).split(sep).includes("node_modules"),
  });
}
console.error(`[plugin-pack] ${found.size} packages copied from node_modules`);
