import { describe, expect, it } from "vitest";
import { redact, redactError } from "../../../provider/http/redact";
import { endpointProblem } from "../../../provider/http/transport";

describe("redact", () => {
  it("removes secrets in plain, URL-encoded and Base64 form", () => {
    const secret = "s3cret/+value";
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString("base64")}`;
    expect(redact(text, [secret])).toBe("a [secret] b [secret] c [secret]");
  });

  it("redacts error messages, stacks and causes in place", () => {
    const cause = new Error("cause has tok-123456");
    const error = new Error("message has tok-123456", { cause });
    redactError(error, ["tok-123456"]);
    expect(error.message).toBe("message has [secret]");
    expect(error.stack).not.toContain("tok-123456");
    expect(cause.message).toBe("cause has [secret]");
  });
});

describe("endpointProblem", () => {
  it.each([
    ["https://as.example/token", undefined],
    ["http://127.0.0.1:8080/token", undefined],
    ["http://localhost/token", undefined],
    ["http://[::1]:9/token", undefined],
    ["http://as.example/token", "must use https for a non-loopback host (set allowInsecureHttp to override)"],
    ["ftp://as.example", "must use https (got ftp:)"],
    ["not a url", "must be an absolute URL"],
    ["https://user:pw@as.example", "must not carry credentials"],
    ["https://as.example/#x", "must not have a fragment"],
  ])("%s", (url, problem) => {
    expect(endpointProblem(url)).toBe(problem);
  });

  it("allows http to a public host only when asked", () => {
    expect(endpointProblem("http://as.example/token", true)).toBeUndefined();
  });
});
