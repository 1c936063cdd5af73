/**
 * A token endpoint that misbehaves on purpose, for the transport's fault tests and the
 * reliability report. Built on node:http / node:https / node:net only.
 *
 * Each path is scripted: the n-th request to it gets the n-th {@link FaultAction} (the
 * last one repeats), so "503, then a token" is `[{ kind: "text", status: 503, ... },
 * { kind: "token" }]`. Every request and connection is counted, so tests can assert how
 * many attempts reached the server.
 *
 * Also here: a listener that accepts and never speaks (connect / TLS handshake timeouts),
 * a port with nothing listening (connection refused), a tiny forward + CONNECT proxy, and
 * test certificates made with the `openssl` CLI (Node cannot create X.509 certificates).
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer as createHttpServer,
  request as httpRequest,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, type Socket, connect as netConnect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the server does with one request. */
export type FaultAction =
  /** A valid RFC 6749 §5.1 token response (a fresh random token, recorded in `issuedTokens`). */
  | { kind: "token"; tokenType?: string; expiresIn?: number | string; omit?: string[]; contentType?: string }
  /** A JSON body with this status. */
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  /** A text body (HTML error pages, broken JSON) with this status and content type. */
  | { kind: "text"; status: number; body: string | Buffer; contentType?: string; headers?: Record<string, string> }
  /** Read the request, never answer (headers timeout). */
  | { kind: "hang" }
  /** Send the status line, headers and `partial` of a longer body, then nothing (body timeout). */
  | { kind: "stall"; status?: number; partial: string }
  /** Send headers and `partial` of a longer body, then reset the TCP connection (RST). */
  | { kind: "reset"; status?: number; partial: string }
  /**
   * Send headers, then one byte of the body every `intervalMs` for `forMs` (then the rest):
   * never a pause long enough for a body timeout, yet no end in sight.
   */
  | { kind: "trickle"; intervalMs: number; forMs: number }
  /** Read the request, then close the connection without a byte of answer. */
  | { kind: "drop" }
  /** A 200 JSON body of `bytes` bytes, streamed; with `declare`, Content-Length says so up front. */
  | { kind: "oversized"; bytes: number; declare?: boolean }
  /** A redirect to `location`. */
  | { kind: "redirect"; status?: number; location: string }
  /** 401 invalid_client whose description repeats the client secret it received (a careless server). */
  | { kind: "echoSecret" };

/** A request the server received. Bodies hold credentials: never print them. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Options of {@link startFaultServer}. */
export interface FaultServerOptions {
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
}

/** A running fault server. */
export interface FaultServer {
  /** `http(s)://127.0.0.1:<port>`. */
  origin: string;
  port: number;
  /** Scripts `path` and returns its full URL. */
  script(path: string, actions: FaultAction[]): string;
  /** Every request received, in order. */
  requests: SeenRequest[];
  /** Requests received for `path`. */
  requestsTo(path: string): number;
  /** TCP connections accepted. */
  readonly connections: number;
  /** Every access token handed out. */
  issuedTokens: Set<string>;
  close(): Promise<void>;
}

/** Starts a fault server on loopback. */
export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const scripts = new Map<string, FaultAction[]>();
  const served = new Map<string, number>();
  const requests: SeenRequest[] = [];
  const issuedTokens = new Set<string>();
  const sockets = new Set<Socket>();
  let connections = 0;

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0] as string;
      const seen = {
        method: req.method ?? "",
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(seen);
      const script = scripts.get(path);
      if (!script?.length) {
        res.writeHead(404, { "content-type": "text/plain" }).end("no script for this path");
        return;
      }
      const n = served.get(path) ?? 0;
      served.set(path, n + 1);
      act(script[Math.min(n, script.length - 1)] as FaultAction, seen, res, issuedTokens);
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createHttpServer(onRequest);
  // "connection" is the TCP stream, before any TLS handshake: failed handshakes count too.
  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // TLS handshake failures are the client's doing here; keep them quiet.
  server.on("tlsClientError", () => {});

  await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const port = (server.address() as AddressInfo).port;
  const origin = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return {
    origin,
    port,
    script(path, actions) {
      scripts.set(path, actions);
      served.set(path, 0);
      return `${origin}${path}`;
    },
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path).length,
    get connections() {
      return connections;
    },
    issuedTokens,
    close: () => closeServer(server, sockets),
  };
}

