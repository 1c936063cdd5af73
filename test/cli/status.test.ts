import { describe, expect, it } from "vitest";
import { STATUS_EXIT, clientStatus, formatStatus, tokenStatus } from "../../cli/status";

const now = new Date("2026-01-01T12:00:00.000Z");
const token = (outputs: Record<string, unknown>) => ({
  urn: "urn:pulumi:prod::proj::pulumi-nodejs:dynamic/access-tokens:AccessToken::api",
  type: "pulumi-nodejs:dynamic/access-tokens:AccessToken",
  outputs: { system: "oauth2", issuedAt: "2026-01-01T00:00:00.000Z", ...outputs },
});

describe("tokenStatus", () => {
  it("is OK when nothing is due", () => {
    const s = tokenStatus(
      token({ expiresAt: "2026-01-02T00:00:00.000Z", rotationDueAt: "2026-01-01T20:00:00.000Z" }),
      now,
    );
    expect(s).toMatchObject({ name: "api", system: "oauth2", warnings: [], level: STATUS_EXIT.OK });
  });
  it("is DUE when rotation is due or a previous token awaits revocation", () => {
    expect(tokenStatus(token({ rotationDueAt: "2026-01-01T11:00:00.000Z" }), now).level).toBe(STATUS_EXIT.DUE);
    expect(tokenStatus(token({ previousRevokeAt: "2026-01-01T11:00:00.000Z" }), now).warnings).toEqual([
      "previous token awaits revocation",
    ]);
  });
  it("is EXPIRED when the token expired or the refresh token is near its end", () => {
    expect(tokenStatus(token({ expiresAt: "2026-01-01T11:00:00.000Z" }), now).level).toBe(STATUS_EXIT.EXPIRED);
    const s = tokenStatus(token({ refreshTokenExpiresAt: "2026-01-04T00:00:00.000Z" }), now);
    expect(s.level).toBe(STATUS_EXIT.EXPIRED);
    expect(s.warnings[0]).toMatch(/refresh token expires at 2026-01-04T00:00:00.000Z: re-authorize/);
  });
  it("never reads secret fields", () => {
    const s = tokenStatus(token({ accessToken: "tok-should-not-appear", refreshToken: "rt-should-not-appear" }), now);
    expect(formatStatus([s])).not.toMatch(/should-not-appear/);
  });
});

const client = (outputs: Record<string, unknown>) => ({
  urn: "urn:pulumi:prod::proj::pulumi-nodejs:dynamic/access-tokens:ApiClient::ci-client",
  type: "pulumi-nodejs:dynamic/access-tokens:ApiClient",
  outputs: { system: "alphaus", createdAt: "2025-12-01T00:00:00.000Z", clientId: "c-1", ...outputs },
});

describe("clientStatus", () => {
  it("is OK with the client's rotation schedule and creation time", () => {
    const s = clientStatus(client({ rotationDueAt: "2026-03-01T00:00:00.000Z" }), now);
    expect(s).toMatchObject({
      name: "ci-client",
      kind: "client",
      system: "alphaus",
      rotationDueAt: "2026-03-01T00:00:00.000Z",
      lastRotatedAt: "2025-12-01T00:00:00.000Z",
      warnings: [],
      level: STATUS_EXIT.OK,
    });
    expect(formatStatus([s])).toMatch(/^NAME\s+KIND\s+SYSTEM\s+EXPIRES\s+ROTATION DUE/);
    expect(formatStatus([s]).split("\n")[1]).toMatch(/^ci-client\s+client\s+alphaus\s+never\s+2026-03-01/);
  });
  it("falls back to clientIdIssuedAt for when it was created", () => {
    const s = clientStatus(client({ createdAt: undefined, clientIdIssuedAt: "2025-11-01T00:00:00.000Z" }), now);
    expect(s.lastRotatedAt).toBe("2025-11-01T00:00:00.000Z");
  });
  it("is DUE when rotation is due or the client secret expired (up registers a new client)", () => {
    expect(clientStatus(client({ rotationDueAt: "2026-01-01T11:00:00.000Z" }), now)).toMatchObject({
      warnings: ["rotation due"],
      level: STATUS_EXIT.DUE,
    });
    const expired = clientStatus(client({ clientSecretExpiresAt: "2026-01-01T11:59:59.000Z" }), now);
    expect(expired.level).toBe(STATUS_EXIT.DUE);
    expect(expired.warnings[0]).toMatch(/client secret expired: the next pulumi up registers a new client/);
  });
  it("warns, without failing, when the client secret ends within 7 days", () => {
    const soon = clientStatus(client({ clientSecretExpiresAt: "2026-01-05T00:00:00.000Z" }), now);
    expect(soon).toMatchObject({ warnings: ["client secret expires at 2026-01-05T00:00:00.000Z"], level: 0 });
    expect(clientStatus(client({ clientSecretExpiresAt: "2026-02-05T00:00:00.000Z" }), now).warnings).toEqual([]);
  });
  it("an Exastro user's refresh token: ended is DUE (up issues a new one), ending within 7 days warns", () => {
    const ended = clientStatus(client({ system: "exastro", refreshTokenExpiresAt: "2026-01-01T00:00:00.000Z" }), now);
    expect(ended).toMatchObject({
      warnings: ["its refresh token ended: the next pulumi up issues a new one"],
      level: STATUS_EXIT.DUE,
    });
    const soon = clientStatus(client({ system: "exastro", refreshTokenExpiresAt: "2026-01-03T00:00:00.000Z" }), now);
    expect(soon).toMatchObject({ warnings: ["its refresh token ends at 2026-01-03T00:00:00.000Z"], level: 0 });
  });
  it("never reads secret fields", () => {
    const s = clientStatus(
      client({ clientSecret: "cs-should-not-appear", registrationAccessToken: "rat-should-not-appear" }),
      now,
    );
    expect(JSON.stringify(s) + formatStatus([s])).not.toMatch(/should-not-appear/);
  });
});
