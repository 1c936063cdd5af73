/**
 * The wire kit on its own: sending keeps the call's secrets, server text loses them before
 * it is clipped, errors are built once with their hints as data, the JSON / JWT helpers,
 * the error dialects and the one rate limiter in both modes.
 */
import { describe, expect, it } from "vitest";
import { AccessTokenError, ErrorCode, hintRules, remoteError, withHints } from "../../../provider/errors";
import { RateLimiter } from "../../../provider/http/rate-limit";
import type { HttpRequest, HttpResponse } from "../../../provider/http/transport";
import {
  exastroEnvelopeOf,
  misskeyErrorObjectOf,
  oauthErrorOf,
  problemOf,
  rpcCodeName,
  rpcStatusOf,
} from "../../../provider/wire/dialects";
import { clip, jwtClaims, keepSecrets, parseJson, parseJsonObject, send, validate } from "../../../provider/wire/kit";
import { z } from "zod";

const call = { system: "Test", operation: "token request", endpoint: "https://as.example/token" };
const answer = (status: number, body: string): HttpResponse => ({ status, headers: {}, body });

describe("send", () => {
  it("keeps the request's credentials and the answer's secrets with the call's, and shows the judge the list", async () => {
    const secrets: string[] = [];
    const request: HttpRequest = {
      method: "POST",
      url: call.endpoint,
      headers: {
        authorization: `Basic ${Buffer.from("client:s3cret-value").toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=password&password=pass-word-1",
    };
    const seen: (readonly string[] | undefined)[] = [];
    const token = await send(
      { transport: async () => answer(200, '{"access_token":"tok-123456"}'), secrets },
      call,
      request,
      (res, judged) => {
        seen.push(judged.secrets);
        return (parseJson(res.body) as { access_token: string }).access_token;
      },
      { secretsOf: (t) => [t, undefined, ""] },
    );
    expect(token).toBe("tok-123456");
    expect(secrets).toEqual(expect.arrayContaining(["s3cret-value", "pass-word-1", "tok-123456"]));
    expect(secrets).not.toContain("");
    expect(seen[0]).toBe(secrets);
  });

  it("hands a refused answer to onRefused, and throws what it returns", async () => {
    const marked = new Error("marked");
    const error = await send(
      { transport: async () => answer(200, "{}"), secrets: [] },
      call,
      { method: "GET", url: call.endpoint },
      () => {
        throw new Error("refused");
      },
      { onRefused: (res, e) => (res.status === 200 && (e as Error).message === "refused" ? marked : e) },
    ).catch((e: unknown) => e);
    expect(error).toBe(marked);
  });

  it("keepSecrets skips empty and repeated values", () => {
    const wire = { secrets: ["a-secret"] };
    keepSecrets(wire, "a-secret", undefined, "", "b-secret");
    expect(wire.secrets).toEqual(["a-secret", "b-secret"]);
  });
});

describe("clip", () => {
  it("removes the call's secrets before it cuts, so no prefix of a secret survives the cut", () => {
    const secret = "SECRETVALUE-0123456789";
    const text = `${"x".repeat(295)}${secret} and more`;
    const clipped = clip(text, 300, [secret]);
    expect(clipped.endsWith("…")).toBe(true);
    expect(clipped).not.toContain(secret.slice(0, 5));
    // Without the secrets the same cut leaves the secret's first characters.
    expect(clip(text, 300)).toContain(secret.slice(0, 5));
  });

  it("cleans controls and escape sequences as server text always was", () => {
    expect(clip("bad \u001b[31mred\u001b[0m\nline", 300, ["unrelated-secret"])).toBe("bad red line");
  });
});

describe("errors", () => {
  it("are built once with their hints as data: the call's rule after the error's own", () => {
    const ctx = {
      ...call,
      hints: hintRules(
        (f) => (f.oauthError === "invalid_grant" ? "obtain a new refresh token" : undefined),
        (f) => (f.status === 400 ? { text: "see the server's log", separator: "; " } : undefined),
      ),
    };
    const error = remoteError(ctx, ErrorCode.OAUTH_ERROR_RESPONSE, 'HTTP 400, OAuth error "invalid_grant"', {
      status: 400,
      oauthError: "invalid_grant",
      cause: { error: "invalid_grant" },
      hints: ["own advice"],
    });
    expect(error.message).toBe(
      `Test token request at ${call.endpoint} failed: HTTP 400, OAuth error "invalid_grant": own advice: obtain a new refresh token; see the server's log`,
    );
    expect(error.hints.map((h) => h.text)).toEqual([
      "own advice",
      "obtain a new refresh token",
      "see the server's log",
    ]);
    expect(error).toMatchObject({ code: "OAUTH_ERROR_RESPONSE", status: 400, endpoint: call.endpoint });
    expect(error.cause).toEqual({ error: "invalid_grant" });
  });

  it("withHints makes a new error and leaves the first as it was", () => {
    const first = new AccessTokenError(ErrorCode.HTTP_STATUS, "it failed", { status: 200, hints: ["a"] });
    const second = withHints(first, { text: "b", separator: "; " });
    expect(first.message).toBe("it failed: a");
    expect(second.message).toBe("it failed: a; b");
    expect(second).toMatchObject({ code: "HTTP_STATUS", status: 200 });
    expect(second).not.toBe(first);
  });
});

describe("JSON and JWT", () => {
  it("parses objects or says what came instead", () => {
    expect(parseJsonObject(answer(200, '{"a":1}'), call)).toEqual({ a: 1 });
    expect(() => parseJsonObject(answer(200, "<html>"), call)).toThrow(/body is not JSON \(content-type missing\)/);
    expect(() => parseJsonObject(answer(200, "[1]"), call)).toThrow(/JSON body is not an object/);
    let invalid: AccessTokenError | undefined;
    try {
      validate(z.object({ a: z.string() }), { a: 1 }, answer(200, ""), call);
    } catch (error) {
      invalid = error as AccessTokenError;
    }
    expect(invalid?.message).toMatch(/unexpected response: "a" must be a string$/);
    expect(invalid?.cause).toEqual({ a: 1 });
  });

  it("reads a JWT's claims without verifying it; anything else is undefined", () => {
    const jwt = (payload: string) => `eyJhbGciOiJub25lIn0.${Buffer.from(payload).toString("base64url")}.sig`;
    expect(jwtClaims(jwt('{"exp":1700000000,"aud":"c"}'))).toEqual({ exp: 1700000000, aud: "c" });
    expect(jwtClaims(jwt("[1]"))).toBeUndefined();
    expect(jwtClaims(jwt("not json"))).toBeUndefined();
    expect(jwtClaims("opaque-token")).toBeUndefined();
  });
});

describe("error dialects", () => {
  it("reads each system's error body, and nothing else", () => {
    expect(oauthErrorOf('{"error":"invalid_client","hint":"h"}')).toMatchObject({ error: "invalid_client", hint: "h" });
    expect(oauthErrorOf('{"error":""}')).toBeUndefined();
    const status = rpcStatusOf(parseJson('{"code":14,"message":"down"}'));
    expect(status && rpcCodeName(status)).toBe("UNAVAILABLE");
    expect(rpcCodeName({ code: 99 })).toBeUndefined();
    expect(rpcStatusOf("text")).toBeUndefined();
    expect(exastroEnvelopeOf('{"result":"404-25001","message":null}')?.result).toBe("404-25001");
    expect(problemOf('{"title":"Bad Request"}')?.title).toBe("Bad Request");
    expect(problemOf('{"status":400}')).toBeUndefined();
    expect(misskeyErrorObjectOf('{"error":{"code":"NO_SUCH_APP","message":"m"}}')?.code).toBe("NO_SUCH_APP");
    expect(misskeyErrorObjectOf('{"code":"FST_ERR","message":"m"}')?.code).toBe("FST_ERR");
    expect(misskeyErrorObjectOf("{}")).toBeUndefined();
  });
});

describe("the one rate limiter", () => {
  it("smooth: a burst passes at once, then one request per interval", () => {
    const limiter = new RateLimiter({ mode: "smooth", intervalMs: 100, burst: 2 });
    expect([0, 0, 0, 0].map((t) => limiter.reserve(t))).toEqual([0, 0, 100, 200]);
    expect(limiter.reserve(10_000)).toBe(0);
  });

  it("rolling: at most `limit` starts in any window, in arrival order, on its own clock", async () => {
    let t = 0;
    const limiter = new RateLimiter(
      { mode: "rolling", limit: 2, windowMs: 100 },
      () => t,
      async (ms) => {
        t += ms;
      },
    );
    const started = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire().then(() => t)));
    expect(started).toEqual([0, 0, 101, 101, 202]);
  });
});
