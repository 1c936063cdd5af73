import * as pulumi from "@pulumi/pulumi";
import { alphaus } from "pulumi-access-tokens";

const config = new pulumi.Config();

// Credentials: ALPHAUS_CLIENT_ID / ALPHAUS_CLIENT_SECRET (or the ALPHAUS_RIPPLE_* / ALPHAUS_WAVE_*
// forms, plus ALPHAUS_USERNAME / ALPHAUS_PASSWORD for the password grant) in the environment
// where `pulumi` runs, as for bluectl. They are read by the provider each time it issues a
// token and never stored. Stack config can give them instead (stored encrypted in state).
const token = new alphaus.AccessToken("alphaus-token", {
  product: config.get<alphaus.Product>("product"),
  environment: config.get<alphaus.Environment>("environment"),
  authUrl: config.get("authUrl"),
  grantType: config.get<alphaus.GrantType>("grantType"),
  clientId: config.get("clientId"),
  clientSecret: config.getSecret("clientSecret"),
  username: config.get("username"),
  password: config.getSecret("password"),
  // Tokens live 24 h; Alphaus has no refresh grant, so rotation runs the grant again.
  rotateAfter: config.get("rotateAfter") ?? "20h",
  gracePeriod: config.get("gracePeriod"),
  triggers: config.getObject<Record<string, string>>("triggers"),
});

/** The token itself: a secret, shown as [secret]. Use it as `Authorization: Bearer <token>`. */
export const accessToken = token.accessToken;
export const issuedAt = token.issuedAt;
export const expiresAt = token.expiresAt;
export const rotationDueAt = token.rotationDueAt;
export const product = token.resolvedProduct;
export const grantType = token.resolvedGrantType;
export const clientId = token.resolvedClientId;
export const credentialSource = token.credentialSource;
export const tokenEndpoint = token.resolvedTokenEndpoint;
