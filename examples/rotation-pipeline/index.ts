import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";
import { TokenFile } from "./token-file";

const config = new pulumi.Config();
const server = {
  issuer: config.require("issuer"),
  clientId: config.require("clientId"),
  clientSecret: config.requireSecret("clientSecret"),
};

// Rotated by the scheduled pipeline: every `pulumi up` re-issues it once rotateAfter has
// elapsed (or within rotateBeforeExpiry of expiry, or when a trigger changes).
const service = new AccessToken("service-token", {
  ...server,
  scopes: ["api:read"],
  rotateAfter: config.get("rotateAfter") ?? "20h",
  rotateBeforeExpiry: config.get("rotateBeforeExpiry"),
  gracePeriod: config.get("gracePeriod"),
  triggers: config.getObject<Record<string, string>>("triggers"),
});

// Rotated weekly; untouched by runs in between.
const reporting = new AccessToken("reporting-token", {
  ...server,
  scopes: ["reports:read"],
  rotateAfter: config.get("reportingRotateAfter") ?? "7d",
});

// The consumer: receives each new token before the old one is revoked.
const delivered = new TokenFile("service-env", {
  path: config.get("tokenFile") ?? "service.env",
  token: service.accessToken,
});

export const serviceToken = service.accessToken;
export const serviceIssuedAt = service.issuedAt;
export const serviceRotationDueAt = service.rotationDueAt;
export const servicePreviousToken = service.previousAccessToken;
export const servicePreviousRevokeAt = service.previousRevokeAt;
export const reportingToken = reporting.accessToken;
export const reportingRotationDueAt = reporting.rotationDueAt;
export const deliveredAt = delivered.writtenAt;
