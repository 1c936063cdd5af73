import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";

const config = new pulumi.Config();

// The refresh token comes from a person's one-time approval:
//   npx pulumi-access-tokens authorize oauth2 --issuer <issuer> --client-id <id> \
//     --scope "openid offline_access api:read" --stack <stack> --config-key refreshToken
// From then on `pulumi up` renews without a human; a refresh token rotated by the server
// replaces the stored one in state.
const token = new AccessToken("user-token", {
  issuer: config.require("issuer"),
  clientId: config.require("clientId"),
  clientAuthMethod: "none", // a public (native) client; set clientSecret for a confidential one
  grantType: "refresh_token",
  refreshToken: config.requireSecret("refreshToken"),
  scopes: config.getObject<string[]>("scopes"),
  rotateAfter: config.get("rotateAfter") ?? "30m",
});

export const accessToken = token.accessToken;
export const issuedAt = token.issuedAt;
export const expiresAt = token.expiresAt;
export const rotationDueAt = token.rotationDueAt;
