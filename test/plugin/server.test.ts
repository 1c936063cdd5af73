/**
 * The native plugin's provider called directly (no engine) against a real oidc-provider on
 * loopback: secrets arrive wrapped and leave wrapped, the system comes from the type token,
 * the name from the URN, unknown values pass check, and `clientSecretConfigKey` reads the
 * environment.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceDescriptions } from "../../provider/core/descriptions";
import { engineAddressOf } from "../../provider/plugin/main";
import {
  SECRET_SIG,
  SECRET_VALUE,
  configEnvName,
  environmentConfig,
  nativeProvider,
  parseUrn,
  unwrapSecrets,
  wrapSecrets,
} from "../../provider/plugin/server";
import { UNKNOWN } from "../../provider/core/inputs";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";

const client: TestClient = {
  client_id: "plugin-client",
  client_secret: `plugin-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

const secret = (value: unknown) => ({ [SECRET_SIG]: SECRET_VALUE, value });
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;
const GENERIC = "access-tokens:index:AccessToken";

const IAT = `plugin-iat-${randomUUID()}`;

let server: OAuthServer;
let registration: OAuthServer;
beforeAll(async () => {
  server = await startOAuthServer({ clients: [client] });
  registration = await startOAuthServer({ registration: { initialAccessToken: IAT } });
});
afterAll(async () => {
  await server?.close();
  await registration?.close();
});

describe("secret envelopes", () => {
  it("unwraps at any depth and remembers the top-level keys and the secret strings", () => {
    const u = unwrapSecrets({
      a: secret("top-secret"),
      b: { inner: secret("nested-secret"), plain: "x" },
      c: "plain",
    });
    expect(u.plain).toEqual({ a: "top-secret", b: { inner: "nested-secret", plain: "x" }, c: "plain" });
    expect([...u.secretKeys].sort()).toEqual(["a", "b"]);
    expect([...u.secretValues].sort()).toEqual(["nested-secret", "top-secret"]);
    // A secret not yet known (preview) is a secret key, but its sentinel is no secret value.
    const pending = unwrapSecrets({ s: secret(UNKNOWN) });
    expect(pending.plain.s).toBe(UNKNOWN);
    expect([...pending.secretKeys]).toEqual(["s"]);
    expect(pending.secretValues.size).toBe(0);
  });

  it("wraps secret keys and values computed from secrets; leaves absent and unknown-free plain values", () => {
    const out = wrapSecrets(
      { accessToken: "t", header: "Bearer top-secret", other: "plain", none: undefined, already: secret("s") },
      new Set(["accessToken", "none"]),
      new Set(["top-secret"]),
    );
    expect(out).toEqual({
      accessToken: secret("t"),
      header: secret("Bearer top-secret"),
      other: "plain",
      none: undefined,
      already: secret("s"),
    });
  });

  it("parses URNs, with a parent type, and the engine address among logging flags", () => {
    expect(parseUrn(urn(GENERIC, "tok"))).toEqual({ type: GENERIC, name: "tok" });
    expect(parseUrn(`urn:pulumi:dev::proj::my:C$${GENERIC}::a::b`)).toEqual({ type: GENERIC, name: "a::b" });
    expect(() => parseUrn("nonsense")).toThrow(/not a resource URN/);
    expect(engineAddressOf(["--logtostderr", "-v=9", "--tracing", "x", "127.0.0.1:1234"])).toBe("127.0.0.1:1234");
    expect(engineAddressOf([])).toBeUndefined();
  });

  it("reads config keys from the provider's own stack config, then from environment variables", () => {
    expect(configEnvName("clientSecret")).toBe("PULUMI_ACCESS_TOKENS_CONFIG_CLIENTSECRET");
    expect(configEnvName("my-app:client.secret")).toBe("PULUMI_ACCESS_TOKENS_CONFIG_MY_APP_CLIENT_SECRET");
    const config = environmentConfig({
      PULUMI_CONFIG: JSON.stringify({ clientSecret: "from-stack-config", empty: "" }),
      PULUMI_ACCESS_TOKENS_CONFIG_APP_KEY: "v",
      PULUMI_ACCESS_TOKENS_CONFIG_EMPTY: "",
      PULUMI_ACCESS_TOKENS_CONFIG_ACCESS_TOKENS_OTHER: "from-env",
    });
    expect(config.get("access-tokens:clientSecret")).toBe("from-stack-config");
    expect(config.get("access-tokens:other")).toBe("from-env");
    // Another project's namespace is not the plugin's config.
    expect(() => config.get("app:clientSecret")).toThrow(/PULUMI_ACCESS_TOKENS_CONFIG_APP_CLIENTSECRET/);
    expect(config.get("app:key")).toBe("v");
    expect(() => config.get("empty")).toThrow(/PULUMI_ACCESS_TOKENS_CONFIG_EMPTY/);
    expect(() => config.get("access-tokens:empty")).toThrow(/pulumi config set --secret access-tokens:<name>/);
    expect(() => environmentConfig({ PULUMI_CONFIG: "not json" }).get("access-tokens:x")).toThrow(
      /environment variable PULUMI_ACCESS_TOKENS_CONFIG_ACCESS_TOKENS_X/,
    );
    expect(() => config.get("missing")).toThrow(/environment variable PULUMI_ACCESS_TOKENS_CONFIG_MISSING/);
  });
});

describe("nativeProvider", () => {
  const provider = () => nativeProvider(resourceDescriptions(), "1.2.3", environmentConfig({}));

  it("serves the package schema with its version", async () => {
    const p = provider();
    expect(p.version).toBe("1.2.3");
    const schema = JSON.parse(p.schema as string);
    expect(schema).toMatchObject({ name: "access-tokens", version: "1.2.3" });
    expect(schema.resources[GENERIC].inputProperties.clientSecret.secret).toBe(true);
  });

  it("check takes the system from the type token, keeps secret inputs wrapped, and names failures", async () => {
    const p = provider();
    const ok = await p.check!(
      urn(GENERIC, "tok"),
      {},
      {
        tokenEndpoint: server.tokenEndpoint,
        clientId: client.client_id,
        clientSecret: secret(client.client_secret),
      },
    );
    expect(ok.failures).toEqual([]);
    expect(ok.inputs).toEqual({
      tokenEndpoint: server.tokenEndpoint,
      clientId: client.client_id,
      clientSecret: secret(client.client_secret),
    });
    // An Alphaus input on a generic token: the generic system's schema refuses it.
    const bad = await p.check!(urn(GENERIC, "tok"), {}, { clientId: "c", product: "wave" });
    expect(bad.failures?.map((f) => f.reason).join("; ")).toMatch(/unknown input\(s\): product/);
    const alphaus = await p.check!(urn("access-tokens:alphaus:AccessToken", "w"), {}, { product: "wave" });
    expect(alphaus.failures).toEqual([]);
    await expect(p.check!(urn("access-tokens:index:Nope", "x"), {}, {})).rejects.toThrow(/unknown resource type/);
  });

  it("check lets unknown values (preview) through", async () => {
    const p = provider();
    const r = await p.check!(
      urn(GENERIC, "tok"),
      {},
      {
        tokenEndpoint: UNKNOWN,
        clientId: client.client_id,
        clientSecret: secret(UNKNOWN),
      },
    );
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ tokenEndpoint: UNKNOWN, clientSecret: secret(UNKNOWN) });
  });

  it("create, diff, read, update and delete: secrets wrapped out, the name from the URN", async () => {
    const p = provider();
    const inputs = {
      tokenEndpoint: server.tokenEndpoint,
      introspectionEndpoint: server.introspectionEndpoint,
      revocationEndpoint: server.revocationEndpoint,
      clientId: client.client_id,
      clientSecret: secret(client.client_secret),
      triggers: { generation: "a" },
    };
    const created = await p.create!(urn(GENERIC, "tok"), inputs);
    const outs = created.outs as Record<string, unknown>;
    expect(outs.accessToken).toEqual(secret(expect.any(String)));
    expect(outs.clientSecret).toEqual(secret(client.client_secret));
    expect(outs).toMatchObject({ system: "oauth2", resourceName: "tok", tokenType: "Bearer" });
    const token = (outs.accessToken as { value: string }).value;
    expect(server.issuedTokens.has(token)).toBe(true);

    const same = await p.diff!(created.id, urn(GENERIC, "tok"), outs, inputs);
    expect(same.changes).toBe(false);
    const rotated = await p.diff!(created.id, urn(GENERIC, "tok"), outs, { ...inputs, triggers: { generation: "b" } });
    // A rotation is a replacement (the lifecycle's decision, passed through as is).
    expect(rotated.changes).toBe(true);
    expect(rotated.replaces?.length).toBeGreaterThan(0);

    const read = await p.read!(created.id, urn(GENERIC, "tok"), outs);
    expect(read.id).toBe(created.id);
    expect((read.props as Record<string, unknown>).accessToken).toEqual(secret(token));

    const updated = await p.update!(created.id, urn(GENERIC, "tok"), outs, { ...inputs, revokeOnDelete: true });
    expect((updated.outs as Record<string, unknown>).accessToken).toEqual(secret(token));
    expect((updated.outs as Record<string, unknown>).clientSecret).toEqual(secret(client.client_secret));

    await p.delete!(created.id, urn(GENERIC, "tok"), updated.outs);
    expect((await server.introspect(token, client)).active).toBe(false);
  });

  it("reads clientSecretConfigKey from the environment", async () => {
    const p = nativeProvider(
      resourceDescriptions(),
      "1.2.3",
      environmentConfig({ [configEnvName("app:clientSecret")]: client.client_secret }),
    );
    const created = await p.create!(urn(GENERIC, "tok"), {
      tokenEndpoint: server.tokenEndpoint,
      clientId: client.client_id,
      clientSecretConfigKey: "app:clientSecret",
    });
    const outs = created.outs as Record<string, unknown>;
    expect(outs.accessToken).toEqual(secret(expect.any(String)));
    expect(JSON.stringify(outs)).not.toContain(client.client_secret);

    const missing = nativeProvider(resourceDescriptions(), "1.2.3", environmentConfig({}));
    await expect(
      missing.create!(urn(GENERIC, "tok"), {
        tokenEndpoint: server.tokenEndpoint,
        clientId: client.client_id,
        clientSecretConfigKey: "app:clientSecret",
      }),
    ).rejects.toThrow(/"app:clientSecret" is not set .* PULUMI_ACCESS_TOKENS_CONFIG_APP_CLIENTSECRET/);
  });

  it("registers an ApiClient (access-tokens:index:ApiClient): the initial access token stays secret, the client secret and registration token leave wrapped", async () => {
    const p = provider();
    const type = "access-tokens:index:ApiClient";
    const inputs = {
      issuer: registration.issuer,
      initialAccessToken: secret(IAT),
      clientName: "plugin-reporting",
      grantTypes: ["client_credentials"],
      responseTypes: [],
      scopes: ["api:read"],
    };
    const checked = await p.check!(urn(type, "reporting"), {}, inputs);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ initialAccessToken: secret(IAT) });

    const created = await p.create!(urn(type, "reporting"), inputs);
    const outs = created.outs as Record<string, unknown>;
    expect(outs).toMatchObject({ system: "oauth2", resourceName: "reporting", clientName: "plugin-reporting" });
    expect(typeof outs.clientId).toBe("string");
    for (const key of ["clientSecret", "registrationAccessToken", "initialAccessToken"]) {
      expect(outs[key], key).toEqual(secret(expect.any(String)));
    }
    // Outside the secret envelopes, no secret value.
    const plainParts = Object.fromEntries(
      Object.entries(outs).filter(([, v]) => JSON.stringify(v)?.includes(SECRET_SIG) !== true),
    );
    expect(JSON.stringify(plainParts)).not.toContain(IAT);
    expect(JSON.stringify(plainParts)).not.toContain((outs.clientSecret as { value: string }).value);

    const read = await p.read!(created.id, urn(type, "reporting"), outs);
    expect(read.id).toBe(created.id);
    expect((read.props as Record<string, unknown>).clientSecret).toEqual(outs.clientSecret);

    await p.delete!(created.id, urn(type, "reporting"), outs);
    const gone = await p.read!(created.id, urn(type, "reporting"), outs);
    expect(gone.id).toBe("");
  });
});
