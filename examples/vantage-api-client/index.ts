import * as pulumi from "@pulumi/pulumi";
import { vantage } from "pulumi-access-tokens";

const config = new pulumi.Config();
const baseUrl = config.get("baseUrl");
// One of the two: a region's documented host, or a host URL.
const host = { region: baseUrl ? undefined : (config.get<vantage.Region>("region") ?? "eu"), baseUrl };
const tenantId = config.require("tenantId");

// A tenant administrator's token, renewed by `pulumi up` before its 24 h are over: an
// administrator's client (client_credentials), or with adminUsername the password grant.
const adminUsername = config.get("adminUsername");
const admin = new vantage.AccessToken("admin-token", {
  ...host,
  tenantId,
  clientId: config.require("adminClientId"),
  clientSecret: config.requireSecret("adminClientSecret"),
  grantType: adminUsername ? "password" : undefined,
  username: adminUsername,
  password: config.getSecret("adminPassword"),
  rotateAfter: "20h",
});

// Create the API client. Vantage can only create clients: changing a setting creates a new
// one, and neither that nor `pulumi destroy` deletes the old one (a warning says so).
const client = new vantage.ApiClient("reporting-client", {
  ...host,
  tenantId,
  accessToken: admin.accessToken,
  clientName: config.get("clientName") ?? "reporting",
  allowedGrantTypes: ["client_credentials"],
});

// Issue its token: client id, secret, host and tenant come from the client's outputs, and
// Pulumi creates the client before it asks for the token.
const token = new vantage.AccessToken("reporting-token", { client, rotateAfter: "20h" });

export const clientId = client.clientId;
/** Secrets: shown as [secret]. */
export const clientSecret = client.clientSecret;
export const createdClient = client.metadata;
export const accessToken = token.accessToken;
export const expiresAt = token.expiresAt;
