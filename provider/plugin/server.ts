/**
 * The native provider `pulumi-resource-access-tokens`: the same resource implementations
 * as the dynamic provider (through {@link handler}), served over Pulumi's provider protocol
 * for programs in any language.
 *
 * What differs from the dynamic path is only the envelope:
 * - the resource's system comes from its type token (`access-tokens:alphaus:AccessToken` →
 *   AccessToken / alphaus) and its name from the URN, instead of inputs the SDK adds;
 * - the plugin declares that it accepts secrets, so secret values arrive wrapped: they are
 *   unwrapped on the way in, and on the way out every output the descriptions call secret,
 *   every output holding a secret input (under its own name or not) and every output that
 *   was secret in state goes back wrapped; the engine does not re-mark them itself;
 * - stack config read at call time (`clientSecretConfigKey`) is the provider's own
 *   (`access-tokens:` keys) or the environment of the `pulumi` process (see
 *   {@link environmentConfig}).
 *
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import type { StackConfig } from "../config";
import type { ResourceDescription } from "../core/description";
import { AccessTokenError, ErrorCode } from "../errors";
import { SHIM_VERSION, handler } from "../index";
import { SECRET_OUTPUTS } from "../core/access-token";
import { UNKNOWN } from "../core/inputs";
import { CLIENT_SECRET_OUTPUTS } from "../core/api-client";
import { PACKAGE_NAME, PLUGIN_OWNED_INPUTS, packageSchema } from "./schema";

/** The key that marks a wrapped secret value on the wire. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** The value of {@link SECRET_SIG} for a secret. */
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** Prefix of the environment variables that stand in for stack config in the plugin. */
export const CONFIG_ENV_PREFIX = "PULUMI_ACCESS_TOKENS_CONFIG_";

/**
 * The environment variable that holds stack config `key` for the plugin: the prefix, then
 * the key upper-cased with every run of other characters as `_` (`clientSecret` →
 * `PULUMI_ACCESS_TOKENS_CONFIG_CLIENTSECRET`, `app:clientSecret` →
 * `PULUMI_ACCESS_TOKENS_CONFIG_APP_CLIENTSECRET`).
 *
 * @param key - the value of a `clientSecretConfigKey` input
 * @returns the variable's name
 */
