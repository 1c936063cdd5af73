import { describe, expect, it } from "vitest";
import { STATUS_EXIT, formatStatus, tokenStatus } from "../../cli/status";

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
