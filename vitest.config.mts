import { defineConfig } from "vitest/config";

/** Tests that run the real `pulumi` CLI: everything under test/engine, and `*.engine.test.ts` anywhere. */
const ENGINE = ["test/engine/**/*.test.ts", "test/**/*.engine.test.ts"];

/**
 * Two lanes. `fast`: units, the provider called directly, the local servers, the SDK and
 * the CLI — in-process, a slow test there is a bug, so the timeout is seconds. `engine`:
 * every test that drives the real `pulumi` CLI — minutes, not milliseconds. `npm test` runs
 * both; `npm run test:fast` (or `npm test -- --project fast`) only the first.
 */
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "fast",
          include: ["test/**/*.test.ts"],
          exclude: ENGINE,
          // Most tests take milliseconds; the rate-limit bursts take ~4 s on an idle machine
          // and over 15 s on a 2-core machine at load 20.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "engine",
          include: ENGINE,
          // A safety net, not a verdict: on a loaded 2-core machine one test of several
          // `pulumi up` runs has taken over 3 minutes.
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
