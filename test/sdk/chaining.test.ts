/**
 * What a chained token takes from its client, seen as the inputs the SDK registers (Pulumi's
 * own mocks stand in for the engine; the engine tests run the same chains for real). Optional
 * client settings come as the program gave them, never from an output the provider may have
 * left unset: such an output is unknown at preview and would plan an update on every preview.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { givenInput } from "../../sdk/api-client";
import * as sdk from "../../sdk/index";

type Inputs = Record<string, unknown>;
const registered = new Map<string, Inputs>();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.set(args.name, args.inputs as Inputs);
        // Outputs as a provider that stores only what it was given, plus ids.
        return { id: `${args.name}-id`, state: { ...args.inputs, clientId: `${args.name}-client` } };
      },
      call: () => ({}),
    },
    "project",
    "stack",
    true,
  );
});

/** Waits until the mocks have seen every resource of the test. */
async function settled(...resources: pulumi.CustomResource[]): Promise<void> {
  await new Promise<void>((resolve) => pulumi.all(resources.map((r) => r.urn)).apply(() => resolve()));
}

const serviceAccount = (name: string, args: { baseUrl: string; allowInsecureHttp?: boolean }) =>
  new sdk.exastro.ServiceAccount(name, {
    ...args,
    organizationId: "org1",
    workspaceId: "ws1",
    username: "agent",
    accessToken: "admin-token",
  });

describe("chained tokens take optional client settings as given", () => {
  it("exastro: allowInsecureHttp is left out when the service account was given none", async () => {
    const account = serviceAccount("sa-a", { baseUrl: "https://ita.example" });
    const token = new sdk.exastro.AccessToken("sa-a-token", { serviceAccount: account });
    await settled(account, token);
    expect(registered.get("sa-a-token")).not.toHaveProperty("allowInsecureHttp");
    expect(registered.get("sa-a-token")).toMatchObject({ baseUrl: "https://ita.example", organizationId: "org1" });
  });

  it("exastro: and passed on when it was", async () => {
    const account = serviceAccount("sa-b", { baseUrl: "http://ita.internal", allowInsecureHttp: true });
    const token = new sdk.exastro.AccessToken("sa-b-token", { serviceAccount: account });
    await settled(account, token);
    expect(registered.get("sa-b-token")).toMatchObject({ allowInsecureHttp: true });
  });

  it("vantage: only the host setting the client was given", async () => {
    const client = new sdk.vantage.ApiClient("v", {
      baseUrl: "https://vantage.example",
      tenantId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
      accessToken: "admin-token",
    });
    const token = new sdk.vantage.AccessToken("v-token", { client });
    await settled(client, token);
    expect(registered.get("v-token")).toMatchObject({ baseUrl: "https://vantage.example" });
    expect(registered.get("v-token")).not.toHaveProperty("region");
  });

  it("generic: the issuer as given; with none, the client's token endpoint", async () => {
    const withIssuer = new sdk.ApiClient("g1", { issuer: "https://idp.example" });
    const t1 = new sdk.AccessToken("g1-token", { client: withIssuer });
    const bare = new sdk.ApiClient("g2", {
      registrationEndpoint: "https://idp.example/reg",
      tokenEndpoint: "https://idp.example/token",
    });
    const t2 = new sdk.AccessToken("g2-token", { client: bare });
    await settled(withIssuer, t1, bare, t2);
    expect(registered.get("g1-token")).toMatchObject({ issuer: "https://idp.example" });
    expect(registered.get("g1-token")).not.toHaveProperty("tokenEndpoint");
    expect(registered.get("g2-token")).toMatchObject({ tokenEndpoint: "https://idp.example/token" });
    expect(registered.get("g2-token")).not.toHaveProperty("issuer");
  });

  it("a client from another copy of the package falls back to its outputs", () => {
    const foreign = { __pulumiType: sdk.API_CLIENT_TYPE, region: "eu" } as unknown as InstanceType<
      typeof sdk.ApiClient
    >;
    expect(givenInput(foreign, "region")).toBe("eu");
  });
});
