import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";

// Test program: a machine token (client_credentials) and a user's token (password grant,
// then renewed from the refresh token the server rotates) from one Keycloak realm.
const config = new pulumi.Config();
const issuer = config.require("issuer");

const machine = new AccessToken("machine-token", {
  issuer,
  clientId: config.require("machineClientId"),
  clientSecret: config.requireSecret("machineClientSecret"),
  scopes: config.getObject<string[]>("machineScopes"),
});

const user = new AccessToken("user-token", {
  issuer,
  grantType: "password",
  clientId: config.require("userClientId"),
  clientSecret: config.requireSecret("userClientSecret"),
  username: config.require("username"),
  password: config.requireSecret("password"),
  // A new round renews in place, from the refresh token in state.
  triggers: { round: config.get("round") ?? "0" },
  revokeOnDelete: true,
});

export const machineAccessToken = machine.accessToken;
export const machineExpiresAt = machine.expiresAt;
export const userAccessToken = user.accessToken;
export const userExpiresAt = user.expiresAt;
