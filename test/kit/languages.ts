/**
 * Python and Go programs in the engine tests use the SDKs generated into this checkout
 * (sdk/python, sdk/go). Programs name them relative to their place in the repository; a test
 * runs a copy elsewhere, so these helpers point the copy at the checkout — the Python SDK
 * installed into the program's own virtualenv, the Go SDK through a `replace` in its go.mod.
 * Everything runs offline on what the toolchain (scripts/toolchain.sh) prepared.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO } from "./harness";

const exec = promisify(execFile);

/** The Go module path of the generated Go SDK (sdk/go/go.mod). */
export const GO_SDK_MODULE = "github.com/pulumi-access-tokens/pulumi-access-tokens/sdk/go";

/**
 * The toolchain's Python environment (the `pulumi` package from PyPI, mypy), exported by
 * scripts/toolchain.sh as PAT_PYTHON_VENV.
 *
 * @returns its directory
 */
export function toolchainPython(): string {
  const venv = process.env.PAT_PYTHON_VENV;
  if (!venv) throw new Error("PAT_PYTHON_VENV is not set: source scripts/toolchain.sh first");
  return venv;
}

/**
 * Creates a virtualenv at `venv` that sees the toolchain's packages (through a `.pth` file,
 * so nothing is downloaded) and installs the checkout's sdk/python into it with pip, as a
 * user's `pip install` of the SDK would. The SDK is built from a temporary copy so the
 * checkout gets no build directories.
 *
 * @param venv - where the virtualenv goes (a program's `options.virtualenv`)
 * @returns the virtualenv's python interpreter
 */
export async function createPythonVenv(venv: string): Promise<string> {
  const base = toolchainPython();
  const basePython = join(base, "bin", "python");
  await exec(basePython, ["-m", "venv", "--without-pip", venv]);
  const python = join(venv, "bin", "python");
  const sitePackages = async (py: string) =>
    (await exec(py, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])).stdout.trim();
  await writeFile(join(await sitePackages(python), "_toolchain.pth"), `${await sitePackages(basePython)}\n`);
  const copy = await mkdtemp(join(tmpdir(), "pat-sdk-python-"));
  try {
    await cp(join(REPO, "sdk", "python"), copy, { recursive: true });
    await exec(basePython, [
      ...["-m", "pip", "--disable-pip-version-check", "--python", python, "install", "--quiet"],
      ...["--no-deps", "--no-build-isolation", "--no-index", copy],
    ]);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
  return python;
}

/**
 * Points the Go program in `dir` at the checkout's sdk/go (`go mod edit -replace`).
 *
 * @param dir - a copied Go program with a go.mod requiring {@link GO_SDK_MODULE}
 */
export async function useGoSdkFromCheckout(dir: string): Promise<void> {
  await exec("go", ["mod", "edit", `-replace=${GO_SDK_MODULE}=${join(REPO, "sdk", "go")}`], { cwd: dir });
}