function act(action: FaultAction, seen: SeenRequest, res: ServerResponse, issued: Set<string>): void {
  switch (action.kind) {
    case "token": {
      const token = `fault-token-${randomUUID()}`;
      issued.add(token);
      const body: Record<string, unknown> = {
        access_token: token,
        token_type: action.tokenType ?? "Bearer",
        expires_in: action.expiresIn ?? 3600,
      };
      for (const key of action.omit ?? []) delete body[key];
      res.writeHead(200, { "content-type": action.contentType ?? "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
      return;
    }
    case "json":
      res.writeHead(action.status, { "content-type": "application/json", ...action.headers });
      res.end(JSON.stringify(action.body));
      return;
    case "text":
      res.writeHead(action.status, { "content-type": action.contentType ?? "text/html", ...action.headers });
      res.end(action.body);
      return;
    case "hang":
      return;
    case "stall":
    case "reset": {
      res.writeHead(action.status ?? 200, {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(action.partial) + 4096),
      });
      res.write(action.partial);
      if (action.kind === "reset") setTimeout(() => res.socket?.resetAndDestroy(), 20);
      return;
    }
    case "trickle": {
      const body = JSON.stringify({ access_token: randomUUID(), token_type: "Bearer" });
      const filler = Math.ceil(action.forMs / action.intervalMs);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": String(filler + Buffer.byteLength(body)),
      });
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= filler) {
          clearInterval(timer);
          if (!res.destroyed) res.end(body);
          return;
        }
        res.write(" ");
        sent++;
      }, action.intervalMs);
      res.on("close", () => clearInterval(timer));
      return;
    }
    case "drop":
      res.socket?.destroy();
      return;
    case "oversized": {
      res.writeHead(200, {
        "content-type": "application/json",
        ...(action.declare ? { "content-length": String(action.bytes) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = action.bytes;
      const pump = () => {
        while (left > 0) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          if (!res.write(piece)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      res.on("error", () => {});
      pump();
      return;
    }
    case "redirect":
      res.writeHead(action.status ?? 302, { location: action.location, "content-type": "text/html" });
      res.end(`<a href="${action.location}">moved</a>`);
      return;
    case "echoSecret": {
      const secret = basicSecret(seen.headers.authorization) ?? new URLSearchParams(seen.body).get("client_secret");
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="token"' });
      res.end(JSON.stringify({ error: "invalid_client", error_description: `client secret '${secret}' is not valid` }));
      return;
    }
  }
}

function basicSecret(header: string | string[] | undefined): string | undefined {
  if (typeof header !== "string" || !header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " "));
}

function listen(
  server: {
    listen(port: number, host: string, cb: () => void): unknown;
    once(e: "error", f: (err: Error) => void): unknown;
  },
  port: number,
  host: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

function closeServer(server: { close(cb: () => void): unknown }, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });
}

// -----------------------------------------------------------------------------------------
// Connection-level faults

/** A listener that accepts TCP connections and never sends a byte. */
export interface SilentListener {
  port: number;
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Accepts and stays silent. An `https://` URL to it never completes the TLS handshake (a
 * connect timeout); an `http://` URL gets its request written and no answer (a headers
 * timeout). A truly non-routable address is no use for tests: sandboxes and corporate
 * networks often answer every SYN.
 */
export async function startSilentListener(): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await listen(server, 0, "127.0.0.1");
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: () => closeServer(server, sockets),
  };
}

/** A loopback port with nothing listening on it (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await listen(server, 0, "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// -----------------------------------------------------------------------------------------
// Proxy

/** A forward proxy that sends everything to one upstream, as if DNS pointed there. */
export interface TestProxy {
  url: string;
  /** `CONNECT host:port` targets (HTTPS through the proxy). */
  connects: string[];
  /** Absolute-form request targets (HTTP through the proxy). */
  forwards: string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy on loopback. CONNECT tunnels go to `upstream.tlsPort`; plain HTTP
 * requests are forwarded to `upstream.httpPort` (path and headers kept).
 */
export async function startTestProxy(upstream: { httpPort?: number; tlsPort?: number }): Promise<TestProxy> {
  const connects: string[] = [];
  const forwards: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    forwards.push(req.url ?? "");
    if (!upstream.httpPort) {
      res.writeHead(502).end();
      return;
    }
    const target = new URL(req.url ?? "/", "http://upstream.invalid");
    const out = httpRequest(
      {
        host: "127.0.0.1",
        port: upstream.httpPort,
        method: req.method,
        path: target.pathname + target.search,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push(req.url ?? "");
    client.on("error", () => {});
    if (!upstream.tlsPort) {
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const remote = netConnect(upstream.tlsPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) remote.write(head);
      remote.pipe(client);
      client.pipe(remote);
    });
    sockets.add(remote);
    remote.on("close", () => sockets.delete(remote));
    remote.on("error", () => client.destroy());
  });
  await listen(server, 0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    forwards,
    close: () => closeServer(server, sockets),
  };
}

// -----------------------------------------------------------------------------------------
// Certificates

/** Test PKI: a private CA, a server certificate it signed, and an unrelated self-signed one. */
export interface TestCertificates {
  /** The private CA's certificate (PEM): what a user would pass as caBundle. */
  caCert: string;
  /** Path of a file holding {@link caCert}. */
  caFile: string;
  /** Server key and certificate signed by the CA, for 127.0.0.1 and token.example.test. */
  server: { key: string; cert: string };
  /** A self-signed server key and certificate for 127.0.0.1. */
  selfSigned: { key: string; cert: string };
  /** Removes the files. */
  cleanup(): void;
}

/**
 * Makes the test PKI with the `openssl` CLI, or returns the reason it cannot (so the TLS
 * cases are skipped with that reason recorded).
 */
export function makeTestCertificates(): TestCertificates | { unavailable: string } {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch {
    return { unavailable: "the openssl CLI is not installed (Node cannot create X.509 certificates)" };
  }
  const dir = mkdtempSync(join(tmpdir(), "pat-pki-"));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("ca.key"),
      "-out",
      f("ca.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=pulumi-access-tokens test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    openssl("req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1");
    writeFileSync(
      f("server.ext"),
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:token.example.test\n",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      f("server.csr"),
      "-CA",
      f("ca.pem"),
      "-CAkey",
      f("ca.key"),
      "-CAcreateserial",
      "-out",
      f("server.pem"),
      "-days",
      "2",
      "-extfile",
      f("server.ext"),
    );
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("self.key"),
      "-out",
      f("self.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { unavailable: `openssl failed: ${stderr || String(error)}` };
  }
  const read = (name: string) => readFileSync(f(name), "utf8");
  return {
    caCert: read("ca.pem"),
    caFile: f("ca.pem"),
    server: { key: read("server.key"), cert: read("server.pem") },
    selfSigned: { key: read("self.key"), cert: read("self.pem") },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
