import * as pulumi from "@pulumi/pulumi";
import { alphaus } from "pulumi-access-tokens";

const config = new pulumi.Config();
// Token endpoint override for both the owner's token and the client's token (e.g. a local
// test server); unset, the documented endpoints of `environment` are used.
const authUrl = config.get("authUrl");

// The owner's credentials (ALPHAUS_CLIENT_ID / ALPHAUS_CLIENT_SECRET, as for bluectl) are read
// from the environment of `pulumi` each time the provider needs the owner's token, so the
// client stays manageable (refresh, destroy) long after any one 24-hour token has expired.
const client = new alphaus.ApiClient("reports-client", {
  name: config.get("clientName") ?? "pulumi-reports",
  environment: config.get<alphaus.Environment>("environment"),
  apiUrl: config.get("apiUrl"),
  ownerAuthUrl: authUrl,
});

// Its token: the client id and secret come from the client (client_credentials grant), and
// Pulumi creates the client first. A new client gives a new token.
const token = new alphaus.RippleToken("reports-token", {
  client,
  authUrl,
  rotateAfter: config.get("rotateAfter") ?? "20h",
});

export const clientId = client.clientId;
/** Secrets: shown as [secret]. */
export const clientSecret = client.clientSecret;
export const createTime = client.createTime;
export const blueApiUrl = client.blueApiUrl;
export const accessToken = token.accessToken;
export const tokenClientId = token.resolvedClientId;
export const expiresAt = token.expiresAt;
