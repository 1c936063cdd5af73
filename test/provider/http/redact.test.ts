import { describe, expect, it } from "vitest";
import { loopbackLookup } from "../../../provider/http/dispatcher";
import { credentialTargetProblem, isLoopbackHost, printableUrl } from "../../../provider/http/policy";
import {
  cleanServerText,
  collectingSecrets,
  redact,
  redactError,
  wireCredentials,
} from "../../../provider/http/redact";
import { type HttpRequest, endpointProblem } from "../../../provider/http/transport";

describe("redact", () => {
  it("removes secrets in plain, URL-encoded and Base64 form", () => {
    const secret = "s3cret/+value";
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString("base64")}`;
    expect(redact(text, [secret])).toBe("a [secret] b [secret] c [secret]");
  });

  it("removes the form-encoded (+, %21) and JSON-escaped forms", () => {
    const secret = 'a b!c"d/é';
    const formEncoded = new URLSearchParams({ v: secret }).toString().slice(2);
    expect(formEncoded).toContain("+");
    expect(formEncoded).toContain("%21");
    const json = JSON.stringify(secret).slice(1, -1);
    const text = `x ${formEncoded} y ${json} z ${json.replace("é", "\\u00e9")}`;
    expect(redact(text, [secret])).toBe("x [secret] y [secret] z [secret]");
  });

  it("removes the secret from a Basic credential echoed back, whatever the client id", () => {
    for (const id of ["a", "ab", "abc", "client:1"]) {
      const pair = Buffer.from(`${encodeURIComponent(id)}:s3cret-value`).toString("base64");
      const out = redact(`WWW-Authenticate: Basic realm="x", got ${pair}`, ["s3cret-value"]);
      expect(out).not.toContain(pair);
      expect(out).toContain("[secret]");
    }
  });

  it("removes a secret cut by a clip, and strips control characters and ANSI escapes", () => {
    expect(redact(`detail: abc-s3cret-va${"…"}`, ["abc-s3cret-value"])).toBe("detail: [secret]…");
    expect(redact("a\u001b[31mred\u001b[0m\u0007 b", [])).toBe("ared b");
  });

  it("redacts a secret shorter than 4 characters only where it stands alone", () => {
    expect(redact("token ab was refused; about tab", ["ab"])).toBe("token [secret] was refused; about tab");
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

describe("cleanServerText", () => {
  it("removes ANSI escapes, makes every control a space (no forged lines), and clips with …", () => {
    expect(cleanServerText("bad\u001b[2J\u001b]0;title\u0007 client\r\nERROR: fake line")).toBe(
      "bad client  ERROR: fake line",
    );
    expect(cleanServerText("a\u202eb\u0000c")).toBe("a b c");
    expect(cleanServerText("x".repeat(10), 4)).toBe("xxxx…");
  });
});

describe("wire credentials", () => {
  const req: HttpRequest = {
    method: "POST",
    url: "https://as.example/token",
    headers: {
      Authorization: `Basic ${Buffer.from("id:p%C3%A9+x").toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=refresh_token&refresh_token=rt-1&scope=a+b",
  };

  it("are the Authorization credential, its decoded secret half, and the form's credential fields", () => {
    expect(wireCredentials(req)).toEqual([Buffer.from("id:p%C3%A9+x").toString("base64"), "p%C3%A9+x", "pé x", "rt-1"]);
  });

  it("join the call's secrets as requests go out", async () => {
    const secrets: string[] = [];
    const transport = collectingSecrets(async () => ({ status: 200, headers: {}, body: "" }), secrets);
    await transport(req, { system: "s", operation: "o", endpoint: req.url });
    expect(secrets).toContain("rt-1");
    expect(secrets).toContain("pé x");
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
    ["https://as.example/token?client_secret=x", "must not carry credentials in its query (client_secret)"],
    ["https://as.example/token?Password=x&api-version=1", "must not carry credentials in its query (Password)"],
    ["https://as.example/token?api-version=2", undefined],
    ["file:///etc/passwd", "must use https (got file:)"],
    ["http://app.localhost:9/token", undefined],
  ])("%s", (url, problem) => {
    expect(endpointProblem(url)).toBe(problem);
  });

  it("allows http to a public host only when asked", () => {
    expect(endpointProblem("http://as.example/token", true)).toBeUndefined();
  });
});

describe("credentialTargetProblem (the one rule)", () => {
  it("discovered endpoints must share the issuer's origin unless the user opts out", () => {
    const from = "https://as.example/realms/r";
    expect(credentialTargetProblem("https://as.example/token", { discoveredFrom: from })).toBeUndefined();
    expect(credentialTargetProblem("https://evil.example/token", { discoveredFrom: from })).toMatch(
      /another origin \(https:\/\/evil\.example\) than https:\/\/as\.example/,
    );
    expect(credentialTargetProblem("https://as.example:8443/token", { discoveredFrom: from })).toMatch(
      /another origin/,
    );
    expect(
      credentialTargetProblem("https://evil.example/token", { discoveredFrom: from, allowCrossOriginEndpoints: true }),
    ).toBeUndefined();
    // User-set endpoints carry no discoveredFrom: their origin is the user's choice.
    expect(credentialTargetProblem("https://other.example/token")).toBeUndefined();
    // The base rule holds whatever the opt-out.
    expect(
      credentialTargetProblem("http://as2.example/token", { discoveredFrom: from, allowCrossOriginEndpoints: true }),
    ).toMatch(/must use https/);
  });

  it("prints a refused URL without its query or user info", () => {
    expect(printableUrl("https://u:p@as.example/t?client_secret=s")).toBe(
      "https://as.example/t (query and credentials not shown)",
    );
  });
});

describe("loopback names (RFC 6761)", () => {
  it("localhost and *.localhost are loopback and connect to 127.0.0.1 / ::1 without DNS", async () => {
    expect(isLoopbackHost("app.localhost")).toBe(true);
    expect(isLoopbackHost("localhost.example")).toBe(false);
    const all = await new Promise((resolve, reject) =>
      loopbackLookup("app.localhost", { all: true }, (e, a) => (e ? reject(e) : resolve(a))),
    );
    expect(all).toEqual([
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ]);
    const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      loopbackLookup("as.example", {}, (e) => resolve(e)),
    );
    expect(refused?.code).toBe("ENOTFOUND");
  });
});
