/**
 * The bad-input matrix's program: one token resource per entry of the `resources` stack
 * config, of the SDK class named by `kind` ("AccessToken", "alphaus.AccessToken", ...),
 * with the given (invalid) arguments. Names listed in `secretArgs` are passed as Pulumi
 * secrets, as a real program would pass `config.requireSecret(...)`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as sdk from "pulumi-access-tokens";

interface Entry {
  name: string;
  kind: string;
  args: Record<string, unknown>;
  secretArgs?: string[];
}

type TokenClass = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

const config = new pulumi.Config();
for (const entry of config.requireObject<Entry[]>("resources")) {
  let found: unknown = sdk;
  for (const part of entry.kind.split(".")) found = (found as Record<string, unknown> | undefined)?.[part];
  if (typeof found !== "function") throw new Error(`no SDK export ${entry.kind}`);
  const args: Record<string, unknown> = { ...entry.args };
  for (const key of entry.secretArgs ?? []) args[key] = pulumi.secret(args[key]);
  new (found as TokenClass)(entry.name, args);
}
