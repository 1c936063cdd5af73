import * as pulumi from "@pulumi/pulumi";
import { AccessToken } from "pulumi-access-tokens";

// Test program: `count` tokens from one client, to interrupt a large create part-way.
const config = new pulumi.Config();
const tokens = Array.from(
  { length: config.requireNumber("count") },
  (_, i) =>
    new AccessToken(`token-${i}`, {
      issuer: config.require("issuer"),
      clientId: config.require("clientId"),
      clientSecret: config.requireSecret("clientSecret"),
    }),
);

export const accessTokens = pulumi.all(tokens.map((t) => t.accessToken));
