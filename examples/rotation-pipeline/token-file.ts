/* eslint-disable @typescript-eslint/no-require-imports --
   A dynamic provider's closure is serialized into state: modules are required inside the
   methods, at run time, rather than captured from this file. */
import * as pulumi from "@pulumi/pulumi";

/** Inputs of a {@link TokenFile}. */
export interface TokenFileArgs {
  /** Where to write the file (created with mode 0600). */
  path: pulumi.Input<string>;
  /** The token to deliver. */
  token: pulumi.Input<string>;
  /** The environment variable name written. Default ACCESS_TOKEN. */
  variable?: pulumi.Input<string>;
}

// The consumer side of the example: delivers the token where a service reads it, here an
// env file. In a real stack this is a Kubernetes Secret, a CI variable or a secret store
// entry; what matters is that it depends on the token, so `pulumi up` updates it with the
// new token before the old one is revoked.
const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    const fs = require("node:fs");
    fs.writeFileSync(inputs.path, `${inputs.variable ?? "ACCESS_TOKEN"}=${inputs.token}\n`, { mode: 0o600 });
    return { id: inputs.path, outs: { ...inputs, writtenAt: new Date().toISOString() } };
  },
  async diff(_id, olds, news) {
    const changed = ["path", "token", "variable"].filter((k) => olds[k] !== news[k]);
    return { changes: changed.length > 0, replaces: olds.path !== news.path ? ["path"] : [] };
  },
  async update(_id, _olds, news) {
    const fs = require("node:fs");
    fs.writeFileSync(news.path, `${news.variable ?? "ACCESS_TOKEN"}=${news.token}\n`, { mode: 0o600 });
    return { outs: { ...news, writtenAt: new Date().toISOString() } };
  },
  async delete(id) {
    require("node:fs").rmSync(id, { force: true });
  },
};

/** Writes a token into an env file; re-written whenever the token rotates. */
export class TokenFile extends pulumi.dynamic.Resource {
  /** When the file was last written (RFC 3339). */
  declare readonly writtenAt: pulumi.Output<string>;

  constructor(name: string, args: TokenFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, writtenAt: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
    );
  }
}
