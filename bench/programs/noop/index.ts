/**
 * Benchmark variant (c), the engine floor: `count` dynamic resources whose provider does
 * nothing. Changing `rotation` replaces every resource, as a rotation would.
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

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string, rotation: string) {
    super(noopProvider, name, { rotation }, undefined, "Noop");
  }
}

const config = new pulumi.Config();
const count = config.requireNumber("count");
const rotation = config.require("rotation");

for (let i = 0; i < count; i++) new Noop(`noop-${i}`, rotation);

export const resources = count;
