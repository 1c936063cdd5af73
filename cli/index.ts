#!/usr/bin/env node
/**
 * The package's command line: `npx pulumi-access-tokens <command>`.
 *
 * - `status [--stack S] [--json]`: token and API client expiry and rotation for pipelines (exit 0 / 10 / 11).
 * - `authorize <system> ...`: the interactive authorization, stored as a secret in stack config.
 *
 * @packageDocumentation
 */
import { authorize } from "./authorize";
import { authorizeMisskey } from "./authorize-misskey";
import { type CommandIO, status } from "./status";

const USAGE = `usage: pulumi-access-tokens <command>

commands:
  authorize oauth2|vantage ...              authorization code + PKCE in a browser; stores the
                                            refresh token as a secret in stack config (or --print)
  authorize misskey --host H ...            MiAuth (or --legacy app) approval; stores the token
  status [--stack S] [--cwd DIR] [--json]   one line per token and API client: expiry, rotation due, warnings
                                            exit 0 nothing due, 10 rotation due, 11 expired/attention
`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "status":
      return status(rest, io);
    case "authorize":
      return rest[0] === "misskey" ? authorizeMisskey(rest.slice(1), io) : authorize(rest, io);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.stdout(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    // stdin + stderr: prompts go to stderr, so `--print | pulumi config set --secret` works.
    isInteractive: Boolean(process.stdin.isTTY && process.stderr.isTTY) && process.env.CI !== "true",
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
