/**
 * RFC 7591 registration and RFC 7592 management, judged on plain response objects.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../../provider/errors";
import type { HttpResponse } from "../../../../provider/http/transport";
import * as registration from "../../../../provider/systems/oauth2/registration-wire";
import { json, thrownSync } from "../../../kit/helpers";

const ctx = { system: "OAuth 2.0", operation: "client registration", endpoint: "https://as.example/reg" };
const manage = { system: "OAuth 2.0", operation: "client read (RFC 7592)", endpoint: "https://as.example/reg/c1" };

const SECRET = "client-secret-canary-0123456789";
const RAT = "registration-access-token-canary-0123456789";
const IAT = "initial-access-token-canary-0123456789";

const registered = {
  client_id: "c1",
  client_secret: SECRET,
  client_id_issued_at: 1_700_000_000,
  client_secret_expires_at: 0,
  registration_access_token: RAT,
  registration_client_uri: "https://as.example/reg/c1",
  client_name: "reporting",
  grant_types: ["client_credentials"],
  token_endpoint_auth_method: "client_secret_basic",
};

describe("registration request (RFC 7591 §3.1)", () => {
  it("POSTs the metadata as JSON, with the initial access token as a Bearer token", () => {
    const req = registration.registrationRequest("https://as.example/reg", { client_name: "x" }, IAT);
    expect(req).toMatchObject({ method: "POST", url: "https://as.example/reg" });
    expect(req.headers?.["content-type"]).toBe("application/json");
    expect(req.headers?.authorization).toBe(`Bearer ${IAT}`);
    expect(JSON.parse(req.body as string)).toEqual({ client_name: "x" });
  });

  it("sends no Authorization header without an initial access token", () => {
    expect(registration.registrationRequest("https://as.example/reg", {}).headers?.authorization).toBeUndefined();
  });
});

describe("registration response (RFC 7591 §3.2)", () => {
  it("returns the client, its handles, and the rest as registered metadata", () => {
    const client = registration.processRegistrationResponse(json(201, registered), ctx);
    expect(client).toEqual({
      clientId: "c1",
      clientSecret: SECRET,
      clientIdIssuedAt: 1_700_000_000,
      clientSecretExpiresAt: 0,
      registrationAccessToken: RAT,
      registrationClientUri: "https://as.example/reg/c1",
      metadata: {
        client_name: "reporting",
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    });
  });

  it("accepts a public client with no secret and a server without management", () => {
    const client = registration.processRegistrationResponse(
      json(201, { client_id: "pub", token_endpoint_auth_method: "none" }),
      ctx,
    );
    expect(client).toEqual({ clientId: "pub", metadata: { token_endpoint_auth_method: "none" } });
  });

  it.each([
    ["invalid_redirect_uri", /redirect URIs \(redirectUris\)/],
    ["invalid_client_metadata", /refused a metadata value/],
    ["invalid_software_statement", /software statement/],
    ["unapproved_software_statement", /does not approve the software statement/],
  ])("explains %s, naming endpoint, status and code", (code, hint) => {
    const error = thrownSync(() =>
      registration.processRegistrationResponse(
        json(400, { error: code, error_description: "redirect_uris must be https" }),
        ctx,
      ),
    );
    expect(error.code).toBe(ErrorCode.OAUTH_ERROR_RESPONSE);
    expect(error.status).toBe(400);
    expect(error.oauthError).toBe(code);
    expect(error.message).toContain(`OAuth 2.0 client registration at https://as.example/reg failed: HTTP 400`);
    expect(error.message).toContain(`"${code}" (redirect_uris must be https)`);
    expect(error.message).toMatch(hint);
  });

  it("tells whether an initial access token is missing or refused on 401", () => {
    const answer = json(401, { error: "invalid_token", error_description: "invalid initial access token value" });
    expect(thrownSync(() => registration.processRegistrationResponse(answer, ctx, false)).message).toMatch(
      /requires an initial access token: set initialAccessToken$/,
    );
    expect(thrownSync(() => registration.processRegistrationResponse(answer, ctx, true)).message).toMatch(
      /refused the initial access token \(initialAccessToken\)/,
    );
  });

  it("says plainly when there is no registration at the URL", () => {
    const error = thrownSync(() => registration.processRegistrationResponse(json(404, "not found"), ctx));
    expect(error.code).toBe(ErrorCode.HTTP_STATUS);
    expect(error.message).toMatch(/HTTP 404, no OAuth error body: no registration here/);
  });

  it("lists every malformed answer with its message and code, never a value", () => {
    const cases: [HttpResponse, RegExp][] = [
      [json(201, "<html>"), /body is not JSON \(content-type application\/json\)/],
      [json(201, [registered]), /JSON body is not an object/],
      [json(201, { ...registered, client_id: undefined }), /"client_id" must be a string/],
      [json(201, { ...registered, client_id: "" }), /"client_id" must not be empty/],
      [json(201, { ...registered, client_secret: 42 }), /"client_secret" must be a string/],
      [json(201, { ...registered, client_secret_expires_at: "never" }), /"client_secret_expires_at" must be a number/],
      [json(201, { ...registered, client_id_issued_at: -1 }), /"client_id_issued_at"/],
      [
        json(201, { ...registered, registration_client_uri: "ftp://x/c1" }),
        /"registration_client_uri" must be an absolute http\(s\) URL/,
      ],
      [
        json(201, { ...registered, registration_client_uri: undefined }),
        /"registration_access_token" and "registration_client_uri" must come together/,
      ],
    ];
    for (const [res, message] of cases) {
      const error = thrownSync(() => registration.processRegistrationResponse(res, ctx));
      expect(error.code).toBe(ErrorCode.INVALID_RESPONSE);
      expect(error.message).toMatch(message);
      expect(error.message).toContain("https://as.example/reg");
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain(RAT);
    }
  });

  it("reads the handles of a client the server registered from an answer that failed validation", () => {
    const bad = json(201, { ...registered, client_secret_expires_at: "never" });
    expect(registration.registrationHandles(bad)).toEqual({
      clientId: "c1",
      clientSecret: SECRET,
      registrationAccessToken: RAT,
      registrationClientUri: "https://as.example/reg/c1",
    });
    // A URI it could not use is left out with its token: the client is not manageable.
    expect(
      registration.registrationHandles(
        json(201, { client_id: "c1", registration_client_uri: "nope", registration_access_token: RAT }),
      ),
    ).toEqual({ clientId: "c1" });
    expect(registration.registrationHandles(json(400, { error: "invalid_client_metadata" }))).toBeUndefined();
    expect(registration.registrationHandles(json(201, "<html>"))).toBeUndefined();
    expect(registration.registrationHandles(json(201, { client_secret: SECRET }))).toBeUndefined();
  });
});

describe("management (RFC 7592)", () => {
  it("reads with the registration access token (§2.1)", () => {
    expect(registration.readRequest("https://as.example/reg/c1", RAT)).toEqual({
      method: "GET",
      url: "https://as.example/reg/c1",
      headers: { authorization: `Bearer ${RAT}`, accept: "application/json" },
    });
    expect(registration.processReadResponse(json(200, registered), manage)).toMatchObject({ clientId: "c1" });
  });

  it.each([401, 404, 410])("reports a client gone on %i", (status) => {
    expect(registration.processReadResponse(json(status, { error: "invalid_token" }), manage)).toBe("gone");
  });

  it("explains a refused read (403) instead of calling the client gone", () => {
    const error = thrownSync(() =>
      registration.processReadResponse(json(403, { error: "invalid_request", error_description: "no" }), manage),
    );
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/does not let this client manage its registration/);
  });

  it("updates with the full metadata and client_id, never server-issued fields (§2.2)", () => {
    const req = registration.updateRequest("https://as.example/reg/c1", RAT, "c1", {
      client_name: "v2",
      registration_access_token: "x",
      client_secret_expires_at: 0,
    });
    expect(req.method).toBe("PUT");
    expect(req.headers?.authorization).toBe(`Bearer ${RAT}`);
    expect(JSON.parse(req.body as string)).toEqual({ client_name: "v2", client_id: "c1" });
  });

  it("takes a rotated registration access token and a new secret from the update answer", () => {
    const rotated = registration.processUpdateResponse(
      json(200, {
        ...registered,
        registration_access_token: "rotated-rat-0123456789",
        client_secret: "new-secret-0123",
      }),
      manage,
    );
    expect(rotated.registrationAccessToken).toBe("rotated-rat-0123456789");
    expect(rotated.clientSecret).toBe("new-secret-0123");
  });

  it("explains an update refused for a gone client or bad metadata", () => {
    expect(
      thrownSync(() => registration.processUpdateResponse(json(401, { error: "invalid_token" }), manage)).message,
    ).toMatch(/no longer exists at the server.*pulumi refresh/);
    const error = thrownSync(() =>
      registration.processUpdateResponse(json(400, { error: "invalid_redirect_uri" }), manage),
    );
    expect(error.oauthError).toBe("invalid_redirect_uri");
    expect(error.message).toMatch(/redirectUris/);
  });

  it("deletes (§2.3): 204 deleted, 401/404 gone, 405 unsupported, anything else an error", () => {
    expect(registration.deleteRequest("https://as.example/reg/c1", RAT)).toMatchObject({ method: "DELETE" });
    expect(registration.processDeleteResponse(json(204, ""), manage)).toBe("deleted");
    expect(registration.processDeleteResponse(json(401, { error: "invalid_token" }), manage)).toBe("gone");
    expect(registration.processDeleteResponse(json(404, ""), manage)).toBe("gone");
    expect(registration.processDeleteResponse(json(405, ""), manage)).toBe("unsupported");
    const error = thrownSync(() => registration.processDeleteResponse(json(500, "oops"), manage));
    expect(error.code).toBe(ErrorCode.HTTP_STATUS);
    expect(error.message).toBe(
      `OAuth 2.0 client read (RFC 7592) at https://as.example/reg/c1 failed: HTTP 500, no OAuth error body`,
    );
  });
});
