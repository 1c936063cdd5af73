/**
 * Entry point of the `pulumi-resource-access-tokens` plugin executable: serves
 * {@link nativeProvider} over gRPC with `@pulumi/pulumi/provider`. The engine starts it
 * with its own address as the first argument (after optional logging flags); provider
 * messages (rotation notices, warnings) are sent there.
 *
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as provider from "@pulumi/pulumi/provider";
import { resourceDescriptions } from "../core/descriptions";
import { useEngineAddress } from "../diagnostics";
import { nativeProvider } from "./server";

/**
 * The engine address among the plugin's arguments: the first one that is not a flag
 * (`--logtostderr`, `-v=9`, `--tracing <endpoint>`).
 *
 * @param args - the process arguments after the script
 * @returns the address, when given
 */
export function engineAddressOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--tracing") {
      i++;
      continue;
    }
    if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/** The package version, from the package.json beside `dist/` (or the source tree). */
function packageVersion(): string {
  for (const up of ["../../..", "../.."]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "pulumi-access-tokens" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "0.0.0";
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const address = engineAddressOf(args);
  if (address) useEngineAddress(address);
  void provider.main(nativeProvider(resourceDescriptions(), packageVersion()), args);
}
