/**
 * The interactive authorization command against a real oidc-provider: authorization code
 * + PKCE through a loopback redirect, the test playing the human in the browser.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, parseAuthorizeArgs, pkcePair } from "../../cli/authorize";
import { handler } from "../../provider";
import { approveInBrowser } from "../servers/browser";
import { type OAuthServer, type TestClient, startOAuthServer } from "../kit/oauth-server";

const cli: TestClient = {
  client_id: "cli-app",
  token_endpoint_auth_method: "none",
  application_type: "native",
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  redirect_uris: ["http://127.0.0.1/callback"],
  scope: "openid offline_access api:read",
};

let server: OAuthServer;
beforeAll(async () => {
  server = await startOAuthServer({ clients: [cli], interactive: true });
});
afterAll(() => server?.close());

function io(interactive: boolean, onStderr?: (text: string) => void) {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (t: string) => {
        out.stdout += t;
      },
      stderr: (t: string) => {
        out.stderr += t;
        onStderr?.(t);
      },
      env: { ...process.env, BROWSER: "none" },
      cwd: process.cwd(),
      isInteractive: interactive,
    },
  };
}

const args = () => [
  "oauth2",
  "--issuer",
  server.issuer,
  "--client-id",
  cli.client_id,
  "--scope",
  "openid offline_access api:read",
  "--timeout",
  "30s",
  "--print",
];

describe("authorize", () => {
  it("PKCE pairs are S256 and unguessable", () => {
    const a = pkcePair();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).not.toBe(a.verifier);
    expect(pkcePair().verifier).not.toBe(a.verifier);
  });

  it("validates its arguments", () => {
    expect(parseAuthorizeArgs(["oauth2", "--client-id", "x", "--print"])).toMatch(/--issuer is required/);
    expect(parseAuthorizeArgs(["oauth2", "--issuer", "http://as.example", "--client-id", "x", "--print"])).toMatch(
      /must use https/,
    );
    expect(parseAuthorizeArgs(["vantage", "--tenant-id", "t", "--client-id", "x", "--print"])).toMatch(/--region/);
    const vantage = parseAuthorizeArgs([
      "vantage",
      "--region",
      "eu",
      "--tenant-id",
      "t1",
      "--client-id",
      "x",
      "--print",
    ]);
    expect(vantage).toMatchObject({
      issuer: "https://vantage-eu.abbyy.com/auth2/t1",
      scope: "openid permissions global.wildcard offline_access",
      extra: { productId: "a8548c9b-cb90-4c66-8567-d7372bb9b963" },
    });
  });

  it("never waits for a human in a non-interactive run: fails at once saying what to run", async () => {
    const { io: nonInteractive, out } = io(false);
    const started = Date.now();
    expect(await authorize(args(), nonInteractive)).toBe(3);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(out.stderr).toContain("not interactive");
    expect(out.stderr).toContain("npx pulumi-access-tokens authorize oauth2 --issuer");
  });

  it("runs authorization code + PKCE and prints a working refresh token", async () => {
    let approval: Promise<void> | undefined;
    const { io: interactive, out } = io(true, (text) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(text)?.[1];
      if (url) approval = approveInBrowser(url);
    });
    expect(await authorize(args(), interactive)).toBe(0);
    await approval;
    const refreshToken = out.stdout.trim();
    expect(refreshToken.length).toBeGreaterThan(20);
    expect(out.stderr).toContain("code_challenge_method=S256");

    // The token resource renews from it (public client, refresh_token grant).
    const created = await handler("AccessToken", 1).create({
      issuer: server.issuer,
      clientId: cli.client_id,
      clientAuthMethod: "none",
      grantType: "refresh_token",
      refreshToken,
    });
    const outs = created.outs as Record<string, string>;
    const userinfo = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${outs.accessToken}` } });
    expect(userinfo.status).toBe(200);
    // oidc-provider rotates public clients' refresh tokens: the new one is kept.
    expect(outs.refreshToken).toBeDefined();
    expect(outs.refreshToken).not.toBe(refreshToken);
  });

  it("refuses a redirect whose state does not match", async () => {
    const { io: interactive, out } = io(true, (text) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(text)?.[1];
      if (url) {
        const redirect = new URL(url).searchParams.get("redirect_uri") as string;
        void fetch(`${redirect}?code=forged&state=not-the-state`).catch(() => {});
      }
    });
    expect(await authorize(args(), interactive)).toBe(1);
    expect(out.stderr).toMatch(/state that does not match/);
    expect(out.stdout).toBe("");
  });
});
