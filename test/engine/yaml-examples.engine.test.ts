/**
 * The examples in the package schema are real programs: every resource's example, taken
 * from the schema the plugin serves, is declared in one YAML program and previewed through
 * the engine, the YAML language host (which type-checks each property against the schema)
 * and the plugin's check. Preview makes no request, so the examples' hosts are never called.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceDescriptions } from "../../provider/core/descriptions";
import { packageSchema } from "../../provider/plugin/schema";
import { type Program, createProgram } from "../kit/harness";
import { usePluginFromCheckout } from "../kit/plugin";

let program: Program;
const schema = packageSchema(resourceDescriptions());
const tokens = Object.keys(schema.resources);

/** The YAML of a resource's example, from its description in the schema. */
function exampleOf(token: string): { config: string[]; resources: string[] } {
  const description = schema.resources[token]?.description ?? "";
  const yaml = /```yaml\n([\s\S]*?)\n```/.exec(description)?.[1];
  if (!yaml) throw new Error(`${token}: no YAML example in its description`);
  const section = (name: string) => {
    const match = new RegExp(`^${name}:\\n((?:  .*\\n?)*)`, "m").exec(yaml);
    return match?.[1]?.trimEnd().split("\n") ?? [];
  };
  return { config: section("config"), resources: section("resources") };
}

describe("the schema's YAML examples", () => {
  beforeAll(async () => {
    program = await createProgram("../test/engine/programs/yaml-examples");
    await usePluginFromCheckout(program);
    const config = new Map<string, string[]>();
    const resources: string[] = [];
    tokens.forEach((token, i) => {
      const { config: c, resources: r } = exampleOf(token);
      for (let j = 0; j < c.length; j += 3) config.set(c[j] as string, c.slice(j, j + 3));
      // Each example names its resource after its type; number them apart.
      resources.push(...r.map((line) => line.replace(/^ {2}(\w+):$/, `  $1${i}:`)));
    });
    const file = join(program.dir, "Pulumi.yaml");
    const text = await readFile(file, "utf8");
    await writeFile(
      file,
      `${text}config:\n${[...config.values()].flat().join("\n")}\nresources:\n${resources.join("\n")}\n`,
    );
    for (const line of config.keys()) {
      const key = line.trim().replace(/:$/, "");
      await program.config(key, `${key}-example-value`, true);
    }
  });

  afterAll(async () => {
    await program?.cleanup();
  });

  it("every resource has one, and all of them preview as creates", async () => {
    expect(tokens).toHaveLength(10);
    const r = await program.preview();
    for (const token of tokens) expect(r.stdout).toContain(`+ ${token}: (create)`);
    expect(r.stdout).toContain(`+ ${tokens.length + 1} to create`);
  });
});
