/**
 * The Pulumi package schema of `access-tokens`, derived from the resource descriptions
 * alone: every resource's inputs and outputs with their types (from each property's zod
 * schema), documentation, `secret` flags, defaults and replace-on-change list, plus a YAML
 * example. The native plugin serves it (`GetSchema`); `npm run schema` writes it to
 * `schema.json`, which SDK generators read.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import type { PropertyDescription, ResourceDescription } from "../core/description";
import { EXAMPLES, exampleYaml } from "./examples";

/** The package name: the first part of every type token. */
export const PACKAGE_NAME = "access-tokens";

/**
 * Inputs the plugin sets itself, never the program: the system from the type token and the
 * resource name from the URN. They are left out of the schema.
 */
export const PLUGIN_OWNED_INPUTS: readonly string[] = ["system", "resourceName"];

/** A Pulumi schema type reference (the subset this package uses). */
export type TypeSpec =
  | { type: "string" | "integer" | "number" | "boolean" }
  | { type: "array"; items: TypeSpec }
  | { type: "object"; additionalProperties: TypeSpec }
  | { $ref: string };

/** A property of a resource or object type in the schema. */
export interface PropertySpec {
  description: string;
  secret?: true;
  default?: unknown;
  [key: string]: unknown;
}

/** An object type of the schema. */
export interface ObjectTypeSpec {
  type: "object";
  description: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
}

/** A resource of the schema. */
export interface ResourceSpec {
  description: string;
  properties: Record<string, PropertySpec>;
  required: string[];
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  replaceOnChanges?: string[];
}

/** The package schema, as `pulumi package gen-sdk` and the code generators read it. */
export interface PackageSchema {
  name: string;
  displayName: string;
  version?: string;
  description: string;
  keywords: string[];
  license: string;
  publisher: string;
  meta: { moduleFormat: string };
  config: Record<string, unknown>;
  provider: { description: string };
  types: Record<string, ObjectTypeSpec>;
  resources: Record<string, ResourceSpec>;
}

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  description?: string;
};

const ANY: TypeSpec = { $ref: "pulumi.json#/Any" };

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Collects named object types while converting, one per distinct shape. */
class Types {
  readonly specs: Record<string, ObjectTypeSpec> = {};

  /**
   * The schema type of a JSON Schema node; a nested object with named properties becomes a
   * named type (`access-tokens:<module>:<Name>`), shared by every property of the same shape.
   */
  typeOf(node: JsonSchema, module: string, name: string): TypeSpec {
    switch (node.type) {
      case "string":
      case "integer":
      case "number":
      case "boolean":
        return { type: node.type };
      case "array":
        return { type: "array", items: node.items ? this.typeOf(node.items, module, name) : ANY };
      case "object": {
        if (node.properties && Object.keys(node.properties).length) return this.named(node, module, name);
        const extra = node.additionalProperties;
        if (extra && typeof extra === "object" && extra.type) {
          return { type: "object", additionalProperties: this.typeOf(extra, module, name) };
        }
        return { type: "object", additionalProperties: ANY };
      }
      default:
        return ANY;
    }
  }

  private named(node: JsonSchema, module: string, name: string): TypeSpec {
    const properties: Record<string, PropertySpec> = {};
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      properties[key] = {
        ...this.typeOf(child, module, `${name}${pascal(key)}`),
        description: withAllowedValues(child.description ?? `The \`${key}\` setting.`, child),
      };
    }
    const spec: ObjectTypeSpec = {
      type: "object",
      description: node.description ?? `The \`${name}\` settings.`,
      properties,
      ...(node.required?.length ? { required: [...node.required].sort() } : {}),
    };
    const body = JSON.stringify(spec);
    // One module for shared types: the same shape used by several modules is one type.
    for (const candidate of [`${PACKAGE_NAME}:index:${pascal(name)}`, `${PACKAGE_NAME}:${module}:${pascal(name)}`]) {
      const existing = this.specs[candidate];
      if (!existing) {
        this.specs[candidate] = spec;
        return { $ref: `#/types/${candidate}` };
      }
      if (JSON.stringify(existing) === body) return { $ref: `#/types/${candidate}` };
    }
    throw new Error(`schema: two different object types named ${pascal(name)} in module ${module}`);
  }
}

