/**
 * A refresh-token grant is never burned by the provider, and an `up` leaves the stack
 * converged, against oidc-provider (which rotates the refresh tokens of public clients and,
 * when a spent one comes back, revokes the whole grant):
 * - after an in-place renewal with no gracePeriod, `preview --expect-no-changes` passes;
 * - a change to a material input (scopes) replaces the token, and the replacement's create
 *   sends the newest refresh token, not the given one the first `up` already spent — so the
 *   grant survives and keeps renewing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeStack } from "../kit/authorize";
import { type OAuthServer, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const cli: TestClient = {
  client_id: "grant-app",
  token_endpoint_auth_method: "none",
  application_type: "native",
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  redirect_uris: ["http://127.0.0.1/callback"],
  scope: "openid offline_access api:read",
};

/**
 * Hours: real time never makes a rotation due between an `up` and the preview after it; the
 * tests move the provider's test clock past it instead (the server's tokens outlive the move).
 */
const ROTATE_AFTER = "1h";

let server: OAuthServer;
let program: Program;
const exports: { label: string; text: string }[] = [];

const userinfo = async (token: string) =>
  (await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

/** `preview --expect-no-changes` after an `up`: nothing planned. */
async function expectConverged() {
  const preview = await program.preview(["--expect-no-changes"], { allowFailure: true });
  expect(preview.stdout + preview.stderr).not.toMatch(/grace period ended|will rotate/);
  expect(preview.code).toBe(0);
}

describe("a refresh-token grant through replacement and renewal", () => {
  beforeAll(async () => {
    server = await startOAuthServer({ clients: [cli], interactive: true });
    program = await createProgram("authorization-code");
    await program.config("issuer", server.issuer);
    await program.config("clientId", cli.client_id);
    await program.config("rotateAfter", ROTATE_AFTER);
    const { code } = await authorizeStack(program, server.issuer, cli.client_id, "openid offline_access api:read");
    expect(code).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
    await program?.cleanup();
  });

  let first: string;
  it("up issues from the given refresh token (which the server rotates, spending it)", async () => {
    await program.up();
    const out = await program.revealedOutputs();
    first = out.accessToken as string;
    expect(await userinfo(first)).toBe(200);
    await expectConverged();
  });

  it("an in-place renewal with no gracePeriod leaves the stack converged", async () => {
    const due = (await program.revealedOutputs()).rotationDueAt as string;
    program.clock.passTo(due);
    expect((await program.up()).stdout).toContain("~ 1 updated");
    const out = await program.revealedOutputs();
    expect(out.accessToken).not.toBe(first);
    expect(await userinfo(out.accessToken as string)).toBe(200);
    await expectConverged();
  });

  it("a scopes change replaces the token from the newest refresh token: the grant survives", async () => {
    await program.config("scopes", JSON.stringify(["openid", "offline_access", "api:read"]));
    const up = await program.up([], { allowFailure: true });
    expect(up.stdout + up.stderr).not.toContain("invalid_grant");
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/\+-\s*1 replaced/);
    const out = await program.revealedOutputs();
    expect(await userinfo(out.accessToken as string)).toBe(200);
    await expectConverged();
  });

  it("and keeps renewing from it", async () => {
    const due = (await program.revealedOutputs()).rotationDueAt as string;
    program.clock.passTo(due);
    expect((await program.up()).stdout).toContain("~ 1 updated");
    const out = await program.revealedOutputs();
    expect(await userinfo(out.accessToken as string)).toBe(200);
    exports.push({ label: "stack export", text: await program.exportState() });
  });

  it("no refresh or access token appears in any output, log or state export", () => {
    expect(findLeaks([...transcriptTexts(program), ...exports], [...server.issuedTokens])).toEqual([]);
  });
});
