import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";

const config = new pulumi.Config();

// The producer owns the token. Consumers read it through a StackReference; after a
// rotation the previous token stays valid for gracePeriod, so each consumer's next
// `pulumi up` can switch before the old one is revoked.
const token = new AccessToken("shared-token", {
  issuer: config.require("issuer"),
  clientId: config.require("clientId"),
  clientSecret: config.requireSecret("clientSecret"),
  scopes: ["api:read"],
  rotateAfter: config.get("rotateAfter") ?? "20h",
  gracePeriod: config.get("gracePeriod") ?? "4h",
});

export const accessToken = token.accessToken;
export const previousAccessToken = token.previousAccessToken;
export const issuedAt = token.issuedAt;
export const rotationDueAt = token.rotationDueAt;
export const previousRevokeAt = token.previousRevokeAt;
