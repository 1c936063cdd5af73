/**
 * One example per resource of the package schema: the inputs of a typical resource, with
 * its secret inputs read from the program's config. Rendered as YAML into each resource's
 * description; a test passes each through the provider's `check`, so an example that no
 * longer validates fails there.
 *
 * @packageDocumentation
 */

/** An example resource: its properties, and which of them come from secret config. */
export interface ResourceExample {
  /** What the example shows (a heading). */
  readonly title: string;
  /** Plain property values. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Properties read from secret config of the same name. */
  readonly secrets: readonly string[];
  /** The output the example exports. */
  readonly output: string;
}

/** Examples by type token. */
export const EXAMPLES: Readonly<Record<string, ResourceExample>> = {
  "access-tokens:index:AccessToken": {
    title: "A client-credentials token, rotated after 20 hours",
    properties: {
      issuer: "https://auth.example.com",
      clientId: "ci-deployer",
      scopes: ["api:read"],
      rotateAfter: "20h",
    },
    secrets: ["clientSecret"],
    output: "accessToken",
  },
  "access-tokens:index:ApiClient": {
    title: "A machine-to-machine client registered by RFC 7591",
    properties: {
      issuer: "https://auth.example.com",
      clientName: "reporting",
      grantTypes: ["client_credentials"],
      responseTypes: [],
      scopes: ["api:read"],
    },
    secrets: ["initialAccessToken"],
    output: "clientSecret",
  },
  "access-tokens:alphaus:AccessToken": {
    title: "A Wave token (credentials may also come from ALPHAUS_* variables)",
    properties: { product: "wave", clientId: "my-client", rotateAfter: "20h" },
    secrets: ["clientSecret"],
    output: "accessToken",
  },
  "access-tokens:alphaus:ApiClient": {
    title: "An API client created with the owner's token",
    properties: { name: "ci-deployer" },
    secrets: ["accessToken"],
    output: "clientSecret",
  },
  "access-tokens:vantage:AccessToken": {
    title: "A client-credentials token for a tenant",
    properties: {
      region: "eu",
      tenantId: "my-tenant",
      clientId: "my-client",
      scopes: ["openid", "permissions", "global.wildcard"],
    },
    secrets: ["clientSecret"],
    output: "accessToken",
  },
  "access-tokens:vantage:ApiClient": {
    title: "A client of a tenant, created with an administrator's token",
    properties: { region: "eu", tenantId: "my-tenant", clientName: "reporting" },
    secrets: ["accessToken"],
    output: "clientSecret",
  },
  "access-tokens:exastro:AccessToken": {
    title: "A token renewed from an organization user's refresh token",
    properties: { baseUrl: "https://ita.example.com", organizationId: "org1" },
    secrets: ["initialRefreshToken"],
    output: "accessToken",
  },
  "access-tokens:exastro:ServiceAccount": {
    title: "A service account of a workspace, with its refresh token",
    properties: {
      baseUrl: "https://ita.example.com",
      organizationId: "org1",
      workspaceId: "ws1",
      username: "ci-agent",
    },
    secrets: ["accessToken"],
    output: "refreshToken",
  },
  "access-tokens:misskey:AccessToken": {
    title: "A token authorized earlier (MiAuth), checked and adopted",
    properties: { host: "misskey.example" },
    secrets: ["token"],
    output: "accessToken",
  },
  "access-tokens:misskey:App": {
    title: "An app whose secret issues user tokens",
    properties: { host: "misskey.example", name: "deployer", permissions: ["read:account"] },
    secrets: ["token"],
    output: "clientSecret",
  },
};

/**
 * A YAML program declaring `example` as resource `name` of type `token`.
 *
 * @param token - the type token
 * @param name - the resource's name in the program
 * @param example - what to declare
 * @returns the program's text
 */
export function exampleYaml(token: string, name: string, example: ResourceExample): string {
  const lines: string[] = [];
  if (example.secrets.length) {
    lines.push("config:");
    for (const key of example.secrets) lines.push(`  ${key}:`, "    type: string", "    secret: true");
  }
  lines.push("resources:", `  ${name}:`, `    type: ${token}`, "    properties:");
  for (const [key, value] of Object.entries(example.properties)) lines.push(`      ${key}: ${JSON.stringify(value)}`);
  for (const key of example.secrets) lines.push(`      ${key}: \${${key}}`);
  lines.push("outputs:", `  ${example.output}: \${${name}.${example.output}}`);
  return lines.join("\n");
}
