/**
 * Secrets passed to other stacks, and the status command a pipeline branches on: a
 * consumer reads the producer's token by StackReference (encrypted in its own state),
 * picks up a rotated token on its next `up`, while the previous token works until the
 * producer's grace period ends. Time moves only by the provider's test clock (shared by both
 * stacks and the status command), so no real delay makes anything due.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/index";
import { STATUS_EXIT } from "../../cli/status";
import { type OAuthServer, SCOPES, type TestClient, startOAuthServer } from "../kit/oauth-server";
import { type Program, createProgram, findLeaks, transcriptTexts, SECRET_SIG } from "../kit/harness";

const client: TestClient = {
  client_id: "shared-client",
  client_secret: `shared-secret-${randomUUID()}`,
  token_endpoint_auth_method: "client_secret_basic",
  scope: SCOPES.join(" "),
};

let server: OAuthServer;
let producer: Program;
let consumer: Program;
const texts: { label: string; text: string }[] = [];

const active = async (token: string) => (await server.introspect(token, client)).active;

async function status(): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await main(["status", "--stack", producer.stack], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    env: producer.env,
    cwd: producer.dir,
    isInteractive: false,
  });
  texts.push({ label: "status output", text: out });
  return { code, out };
}

describe("cross-stack consumers and the status command", () => {
  beforeAll(async () => {
    // Tokens outlive every move of the test clock, so only the rotation policy makes them due.
    server = await startOAuthServer({ clients: [client], accessTokenTtl: 86_400 });
    producer = await createProgram("cross-stack/producer", "test");
    consumer = await createProgram("cross-stack/consumer", "test", producer);
    await producer.config("issuer", server.issuer);
    await producer.config("clientId", client.client_id);
    await producer.config("clientSecret", client.client_secret as string, true);
    await producer.config("rotateAfter", "1h");
    await producer.config("gracePeriod", "90m");
    await consumer.config("producerStack", "organization/cross-stack-producer/test");
  });

  afterAll(async () => {
    await server?.close();
    await producer?.cleanup();
    await consumer?.cleanup();
  });

  let a: string;
  it("the consumer reads the token by StackReference and keeps it encrypted", async () => {
    await producer.up();
    a = (await producer.revealedOutputs()).accessToken as string;
    const up = await consumer.up();
    expect(up.stdout).toContain("accessToken     : [secret]");
    expect((await consumer.revealedOutputs()).accessToken).toBe(a);
    const state = await consumer.exportState();
    texts.push({ label: "consumer stack export", text: state });
    const outputs = JSON.parse(state).deployment.resources.find(
      (r: { type: string }) => r.type === "pulumi:pulumi:Stack",
    ).outputs;
    expect(outputs.accessToken).toMatchObject({ [SECRET_SIG]: expect.any(String) });
  });

  it("status reports the token with nothing due (exit 0) and never prints a secret", async () => {
    const { code, out } = await status();
    expect(code).toBe(STATUS_EXIT.OK);
    expect(out).toMatch(/shared-token\s+token\s+oauth2\s+\S+Z\s+\S+Z\s+\S+Z\s+-/);
  });

  let b: string;
  it("once due, status exits 10; the producer rotates and the previous token keeps working", async () => {
    producer.clock.passTo((await producer.revealedOutputs()).rotationDueAt as string);
    const due = await status();
    expect(due.code).toBe(STATUS_EXIT.DUE);
    expect(due.out).toContain("rotation due");

    await producer.up();
    const out = await producer.revealedOutputs();
    b = out.accessToken as string;
    expect(b).not.toBe(a);
    expect(out.previousAccessToken).toBe(a);
    expect(await active(a)).toBe(true);
  });

  it("the consumer holds the new token after its next up, while the old one still works", async () => {
    await consumer.up();
    expect((await consumer.revealedOutputs()).accessToken).toBe(b);
    expect(await active(a)).toBe(true);
    expect(await active(b)).toBe(true);
  });

  it("the producer's first up after the grace period revokes the old token", async () => {
    // Move the next rotation out of the way, so only the grace period's end is due next.
    await producer.config("rotateAfter", "1d");
    producer.clock.passTo((await producer.revealedOutputs()).previousRevokeAt as string);
    expect((await status()).code).toBe(STATUS_EXIT.DUE); // "previous token awaits revocation"
    await producer.up();
    expect(await active(a)).toBe(false);
    expect(await active(b)).toBe(true);
    expect((await status()).code).toBe(STATUS_EXIT.OK);
  });

  it("no secret appears in either stack's outputs, logs, exports or the status output", async () => {
    texts.push({ label: "producer stack export", text: await producer.exportState() });
    const secrets = [client.client_secret as string, ...server.issuedTokens];
    expect(findLeaks([...transcriptTexts(producer), ...transcriptTexts(consumer), ...texts], secrets)).toEqual([]);
  });
});
