/**
 * The committed `schema.json` is exactly what the resource descriptions produce, and it
 * says what the provider enforces: every secret input and output is `secret: true`, every
 * replacing input is marked `willReplaceOnChanges`, every resource's inputs are the inputs its
 * lifecycle validates.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resourceDescriptions } from "../../provider/core/descriptions";
import { EXAMPLES } from "../../provider/plugin/examples";
import { PLUGIN_OWNED_INPUTS, packageSchema, schemaText } from "../../provider/plugin/schema";
import { SECRET_SIG, SECRET_VALUE, environmentConfig, nativeProvider } from "../../provider/plugin/server";
import { SECRET_OUTPUTS } from "../../provider/core/access-token";
import { CLIENT_SECRET_OUTPUTS } from "../../provider/core/api-client";
import { CLIENT_SYSTEMS, SYSTEMS } from "../../provider/systems";
import { CLIENT_SECRET_INPUTS, TOKEN_SECRET_INPUTS } from "../../sdk/secret-inputs";

const TOKENS = [
  "access-tokens:index:AccessToken",
  "access-tokens:index:ApiClient",
  "access-tokens:alphaus:AccessToken",
  "access-tokens:alphaus:ApiClient",
  "access-tokens:vantage:AccessToken",
  "access-tokens:vantage:ApiClient",
  "access-tokens:exastro:AccessToken",
  "access-tokens:exastro:ServiceAccount",
  "access-tokens:misskey:AccessToken",
  "access-tokens:misskey:App",
];

describe("schema.json", () => {
  it("is what the descriptions produce (run `npm run schema` after changing an input)", () => {
    const committed = readFileSync(join(__dirname, "../../schema.json"), "utf8");
    expect(committed).toBe(schemaText(resourceDescriptions()));
  });

  const schema = packageSchema(resourceDescriptions());

  it("has every resource of the package, in its module", () => {
    expect(schema.name).toBe("access-tokens");
    expect(Object.keys(schema.resources).sort()).toEqual([...TOKENS].sort());
  });

  it("marks every secret input secret, as input and as echoed output", () => {
    for (const d of resourceDescriptions()) {
      const lists: Record<string, readonly string[]> =
        d.kind === "AccessToken" ? TOKEN_SECRET_INPUTS : CLIENT_SECRET_INPUTS;
      const secretInputs = lists[d.system] ?? [];
      expect(secretInputs.length, d.token).toBeGreaterThan(0);
      const resource = schema.resources[d.token]!;
      for (const name of secretInputs) {
        expect(resource.inputProperties[name]?.secret, `${d.token} input ${name}`).toBe(true);
        expect(resource.properties[name]?.secret, `${d.token} output ${name}`).toBe(true);
      }
      const marked = Object.entries(resource.inputProperties)
        .filter(([, p]) => p.secret)
        .map(([k]) => k);
      expect(marked.sort(), d.token).toEqual([...secretInputs].sort());
    }
  });

  it("marks the always-secret outputs secret", () => {
    for (const d of resourceDescriptions()) {
      const resource = schema.resources[d.token]!;
      const always: readonly string[] = d.kind === "AccessToken" ? SECRET_OUTPUTS : CLIENT_SECRET_OUTPUTS;
      const present = always.filter((name) => name in resource.properties);
      expect(present.length, d.token).toBeGreaterThan(0);
      for (const name of present) expect(resource.properties[name]?.secret, `${d.token} ${name}`).toBe(true);
    }
  });

  it("marks exactly the replacing inputs as replacing (willReplaceOnChanges), as inputs and in state", () => {
    for (const d of resourceDescriptions()) {
      const replacing = Object.entries(d.inputs)
        .filter(([k, i]) => i.replaces && !PLUGIN_OWNED_INPUTS.includes(k))
        .map(([k]) => k);
      expect(replacing.length, d.token).toBeGreaterThan(0);
      const resource = schema.resources[d.token]!;
      const marked = Object.entries(resource.inputProperties)
        .filter(([, p]) => p.willReplaceOnChanges)
        .map(([k]) => k);
      expect(marked, d.token).toEqual(replacing);
      for (const name of replacing) {
        // An output of the same name (e.g. the latest refresh token) is not the input.
        if (!(name in d.outputs))
          expect(resource.properties[name]?.willReplaceOnChanges, `${d.token} ${name}`).toBe(true);
      }
    }
  });

  it("documents every property and carries a YAML example per resource", () => {
    for (const [token, resource] of Object.entries(schema.resources)) {
      expect(resource.description).toContain(`type: ${token}`);
      expect(resource.description).toContain("```yaml");
      for (const [name, p] of [...Object.entries(resource.inputProperties), ...Object.entries(resource.properties)]) {
        expect(p.description.length, `${token} ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it("leaves out the inputs the plugin sets itself (system, resource name)", () => {
    for (const [token, resource] of Object.entries(schema.resources)) {
      for (const name of PLUGIN_OWNED_INPUTS) {
        expect(resource.inputProperties[name], `${token} ${name}`).toBeUndefined();
        expect(resource.properties[name], `${token} ${name}`).toBeUndefined();
      }
    }
  });

  it("has an example per resource that the provider's check accepts, exporting a secret output", async () => {
    const provider = nativeProvider(resourceDescriptions(), "0.0.0", environmentConfig({}));
    for (const d of resourceDescriptions()) {
      const example = EXAMPLES[d.token];
      expect(example, d.token).toBeDefined();
      if (!example) continue;
      const inputs = {
        ...example.properties,
        ...Object.fromEntries(example.secrets.map((k) => [k, { [SECRET_SIG]: SECRET_VALUE, value: `${k}-value` }])),
      };
      const checked = await provider.check!(`urn:pulumi:dev::docs::${d.token}::example`, {}, inputs);
      expect(checked.failures, d.token).toEqual([]);
      for (const key of example.secrets) expect(d.inputs[key]?.secret, `${d.token} ${key}`).toBe(true);
      expect(schema.resources[d.token]!.properties[example.output]?.secret, `${d.token} ${example.output}`).toBe(true);
    }
  });

  it("declares every input the system's lifecycle validates", () => {
    for (const d of resourceDescriptions()) {
      const system = d.kind === "AccessToken" ? SYSTEMS[d.system] : CLIENT_SYSTEMS[d.system];
      const own = Object.keys(system?.inputShape ?? {}).filter((k) => k !== "system" && k !== "resourceName");
      expect(own.length, d.token).toBeGreaterThan(0);
      const declared = Object.keys(schema.resources[d.token]!.inputProperties);
      for (const name of own) expect(declared, `${d.token} ${name}`).toContain(name);
    }
  });
});
