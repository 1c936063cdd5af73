import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";

// Test program: one token of a client whose own introspection cannot judge its tokens —
// `confidential`: a client_credentials client not in its tokens' audience (Keycloak says
// `active:false` to it); `public`: a public client renewing from a refresh token (Keycloak
// refuses it introspection altogether).
const config = new pulumi.Config();
const issuer = config.require("issuer");
const clientId = config.require("clientId");

const token =
  config.require("kind") === "public"
    ? new AccessToken("public-token", {
        issuer,
        clientId,
        clientAuthMethod: "none",
        grantType: "refresh_token",
        refreshToken: config.requireSecret("refreshToken"),
        revokeOnDelete: true,
      })
    : new AccessToken("confidential-token", {
        issuer,
        clientId,
        clientSecret: config.requireSecret("clientSecret"),
      });

export const accessToken = token.accessToken;
export const expiresAt = token.expiresAt;
