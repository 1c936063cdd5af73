/**
 * API client rotation (`rotateAfter`, `triggers`), decided at plan time: due → replace
 * (create before delete), with the reason in the preview; refused at check where a system
 * cannot delete the old client (or must delete it first).
 */
import { describe, expect, it } from "vitest";
import { recordingDiagnostics } from "../../../provider/diagnostics";
import type { Transport } from "../../../provider/http/transport";
import { checkApiClient, diffApiClient, updateApiClient } from "../../kit/lifecycles";

const T0 = "2026-11-01T00:00:00.000Z";
const at = (iso: string) => () => new Date(iso);
const base = { system: "oauth2", resourceName: "c", registrationEndpoint: "http://127.0.0.1:9/reg", clientName: "c" };
const olds = { ...base, clientId: "id-1", clientSecret: "s", createdAt: T0 };
const noNetwork: Transport = async () => {
  throw new Error("no request expected");
};

describe("check", () => {
  it.each([
    ["misskey", { baseUrl: "http://127.0.0.1:9", name: "bot" }, "Misskey has no API to delete apps"],
    [
      "vantage",
      { baseUrl: "http://127.0.0.1:9", tenantId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", accessToken: "t" },
      "no API to delete API clients",
    ],
    [
      "exastro",
      { baseUrl: "http://127.0.0.1:9", organizationId: "o", workspaceId: "w", username: "u", accessToken: "t" },
      "deleting it first",
    ],
  ])("%s refuses rotateAfter and triggers, saying why", (system, inputs, why) => {
    const r = checkApiClient({ ...inputs, system, rotateAfter: "90d", triggers: { q: "1" } });
    const by = Object.fromEntries((r.failures ?? []).map((f) => [f.property, f.reason]));
    expect(Object.keys(by).sort()).toEqual(["rotateAfter", "triggers"]);
    expect(by.rotateAfter).toContain("clients cannot rotate");
    expect(by.rotateAfter).toContain(why);
  });

  it("accepts them where the old client can be deleted, and names a bad duration", () => {
    expect(checkApiClient({ ...base, rotateAfter: "90d", triggers: { q: "1" } }).failures).toBeUndefined();
    expect(
      checkApiClient({ system: "alphaus", name: "n", apiUrl: "http://127.0.0.1:9/m/blue", rotateAfter: "2w" }).failures,
    ).toBeUndefined();
    expect(checkApiClient({ ...base, rotateAfter: "soon" }).failures).toEqual([
      { property: "rotateAfter", reason: 'must be a duration such as "90s", "30m", "20h", "7d" or "1h30m"' },
    ]);
  });
});

describe("diff", () => {
  it("replaces once rotateAfter has passed since creation, and says why at preview", async () => {
    const diagnostics = recordingDiagnostics();
    const early = await diffApiClient(
      { ...olds, rotateAfter: "30d" },
      { ...base, rotateAfter: "30d" },
      {
        now: at("2026-11-30T23:59:59.000Z"),
        diagnostics,
      },
    );
    expect(early.changes).toBe(false);
    const due = await diffApiClient(
      { ...olds, rotateAfter: "30d" },
      { ...base, rotateAfter: "30d" },
      {
        now: at("2026-12-01T00:00:00.000Z"),
        diagnostics,
      },
    );
    expect(due).toMatchObject({ changes: true, replaces: ["rotateAfter"], deleteBeforeReplace: false });
    expect(diagnostics.messages.map((m) => m.message).join("\n")).toContain(
      "rotation due since 2026-12-01T00:00:00.000Z (rotateAfter 30d); a new client will be registered",
    );
  });

  it("a new rotateAfter that is already due replaces now; one that is not only reschedules", async () => {
    const now = at("2026-11-10T00:00:00.000Z");
    expect((await diffApiClient(olds, { ...base, rotateAfter: "1d" }, { now })).replaces).toEqual(["rotateAfter"]);
    const later = await diffApiClient(olds, { ...base, rotateAfter: "30d" }, { now });
    expect(later).toMatchObject({ changes: true, replaces: [] });
  });

  it("counts from clientIdIssuedAt in state written before createdAt was recorded", async () => {
    const { createdAt: _, ...older } = olds;
    const d = await diffApiClient(
      { ...older, clientIdIssuedAt: T0 },
      { ...base, rotateAfter: "1d" },
      {
        now: at("2026-11-03T00:00:00.000Z"),
      },
    );
    expect(d.replaces).toEqual(["rotateAfter"]);
  });

  it("replaces when triggers change, not when they stay", async () => {
    const withTriggers = { ...olds, triggers: { q: "2026-Q4" } };
    expect((await diffApiClient(withTriggers, { ...base, triggers: { q: "2026-Q4" } })).changes).toBe(false);
    const diagnostics = recordingDiagnostics();
    const d = await diffApiClient(withTriggers, { ...base, triggers: { q: "2027-Q1" } }, { diagnostics });
    expect(d.replaces).toEqual(["triggers"]);
    expect(diagnostics.messages.map((m) => m.message).join("\n")).toContain("triggers changed");
  });
});

describe("update", () => {
  it("a new rotateAfter reschedules rotationDueAt with no request", async () => {
    const r = await updateApiClient("id", olds, { ...base, rotateAfter: "1d" }, { transport: noNetwork });
    expect(r.outs?.rotationDueAt).toBe("2026-11-02T00:00:00.000Z");
    const cleared = await updateApiClient("id", { ...olds, rotateAfter: "1d" }, base, { transport: noNetwork });
    expect(cleared.outs).toBeDefined();
    expect(cleared.outs?.rotationDueAt).toBeUndefined();
  });
});
