import * as pulumi from "@pulumi/pulumi";
import { exastro } from "pulumi-access-tokens";

const config = new pulumi.Config();

// Either a refresh token issued in the Exastro UI (user menu → トークン発行):
//   pulumi config set --secret refreshToken        # paste it at the prompt
// or let the resource issue its own offline session with the user's password:
//   pulumi config set username alice && pulumi config set --secret password
const token = new exastro.AccessToken("exastro-token", {
  baseUrl: config.require("baseUrl"),
  organizationId: config.get("organizationId"),
  systemManager: config.getBoolean("systemManager"),
  initialRefreshToken: config.getSecret("refreshToken"),
  username: config.get("username"),
  password: config.getSecret("password"),
  // Two-factor users: the current one-time code, set right before an `up` that must sign in.
  totp: config.getSecret("totp"),
  // Exastro can only revoke ALL of a user's refresh tokens: an explicit, loud opt-in.
  revokeAllSessionsOnDelete: config.getBoolean("revokeAllSessionsOnDelete"),
  // Exastro on plain http inside a private network (never with real credentials elsewhere).
  allowInsecureHttp: config.getBoolean("allowInsecureHttp"),
  rotateAfter: config.get("rotateAfter") ?? "12h",
  triggers: config.getObject<Record<string, string>>("triggers"),
});

/** The access token itself: a secret, shown as [secret]. Send it as `Authorization: Bearer`. */
export const accessToken = token.accessToken;
/** The Keycloak session of the refresh token: the `id` the Exastro UI and API list. */
export const sessionId = token.sessionId;
export const issuedAt = token.issuedAt;
export const expiresAt = token.expiresAt;
export const rotationDueAt = token.rotationDueAt;
export const refreshTokenExpiresAt = token.refreshTokenExpiresAt;