export function configEnvName(key: string): string {
  return `${CONFIG_ENV_PREFIX}${key.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
}

/**
 * The provider's own stack config, as the engine hands it to the plugin process: the keys
 * of the `access-tokens:` namespace (without it), secrets decrypted, in the `PULUMI_CONFIG`
 * environment variable.
 */
function providerConfigOf(env: NodeJS.ProcessEnv): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(env.PULUMI_CONFIG ?? "{}");
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Stack config as the plugin sees it. A native provider is not given the program's stack
 * config; it is given its own: keys in the `access-tokens:` namespace
 * (`pulumi config set --secret access-tokens:clientSecret …`, then
 * `clientSecretConfigKey: access-tokens:clientSecret`). Any key can also come from the
 * variable {@link configEnvName} names, in the environment of the `pulumi` process (which
 * its plugins inherit). A key found in neither is an input error saying both.
 *
 * @param env - the plugin process's environment
 * @returns the config reader the lifecycles take
 */
export function environmentConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const own = providerConfigOf(env);
  const namespace = `${PACKAGE_NAME}:`;
  return {
    get(key) {
      if (key.startsWith(namespace)) {
        const value = own[key.slice(namespace.length)];
        if (typeof value === "string" && value !== "") return value;
      }
      const name = configEnvName(key);
      const value = env[name];
      if (value === undefined || value === "") {
        // Said here, where the remedy is known: the program's stack config is not what a plugin reads.
        throw new AccessTokenError(
          ErrorCode.INVALID_INPUT,
          `clientSecretConfigKey: "${key}" is not set for the access-tokens plugin, which reads stack config only in its own namespace (pulumi config set --secret ${namespace}<name> ..., with clientSecretConfigKey "${namespace}<name>") or the environment variable ${name} where pulumi runs`,
        );
      }
      return value;
    },
  };
}

/** A property bag with its secrets unwrapped, and what was secret in it. */
export interface Unwrapped {
  /** The values, with every secret marker removed (at any depth). */
  plain: Record<string, unknown>;
  /** Top-level keys whose value was, or contained, a secret. */
  secretKeys: Set<string>;
  /** Every string inside a secret value, to recognise outputs computed from them. */
  secretValues: Set<string>;
}

function isSecret(value: unknown): value is { value?: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
  );
}

function strip(value: unknown, found: { secret: boolean }, collect: Set<string> | undefined): unknown {
  if (isSecret(value)) {
    found.secret = true;
    const inner = strip(value.value, found, new Set());
    collectStrings(inner, collect);
    return inner;
  }
  if (Array.isArray(value)) return value.map((v) => strip(v, found, collect));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v, found, collect)]));
  }
  return value;
}

function collectStrings(value: unknown, into: Set<string> | undefined): void {
  if (!into) return;
  if (typeof value === "string") {
    // Very short strings would mark unrelated outputs (a secret "1" is no identifier), and
    // the unknown sentinel of a preview is no secret.
    if (value.length >= 4 && value !== UNKNOWN) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, into);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) collectStrings(v, into);
  }
}

/**
 * Removes the secret markers of a property bag, remembering which properties held secrets.
 *
 * @param props - inputs or state as the engine sends them
 * @returns the plain values and what was secret
 */
export function unwrapSecrets(props: Record<string, unknown> | undefined): Unwrapped {
  const plain: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  const secretValues = new Set<string>();
  for (const [key, value] of Object.entries(props ?? {})) {
    const found = { secret: false };
    const inner = new Set<string>();
    plain[key] = strip(value, found, inner);
    if (found.secret) {
      secretKeys.add(key);
      for (const s of inner) secretValues.add(s);
    }
  }
  return { plain, secretKeys, secretValues };
}

function containsAny(value: unknown, needles: ReadonlySet<string>): boolean {
  if (!needles.size) return false;
  if (typeof value === "string") {
    for (const n of needles) if (value.includes(n)) return true;
    return false;
  }
  if (Array.isArray(value)) return value.some((v) => containsAny(v, needles));
  if (value && typeof value === "object") return Object.values(value).some((v) => containsAny(v, needles));
  return false;
}

/**
 * Wraps the properties that must be secret: those named in `secretKeys`, and any holding
 * one of `secretValues`. Absent values and values already wrapped pass through; an unknown
 * value (preview) under a secret name becomes a secret unknown, as the engine sends them.
 *
 * @param props - plain outputs (or inputs)
 * @param secretKeys - properties that are secret by name
 * @param secretValues - secret strings; a property containing one is secret too
 * @returns the properties as the engine expects them
 */
export function wrapSecrets(
  props: Record<string, unknown> | undefined,
  secretKeys: ReadonlySet<string>,
  secretValues: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props ?? {})) {
    const secret =
      value !== undefined &&
      value !== null &&
      !isSecret(value) &&
      (secretKeys.has(key) || containsAny(value, secretValues));
    out[key] = secret ? { [SECRET_SIG]: SECRET_VALUE, value } : value;
  }
  return out;
}

/**
 * The type token and the resource name of a URN
 * (`urn:pulumi:<stack>::<project>::[<parent type>$]<type>::<name>`).
 *
 * @param urn - the resource's URN
 * @returns its type token and name
 */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  if (parts.length < 4) throw new Error(`access-tokens: not a resource URN: ${urn}`);
  const qualified = parts[2] as string;
  return { type: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}

/** One resource type served by the plugin. */
interface Served {
  description: ResourceDescription;
  impl: pulumi.dynamic.ResourceProvider;
  /** Outputs that are always secret. */
  secretOutputs: Set<string>;
}

/**
 * The provider behind `pulumi-resource-access-tokens`.
 *
 * @param descriptions - every resource of the package (type token, kind, system, secrets)
 * @param version - the plugin's version (semver)
 * @param config - where `clientSecretConfigKey` values are read
 * @returns the implementation `provider.main` serves
 */
export function nativeProvider(
  descriptions: readonly ResourceDescription[],
  version: string,
  config: StackConfig = environmentConfig(),
): provider.Provider {
  const served = new Map<string, Served>();
  const schema = JSON.stringify(packageSchema(descriptions, version));

  function resolve(urn: string): { served: Served; identity: Record<string, string> } {
    const { type, name } = parseUrn(urn);
    let entry = served.get(type);
    if (!entry) {
      const description = descriptions.find((d) => d.token === type);
      if (!description) throw new Error(`access-tokens: unknown resource type ${type}`);
      const impl = handler(description.kind, SHIM_VERSION);
      // clientSecretConfigKey reads `config` (the provider's own stack config and the environment).
      void impl.configure?.({ config } as unknown as pulumi.dynamic.ConfigureRequest);
      const always = description.kind === "AccessToken" ? SECRET_OUTPUTS : CLIENT_SECRET_OUTPUTS;
      const secretOutputs = new Set<string>([
        ...always,
        ...Object.entries(description.outputs)
          .filter(([, o]) => o.secret)
          .map(([k]) => k),
        ...Object.entries(description.inputs)
          .filter(([, i]) => i.secret)
          .map(([k]) => k),
      ]);
      entry = { description, impl, secretOutputs };
      served.set(type, entry);
    }
    return { served: entry, identity: { system: entry.description.system, resourceName: name } };
  }

  /** Unwraps a bag and sets the system and name the plugin owns. */
  function incoming(props: Record<string, unknown> | undefined, identity: Record<string, string>): Unwrapped {
    const unwrapped = unwrapSecrets(props);
    for (const key of PLUGIN_OWNED_INPUTS) delete unwrapped.plain[key];
    Object.assign(unwrapped.plain, identity);
    return unwrapped;
  }

  function outgoing(entry: Served, props: Record<string, unknown> | undefined, ...sources: Unwrapped[]) {
    const keys = new Set(entry.secretOutputs);
    const values = new Set<string>();
    for (const source of sources) {
      for (const k of source.secretKeys) keys.add(k);
      for (const v of source.secretValues) values.add(v);
    }
    return wrapSecrets(props, keys, values);
  }

  /** Rethrows a recorded failure (a created-but-failed resource) with its state wrapped. */
  function rethrow(entry: Served, error: unknown, ...sources: Unwrapped[]): never {
    const recorded = error as { properties?: Record<string, unknown> };
    if (recorded && typeof recorded === "object" && recorded.properties) {
      recorded.properties = outgoing(entry, recorded.properties, ...sources);
    }
    throw error;
  }

  return {
    version,
    schema,
    async check(urn, olds, news) {
      const { served: entry, identity } = resolve(urn);
      const input = incoming(news, identity);
      const result = await entry.impl.check!(unwrapSecrets(olds).plain, input.plain);
      const inputs = { ...(result.inputs ?? input.plain) };
      for (const key of PLUGIN_OWNED_INPUTS) delete inputs[key];
      return { inputs: wrapSecrets(inputs, input.secretKeys), failures: result.failures ?? [] };
    },
    async diff(id, urn, olds, news) {
      const { served: entry, identity } = resolve(urn);
      const result = await entry.impl.diff!(id, incoming(olds, identity).plain, incoming(news, identity).plain);
      return {
        changes: result.changes,
        replaces: result.replaces,
        deleteBeforeReplace: result.deleteBeforeReplace,
      };
    },
    async create(urn, inputs) {
      const { served: entry, identity } = resolve(urn);
      const input = incoming(inputs, identity);
      try {
        const result = await entry.impl.create(input.plain);
        return { id: result.id, outs: outgoing(entry, result.outs, input) };
      } catch (error) {
        rethrow(entry, error, input);
      }
    },
    async read(id, urn, props) {
      const { served: entry, identity } = resolve(urn);
      const state = incoming(props, identity);
      const result = await entry.impl.read!(id, state.plain);
      return { id: result.id, props: outgoing(entry, result.props, state) };
    },
    async update(id, urn, olds, news) {
      const { served: entry, identity } = resolve(urn);
      const state = incoming(olds, identity);
      const input = incoming(news, identity);
      try {
        const result = await entry.impl.update!(id, state.plain, input.plain);
        return { outs: outgoing(entry, result.outs, state, input) };
      } catch (error) {
        rethrow(entry, error, state, input);
      }
    },
    async delete(id, urn, props) {
      const { served: entry, identity } = resolve(urn);
      await entry.impl.delete!(id, incoming(props, identity).plain);
    },
  };
}
