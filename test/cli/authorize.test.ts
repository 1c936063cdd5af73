/**
 * The interactive authorization command against a real oidc-provider: authorization code
 * + PKCE through a loopback redirect, the test playing the human in the browser.
 */
import { createServer } from "node:http";
import { type AddressInfo, type Socket, connect } from "node:net";
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

  it("answers a redirect with another state 400 and keeps waiting for the real one", async () => {
    let approval: Promise<void> | undefined;
    let forged: Promise<number> | undefined;
    const { io: interactive, out } = io(true, (text) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(text)?.[1];
      if (!url) return;
      const redirect = new URL(url).searchParams.get("redirect_uri") as string;
      // A stray local request first; the person approves only after it was answered.
      forged = fetch(`${redirect}?code=forged&state=not-the-state`).then((r) => r.status);
      approval = forged.then(() => approveInBrowser(url));
    });
    expect(await authorize(args(), interactive)).toBe(0);
    expect(await forged).toBe(400);
    await approval;
    expect(out.stdout.trim().length).toBeGreaterThan(20);
  });

  it("after it ends, a kept-alive connection to the listener is closed, never answered", async () => {
    let socket: Socket | undefined;
    let received = "";
    let late: { host: string; port: number; state: string } | undefined;
    const { io: interactive } = io(true, (text) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(text)?.[1];
      if (!url) return;
      const params = new URL(url).searchParams;
      const redirect = new URL(params.get("redirect_uri") as string);
      late = { host: redirect.hostname, port: Number(redirect.port), state: params.get("state") as string };
      // A connection opened (as a browser keeps one) before the redirect arrives.
      socket = connect(late.port, late.host);
      socket.on("data", (d) => {
        received += d.toString();
      });
      // The redirect with an error (and the right state) ends the wait at once.
      void fetch(`${redirect.toString()}?error=access_denied&state=${encodeURIComponent(late.state)}`).catch(() => {});
    });
    expect(await authorize(args(), interactive)).toBe(1);
    const s = socket as Socket;
    const closed = new Promise<void>((resolve) => s.on("close", () => resolve()));
    // A valid-looking redirect on the kept connection, after the end.
    const l = late as { host: string; port: number; state: string };
    s.on("error", () => {});
    s.write(`GET /callback?code=c&state=${encodeURIComponent(l.state)} HTTP/1.1\r\nhost: ${l.host}\r\n\r\n`);
    await closed;
    expect(received).not.toContain("Authorized");
  });

  it("with only redirects of another state, fails at the deadline", async () => {
    const { io: interactive, out } = io(true, (text) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(text)?.[1];
      if (url) {
        const redirect = new URL(url).searchParams.get("redirect_uri") as string;
        void fetch(`${redirect}?code=forged&state=not-the-state`).catch(() => {});
      }
    });
    const short = args().map((a) => (a === "30s" ? "2s" : a));
    expect(await authorize(short, interactive)).toBe(1);
    expect(out.stderr).toMatch(/no approval within 2s/);
    expect(out.stdout).toBe("");
  });
});

describe("authorize: where credentials may go (the endpoint rule, on discovered endpoints)", () => {
  /** A loopback discovery document whose endpoints the test chooses, and a recorder of requests. */
  async function discoveryServer(endpoints: (issuer: string) => Record<string, string>) {
    const requests: string[] = [];
    const srv = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith("/.well-known/")) {
        const issuer = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ issuer, ...endpoints(issuer) }));
        return;
      }
      res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_grant"}');
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    const issuer = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    return { issuer, requests, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
  }

  const run = async (issuer: string, extra: string[] = [], onStderr?: (t: string) => void) => {
    const { io: interactive, out } = io(true, onStderr);
    const code = await authorize(
      ["oauth2", "--issuer", issuer, "--client-id", "c", "--timeout", "30s", "--print", ...extra],
      interactive,
    );
    return { code, out };
  };

  it.each([
    [
      "a plain-HTTP token endpoint on a public host",
      (i: string) => ({ authorization_endpoint: `${i}/auth`, token_endpoint: "http://as.example/token" }),
      /token endpoint http:\/\/as\.example\/token must use https/,
    ],
    [
      "a file: authorization endpoint",
      (i: string) => ({ authorization_endpoint: "file:///etc/passwd", token_endpoint: `${i}/token` }),
      /authorization endpoint .* must use https \(got file:\)/,
    ],
    [
      "a token endpoint on another origin",
      () => ({ authorization_endpoint: "http://127.0.0.1:9/auth", token_endpoint: "http://localhost:9/token" }),
      /another origin/,
    ],
    [
      "a token endpoint with a credential in its query",
      (i: string) => ({
        authorization_endpoint: `${i}/auth`,
        token_endpoint: `${i}/token?client_secret=leaked-canary`,
      }),
      /must not carry credentials in its query \(client_secret\)/,
    ],
  ])("refuses %s before the browser opens or anything is sent", async (_, endpoints, message) => {
    const server = await discoveryServer(endpoints);
    try {
      const { code, out } = await run(server.issuer);
      expect(code).toBe(1);
      expect(out.stderr).toMatch(message);
      expect(out.stderr).not.toContain("Open this URL");
      expect(out.stderr).not.toContain("leaked-canary");
      expect(server.requests.every((r) => r.startsWith("GET /.well-known/"))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("--allow-cross-origin-endpoints trusts another origin (the base rule still holds)", async () => {
    const server = await discoveryServer((i) => ({
      authorization_endpoint: `${i.replace("127.0.0.1", "localhost")}/auth`,
      token_endpoint: `${i.replace("127.0.0.1", "localhost")}/token`,
    }));
    try {
      const { code, out } = await run(server.issuer, ["--allow-cross-origin-endpoints"], (text) => {
        const url = /(http:\/\/localhost:\d+\/auth\?\S+)/.exec(text)?.[1];
        if (!url) return;
        const params = new URL(url).searchParams;
        const redirect = params.get("redirect_uri") as string;
        void fetch(`${redirect}?error=access_denied&state=${params.get("state")}`).catch(() => {});
      });
      expect(code).toBe(1);
      expect(out.stderr).toContain("Open this URL");
      expect(out.stderr).toMatch(/answered error "access_denied"/);
    } finally {
      await server.close();
    }
  });
});
