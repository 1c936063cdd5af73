/**
 * Benchmark variant (d): `count` tokens of the native plugin (`pulumi-resource-access-tokens`,
 * found through `plugins.providers` in Pulumi.yaml), registered by type token as a
 * generated Node SDK registers a resource: the inputs given, the outputs the program reads
 * (`accessToken`) as undefined, the secret input wrapped, the secret output named. The
 * same token as (a): issuer discovery, client_credentials, secret client secret, rotation
 * through `triggers`.
 *
 * With the optional config `quietStacks` set to true it registers as this package's own
 * SDK does (sdk/stacks.ts: no stack per property promise), to measure that difference
 * (bench/NOTES.md); the benchmark leaves it unset.
 */
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const rotation = config.require("rotation");
const issuer = config.require("issuer");
const clientId = config.require("clientId");
const clientSecret = config.requireSecret("clientSecret");
const quietStacks = config.getBoolean("quietStacks") ?? false;

const limit = Error.stackTraceLimit;
if (quietStacks) Error.stackTraceLimit = 0;
for (let i = 0; i < count; i++) {
  new pulumi.CustomResource(
    "access-tokens:index:AccessToken",
    `token-${i}`,
    {
      issuer,
      clientId,
      clientSecret: pulumi.secret(clientSecret),
      scopes: ["api:read"],
      triggers: { rotation },
      accessToken: undefined,
    },
    { additionalSecretOutputs: ["accessToken"] },
  );
}
Error.stackTraceLimit = limit;

export const tokens = count;
