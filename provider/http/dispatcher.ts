/**
 * The process's keep-alive dispatchers: one per connection configuration (connect timeout,
 * CA bundle, proxy environment), created on first use and reused by every request, so
 * hundreds of tokens share a few connections.
 *
 * - TLS verification is always on (`rejectUnauthorized: true` wins over
 *   `NODE_TLS_REJECT_UNAUTHORIZED=0`).
 * - A custom CA bundle (PEM text or a file path) is trusted in addition to Node's roots.
 * - `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (either case) are honoured through undici's
 *   `EnvHttpProxyAgent`; loopback hosts never go through a proxy.
 * - Loopback names (`localhost`, `*.localhost`) are never looked up in DNS: they connect to
 *   127.0.0.1 or ::1 (RFC 6761 §6.3), so "loopback" in the endpoint rule is a fact, not a
 *   resolver's opinion.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { rootCertificates } from "node:tls";
import type { Dispatcher } from "undici";
import type { LookupAddress, LookupOptions } from "node:dns";
import { AccessTokenError, ErrorCode } from "../errors";
import { isLoopbackName } from "./policy";

/** What selects a dispatcher. */
export interface ConnectionConfig {
  /** TCP + TLS (+ proxy tunnel) connect timeout. */
  connectTimeoutMs: number;
  /** Extra trusted CA certificates: PEM text, or the path of a PEM file. */
  caBundle?: string;
}

/** How long an idle keep-alive connection is kept (servers' own Keep-Alive hints are honoured). */
const KEEP_ALIVE_MS = 30_000;

const dispatchers = new Map<string, Dispatcher>();
const caCache = new Map<string, string[]>();

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a CA bundle given as PEM text or a file path. Errors name the path
 * (never the content) and the reason.
 */
export function loadCaBundle(bundle: string): string[] {
  const cached = caCache.get(bundle);
  if (cached) return cached;
  const isPem = bundle.includes("-----BEGIN");
  let text = bundle;
  if (!isPem) {
    try {
      text = readFileSync(bundle, "utf8");
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      throw new AccessTokenError(
        ErrorCode.INVALID_INPUT,
        `caBundle: cannot read CA file ${bundle}${code ? ` (${code})` : ""}; give a path to a PEM file or the PEM text`,
        { cause },
      );
    }
  }
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `caBundle: ${isPem ? "the PEM text" : `the file ${bundle}`} holds no "BEGIN CERTIFICATE" block`,
    );
  }
  caCache.set(bundle, certs);
  return certs;
}

const LOOPBACK_ADDRESSES: LookupAddress[] = [
  { address: "127.0.0.1", family: 4 },
  { address: "::1", family: 6 },
];

/**
 * A `lookup` for loopback connections: loopback names answer 127.0.0.1 / ::1 without DNS;
 * anything else (never reached: loopback IP literals are not looked up) is refused.
 * @param hostname The name to resolve.
 * @param options `family` / `all`, as `dns.lookup` takes them.
 * @param callback Receives the address(es).
 */
export function loopbackLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  if (!isLoopbackName(hostname)) {
    const error: NodeJS.ErrnoException = new Error(`${hostname} is not a loopback name`);
    error.code = "ENOTFOUND";
    callback(error, "");
    return;
  }
  const family =
    options.family === 4 || options.family === "IPv4" ? 4 : options.family === 6 || options.family === "IPv6" ? 6 : 0;
  const addresses = LOOPBACK_ADDRESSES.filter((a) => family === 0 || a.family === family);
  if (options.all) callback(null, addresses);
  else callback(null, (addresses[0] as LookupAddress).address, (addresses[0] as LookupAddress).family);
}

function proxyEnv(): Record<string, string | undefined> {
  const env = process.env;
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY,
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
    noProxy: env.no_proxy ?? env.NO_PROXY,
  };
}

/** The two dispatcher classes this module makes. */
interface DispatcherClasses {
  Agent: typeof import("undici").Agent;
  EnvHttpProxyAgent: typeof import("undici").EnvHttpProxyAgent;
}

let classes: DispatcherClasses | undefined;
let wholeLoaded = false;

/**
 * undici's two dispatcher classes, loaded on the first request rather than with the
 * provider. Without a proxy, only those two: undici's entry point loads ~110 modules
 * (fetch, WebSocket, caches, mocks; ~60 ms of CPU and ~27 MiB of RSS in a bare Node), the
 * two dispatcher modules 27 (~27 ms, ~14 MiB), and a command that makes no request (a
 * no-change preview or up) needs none (see bench/NOTES.md); the transport calls only
 * `dispatch`, which the classes define themselves. A proxy tunnels with the request API
 * the entry point adds to every dispatcher, so with a proxy the whole of undici is loaded
 * (the same classes, from the same modules). Should a release of undici move the two
 * modules, its entry point serves.
 *
 * @param proxied - whether the request may go through a proxy
 * @returns the classes
 */
function dispatcherClasses(proxied: boolean): DispatcherClasses {
  const load = createRequire(__filename);
  if (proxied && !wholeLoaded) {
    classes = load("undici") as DispatcherClasses;
    wholeLoaded = true;
  }
  if (!classes) {
    try {
      classes = {
        Agent: load("undici/lib/dispatcher/agent.js") as DispatcherClasses["Agent"],
        EnvHttpProxyAgent: load(
          "undici/lib/dispatcher/env-http-proxy-agent.js",
        ) as DispatcherClasses["EnvHttpProxyAgent"],
      };
    } catch {
      classes = load("undici") as DispatcherClasses;
      wholeLoaded = true;
    }
  }
  return classes;
}

/**
 * The shared dispatcher for a request, by its configuration. Loopback goes direct; anything else goes
 * through the proxy the environment names (if any, and unless `NO_PROXY` matches).
 */
export function dispatcherFor(config: ConnectionConfig, loopback: boolean): Dispatcher {
  const proxy = loopback ? {} : proxyEnv();
  const ca = config.caBundle === undefined ? undefined : loadCaBundle(config.caBundle);
  const key = JSON.stringify({
    route: loopback ? "direct" : "env",
    timeout: config.connectTimeoutMs,
    ca: ca ? createHash("sha256").update(ca.join("\n")).digest("hex") : null,
    proxy,
  });
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    const tls = { rejectUnauthorized: true, ...(ca ? { ca: [...rootCertificates, ...ca] } : {}) };
    const connect = { timeout: config.connectTimeoutMs, ...tls };
    const { Agent, EnvHttpProxyAgent } = dispatcherClasses(Boolean(proxy.httpProxy || proxy.httpsProxy));
    dispatcher = loopback
      ? new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, connect: { ...connect, lookup: loopbackLookup } })
      : new EnvHttpProxyAgent({
          keepAliveTimeout: KEEP_ALIVE_MS,
          connect,
          connectTimeout: config.connectTimeoutMs,
          requestTls: tls,
          proxyTls: tls,
          // Explicit values (empty for "none"), so undici does not read the environment again.
          httpProxy: proxy.httpProxy ?? "",
          httpsProxy: proxy.httpsProxy ?? "",
          noProxy: proxy.noProxy ?? "",
        });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/** Closes every shared dispatcher (tests and scripts that want the process to exit at once). */
export async function closeDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((d) => d.close().catch(() => undefined)));
}
