import * as pulumi from "@pulumi/pulumi";
import { AccessToken, ApiClient } from "pulumi-access-tokens";

const config = new pulumi.Config();
const scopes = config.getObject<string[]>("scopes") ?? ["api:read"];

// Register a machine-to-machine client at any server that offers RFC 7591 registration;
// the registration endpoint comes from the issuer's discovery document.
const client = new ApiClient("reporting-client", {
  issuer: config.require("issuer"),
  initialAccessToken: config.getSecret("initialAccessToken"),
  clientName: config.get("clientName") ?? "reporting",
  grantTypes: ["client_credentials"],
  responseTypes: [],
  scopes,
  // Rotation: a new client is registered, the token below switches to it in the same
  // `pulumi up`, then the old client is deleted. On a schedule (e.g. "90d") or on demand.
  rotateAfter: config.get("rotateAfter"),
  triggers: config.getObject<Record<string, string>>("triggers"),
});

// Issue its token: the client id, secret and issuer come from the client's outputs, and
// Pulumi registers the client before it asks for the token.
const token = new AccessToken("reporting-token", { client, scopes });

export const clientId = client.clientId;
/** Secrets: shown as [secret]. */
export const clientSecret = client.clientSecret;
export const registrationClientUri = client.registrationClientUri;
export const rotationDueAt = client.rotationDueAt.apply((at) => at ?? "no rotateAfter set");
export const clientSecretExpiresAt = client.clientSecretExpiresAt.apply((at) => at ?? "never");
export const accessToken = token.accessToken;
export const expiresAt = token.expiresAt;
