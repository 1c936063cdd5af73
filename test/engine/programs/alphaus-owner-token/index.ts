import * as pulumi from "@pulumi/pulumi";
import { alphaus } from "pulumi-access-tokens";

// Test program: the owner's bearer is a token resource of the same stack (no ALPHAUS_* in
// the environment), as the README suggests; `ownerGeneration` re-issues it on demand.
const config = new pulumi.Config();
const authUrl = config.require("authUrl");

const owner = new alphaus.RippleToken("owner", {
  clientId: config.require("ownerClientId"),
  clientSecret: config.requireSecret("ownerClientSecret"),
  authUrl,
  triggers: { generation: config.get("ownerGeneration") ?? "1" },
});

const client = new alphaus.ApiClient("reports-client", {
  name: "pulumi-reports",
  apiUrl: config.require("apiUrl"),
  accessToken: owner.accessToken,
});

const token = new alphaus.RippleToken("reports-token", { client, authUrl });

export const clientId = client.clientId;
export const ownerToken = owner.accessToken;
export const accessToken = token.accessToken;
