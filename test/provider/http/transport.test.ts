/**
 * The transport's policy pieces: retry rules, Retry-After parsing, backoff bounds, the
 * per-origin rate limiter, per-call overrides, dispatcher sharing and CA bundle loading.
 * (The faults themselves are in faults.test.ts.)
 */
import { writeFileSync } from "node:fs";
import { type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, isAccessTokenError } from "../../../provider/errors";
import { closeDispatchers, dispatcherFor, loadCaBundle } from "../../../provider/http/dispatcher";
import { HttpPolicyInput, parseTimeout, toHttpPolicy } from "../../../provider/http/policy-inputs";
import { reserveSlot, resetRateLimits } from "../../../provider/http/rate-limit";
import {
  MAX_ATTEMPTS,
  backoffDelay,
  failedBeforeSending,
  parseRetryAfter,
  requestNotSent,
  resolveRetryPolicy,
  statusVerdict,
} from "../../../provider/http/retry";
import { resetBackoffs } from "../../../provider/http/backoff";
import {
  type AttemptEvent,
  HTTP_POLICY_DEFAULTS,
  createTransport,
  withOperationBudget,
} from "../../../provider/http/transport";
import { type FaultServer, startFaultServer } from "../../kit/fault-server";

const ctx = { system: "OAuth 2.0", operation: "token request (client_credentials)", endpoint: "" };

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(async () => {
  await closeDispatchers();
  await server?.close();
});

describe("Retry-After", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Thu, 01 Jan 2026 00:00:05 GMT", 5_000],
    ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
    ["-1", undefined],
    ["1.5", undefined],
    ["soon", undefined],
    [undefined, undefined],
  ])("%s → %s ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe("retry policy", () => {
  it("clamps attempts to 1..MAX_ATTEMPTS and treats false as one attempt", () => {
    expect(resolveRetryPolicy().maxAttempts).toBe(3);
    expect(resolveRetryPolicy({ maxAttempts: 100 }).maxAttempts).toBe(MAX_ATTEMPTS);
    expect(resolveRetryPolicy({ maxAttempts: 0 }).maxAttempts).toBe(1);
    expect(resolveRetryPolicy({ maxAttempts: Number.NaN }).maxAttempts).toBe(3);
    expect(resolveRetryPolicy({ maxAttempts: 4 }, false).maxAttempts).toBe(1);
    expect(resolveRetryPolicy({ maxAttempts: 4 }, { baseDelayMs: 1 })).toMatchObject({
      maxAttempts: 4,
      baseDelayMs: 1,
    });
  });

  it("backs off exponentially with equal jitter, capped", () => {
    const policy = resolveRetryPolicy({ baseDelayMs: 400, maxDelayMs: 1000 });
    expect(backoffDelay(1, policy, () => 0)).toBe(200);
    expect(backoffDelay(1, policy, () => 0.999)).toBeLessThanOrEqual(400);
    expect(backoffDelay(2, policy, () => 0)).toBe(400);
    expect(backoffDelay(9, policy, () => 0.999)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(9, policy, () => 0)).toBe(500);
  });

  it("retries only 429 and 503, honouring Retry-After up to the cap", () => {
    const policy = resolveRetryPolicy({ maxRetryAfterMs: 10_000 });
    const now = Date.now();
    expect(statusVerdict(500, undefined, 1, policy, now).retry).toBe(false);
    expect(statusVerdict(502, undefined, 1, policy, now).retry).toBe(false);
    expect(statusVerdict(200, undefined, 1, policy, now).retry).toBe(false);
    expect(statusVerdict(503, undefined, 1, policy, now).retry).toBe(true);
    expect(statusVerdict(429, "7", 1, policy, now)).toMatchObject({ retry: true, delayMs: 7000 });
    expect(statusVerdict(429, "60", 1, policy, now)).toMatchObject({
      retry: false,
      why: expect.stringContaining("retry after 60 s"),
    });
    expect(statusVerdict(503, undefined, 3, policy, now)).toMatchObject({ retry: false });
  });

  it("retries a connection failure only when the request was not sent", () => {
    const err = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);
    expect(failedBeforeSending(err("ECONNREFUSED"), false)).toBe(true);
    expect(failedBeforeSending(err("UND_ERR_CONNECT_TIMEOUT"), false)).toBe(true);
    expect(failedBeforeSending(err("ECONNRESET"), false)).toBe(true);
    // Permanent failures: nothing to gain.
    expect(failedBeforeSending(err("ENOTFOUND"), false)).toBe(false);
    expect(failedBeforeSending(err("DEPTH_ZERO_SELF_SIGNED_CERT"), false)).toBe(false);
    // Once handed to a socket, the request may have been processed.
    expect(failedBeforeSending(err("ECONNRESET"), true)).toBe(false);
    expect(failedBeforeSending(err("UND_ERR_HEADERS_TIMEOUT"), true)).toBe(false);
    expect(failedBeforeSending(err("UND_ERR_SOCKET", { socket: { bytesWritten: 17 } }), true)).toBe(false);
    expect(failedBeforeSending(err("UND_ERR_SOCKET", { socket: { bytesWritten: 0 } }), true)).toBe(true);
    // Node reports a failed happy-eyeballs connect as an AggregateError.
    expect(failedBeforeSending(new AggregateError([err("ECONNREFUSED"), err("ECONNREFUSED")]), false)).toBe(true);
    expect(requestNotSent(err("ENOTFOUND"), false)).toBe(true);
    expect(requestNotSent(err("ECONNRESET"), true)).toBe(false);
  });
});

