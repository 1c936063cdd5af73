/**
 * Benchmark variant (a): `count` AccessToken resources of this package, as the README's
 * shortest program writes one (issuer discovery, client_credentials, secret client
 * secret). Changing `rotation` rotates every token through `triggers`.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";

const config = new pulumi.Config();
const count = config.requireNumber("count");
const rotation = config.require("rotation");
const issuer = config.require("issuer");
const clientId = config.require("clientId");
const clientSecret = config.requireSecret("clientSecret");

for (let i = 0; i < count; i++) {
  new AccessToken(`token-${i}`, {
    issuer,
    clientId,
    clientSecret,
    scopes: ["api:read"],
    triggers: { rotation },
  });
}

export const tokens = count;
