/**
 * The provider's one notion of "now". Every rotation, expiry and grace-period decision of
 * the provider (and of the CLI's `status`) asks this module, never `Date.now()` directly,
 * so tests can move time forward instead of waiting for it.
 *
 * TEST ONLY: when the environment variable {@link TEST_CLOCK_ENV} names a file, the
 * integer in that file (milliseconds, may be negative) is added to the real time. The file
 * is read at each call, so a test can advance the clock of a long-lived provider host
 * between two `pulumi` commands. Without the variable (every real deployment), "now" is the
 * real time. A missing file counts as offset 0; a file that holds anything but an integer
 * is an error, so a test never runs on a clock it did not mean to set.
 *
 * @packageDocumentation
 */
import { readFileSync } from "node:fs";

/** Names the clock-offset file; set only by the project's own tests. */
export const TEST_CLOCK_ENV = "PULUMI_ACCESS_TOKENS_TEST_CLOCK_FILE";

/**
 * The test clock's offset from real time in milliseconds: 0 unless {@link TEST_CLOCK_ENV}
 * names a file holding one.
 *
 * @param env - the environment to read the variable from (the CLI passes its own)
 * @returns the offset in milliseconds
 */
export function clockOffsetMs(env: NodeJS.ProcessEnv = process.env): number {
  const file = env[TEST_CLOCK_ENV];
  if (!file) return 0;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) {
    throw new Error(`${TEST_CLOCK_ENV}: ${file} must hold an integer offset in milliseconds, not "${trimmed}"`);
  }
  return Number(trimmed);
}

/**
 * The current time: real time, plus the test clock's offset when a test set one.
 *
 * @param env - the environment to read {@link TEST_CLOCK_ENV} from (the CLI passes its own)
 * @returns the current instant
 */
export function now(env: NodeJS.ProcessEnv = process.env): Date {
  return new Date(Date.now() + clockOffsetMs(env));
}

/**
 * {@link now} in milliseconds since the epoch.
 *
 * @param env - the environment to read {@link TEST_CLOCK_ENV} from
 * @returns the current instant in milliseconds
 */
export function nowMs(env: NodeJS.ProcessEnv = process.env): number {
  return Date.now() + clockOffsetMs(env);
}
