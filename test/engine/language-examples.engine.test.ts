/**
 * The YAML, Python and Go examples (examples/*-access-token) as users run them: the native
 * plugin from this checkout, the generated SDKs, a token issued by oidc-provider on `up`
 * and revoked on `destroy`, with the token a secret output. (The .NET example cannot run
 * here: no .NET toolchain.)
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, createProgram, findLeaks, transcriptTexts } from "../kit/harness";
import { createPythonVenv, useGoSdkFromCheckout } from "../kit/languages";
import { usePluginFromCheckout } from "../kit/plugin";

const EXAMPLES: { name: string; prepare?: (program: Program) => Promise<void> }[] = [
  { name: "yaml-access-token" },
  { name: "python-access-token", prepare: (p) => createPythonVenv(join(p.dir, "venv")).then(() => undefined) },
  { name: "go-access-token", prepare: (p) => useGoSdkFromCheckout(p.dir) },
];

const canary: TestClient = {
  client_id: "examples-client",
  client_secret: `examples-canary-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};
let oauth: OAuthServer;
const programs: Program[] = [];

beforeAll(async () => {
  oauth = await startOAuthServer({ clients: [canary] });
});

afterAll(async () => {
  await oauth?.close();
  await Promise.all(programs.map((p) => p.cleanup()));
});

describe.each(EXAMPLES)("examples/$name", ({ name, prepare }) => {
  it("up issues a working token as a secret output; destroy revokes it; nothing leaks", async () => {
    const program = await createProgram(name);
    programs.push(program);
    await usePluginFromCheckout(program);
    await prepare?.(program);
    await program.config("issuer", oauth.issuer);
    await program.config("clientId", canary.client_id);
    await program.config("clientSecret", canary.client_secret as string, true);

    const up = await program.up();
    expect(up.stdout).toMatch(/accessToken\s*: \[secret\]/);
    const outputs = await program.revealedOutputs();
    const token = outputs.accessToken as string;
    expect(typeof token).toBe("string");
    expect(outputs.tokenType).toBe("Bearer");
    expect((await oauth.introspect(token, canary)).active).toBe(true);

    await program.destroy();
    expect((await oauth.introspect(token, canary)).active).toBe(false);
    const exported = await program.exportState();
    expect(
      findLeaks(
        [...transcriptTexts(program), { label: "state", text: exported }],
        [canary.client_secret as string, token],
      ),
    ).toEqual([]);
  });
});
