/**
 * Engine tests of the native plugin: points a copied program's `plugins.providers` entry at
 * this checkout's `bin/` (the `pulumi-resource-access-tokens` script, which runs the build
 * in `dist/`), so the engine runs the plugin the checkout builds.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Program, REPO } from "./harness";

/** The folder holding the plugin executable in this checkout. */
export const PLUGIN_DIR = join(REPO, "bin");

/**
 * Rewrites the `path:` of the program's `access-tokens` plugin entry in Pulumi.yaml to
 * {@link PLUGIN_DIR} (programs name it relative to their place in the repository; tests run
 * a copy elsewhere). Fails when the build the script runs is missing.
 *
 * @param program - a program created by `createProgram`
 */
export async function usePluginFromCheckout(program: Program): Promise<void> {
  if (!existsSync(join(REPO, "dist/provider/plugin/main.js"))) {
    throw new Error("dist/provider/plugin/main.js is missing: run scripts/setup.sh (or npm run build) first");
  }
  const file = join(program.dir, "Pulumi.yaml");
  const text = await readFile(file, "utf8");
  const entry = /(- name: access-tokens\n\s+path: ).*/;
  if (!entry.test(text)) throw new Error(`${file} has no plugins.providers entry for access-tokens`);
  await writeFile(file, text.replace(entry, `$1${PLUGIN_DIR}`));
}
