import { describe, expect, it } from "vitest";
import { parseBeforeExpiry, parseDuration, rotationDecision, rotationDueAt } from "../../../provider/core/rotation";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["20h", 72_000_000],
    ["7d", 604_800_000],
    ["2w", 1_209_600_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "20", "h", "20 hours", "-1h", "0s", "1y", "P1D"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("parseBeforeExpiry", () => {
  it("takes a duration or a fraction of the lifetime", () => {
    expect(parseBeforeExpiry("2h")).toEqual({ ms: 7_200_000 });
    expect(parseBeforeExpiry("25%")).toEqual({ fraction: 0.25 });
    expect(parseBeforeExpiry("0%")).toBeUndefined();
    expect(parseBeforeExpiry("100%")).toBeUndefined();
  });
});

describe("rotationDueAt", () => {
  const issuedAt = "2026-01-01T00:00:00.000Z";
  const expiresAt = "2026-01-02T00:00:00.000Z";
  it("is issue time plus rotateAfter", () => {
    expect(rotationDueAt({ rotateAfter: "20h" }, issuedAt, expiresAt)).toBe("2026-01-01T20:00:00.000Z");
  });
  it("is expiry minus a duration, or minus a fraction of the lifetime", () => {
    expect(rotationDueAt({ rotateBeforeExpiry: "2h" }, issuedAt, expiresAt)).toBe("2026-01-01T22:00:00.000Z");
    expect(rotationDueAt({ rotateBeforeExpiry: "25%" }, issuedAt, expiresAt)).toBe("2026-01-01T18:00:00.000Z");
  });
  it("takes the earlier of both", () => {
    expect(rotationDueAt({ rotateAfter: "20h", rotateBeforeExpiry: "25%" }, issuedAt, expiresAt)).toBe(
      "2026-01-01T18:00:00.000Z",
    );
  });
  it("is undefined without a policy, or with only rotateBeforeExpiry and no expiry", () => {
    expect(rotationDueAt({}, issuedAt, expiresAt)).toBeUndefined();
    expect(rotationDueAt({ rotateBeforeExpiry: "2h" }, issuedAt)).toBeUndefined();
  });
});

describe("rotationDecision", () => {
  const olds = { issuedAt: "2026-01-01T00:00:00.000Z", expiresAt: "2026-01-02T00:00:00.000Z" };
  const at = (iso: string) => new Date(iso);

  it("does nothing before the token is due", () => {
    expect(rotationDecision(olds, { rotateAfter: "20h" }, at("2026-01-01T19:59:59Z"))).toEqual({
      rotate: false,
      revokePrevious: false,
      reasons: [],
    });
  });

  it("rotates once rotateAfter has elapsed, and says why", () => {
    const d = rotationDecision(olds, { rotateAfter: "20h" }, at("2026-01-01T20:00:00Z"));
    expect(d.rotate).toBe(true);
    expect(d.reasons).toEqual(["rotation due at 2026-01-01T20:00:00.000Z (rotateAfter 20h elapsed)"]);
  });

  it("rotates inside the rotateBeforeExpiry window", () => {
    const d = rotationDecision(olds, { rotateBeforeExpiry: "25%" }, at("2026-01-01T18:00:01Z"));
    expect(d.reasons[0]).toMatch(/within rotateBeforeExpiry 25% of expiry/);
  });

  it("rotates an expired token even without a policy", () => {
    const d = rotationDecision(olds, {}, at("2026-01-02T00:00:00Z"));
    expect(d.reasons).toEqual(["expired at 2026-01-02T00:00:00.000Z"]);
  });

  it("rotates when triggers change", () => {
    const d = rotationDecision({ ...olds, triggers: { v: "1" } }, { triggers: { v: "2" } }, at("2026-01-01T01:00:00Z"));
    expect(d).toMatchObject({ rotate: true, reasons: ["triggers changed"] });
  });

  it("uses the new policy, so shortening rotateAfter takes effect at once", () => {
    expect(rotationDecision(olds, { rotateAfter: "1h" }, at("2026-01-01T02:00:00Z")).rotate).toBe(true);
  });

  it("revokes the previous token once its grace period has ended", () => {
    const withPrevious = { ...olds, previousRevokeAt: "2026-01-01T10:00:00.000Z" };
    expect(rotationDecision(withPrevious, {}, at("2026-01-01T09:59:59Z")).revokePrevious).toBe(false);
    expect(rotationDecision(withPrevious, {}, at("2026-01-01T10:00:00Z")).revokePrevious).toBe(true);
  });
});
