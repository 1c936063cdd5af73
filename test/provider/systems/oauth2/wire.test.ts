import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../provider/errors";
import type { HttpResponse } from "../../../../provider/http/transport";
import * as oauth2 from "../../../../provider/systems/oauth2/wire";
import { json, thrownSync } from "../../../kit/helpers";

const ctx = { system: "OAuth 2.0", operation: "token request", endpoint: "https://as.example/token" };

describe("client authentication", () => {
  it("client_secret_basic form-encodes id and secret before Base64 (RFC 6749 §2.3.1)", () => {
    const headers: Record<string, string> = {};
    const form = new URLSearchParams();
    oauth2.clientSecretBasic("my client", "s3cr:t/+").apply(headers, form);
    const decoded = Buffer.from((headers.authorization as string).replace("Basic ", ""), "base64").toString();
    expect(decoded).toBe("my+client:s3cr%3At%2F%2B");
    expect(form.has("client_secret")).toBe(false);
  });

  it("client_secret_post puts id and secret in the body", () => {
    const headers: Record<string, string> = {};
    const form = new URLSearchParams();
    oauth2.clientSecretPost("id", "secret").apply(headers, form);
    expect(headers.authorization).toBeUndefined();
    expect(form.get("client_id")).toBe("id");
    expect(form.get("client_secret")).toBe("secret");
  });

  it("refuses an empty secret eagerly", () => {
    expect(() => oauth2.clientSecretBasic("id", "")).toThrow(/needs a client secret/);
  });
});

describe("token request", () => {
  it("builds a form body with grant_type, scope and repeated resource", () => {
    const req = oauth2.tokenRequest(
      "https://as.example/token",
      "client_credentials",
      { scope: "a b", resource: ["https://r1", "https://r2"], audience: undefined },
      oauth2.noClientAuth("id"),
    );
    expect(req.method).toBe("POST");
    expect(req.headers?.["content-type"]).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(req.body);
    expect(form.get("grant_type")).toBe("client_credentials");
    expect(form.get("scope")).toBe("a b");
    expect(form.getAll("resource")).toEqual(["https://r1", "https://r2"]);
    expect(form.has("audience")).toBe(false);
  });
});

describe("processTokenResponse", () => {
  it("accepts a standard response", () => {
    const t = oauth2.processTokenResponse(
      json(200, { access_token: "tok", token_type: "Bearer", expires_in: 3600, scope: "a" }),
      ctx,
    );
    expect(t).toMatchObject({ accessToken: "tok", tokenType: "Bearer", expiresIn: 3600, scope: "a" });
  });

  it("accepts expires_in as a string and token_type in any case", () => {
    const t = oauth2.processTokenResponse(
      json(200, { access_token: "tok", token_type: "bearer", expires_in: "60" }),
      ctx,
    );
    expect(t.expiresIn).toBe(60);
    expect(t.tokenType).toBe("Bearer");
  });

  it("maps an RFC 6749 §5.2 error body to a clear error with endpoint, status and code", () => {
    const e = thrownSync(() =>
      oauth2.processTokenResponse(
        json(401, { error: "invalid_client", error_description: "client authentication failed" }),
        ctx,
      ),
    );
    expect(e.code).toBe(ErrorCode.OAUTH_ERROR_RESPONSE);
    expect(e.oauthError).toBe("invalid_client");
    expect(e.status).toBe(401);
    expect(e.message).toBe(
      'OAuth 2.0 token request at https://as.example/token failed: HTTP 401, OAuth error "invalid_client" (client authentication failed)',
    );
  });

  it("reports a non-OAuth error status with the status and no body", () => {
    const e = thrownSync(() =>
      oauth2.processTokenResponse({ status: 502, headers: { "content-type": "text/html" }, body: "<h1>bad</h1>" }, ctx),
    );
    expect(e.code).toBe(ErrorCode.HTTP_STATUS);
    expect(e.message).toContain("HTTP 502");
    expect(e.message).not.toContain("<h1>");
  });

  // Every malformed success response, with the message it must produce.
  const malformed: [string, HttpResponse, RegExp][] = [
    ["not JSON", { status: 200, headers: { "content-type": "text/plain" }, body: "ok" }, /body is not JSON/],
    ["a JSON array", json(200, []), /JSON body is not an object/],
    ["no access_token", json(200, { token_type: "Bearer" }), /"access_token"/],
    ["empty access_token", json(200, { access_token: "", token_type: "Bearer" }), /"access_token"/],
    ["no token_type", json(200, { access_token: "x" }), /"token_type"/],
    ["token_type N_A", json(200, { access_token: "x", token_type: "N_A" }), /token_type "N_A" is not supported/],
    ["negative expires_in", json(200, { access_token: "x", token_type: "Bearer", expires_in: -1 }), /"expires_in"/],
    [
      "non-numeric expires_in",
      json(200, { access_token: "x", token_type: "Bearer", expires_in: "soon" }),
      /"expires_in"/,
    ],
  ];
  for (const [name, res, message] of malformed) {
    it(`rejects ${name} as INVALID_RESPONSE without echoing values`, () => {
      const e = thrownSync(() => oauth2.processTokenResponse(res, ctx));
      expect(e.code).toBe(ErrorCode.INVALID_RESPONSE);
      expect(e.message).toMatch(message);
      expect(e.message).toContain("https://as.example/token");
    });
  }
});

describe("discovery", () => {
  it("tries OIDC discovery, then RFC 8414 with the path inserted", () => {
    expect(oauth2.discoveryUrls("https://as.example/tenant1")).toEqual([
      "https://as.example/tenant1/.well-known/openid-configuration",
      "https://as.example/.well-known/oauth-authorization-server/tenant1",
    ]);
  });

  it("refuses metadata for another issuer", () => {
    const e = thrownSync(() =>
      oauth2.processDiscoveryResponse(
        json(200, { issuer: "https://evil.example", token_endpoint: "https://evil.example/token" }),
        "https://as.example",
        ctx,
      ),
    );
    expect(e.code).toBe(ErrorCode.DISCOVERY);
    expect(e.message).toContain('not "https://as.example"');
  });

  it("requires a token_endpoint", () => {
    const e = thrownSync(() =>
      oauth2.processDiscoveryResponse(json(200, { issuer: "https://as.example" }), "https://as.example", ctx),
    );
    expect(e.message).toContain("no token_endpoint");
  });
});

describe("introspection and revocation", () => {
  it("reads active and exp", () => {
    expect(oauth2.processIntrospectionResponse(json(200, { active: false }), ctx).active).toBe(false);
    expect(oauth2.processIntrospectionResponse(json(200, { active: true, exp: 5 }), ctx).exp).toBe(5);
  });

  it("requires a boolean active", () => {
    const e = thrownSync(() => oauth2.processIntrospectionResponse(json(200, { active: "yes" }), ctx));
    expect(e.message).toContain('"active"');
  });

  it("accepts 200 and 204 for revocation and maps errors", () => {
    oauth2.processRevocationResponse({ status: 200, headers: {}, body: "" }, ctx);
    oauth2.processRevocationResponse({ status: 204, headers: {}, body: "" }, ctx);
    const e = thrownSync(() => oauth2.processRevocationResponse(json(400, { error: "unsupported_token_type" }), ctx));
    expect(e.oauthError).toBe("unsupported_token_type");
  });
});
