/**
 * Property: whatever the secret (any Unicode, `%+:=&/`, control characters, short ones)
 * and however the server echoes it back (as sent, URL- or form-encoded, JSON-escaped,
 * Base64 of the secret or of the whole Basic pair, in `error_description` or in
 * `WWW-Authenticate`, clipped, wrapped in ANSI escapes), the message the provider builds
 * from the answer and redacts with the call's secrets contains none of those forms.
 *
 * The forms are computed here, independently of the redactor. The run is seeded; set
 * `FC_RUNS` (and `FC_SEED`) to run it longer or elsewhere.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_SECRET_LENGTH, REDACTED, redactError, wireCredentials } from "../../../provider/http/redact";
import type { HttpRequest } from "../../../provider/http/transport";
import * as oauth2 from "../../../provider/systems/oauth2/wire";

const RUNS = Number(process.env.FC_RUNS ?? 300);
const SEED = Number(process.env.FC_SEED ?? 20261202);

const form = (v: string) => new URLSearchParams({ v }).toString().slice(2);
const wellFormed = (v: string) =>
  v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
const b64 = (v: string) => Buffer.from(v, "utf8").toString("base64");

/** How a server may echo what it received. */
const ENCODINGS = {
  raw: (s: string) => s,
  uri: (s: string) => encodeURIComponent(wellFormed(s)),
  form: (s: string) => form(s),
  json: (s: string) => JSON.stringify(s).slice(1, -1),
  jsonAscii: (s: string) =>
    JSON.stringify(s)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  base64: (s: string) => b64(s),
  base64url: (s: string) => Buffer.from(s, "utf8").toString("base64url"),
  basicPair: (s: string, id: string) => b64(`${form(id)}:${form(s)}`),
  basicHeader: (s: string, id: string) => `Basic ${b64(`${form(id)}:${form(s)}`)}`,
} satisfies Record<string, (s: string, id: string) => string>;
type Encoding = keyof typeof ENCODINGS;

const secretArb = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(..."%+:=&/ !*'()~\\\"\u0000\u001b\n\u00e9\u4e2d"), minLength: 1, maxLength: 12 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }),
  fc.string({ minLength: 8, maxLength: 40 }),
);
const idArb = fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.:~ %+"), minLength: 1, maxLength: 20 });
// Text around the echo: plain ASCII words (no control characters, so the only thing the
// redactor can find is what the server echoed).
const padArb = fc.string({ unit: fc.constantFrom(..."abcdefghij ,.-"), maxLength: 400 });

interface Echo {
  secret: string;
  id: string;
  encoding: Encoding;
  where: "error_description" | "www-authenticate";
  before: string;
  after: string;
  ansi: boolean;
}

const echoArb: fc.Arbitrary<Echo> = fc.record({
  secret: secretArb,
  id: idArb,
  encoding: fc.constantFrom(...(Object.keys(ENCODINGS) as Encoding[])),
  where: fc.constantFrom("error_description" as const, "www-authenticate" as const),
  before: padArb,
  after: padArb,
  ansi: fc.boolean(),
});

/** The message the provider builds for the server's answer, redacted with the call's secrets. */
function messageFor(echo: Echo, collectWire: boolean): { message: string; echoed: string } {
  const echoed = ENCODINGS[echo.encoding](echo.secret, echo.id);
  const text = `${echo.before} <${echo.ansi ? `\u001b[31m${echoed}\u001b[0m` : echoed}> ${echo.after}`;
  const res =
    echo.where === "error_description"
      ? {
          status: 401,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ error: "invalid_client", error_description: text }),
        }
      : { status: 401, headers: { "www-authenticate": text }, body: "" };
  const ctx = { system: "OAuth 2.0", operation: "token request", endpoint: "https://as.example/token" };
  // The request the provider sent: client_secret_basic, so the Basic header went on the wire.
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const body = new URLSearchParams({ grant_type: "client_credentials" });
  oauth2.clientSecretBasic(echo.id, echo.secret).apply(headers, body);
  const req: HttpRequest = { method: "POST", url: ctx.endpoint, headers, body: body.toString() };
  const secrets = [echo.secret, ...(collectWire ? wireCredentials(req) : [])];
  try {
    oauth2.checkResponseStatus(res, ctx);
  } catch (error) {
    return { message: redactError(error as Error, secrets).message, echoed };
  }
  throw new Error("checkResponseStatus accepted a 401");
}

/** Every form of the secret a message must not hold (computed without the redactor). */
function forbiddenForms(secret: string, id: string): string[] {
  return Object.values(ENCODINGS)
    .map((encode) => encode(secret, id))
    .filter((f) => f.length >= MIN_SECRET_LENGTH && !REDACTED.includes(f));
}

const long = (s: string) => [...s].length >= MIN_SECRET_LENGTH;

describe("redaction (property)", () => {
  it("no message holds the secret in any form the server echoed it in", () => {
    fc.assert(
      fc.property(echoArb, (echo) => {
        const { message, echoed } = messageFor(echo, true);
        expect(message).not.toContain("\u001b");
        // The echo itself is gone (whatever the secret's length: it stood alone).
        if (!REDACTED.includes(echoed)) expect(message).not.toContain(`<${echoed}>`);
        if (long(echo.secret)) {
          for (const f of forbiddenForms(echo.secret, echo.id)) expect(message).not.toContain(f);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("a message clipped in the middle of the secret keeps no 4-character start of it", () => {
    fc.assert(
      fc.property(
        echoArb.filter((e) => long(e.secret)),
        fc.integer({ min: 1, max: 60 }),
        (echo, cut) => {
          const echoed = ENCODINGS[echo.encoding](echo.secret, echo.id);
          // Place the echo so the 300-character clip (counted in code points) falls inside it:
          // the description is `${before} <${echoed}> …`.
          const inside = Math.min(cut, [...echoed].length - 1);
          const before = "x".repeat(300 - 2 - inside);
          const { message } = messageFor({ ...echo, before, ansi: false }, true);
          const start = message.indexOf("…");
          expect(start).toBeGreaterThan(0);
          // ("Basic " itself is no secret: the pair after it is.)
          for (const f of forbiddenForms(echo.secret, echo.id).filter((f) => !f.startsWith("Basic "))) {
            for (let k = MIN_SECRET_LENGTH; k <= f.length; k++) expect(message).not.toContain(`${f.slice(0, k)}…`);
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("without the wire credentials, a Basic pair echoed back still loses every secret byte it can", () => {
    fc.assert(
      fc.property(
        echoArb.filter((e) => long(e.secret) && (e.encoding === "basicPair" || e.encoding === "basicHeader")),
        (echo) => {
          const { message } = messageFor(echo, false);
          expect(message).not.toContain(ENCODINGS.basicPair(echo.secret, echo.id));
          expect(message).toContain(REDACTED);
        },
      ),
      { numRuns: Math.max(50, RUNS / 3), seed: SEED },
    );
  });
});
