/**
 * The HTTP transport: one keep-alive undici dispatcher per provider process (so hundreds
 * of tokens reuse a few connections), explicit timeouts, a cap on response size, no
 * redirects (a token request must never be replayed to another host), and a URL policy
 * that refuses plain HTTP except on loopback.
 */
import { Agent, type Dispatcher, request } from "undici";
import { AccessTokenError, ErrorCode, type RemoteContext, describeRemote } from "../errors";

/** A request as the protocol layer builds it. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A response as the protocol layer judges it: status, lower-cased headers, body text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** Sends one request and returns the whole response. */
export type Transport = (req: HttpRequest, ctx: RemoteContext) => Promise<HttpResponse>;

/** Timeouts and limits of the default transport. */
export interface TransportOptions {
  /** TCP + TLS connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Time to the response headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Idle time between body chunks. Default 30 s. */
  bodyTimeoutMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Injected dispatcher (tests); default a shared keep-alive `Agent`. */
  dispatcher?: Dispatcher;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  maxResponseBytes: 1 << 20,
};

let sharedAgent: Agent | undefined;
function defaultAgent(): Agent {
  sharedAgent ??= new Agent({
    keepAliveTimeout: 30_000,
    connect: { timeout: DEFAULTS.connectTimeoutMs },
  });
  return sharedAgent;
}

/** Builds a transport. */
export function createTransport(options: TransportOptions = {}): Transport {
  const opts = { ...DEFAULTS, ...options };
  return async (req, ctx) => {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method,
        headers: { "user-agent": "pulumi-access-tokens", ...req.headers },
        body: req.body,
        dispatcher: opts.dispatcher ?? defaultAgent(),
        headersTimeout: opts.headersTimeoutMs,
        bodyTimeout: opts.bodyTimeoutMs,
      });
    } catch (cause) {
      throw new AccessTokenError(ErrorCode.TRANSPORT, `${describeRemote(ctx)} failed: ${transportReason(cause)}`, {
        endpoint: ctx.endpoint,
        cause,
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > opts.maxResponseBytes) {
          res.body.destroy();
          throw new AccessTokenError(
            ErrorCode.INVALID_RESPONSE,
            `${describeRemote(ctx)} failed: HTTP ${res.statusCode}, response larger than ${opts.maxResponseBytes} bytes`,
            { endpoint: ctx.endpoint, status: res.statusCode },
          );
        }
        chunks.push(chunk);
      }
    } catch (cause) {
      if (cause instanceof AccessTokenError) throw cause;
      throw new AccessTokenError(
        ErrorCode.TRANSPORT,
        `${describeRemote(ctx)} failed: HTTP ${res.statusCode}, body interrupted: ${transportReason(cause)}`,
        { endpoint: ctx.endpoint, status: res.statusCode, cause },
      );
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    }
    return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString("utf8") };
  };
}

function transportReason(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** True for hosts that never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname.endsWith(".localhost");
}

/**
 * Why `value` is not an acceptable endpoint URL, or undefined when it is: absolute
 * http(s), no credentials or fragment, and HTTPS unless the host is loopback or
 * `allowInsecureHttp` is set.
 */
export function endpointProblem(value: string, allowInsecureHttp = false): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must use https (got ${url.protocol})`;
  if (url.username || url.password) return "must not carry credentials";
  if (url.hash) return "must not have a fragment";
  if (url.protocol === "http:" && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    return "must use https for a non-loopback host (set allowInsecureHttp to override)";
  }
  return undefined;
}
