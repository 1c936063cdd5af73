/**
 * The one description of each resource is what the provider validates with, what its and
 * the SDK's secret lists say, and what the README's tables show: none of them can drift
 * from it. The lists the descriptions gave when they were introduced are pinned literally.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_SYSTEMS, SYSTEMS } from "../../../provider/systems";
import { CLIENT_COMMON_INPUTS, TOKEN_COMMON_INPUTS } from "../../../provider/core/common";
import { type ResourceDescription, namesWhere, secretNames } from "../../../provider/core/description";
import { resourceDescriptions } from "../../../provider/core/descriptions";
import { SECRET_OUTPUTS } from "../../../provider/core/access-token";
import { checkInputs, checkApiClient } from "../../kit/lifecycles";
import { CLIENT_SECRET_OUTPUTS } from "../../../provider/core/api-client";
import { ACCESS_TOKEN_SECRET_OUTPUTS, API_CLIENT_SECRET_OUTPUTS } from "../../../sdk";
import {
  CLIENT_SECRET_INPUTS,
  TOKEN_SECRET_INPUTS,
  ownSecretOutputsOf,
  secretInputsOf,
} from "../../../sdk/secret-inputs";
import { readmeWithTables } from "../../../scripts/docs-tables";

const tokens = resourceDescriptions().filter((d) => d.kind === "AccessToken");
const clients = resourceDescriptions().filter((d) => d.kind === "ApiClient");

/** The description's own inputs (without the kind's common ones). */
function ownInputs(d: ResourceDescription) {
  const common: Record<string, unknown> = d.kind === "AccessToken" ? TOKEN_COMMON_INPUTS : CLIENT_COMMON_INPUTS;
  return Object.fromEntries(Object.entries(d.inputs).filter(([name, input]) => common[name] !== input));
}

