/**
 * Setting an input to its default (or removing one that held it) is no change for any API
 * client system: it must never replace a client (a new secret, or an orphan where the
 * system cannot delete) just because a program spelled the default out.
 */
import { describe, expect, it } from "vitest";
import { recordingDiagnostics } from "../../../provider/diagnostics";
import { diffApiClient } from "../../kit/lifecycles";

const TENANT = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/** Per system: inputs without the defaults, and the defaults spelled out. */
const SYSTEMS: {
  system: string;
  base: Record<string, unknown>;
  explicit: Record<string, unknown>;
  /** Outputs a working client of this system has. */
  state?: Record<string, unknown>;
}[] = [
  {
    system: "alphaus",
    base: { name: "reports", apiUrl: "http://127.0.0.1:9/m/blue" },
    explicit: { environment: "production" },
  },
  {
    system: "exastro",
    base: { baseUrl: "http://127.0.0.1:9", organizationId: "org1", workspaceId: "ws1", username: "agent" },
    explicit: { type: "ansible-execution-agent", issueRefreshToken: true, description: "" },
    state: { refreshToken: "rt", refreshTokenExpiresAt: "2999-01-01T00:00:00.000Z" },
  },
  {
    system: "misskey",
    base: { baseUrl: "http://127.0.0.1:9", name: "bot" },
    explicit: { description: "", permissions: [] },
  },
  {
    system: "vantage",
    base: { baseUrl: "http://127.0.0.1:9", tenantId: TENANT },
    explicit: {
      apiVersion: "v2",
      requireClientSecret: true,
      allowRopc: false,
      allowedGrantTypes: ["client_credentials"],
      redirectUris: [],
    },
  },
];

describe.each(SYSTEMS)("$system client: defaults spelled out", ({ system, base, explicit, state }) => {
  const olds = { ...base, ...state, system, resourceName: "c", clientId: "id-1", clientSecret: "s" };

  it("adding the defaults is no change", async () => {
    const diagnostics = recordingDiagnostics();
    const d = await diffApiClient(olds, { ...base, ...explicit, system, resourceName: "c" }, { diagnostics });
    expect(d.replaces).toEqual([]);
    expect(d.changes).toBe(false);
  });

  it("removing them again is no change", async () => {
    const d = await diffApiClient({ ...olds, ...explicit }, { ...base, system, resourceName: "c" });
    expect(d.replaces).toEqual([]);
    expect(d.changes).toBe(false);
  });

  it("lists at least one default", () => {
    expect(Object.keys(explicit).length).toBeGreaterThan(0);
  });

  it.for(Object.keys(explicit))("a value other than the default of %s still counts", async (key) => {
    const other = typeof explicit[key] === "boolean" ? !explicit[key] : Array.isArray(explicit[key]) ? ["x"] : "beta";
    const d = await diffApiClient(olds, { ...base, [key]: other, system, resourceName: "c" });
    expect(d.changes).toBe(true);
  });
});
