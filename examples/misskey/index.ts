import * as pulumi from "@pulumi/pulumi";
import { misskey } from "pulumi-access-tokens";

const config = new pulumi.Config();
const host = config.get("host");

// The token comes from a person's one-time approval (MiAuth), stored as a secret:
//   npx pulumi-access-tokens authorize misskey --host misskey.example \
//     --permission read:account,write:notes --stack dev --config-key token
// A legacy app token instead: `--legacy --config-key appAccessToken --app-secret-config-key appSecret`.
const token = new misskey.AccessToken("misskey-token", {
  host,
  // For a server on this machine (tests, a local instance): http://127.0.0.1:3000
  baseUrl: host ? undefined : config.require("baseUrl"),
  token: config.getSecret("token"),
  appAccessToken: config.getSecret("appAccessToken"),
  appSecret: config.getSecret("appSecret"),
  // Only the account's native token may revoke an access token; without it, destroy warns.
  nativeToken: config.getSecret("nativeToken"),
  permissions: config.getObject<string[]>("permissions") ?? ["read:account", "write:notes"],
  triggers: config.getObject<Record<string, string>>("triggers"),
});

/** The credential to send as `Authorization: Bearer` (or `i`): a secret, shown as [secret]. */
export const accessToken = token.accessToken;
export const username = token.username;
export const userId = token.userId;
export const verifiedAt = token.verifiedAt;