describe("one description per resource", () => {
  it("describes every system of the registries, with the native type tokens, once", () => {
    expect(tokens.map((d) => d.system)).toEqual(Object.keys(SYSTEMS));
    expect(clients.map((d) => d.system)).toEqual(Object.keys(CLIENT_SYSTEMS));
    expect(resourceDescriptions().map((d) => d.token)).toEqual([
      "access-tokens:index:AccessToken",
      "access-tokens:alphaus:AccessToken",
      "access-tokens:vantage:AccessToken",
      "access-tokens:exastro:AccessToken",
      "access-tokens:misskey:AccessToken",
      "access-tokens:index:ApiClient",
      "access-tokens:alphaus:ApiClient",
      "access-tokens:exastro:ServiceAccount",
      "access-tokens:misskey:App",
      "access-tokens:vantage:ApiClient",
    ]);
  });

  it("documents every resource, input and output", () => {
    for (const d of resourceDescriptions()) {
      const undocumented = [
        ...(d.doc.trim() ? [] : ["(resource)"]),
        ...Object.entries({ ...d.inputs, ...d.outputs })
          .filter(([, p]) => !p.doc.trim())
          .map(([name]) => name),
      ];
      expect({ token: d.token, undocumented }).toEqual({ token: d.token, undocumented: [] });
    }
  });

  it("is what each token system validates with and lists as material and secret", () => {
    for (const d of tokens) {
      const system = SYSTEMS[d.system]!;
      const own = ownInputs(d);
      expect(Object.keys(system.inputShape)).toEqual(Object.keys(own));
      for (const [name, input] of Object.entries(own)) expect(system.inputShape[name]).toBe(input.schema);
      expect(system.materialInputs).toEqual(namesWhere(own, (i) => i.replaces));
      expect(system.secretInputs).toEqual(secretNames(own));
    }
  });

  it("is what each client system validates with and lists as replacing, updated, defaulted and secret", () => {
    for (const d of clients) {
      const system = CLIENT_SYSTEMS[d.system]!;
      const own = ownInputs(d);
      expect(Object.keys(system.inputShape)).toEqual(Object.keys(own));
      for (const [name, input] of Object.entries(own)) expect(system.inputShape[name]).toBe(input.schema);
      expect(system.replaceInputs).toEqual(namesWhere(own, (i) => i.replaces));
      expect(system.updateInputs).toEqual(namesWhere(own, (i) => i.updatesAtServer === true));
      expect(system.inputDefaults ?? {}).toEqual(
        Object.fromEntries(Object.entries(own).flatMap(([k, i]) => ("default" in i ? [[k, i.default]] : []))),
      );
      expect(system.secretInputs).toEqual(secretNames(own));
      expect(system.secretOutputs).toEqual(secretNames(d.outputs));
    }
  });

  it("gives the lists the hand-kept ones were (pinned)", () => {
    const material = Object.fromEntries(Object.values(SYSTEMS).map((s) => [s.id, s.materialInputs]));
    expect(material).toEqual({
      oauth2: [
        "tokenEndpoint",
        "issuer",
        "grantType",
        "clientId",
        "username",
        "refreshToken",
        "scopes",
        "audience",
        "resource",
        "extraParams",
      ],
      alphaus: ["product", "environment", "authUrl", "grantType", "clientId", "username"],
      vantage: [
        "region",
        "baseUrl",
        "tenantId",
        "grantType",
        "clientId",
        "username",
        "offlineAccess",
        "initialRefreshToken",
        "scopes",
      ],
      exastro: ["baseUrl", "organizationId", "systemManager", "initialRefreshToken", "username"],
      misskey: ["host", "baseUrl", "token", "appAccessToken", "appSecret"],
    });
    expect(TOKEN_SECRET_INPUTS).toEqual({
      oauth2: ["clientSecret", "password", "refreshToken"],
      alphaus: ["clientSecret", "password"],
      vantage: ["clientSecret", "password", "initialRefreshToken"],
      exastro: ["initialRefreshToken", "password", "totp"],
      misskey: ["token", "appAccessToken", "appSecret", "nativeToken"],
    });
    expect(CLIENT_SECRET_INPUTS).toEqual({
      oauth2: ["initialAccessToken"],
      alphaus: ["accessToken", "ownerClientSecret", "ownerPassword"],
      exastro: ["accessToken"],
      misskey: ["token"],
      vantage: ["accessToken"],
    });
    const replace = Object.fromEntries(Object.values(CLIENT_SYSTEMS).map((s) => [s.id, s.replaceInputs]));
    expect(replace).toEqual({
      oauth2: ["issuer", "registrationEndpoint"],
      alphaus: ["name", "environment", "apiUrl"],
      exastro: ["baseUrl", "organizationId", "workspaceId", "username", "type"],
      misskey: ["host", "baseUrl", "name", "description", "permissions", "callbackUrl"],
      vantage: [
        "region",
        "baseUrl",
        "tenantId",
        "requestedClientId",
        "clientName",
        "allowOfflineAccess",
        "requireClientSecret",
        "requireConsent",
        "allowNoPkce",
        "allowedGrantTypes",
        "allowedCorsOrigins",
        "allowedScopes",
        "redirectUris",
        "postLogoutRedirectUris",
        "allowRopc",
        "extraFields",
      ],
    });
    expect(CLIENT_SYSTEMS.exastro!.updateInputs).toEqual(["description", "issueRefreshToken"]);
    expect(CLIENT_SYSTEMS.vantage!.argumentNames).toEqual({ requestedClientId: "clientId" });
    expect(SECRET_OUTPUTS).toEqual(["accessToken", "refreshToken", "initialRefreshToken", "previousAccessToken"]);
    expect(CLIENT_SECRET_OUTPUTS).toEqual(["clientSecret", "registrationAccessToken"]);
    expect(ACCESS_TOKEN_SECRET_OUTPUTS).toEqual([
      "accessToken",
      "refreshToken",
      "initialRefreshToken",
      "previousAccessToken",
      "clientSecret",
      "password",
      "totp",
      "token",
      "appAccessToken",
      "appSecret",
      "nativeToken",
    ]);
    expect(API_CLIENT_SECRET_OUTPUTS).toEqual([
      "clientSecret",
      "registrationAccessToken",
      "initialAccessToken",
      "accessToken",
      "ownerClientSecret",
      "ownerPassword",
      "token",
    ]);
    expect(ownSecretOutputsOf("ApiClient", "exastro")).toEqual(["refreshToken"]);
  });

  it("gives the SDK the provider's secret inputs and outputs", () => {
    for (const d of resourceDescriptions()) {
      expect(secretInputsOf(d.kind, d.system)).toEqual(secretNames(d.inputs));
      const sdkList = d.kind === "AccessToken" ? ACCESS_TOKEN_SECRET_OUTPUTS : API_CLIENT_SECRET_OUTPUTS;
      const declared = new Set([...sdkList, ...ownSecretOutputsOf(d.kind, d.system)]);
      for (const name of [...secretNames(d.inputs), ...secretNames(d.outputs)]) {
        expect({ token: d.token, name, declared: declared.has(name) }).toEqual({
          token: d.token,
          name,
          declared: true,
        });
      }
    }
  });

  it("validates strictly: an input no description declares is refused, by kind", () => {
    for (const d of resourceDescriptions()) {
      const check = d.kind === "AccessToken" ? checkInputs : checkApiClient;
      const failures = check({ system: d.system, notAnInput: "x" }).failures ?? [];
      expect(failures).toContainEqual({ property: "(inputs)", reason: "unknown input(s): notAnInput" });
    }
  });

  it("is what README.md's tables show (npm run docs rewrites them)", async () => {
    const readme = readFileSync(join(__dirname, "..", "..", "..", "README.md"), "utf8");
    expect(await readmeWithTables(readme)).toBe(readme);
  });
});
