import * as pulumi from "@pulumi/pulumi";
import { AccessToken, type ClientAuthMethod } from "pulumi-access-tokens";

const config = new pulumi.Config();

// Any OAuth 2.0 server: endpoints come from the issuer's discovery document.
const token = new AccessToken("api-token", {
  issuer: config.require("issuer"),
  clientId: config.require("clientId"),
  clientSecret: config.requireSecret("clientSecret"),
  scopes: config.getObject<string[]>("scopes") ?? ["api:read"],
  clientAuthMethod: config.get<ClientAuthMethod>("clientAuthMethod"),
  revokeOnDelete: config.getBoolean("revokeOnDelete"),
});

/** The token itself: a secret, shown as [secret]. */
export const accessToken = token.accessToken;
export const tokenType = token.tokenType;
export const scope = token.scope;
export const issuedAt = token.issuedAt;
export const expiresAt = token.expiresAt;
