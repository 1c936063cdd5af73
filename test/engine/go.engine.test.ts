/**
 * A Go program (test/engine/programs/go-tokens) through the real engine, the small Go
 * language host the toolchain builds (it runs `go build` of the program), the generated SDK
 * (sdk/go, by a `replace` in the program's go.mod) and the native plugin.
 */
import { useGoSdkFromCheckout } from "../kit/languages";
import { describeSdkProgram } from "../kit/sdk-program";

describeSdkProgram("go", "../test/engine/programs/go-tokens", async (program) => {
  await useGoSdkFromCheckout(program.dir);
});
