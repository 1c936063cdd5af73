/**
 * Benchmark variant (b): the dynamic provider a user typically writes by hand. Its logic
 * and helpers are captured in the closure Pulumi serializes into every resource's
 * `__provider`; it calls the global `fetch` (default dispatcher, no keep-alive tuning),
 * issues with client_credentials, and revokes (RFC 7009) on delete. No `read`, so
 * `pulumi refresh` asks nothing. Changing `rotation` replaces every token.
 */
import * as pulumi from "@pulumi/pulumi";
import { randomUUID } from "node:crypto";

interface TokenInputs {
  tokenEndpoint: string;
  revocationEndpoint: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  rotation: string;
}

const USER_AGENT = "my-infra-tokens/1.0";
const REPLACE_ON = ["tokenEndpoint", "clientId", "scope", "rotation"];

function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64")}`;
}

async function postForm(url: string, authorization: string, form: Record<string, string>): Promise<string> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      "user-agent": USER_AGENT,
      authorization,
    },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} failed: HTTP ${res.status}`);
  return text;
}

const tokenProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: TokenInputs) {
    const body = JSON.parse(
      await postForm(inputs.tokenEndpoint, basicAuth(inputs.clientId, inputs.clientSecret), {
        grant_type: "client_credentials",
        scope: inputs.scope,
      }),
    );
    if (typeof body.access_token !== "string") throw new Error(`${inputs.tokenEndpoint}: no access_token`);
    const issuedAt = new Date();
    return {
      id: randomUUID(),
      outs: {
        ...inputs,
        accessToken: body.access_token,
        tokenType: body.token_type,
        issuedAt: issuedAt.toISOString(),
        expiresAt:
          typeof body.expires_in === "number"
            ? new Date(issuedAt.getTime() + body.expires_in * 1000).toISOString()
            : undefined,
      },
    };
  },
  async diff(_id, olds: TokenInputs, news: TokenInputs) {
    const replaces = REPLACE_ON.filter((k) => olds[k as keyof TokenInputs] !== news[k as keyof TokenInputs]);
    const changes = replaces.length > 0 || olds.clientSecret !== news.clientSecret;
    return { changes, replaces, deleteBeforeReplace: false };
  },
  async update(_id, olds, news: TokenInputs) {
    return { outs: { ...olds, ...news } };
  },
  async delete(_id, props: TokenInputs & { accessToken: string }) {
    await postForm(props.revocationEndpoint, basicAuth(props.clientId, props.clientSecret), {
      token: props.accessToken,
      token_type_hint: "access_token",
    });
  },
};

interface ApiTokenArgs {
  tokenEndpoint: pulumi.Input<string>;
  revocationEndpoint: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  clientSecret: pulumi.Input<string>;
  scope: pulumi.Input<string>;
  rotation: pulumi.Input<string>;
}

class ApiToken extends pulumi.dynamic.Resource {
  declare readonly accessToken: pulumi.Output<string>;
  constructor(name: string, args: ApiTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      tokenProvider,
      name,
      { accessToken: undefined, tokenType: undefined, issuedAt: undefined, expiresAt: undefined, ...args },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accessToken"] }),
      "ApiToken",
    );
  }
}

const config = new pulumi.Config();
const count = config.requireNumber("count");
const rotation = config.require("rotation");
const tokenEndpoint = config.require("tokenEndpoint");
const revocationEndpoint = config.require("revocationEndpoint");
const clientId = config.require("clientId");
const clientSecret = config.requireSecret("clientSecret");

for (let i = 0; i < count; i++) {
  new ApiToken(`token-${i}`, {
    tokenEndpoint,
    revocationEndpoint,
    clientId,
    clientSecret,
    scope: "api:read",
    rotation,
  });
}

export const tokens = count;
