/**
 * One list of secret inputs per resource kind and system, shared by the provider and the
 * SDK: the provider's systems use exactly it, every name on it is a real input, and every
 * SDK class registers exactly those inputs as secrets when the program passes plain
 * strings (seen on the wire to Pulumi's mock monitor, before it unwraps secrets), and
 * asks the engine to keep secret every output the provider treats as secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_SYSTEMS, SYSTEMS } from "../../provider/systems";
import { secretOutputsOf } from "../../provider/core/access-token";
import { clientSecretOutputsOf } from "../../provider/core/api-client";
import * as sdk from "../../sdk/index";
import { CLIENT_SECRET_INPUTS, type ResourceKind, TOKEN_SECRET_INPUTS, secretInputsOf } from "../../sdk/secret-inputs";
import { SECRET_SIG } from "../kit/harness";

/** What each resource sent to the monitor, secrets still wrapped. */
const wire = new Map<string, Record<string, unknown>>();
/** The outputs each resource asked the engine to keep secret. */
const secretOutputs = new Map<string, string[]>();

beforeAll(async () => {
  const register = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (this: MockMonitor, req: never, callback: never) {
    const r = req as {
      getName(): string;
      getObject(): { toJavaScript(): Record<string, unknown> };
      getAdditionalsecretoutputsList(): string[];
    };
    wire.set(r.getName(), r.getObject().toJavaScript());
    secretOutputs.set(r.getName(), r.getAdditionalsecretoutputsList());
    return register.call(this, req, callback);
  } as typeof register;
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

type Ctor = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

/** Every SDK class, with the kind and system it registers. */
const CLASSES: { name: string; kind: ResourceKind; system: string; ctor: unknown }[] = [
  { name: "AccessToken", kind: "AccessToken", system: "oauth2", ctor: sdk.AccessToken },
  { name: "alphaus.AccessToken", kind: "AccessToken", system: "alphaus", ctor: sdk.alphaus.AccessToken },
  { name: "alphaus.RippleToken", kind: "AccessToken", system: "alphaus", ctor: sdk.alphaus.RippleToken },
  { name: "alphaus.WaveToken", kind: "AccessToken", system: "alphaus", ctor: sdk.alphaus.WaveToken },
  { name: "vantage.AccessToken", kind: "AccessToken", system: "vantage", ctor: sdk.vantage.AccessToken },
  { name: "exastro.AccessToken", kind: "AccessToken", system: "exastro", ctor: sdk.exastro.AccessToken },
  { name: "misskey.AccessToken", kind: "AccessToken", system: "misskey", ctor: sdk.misskey.AccessToken },
  { name: "ApiClient", kind: "ApiClient", system: "oauth2", ctor: sdk.ApiClient },
  { name: "alphaus.ApiClient", kind: "ApiClient", system: "alphaus", ctor: sdk.alphaus.ApiClient },
  { name: "vantage.ApiClient", kind: "ApiClient", system: "vantage", ctor: sdk.vantage.ApiClient },
  { name: "exastro.ServiceAccount", kind: "ApiClient", system: "exastro", ctor: sdk.exastro.ServiceAccount },
  { name: "misskey.App", kind: "ApiClient", system: "misskey", ctor: sdk.misskey.App },
];

const isSecret = (value: unknown) =>
  typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] !== undefined;

describe("the provider uses the shared lists", () => {
  it("token systems: the same systems, the same secret inputs, each a real input", () => {
    expect(Object.keys(SYSTEMS).sort()).toEqual(Object.keys(TOKEN_SECRET_INPUTS).sort());
    for (const [id, system] of Object.entries(SYSTEMS)) {
      expect({ id, secrets: [...system.secretInputs] }).toEqual({
        id,
        secrets: [...secretInputsOf("AccessToken", id)],
      });
      for (const key of system.secretInputs) expect(Object.keys(system.inputShape)).toContain(key);
    }
  });

  it("client systems: the same systems, the same secret inputs, each a real input", () => {
    expect(Object.keys(CLIENT_SYSTEMS).sort()).toEqual(Object.keys(CLIENT_SECRET_INPUTS).sort());
    for (const [id, system] of Object.entries(CLIENT_SYSTEMS)) {
      expect({ id, secrets: [...system.secretInputs] }).toEqual({ id, secrets: [...secretInputsOf("ApiClient", id)] });
      for (const key of system.secretInputs) expect(Object.keys(system.inputShape)).toContain(key);
    }
  });

  it("every kind and system has an SDK class here", () => {
    const covered = new Set(CLASSES.map((c) => `${c.kind}/${c.system}`));
    const all = [
      ...Object.keys(TOKEN_SECRET_INPUTS).map((s) => `AccessToken/${s}`),
      ...Object.keys(CLIENT_SECRET_INPUTS).map((s) => `ApiClient/${s}`),
    ];
    expect(all.filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe("every SDK class wraps exactly its secret inputs, however they are passed", () => {
  it.each(CLASSES)("$name", async ({ name, kind, system, ctor }) => {
    const secrets = secretInputsOf(kind, system);
    expect(secrets.length).toBeGreaterThan(0);
    // Plain strings for every secret input, and one plain non-secret input beside them.
    const args = Object.fromEntries(secrets.map((k) => [k, `plain-${k}`]));
    const resource = new (ctor as Ctor)(`wrap-${name}`, { ...args, clientId: "not-a-secret" });
    await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
    const sent = wire.get(`wrap-${name}`) ?? {};
    const wrapped = Object.keys(sent).filter((k) => isSecret(sent[k]));
    expect(wrapped.sort()).toEqual([...secrets].sort());
    expect(Object.values(sent)).not.toContain(`plain-${secrets[0]}`);
    // Every output the provider treats as secret is a secret output of the class too.
    const provider =
      kind === "AccessToken"
        ? secretOutputsOf(SYSTEMS[system] as never)
        : clientSecretOutputsOf(CLIENT_SYSTEMS[system] as never);
    const declared = new Set(secretOutputs.get(`wrap-${name}`));
    expect(provider.filter((k) => !declared.has(k))).toEqual([]);
  });
});
