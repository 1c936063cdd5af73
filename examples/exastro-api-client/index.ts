import * as pulumi from "@pulumi/pulumi";
import { exastro } from "pulumi-access-tokens";

const config = new pulumi.Config();
const baseUrl = config.require("baseUrl");
const organizationId = config.require("organizationId");
const allowInsecureHttp = config.getBoolean("allowInsecureHttp");

// The workspace administrator (role _{workspaceId}-admin): a refresh token from the Exastro
// UI (トークン発行), or username + password so the resource issues its own session.
const admin = new exastro.AccessToken("exastro-admin", {
  baseUrl,
  organizationId,
  initialRefreshToken: config.getSecret("adminRefreshToken"),
  username: config.get("adminUsername"),
  password: config.getSecret("adminPassword"),
  allowInsecureHttp,
  rotateAfter: "12h",
});

// The service-account user: created by the administrator, with a refresh token issued for it.
const agent = new exastro.ServiceAccount("ita-agent", {
  baseUrl,
  organizationId,
  workspaceId: config.require("workspaceId"),
  username: config.get("agentUsername") ?? "ita-agent",
  // Changing the type replaces the user: the old one is deleted first (usernames are unique).
  type: config.get<"ansible-execution-agent" | "oase-agent">("agentType", {
    allowedValues: ["ansible-execution-agent", "oase-agent"],
  }),
  description: config.get("description") ?? "IT Automation execution agent",
  // Renewed by `pulumi up` before it expires; a new value changes nothing at Exastro.
  accessToken: admin.accessToken,
  allowInsecureHttp,
});

// An access token of the service account: baseUrl, organizationId and its refresh token come
// from the service account's outputs, and Pulumi creates the service account first.
const agentToken = new exastro.AccessToken("ita-agent-token", {
  serviceAccount: agent,
  rotateAfter: "12h",
});

/** The service-account user's id in Exastro. */
export const serviceAccountUserId = agent.clientId;
/** The refresh token issued for it (e.g. for the execution agent's settings): [secret]. */
export const agentRefreshToken = agent.refreshToken;
export const agentRefreshTokenExpiresAt = agent.refreshTokenExpiresAt;
/** An access token of the service account: [secret]. Send it as `Authorization: Bearer`. */
export const accessToken = agentToken.accessToken;
export const expiresAt = agentToken.expiresAt;
