import * as pulumi from "@pulumi/pulumi";
import { misskey } from "pulumi-access-tokens";

const config = new pulumi.Config();
const host = config.get("host");

// The app (app/create). Misskey cannot update or delete apps: a changed input registers a new
// app, and destroy leaves the app registered (a warning says how to get rid of it).
const app = new misskey.App("notes-bot-app", {
  host,
  // For a server on this machine (tests, a local instance): http://127.0.0.1:3000
  baseUrl: host ? undefined : config.require("baseUrl"),
  name: config.get("appName") ?? "Notes bot",
  description: "Posts notes for the team",
  permissions: config.getObject<string[]>("permissions") ?? ["read:account", "write:notes"],
  // Optional: the account that owns the app (its native token, or an access token).
  token: config.getSecret("ownerToken"),
});

// The token needs a person's approval of the app, once, after the first `pulumi up`:
//   npx pulumi-access-tokens authorize misskey --host misskey.example --legacy \
//     --app notes-bot-app --config-key appAccessToken
// The server, app secret and permissions come from the app; the API credential is
// sha256_hex(appAccessToken + appSecret).
const appAccessToken = config.getSecret("appAccessToken");
const token = appAccessToken ? new misskey.AccessToken("notes-bot", { app, appAccessToken }) : undefined;

export const appId = app.clientId;
export const registeredPermissions = app.registeredPermissions;
/** Secret: shown as [secret]. */
export const appSecret = app.clientSecret;
/** The credential to send as `Authorization: Bearer` (secret), once a person approved the app. */
export const approvedToken = token
  ? { accessToken: token.accessToken, username: token.username }
  : "not yet: run `npx pulumi-access-tokens authorize misskey --legacy --app notes-bot-app --config-key appAccessToken --host <host>`, then pulumi up";