describe("rate limit", () => {
  it("spaces requests per origin after the burst (GCRA)", () => {
    resetRateLimits();
    const t = 1_000_000;
    const limit = { requestsPerSecond: 10, burst: 2 };
    expect(reserveSlot("https://a.example", limit, t)).toBe(0);
    expect(reserveSlot("https://a.example", limit, t)).toBe(0);
    expect(reserveSlot("https://a.example", limit, t)).toBe(100);
    expect(reserveSlot("https://a.example", limit, t)).toBe(200);
    // Another origin has its own schedule.
    expect(reserveSlot("https://b.example", limit, t)).toBe(0);
    // Later, the bucket has refilled.
    expect(reserveSlot("https://a.example", limit, t + 5_000)).toBe(0);
  });

  it("holds the stricter of two limits for one origin", () => {
    resetRateLimits();
    const t = 2_000_000;
    reserveSlot("https://c.example", { requestsPerSecond: 100 }, t);
    reserveSlot("https://c.example", { requestsPerSecond: 2 }, t);
    expect(reserveSlot("https://c.example", { requestsPerSecond: 100 }, t)).toBeGreaterThanOrEqual(500);
  });

  it("paces real requests through the transport", async () => {
    resetRateLimits();
    const url = server.script("/paced/token", [{ kind: "token" }]);
    const waits: number[] = [];
    const transport = createTransport({
      rateLimit: { requestsPerSecond: 20 },
      now: () => 5_000_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    for (let i = 0; i < 4; i++) {
      expect((await transport({ method: "POST", url, body: "" }, { ...ctx, endpoint: url })).status).toBe(200);
    }
    // With the clock standing still, each request waits one more 50 ms slot.
    expect(waits).toEqual([50, 100, 150]);
  });

  it("refuses a nonsensical limit before sending", async () => {
    const url = server.script("/bad-limit/token", [{ kind: "token" }]);
    const transport = createTransport({ rateLimit: { requestsPerSecond: 0 } });
    const error = await transport({ method: "GET", url }, { ...ctx, endpoint: url }).catch((e: unknown) => e);
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(server.requestsTo("/bad-limit/token")).toBe(0);
  });
});

describe("per-call overrides", () => {
  it("a call can lower the attempts or disable retries", async () => {
    const url = server.script("/busy/token", [{ kind: "text", status: 503, body: "busy" }]);
    const events: AttemptEvent[] = [];
    const transport = createTransport({ retry: { baseDelayMs: 1 }, onAttempt: (e) => events.push(e) });
    const call = { ...ctx, endpoint: url };
    expect((await transport({ method: "POST", url }, call)).attempts).toBe(3);
    expect((await transport({ method: "POST", url }, call, { retry: false })).attempts).toBe(1);
    expect((await transport({ method: "POST", url }, call, { retry: { maxAttempts: 2 } })).attempts).toBe(2);
    expect(events.filter((e) => e.retryInMs !== undefined)).toHaveLength(3);
  });

  it("a call can shorten the headers timeout", async () => {
    const url = server.script("/slow/token", [{ kind: "hang" }]);
    const transport = createTransport();
    const started = Date.now();
    const error = await transport({ method: "POST", url }, { ...ctx, endpoint: url }, { headersTimeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.TRANSPORT);
    // Far below the default (30 s): the call's own timeout ended it, however loaded the machine.
    expect(Date.now() - started).toBeLessThan(HTTP_POLICY_DEFAULTS.headersTimeoutMs / 3);
  });
});

describe("every wait has a bound", () => {
  // Leave no kept-alive connection behind for the connection-counting tests below.
  afterAll(() => closeDispatchers());

  it("a trickled body ends at the request deadline, not after the whole trickle", async () => {
    resetBackoffs();
    // One byte every 100 ms for 30 s: each pause is far below the body timeout.
    const url = server.script("/trickle/token", [{ kind: "trickle", intervalMs: 100, forMs: 30_000 }]);
    const transport = createTransport({ bodyTimeoutMs: 5_000, requestTimeoutMs: 1_000 });
    const started = Date.now();
    const error = await transport({ method: "POST", url }, { ...ctx, endpoint: url }).catch((e: unknown) => e);
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.TRANSPORT);
    expect((error as Error).message).toMatch(/no complete response within 1000 ms \(REQUEST_TIMEOUT/);
    // Not retried: the server may have processed the request.
    expect((error as Error).message).toMatch(/not retried/);
    expect(server.requestsTo("/trickle/token")).toBe(1);
    // Bounded by the deadline, far from the 30 s trickle (a margin no machine can miss).
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("the retries and waits of one operation share its time budget (fake clock)", async () => {
    resetBackoffs();
    let clock = 10_000_000;
    const slept: number[] = [];
    const events: AttemptEvent[] = [];
    const url = server.script("/budget/token", [
      { kind: "text", status: 429, body: "slow down", headers: { "retry-after": "10" } },
    ]);
    const transport = withOperationBudget(
      createTransport({
        retry: { maxAttempts: 5, maxRetryAfterMs: 60_000 },
        operationTimeoutMs: 25_000,
        now: () => clock,
        sleep: async (ms) => {
          slept.push(ms);
          clock += ms;
        },
        onAttempt: (e) => events.push(e),
      }),
    );
    const call = { ...ctx, endpoint: url };
    // First call: 429 at t=0, waits 10 s, 429 at t=10 s, waits 10 s, 429 at t=20 s: a
    // third wait would end at 30 s, past the 25 s budget, so it stops there.
    const res = await transport({ method: "POST", url }, call);
    expect(res.status).toBe(429);
    expect(res.attempts).toBe(3);
    expect(slept).toEqual([10_000, 10_000]);
    expect(events.at(-1)?.why).toMatch(/time budget of 25 s/);
    // A later call of the same operation has 5 s left: its own Retry-After wait does not fit.
    const second = await transport({ method: "POST", url }, call);
    expect(second.attempts).toBe(1);
    expect(server.requestsTo("/budget/token")).toBeLessThanOrEqual(4);
  });

  it("an operation whose budget is spent sends nothing more", async () => {
    resetBackoffs();
    let clock = 20_000_000;
    const url = server.script("/spent/token", [{ kind: "token" }]);
    const transport = withOperationBudget(createTransport({ operationTimeoutMs: 1_000, now: () => clock }));
    const call = { ...ctx, endpoint: url };
    expect((await transport({ method: "POST", url }, call)).status).toBe(200);
    clock += 1_001;
    const error = await transport({ method: "POST", url }, call).catch((e: unknown) => e);
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.TRANSPORT);
    expect((error as Error).message).toMatch(/time budget of 1 s/);
    expect(server.requestsTo("/spent/token")).toBe(1);
  });

  it("a failing origin is backed off once for everyone: 40 parallel requests, not 40 × 3", async () => {
    resetBackoffs();
    // Answers 503, holding the first 40 requests until all have arrived, so the whole first
    // wave is answered at once (the 250 ms backoff dwarfs the time to read 40 answers).
    const held: ServerResponse[] = [];
    let seen = 0;
    const busy = createServer((req, res) => {
      seen++;
      req.resume();
      const answer = (r: ServerResponse) => r.writeHead(503, { "content-type": "text/plain" }).end("busy");
      if (seen > 40) return answer(res);
      held.push(res);
      if (held.length === 40) for (const r of held.splice(0)) answer(r);
    });
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}/token`;
      const transport = createTransport({
        connectTimeoutMs: 4_321,
        retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 1_000 },
        random: () => 0,
      });
      const call = { ...ctx, endpoint: url };
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => transport({ method: "POST", url, body: "" }, call)),
      );
      expect(answers.every((a) => a.status === 503)).toBe(true);
      // The first wave (40), then one probe per backoff round for everyone: 2 more with 3
      // attempts (without the shared backoff: 40 × 3 = 120).
      expect(seen).toBe(42);
    } finally {
      busy.closeAllConnections();
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it("a healthy answer ends the origin's backoff for everyone", async () => {
    resetBackoffs();
    const url = server.script("/recovers/token", [{ kind: "text", status: 503, body: "busy" }, { kind: "token" }]);
    const transport = createTransport({ retry: { baseDelayMs: 20, maxDelayMs: 40 } });
    const call = { ...ctx, endpoint: url };
    expect((await transport({ method: "POST", url, body: "" }, call)).status).toBe(200);
    // No backoff left: the next request goes at once, in one attempt.
    expect((await transport({ method: "POST", url, body: "" }, call)).attempts).toBe(1);
  });
});

describe("dispatchers", () => {
  it("reuses one keep-alive connection for sequential requests", async () => {
    const url = server.script("/keepalive/token", [{ kind: "token" }]);
    const before = server.connections;
    const transport = createTransport();
    for (let i = 0; i < 5; i++) await transport({ method: "POST", url, body: "" }, { ...ctx, endpoint: url });
    expect(server.connections - before).toBe(1);
  });

  it("connects *.localhost to loopback without asking DNS (RFC 6761)", async () => {
    const url = server.script("/named-loopback/token", [{ kind: "token" }]).replace("127.0.0.1", "tokens.localhost");
    const transport = createTransport({ connectTimeoutMs: 1_234 });
    expect((await transport({ method: "POST", url, body: "" }, { ...ctx, endpoint: url })).status).toBe(200);
    expect(server.requestsTo("/named-loopback/token")).toBe(1);
  });

  it("refuses a URL with credentials in it before sending, without printing them", async () => {
    const url = `${server.script("/query-cred/token", [{ kind: "token" }])}?client_secret=query-canary`;
    const error = await createTransport()({ method: "POST", url }, { ...ctx, endpoint: url }).catch((e: unknown) => e);
    expect(isAccessTokenError(error) && error.code).toBe(ErrorCode.INVALID_INPUT);
    expect((error as Error).message).toMatch(/must not carry credentials in its query \(client_secret\)/);
    expect((error as Error).message).not.toContain("query-canary");
    expect(server.requestsTo("/query-cred/token")).toBe(0);
  });

  it("shares one dispatcher per configuration", () => {
    const a = dispatcherFor({ connectTimeoutMs: 1000 }, false);
    expect(dispatcherFor({ connectTimeoutMs: 1000 }, false)).toBe(a);
    expect(dispatcherFor({ connectTimeoutMs: 2000 }, false)).not.toBe(a);
    expect(dispatcherFor({ connectTimeoutMs: 1000 }, true)).not.toBe(a);
  });
});

describe("CA bundle", () => {
  it("names the file and the reason, never the content", () => {
    const file = join(tmpdir(), `not-a-ca-${process.pid}.pem`);
    writeFileSync(file, "secret-looking-content");
    expect(() => loadCaBundle(file)).toThrow(`caBundle: the file ${file} holds no "BEGIN CERTIFICATE" block`);
    expect(() => loadCaBundle("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----")).toThrow(
      'caBundle: the PEM text holds no "BEGIN CERTIFICATE" block',
    );
    try {
      loadCaBundle(file);
    } catch (error) {
      expect(String(error)).not.toContain("secret-looking-content");
    }
  });
});

describe("the http resource input", () => {
  it("parses durations and converts to a transport policy", () => {
    expect(parseTimeout("500ms")).toBe(500);
    expect(parseTimeout("1.5s")).toBe(1500);
    expect(parseTimeout("2m")).toBe(120_000);
    expect(parseTimeout("0s")).toBeUndefined();
    expect(parseTimeout("1h")).toBeUndefined();
    const input = HttpPolicyInput.parse({ connectTimeout: "5s", maxAttempts: 2, requestsPerSecond: 50 });
    expect(toHttpPolicy(input)).toEqual({
      connectTimeoutMs: 5000,
      retry: { maxAttempts: 2 },
      rateLimit: { requestsPerSecond: 50 },
    });
    expect(toHttpPolicy(undefined)).toEqual({});
  });

  it("names each bad field", () => {
    const parsed = HttpPolicyInput.safeParse({ connectTimeout: "soon", maxAttempts: 9, colour: 1 });
    expect(parsed.success).toBe(false);
    const messages = parsed.error?.issues.map((i) => `${i.path.join(".") || "(http)"}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("connectTimeout: must be a duration"),
        "maxAttempts: must be at most 5",
        expect.stringContaining("colour"),
      ]),
    );
  });
});
