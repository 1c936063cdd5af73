/**
 * Across languages: a TypeScript stack (the dynamic provider, examples/cross-stack/producer)
 * owns a token; a YAML stack reads it by StackReference. The token stays secret all the way:
 * encrypted in the consumer's state, `[secret]` in its output, and the consumer picks up a
 * rotated token on its next `up`. Time moves only by the provider's test clock.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, SECRET_SIG, createProgram, findLeaks, transcriptTexts } from "../kit/harness";

const client: TestClient = {
  client_id: "cross-language-client",
  client_secret: `cross-language-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
let producer: Program;
let consumer: Program;
const texts: { label: string; text: string }[] = [];

async function consumerStackOutputs(): Promise<Record<string, unknown>> {
  const state = await consumer.exportState();
  texts.push({ label: "consumer stack export", text: state });
  return JSON.parse(state).deployment.resources.find((r: { type: string }) => r.type === "pulumi:pulumi:Stack").outputs;
}

describe("a TypeScript producer and a YAML consumer", () => {
  beforeAll(async () => {
    server = await startOAuthServer({ clients: [client], accessTokenTtl: 86_400 });
    producer = await createProgram("cross-stack/producer", "test");
    consumer = await createProgram("../test/engine/programs/yaml-consumer", "test", producer);
    await producer.config("issuer", server.issuer);
    await producer.config("clientId", client.client_id);
    await producer.config("clientSecret", client.client_secret as string, true);
    await producer.config("rotateAfter", "1h");
    await consumer.config("producerStack", "organization/cross-stack-producer/test");
  });

  afterAll(async () => {
    await server?.close();
    await producer?.cleanup();
    await consumer?.cleanup();
  });

  let a: string;
  it("the YAML stack reads the token by StackReference and keeps it encrypted", async () => {
    await producer.up();
    a = (await producer.revealedOutputs()).accessToken as string;
    const up = await consumer.up();
    expect(up.stdout).toMatch(/accessToken\s*: \[secret\]/);
    const out = await consumer.revealedOutputs();
    expect(out.accessToken).toBe(a);
    expect(out.producerIssuedAt).toBe((await producer.revealedOutputs()).issuedAt);
    expect((await consumerStackOutputs()).accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
    expect((await server.introspect(a, client)).active).toBe(true);
  });

  it("after the producer rotates, the consumer's next up holds the new token, still secret", async () => {
    producer.clock.passTo((await producer.revealedOutputs()).rotationDueAt as string);
    await producer.up();
    const b = (await producer.revealedOutputs()).accessToken as string;
    expect(b).not.toBe(a);
    const preview = await consumer.preview();
    expect(preview.stdout).toMatch(/accessToken\s*: \[secret\]/);
    await consumer.up();
    expect((await consumer.revealedOutputs()).accessToken).toBe(b);
    expect((await consumerStackOutputs()).accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("no secret appears in either stack's outputs, logs or exports", async () => {
    texts.push({ label: "producer stack export", text: await producer.exportState() });
    expect(server.issuedTokens.size).toBeGreaterThanOrEqual(2);
    const secrets = [client.client_secret as string, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(producer), ...transcriptTexts(consumer), ...texts], secrets)).toEqual([]);
  });
});
