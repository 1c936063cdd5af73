import * as pulumi from "@pulumi/pulumi";
import { vantage } from "pulumi-access-tokens";

const config = new pulumi.Config();
const baseUrl = config.get("baseUrl");

const token = new vantage.AccessToken("vantage-token", {
  // One of the two: a region's documented host, or a host URL.
  region: baseUrl ? undefined : (config.get<vantage.Region>("region") ?? "eu"),
  baseUrl,
  tenantId: config.get("tenantId"),
  clientId: config.require("clientId"),
  clientSecret: config.requireSecret("clientSecret"),
  // client_credentials (default), password (with offlineAccess to renew from refresh
  // tokens), or refresh_token (from `npx pulumi-access-tokens authorize vantage ...`).
  grantType: config.get<vantage.GrantType>("grantType"),
  username: config.get("username"),
  password: config.getSecret("password"),
  offlineAccess: config.getBoolean("offlineAccess"),
  initialRefreshToken: config.getSecret("refreshToken"),
  refreshTokenIssuedAt: config.get("refreshTokenIssuedAt"),
  scopes: config.getObject<string[]>("scopes"),
  rotateAfter: config.get("rotateAfter") ?? "20h",
  revokeOnDelete: config.getBoolean("revokeOnDelete"),
});

/** The token itself: a secret, shown as [secret]. Use it as `Authorization: Bearer <token>`. */
export const accessToken = token.accessToken;
export const scope = token.scope;
export const issuedAt = token.issuedAt;
export const expiresAt = token.expiresAt;
export const rotationDueAt = token.rotationDueAt;
/** When the refresh token's 30-day life ends (re-authorize before then for the refresh_token grant). */
export const refreshTokenExpiresAt = token.refreshTokenExpiresAt;
export const tokenEndpoint = token.resolvedTokenEndpoint;
