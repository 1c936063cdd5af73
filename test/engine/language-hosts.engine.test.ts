/**
 * The small Python and Go language hosts report a failing program the way the official ones
 * do: the program's own error reaches the output once, and the command fails. The programs
 * are the SDK test programs run without their required config.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Program, createProgram } from "../kit/harness";
import { createPythonVenv, useGoSdkFromCheckout } from "../kit/languages";
import { usePluginFromCheckout } from "../kit/plugin";

const programs: Program[] = [];
const all = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

afterAll(async () => {
  await Promise.all(programs.map((p) => p.cleanup()));
});

describe("language hosts and failing programs", () => {
  it("Python: the program's error is shown once and the host bails (no second error of its own)", async () => {
    const program = await createProgram("../test/engine/programs/python-tokens");
    programs.push(program);
    await usePluginFromCheckout(program);
    await createPythonVenv(join(program.dir, "venv"));
    const r = await program.preview([], { allowFailure: true });
    expect(r.code).not.toBe(0);
    const text = all(r);
    expect(text.match(/Missing required configuration variable 'python-tokens:issuer'/g)).toHaveLength(1);
    expect(text).not.toMatch(/Program exited with non-zero exit code/);
    expect(text).not.toMatch(/could not run language executor/);
  });

  it("Go: the program is built and run; its panic is shown and the exit code reported", async () => {
    const program = await createProgram("../test/engine/programs/go-tokens");
    programs.push(program);
    await usePluginFromCheckout(program);
    await useGoSdkFromCheckout(program.dir);
    const r = await program.preview([], { allowFailure: true });
    expect(r.code).not.toBe(0);
    const text = all(r);
    expect(text).toMatch(/panic: Missing required configuration variable 'go-tokens:issuer'/);
    expect(text).toMatch(/Program exited with non-zero exit code: 2/);
    expect(text).not.toMatch(/go build of the program/);
  });
});