function withAllowedValues(doc: string, node: JsonSchema): string {
  if (!node.enum?.length) return doc;
  return `${doc} One of ${node.enum.map((v) => `\`${String(v)}\``).join(", ")}.`;
}

function jsonSchemaOf(property: PropertyDescription, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(property.schema, { unrepresentable: "any", io }) as JsonSchema;
}

/** Whether an input may be left out: its schema accepts `undefined`, or it has a default. */
function optional(property: PropertyDescription & { default?: unknown }): boolean {
  return property.default !== undefined || property.schema.safeParse(undefined).success;
}

function moduleOf(token: string): string {
  return token.split(":")[1] ?? "index";
}

function propertySpec(
  types: Types,
  property: PropertyDescription & { default?: unknown },
  module: string,
  name: string,
  io: "input" | "output",
): PropertySpec {
  const node = jsonSchemaOf(property, io);
  const primitive = typeof property.default;
  return {
    ...types.typeOf(node, module, name),
    description: withAllowedValues(property.doc, node),
    ...(property.secret ? { secret: true as const } : {}),
    ...(io === "input" && ["string", "number", "boolean"].includes(primitive) ? { default: property.default } : {}),
  };
}

/** The resource's example as the registry's examples shortcode, or nothing without one. */
function example(description: ResourceDescription): string {
  const found = EXAMPLES[description.token];
  if (!found) return "";
  const name = description.token.split(":")[2] ?? "resource";
  const yaml = exampleYaml(description.token, name.charAt(0).toLowerCase() + name.slice(1), found);
  return [
    "",
    "",
    "{{% examples %}}",
    "## Example Usage",
    "{{% example %}}",
    `### ${found.title}`,
    "",
    "```yaml",
    yaml,
    "```",
    "{{% /example %}}",
    "{{% /examples %}}",
  ].join("\n");
}

function resourceSpec(types: Types, description: ResourceDescription): ResourceSpec {
  const module = moduleOf(description.token);
  const inputProperties: Record<string, PropertySpec> = {};
  const requiredInputs: string[] = [];
  const replaceOnChanges: string[] = [];
  const inputs = Object.entries(description.inputs).filter(([name]) => !PLUGIN_OWNED_INPUTS.includes(name));
  for (const [name, input] of inputs) {
    inputProperties[name] = propertySpec(types, input, module, name, "input");
    if (!optional(input)) requiredInputs.push(name);
    if (input.replaces) replaceOnChanges.push(name);
  }
  const properties: Record<string, PropertySpec> = {};
  // Inputs are echoed in state (outputs) under the same name, except those an output shadows.
  for (const [name, input] of inputs) {
    properties[name] = propertySpec(types, input, module, name, "output");
    delete properties[name]?.default;
  }
  for (const [name, output] of Object.entries(description.outputs)) {
    if (PLUGIN_OWNED_INPUTS.includes(name)) continue;
    properties[name] = propertySpec(types, output, module, name, "output");
  }
  return {
    description: `${description.doc}${example(description)}`,
    properties,
    required: requiredInputs.filter((name) => !(name in description.outputs)),
    inputProperties,
    requiredInputs,
    ...(replaceOnChanges.length ? { replaceOnChanges } : {}),
  };
}

/**
 * The package schema for `descriptions`.
 *
 * @param descriptions - every resource of the package
 * @param version - the package version to record, when serving (left out of the committed file)
 * @returns the schema, ready for `JSON.stringify`
 */
export function packageSchema(descriptions: readonly ResourceDescription[], version?: string): PackageSchema {
  const types = new Types();
  const resources: Record<string, ResourceSpec> = {};
  for (const description of [...descriptions].sort((a, b) => a.token.localeCompare(b.token))) {
    if (resources[description.token]) throw new Error(`schema: two descriptions of ${description.token}`);
    resources[description.token] = resourceSpec(types, description);
  }
  const sortedTypes = Object.fromEntries(Object.entries(types.specs).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: PACKAGE_NAME,
    displayName: "Access Tokens",
    ...(version ? { version } : {}),
    description:
      "API clients and access tokens as Pulumi resources: issued by the real token endpoint, secret outputs, rotated through `pulumi up`, revoked on destroy.",
    keywords: ["pulumi", "oauth2", "access-token", "category/utility", "kind/native"],
    license: "Apache-2.0",
    publisher: "pulumi-access-tokens",
    meta: { moduleFormat: "(.*)" },
    config: {},
    provider: {
      description:
        "The access-tokens provider. It has no settings; keys of its config namespace (`pulumi config set --secret access-tokens:<name> ...`) hold secrets that a `clientSecretConfigKey: access-tokens:<name>` input reads at call time, and `PULUMI_ACCESS_TOKENS_CONFIG_<KEY>` environment variables can give any key.",
    },
    types: sortedTypes,
    resources,
  };
}

/**
 * The schema as committed to `schema.json`: two-space JSON with a final newline.
 *
 * @param descriptions - every resource of the package
 * @returns the file's text
 */
export function schemaText(descriptions: readonly ResourceDescription[]): string {
  return `${JSON.stringify(packageSchema(descriptions), null, 2)}\n`;
}
