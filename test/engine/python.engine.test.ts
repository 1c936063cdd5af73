/**
 * A Python program (test/engine/programs/python-tokens) through the real engine, the small
 * Python language host the toolchain builds, the generated SDK (sdk/python, pip-installed
 * into the program's virtualenv) and the native plugin.
 */
import { join } from "node:path";
import { createPythonVenv } from "../kit/languages";
import { describeSdkProgram } from "../kit/sdk-program";

describeSdkProgram("python", "../test/engine/programs/python-tokens", async (program) => {
  await createPythonVenv(join(program.dir, "venv"));
});
