/**
 * The generated SDKs (sdk/python, sdk/go, sdk/dotnet) are what scripts/sdkgen.sh makes of
 * schema.json, and the Python and Go ones compile and type-check: Python programs using the
 * SDK pass `mypy --strict` with it installed (and a wrong call fails), every SDK module
 * compiles; the Go SDK and programs using it build and pass `go vet` against
 * github.com/pulumi/pulumi/sdk/v3. There is no .NET toolchain here: sdk/dotnet is only
 * pinned to the generator's output. Slow (generators, go build): in the engine lane.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../kit/harness";
import { createPythonVenv, toolchainPython, useGoSdkFromCheckout } from "../kit/languages";

const exec = promisify(execFile);
const LANGUAGES = ["python", "go", "dotnet"];
/** Programs written against the generated SDKs, by language. */
const PYTHON_PROGRAMS = ["examples/python-access-token", "test/engine/programs/python-tokens"];
const GO_PROGRAMS = ["examples/go-access-token", "test/engine/programs/go-tokens"];

let tmp: string;

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Runs a command; on failure the error carries its output. */
async function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  try {
    return await exec(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

describe("generated SDKs", () => {
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "pat-sdks-"));
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("are exactly what the generators make of schema.json (run `npm run sdkgen` after changing it)", async () => {
    const out = join(tmp, "regenerated");
    await run("bash", [join(REPO, "scripts/sdkgen.sh"), out], REPO);
    for (const lang of LANGUAGES) {
      const committed = join(REPO, "sdk", lang);
      const fresh = join(out, lang);
      const names = await files(fresh);
      expect(names.length, lang).toBeGreaterThan(3);
      expect(await files(committed), `files of sdk/${lang}`).toEqual(names);
      const differing: string[] = [];
      for (const name of names) {
        const [a, b] = await Promise.all([readFile(join(committed, name)), readFile(join(fresh, name))]);
        if (!a.equals(b)) differing.push(`sdk/${lang}/${name}`);
      }
      expect(differing, "files that differ from a regeneration").toEqual([]);
    }
  });

  it("Python: every SDK module compiles, programs using it pass mypy --strict, a wrong call does not", async () => {
    const copy = join(tmp, "python-sdk");
    await cp(join(REPO, "sdk/python"), copy, { recursive: true });
    const sources = (await files(copy)).filter((f) => f.endsWith(".py"));
    expect(sources.length).toBeGreaterThan(5);
    const base = join(toolchainPython(), "bin", "python");
    await run(base, ["-m", "py_compile", ...sources], copy);

    const python = await createPythonVenv(join(tmp, "venv"));
    const bad = join(tmp, "bad.py");
    await writeFile(
      bad,
      [
        "import pulumi_access_tokens as access_tokens",
        'wrong = access_tokens.AccessToken("w", client_id=42)',
        'token = access_tokens.AccessToken("t", client_id="id")',
        "length: int = token.access_token",
        "",
      ].join("\n"),
    );
    const mypy = (targets: string[]) =>
      exec(join(toolchainPython(), "bin", "mypy"), ["--strict", "--python-executable", python, ...targets], {
        cwd: tmp,
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    for (const program of PYTHON_PROGRAMS) {
      const good = await mypy([join(REPO, program, "__main__.py")]);
      expect(good.out, program).toMatch(/^Success: no issues found in 1 source file/m);
      expect(good.code, program).toBe(0);
    }
    // The SDK's types are really seen: each wrong use is reported.
    const wrong = await mypy([bad]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(
      /bad\.py:2: error: No overload variant of "AccessToken" matches argument types "str", "int"/,
    );
    expect(wrong.out).toMatch(
      /bad\.py:4: error: Incompatible types in assignment \(expression has type "Output\[str \| None\]"/,
    );
    expect(wrong.out).toMatch(/Found 2 errors in 1 file/);
  });

  it("Go: the SDK and programs using it build and pass go vet against github.com/pulumi/pulumi/sdk/v3", async () => {
    const mod = JSON.parse((await run("go", ["mod", "edit", "-json"], join(REPO, "sdk/go"))).stdout);
    expect(mod.Require).toContainEqual({ Path: "github.com/pulumi/pulumi/sdk/v3", Version: "v3.259.0" });
    // Offline: everything comes from the programs' go.sum and the module cache.
    const env = { ...process.env, GOFLAGS: "-mod=readonly", GOPROXY: "off", GOTOOLCHAIN: "local" };
    for (const program of GO_PROGRAMS) {
      const dir = join(tmp, program.replaceAll("/", "-"));
      await cp(join(REPO, program), dir, { recursive: true });
      await useGoSdkFromCheckout(dir);
      const packages = [".", `${mod.Module.Path}/...`];
      await run("go", ["build", "-trimpath", "-o", join(dir, "program"), "."], dir, env);
      await run("go", ["build", "-trimpath", ...packages], dir, env);
      await run("go", ["vet", ...packages], dir, env);
    }
  });
});
