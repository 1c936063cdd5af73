/**
 * Benchmark variant (c), the engine floor: `count` dynamic resources whose provider does
 * nothing. Changing `rotation` replaces every resource, as a rotation would.
 *
 * With the optional config `extraProps` (K, default 0) each resource also registers K
 * properties left undefined, as a resource declares its outputs: the smallest program
 * that shows what `@pulumi/pulumi` costs per registered property (bench/NOTES.md). With
 * `extraValue` too they hold that string, so the provider host receives them (what
 * larger property bags cost the host and the engine).
 */
import * as pulumi from "@pulumi/pulumi";

const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`, outs: inputs };
  },
  async diff(_id, olds, news) {
    const replaces = olds.rotation !== news.rotation ? ["rotation"] : [];
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
};

const config = new pulumi.Config();
const count = config.requireNumber("count");
const rotation = config.require("rotation");
const extraProps = config.getNumber("extraProps") ?? 0;
const extraValue = config.get("extraValue");
const extra = Object.fromEntries(Array.from({ length: extraProps }, (_, k) => [`out${k}`, extraValue]));

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(noopProvider, name, { rotation, ...extra }, undefined, "Noop");
  }
}

for (let i = 0; i < count; i++) new Noop(`noop-${i}`);

export const resources = count;
