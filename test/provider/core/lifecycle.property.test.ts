/**
 * The AccessToken lifecycle under any server: random sequences of `up` (create / diff /
 * update / replace, as the engine drives them), `refresh` (read), `destroy` (delete), clock
 * moves and material input changes, against a scripted in-process server whose every answer
 * is drawn by fast-check (valid, out-of-range numbers, malformed, failing statuses, rotated
 * or kept refresh tokens; revocation and introspection that work or fail).
 *
 * Invariants, checked after every step:
 * - every access token the server issued is in state (current or previous token of a
 *   resource), revoked, past its expiry, declared dead by the server, or — for tokens of a
 *   refresh-token chain, which the provider never revokes one by one (RFC 7009 §2.1) — of
 *   a grant whose newest refresh token is in state or revoked;
 * - the provider never sends a spent refresh token (the server counts a reuse, as oidc-provider
 *   and Keycloak do with reuse detection), and the newest refresh token of a live grant is in
 *   state (or still the given input, when none was rotated yet);
 * - no secret (client secret, any token) appears in an error message, a diagnostic, an
 *   output name or a non-secret output;
 * - a step that throws without recording (no `id` / `properties`) leaves no token it
 *   caused to be issued outside state and unrevoked.
 *
 * Runs in the suite with a fixed seed; run longer with `PAT_PROPERTY_RUNS=10000` (and another
 * seed with `PAT_PROPERTY_SEED=<n>`).
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordingDiagnostics } from "../../../provider/diagnostics";
import type { HttpRequest, HttpResponse, Transport } from "../../../provider/http/transport";
import { SECRET_OUTPUTS } from "../../../provider/core/access-token";
import {
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  updateAccessToken,
} from "../../kit/lifecycles";
import { oauth2TokenSystem } from "../../../provider/systems/oauth2/token";
import { shimText } from "../../../sdk/shim";

const RUNS = Number(process.env.PAT_PROPERTY_RUNS ?? 150);
const SEED = Number(process.env.PAT_PROPERTY_SEED ?? 20_261_202);
const AS = "https://as.example";
const SHIM = shimText("AccessToken");

// ---------------------------------------------------------------------------------------
// What the server may answer

type TokenAnswer =
  | { kind: "valid"; rotate: boolean; expiresIn: number | undefined }
  | { kind: "badNumber"; rotate: boolean; expiresIn: number | string }
  | { kind: "badType"; rotate: boolean }
  | { kind: "notJson" }
  | { kind: "status"; status: number };

const tokenAnswer: fc.Arbitrary<TokenAnswer> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      rotate: fc.boolean(),
      expiresIn: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7_200 })), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("badNumber" as const),
      rotate: fc.boolean(),
      expiresIn: fc.constantFrom<number | string>(2 ** 53, 1e300, -5, 1.5, "soon"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("badType" as const), rotate: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("notJson" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("status" as const), status: fc.constantFrom(400, 401, 500) }) },
);

type IntrospectionAnswer =
  { kind: "active"; exp: number | "past" | "huge" | undefined } | { kind: "inactive" } | { kind: "status" };
const introspectionAnswer: fc.Arbitrary<IntrospectionAnswer> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("active" as const),
      exp: fc.option(fc.constantFrom<number | "past" | "huge">(3_600, "past", "huge"), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("inactive" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("status" as const) }) },
);

type Step = { op: "up" } | { op: "refresh" } | { op: "destroy" } | { op: "advance"; ms: number } | { op: "rescope" };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: "up" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 3 * 3_600_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "refresh" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "rescope" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "destroy" as const }) },
);

type Shape = "chain" | "graceful" | "replacing";

// ---------------------------------------------------------------------------------------
// The scripted server

class ScriptedServer {
  readonly clientSecret = `cs-${randomUUID()}`;
  readonly initialRefresh = `RT0-${randomUUID()}`;
  /** Every access token issued (in a 2xx JSON answer), with its grant and expiry (ms). */
  readonly issued = new Map<string, { chain: boolean; expiresAtMs?: number }>();
  readonly revoked = new Set<string>();
  readonly declaredDead = new Set<string>();
  /** The refresh tokens of the grant, newest last; a revoked grant is dead. */
  readonly refreshTokens: string[] = [this.initialRefresh];
  grantRevoked = false;
  spentReuse: string[] = [];
  private n = 0;

  private readonly tokens: TokenAnswer[];
  private readonly revokes: boolean[];
  private readonly introspections: IntrospectionAnswer[];

  /** The answers are copied: fast-check shows (and replays) the drawn values, which must stay intact. */
  constructor(
    tokens: TokenAnswer[],
    revokes: boolean[],
    introspections: IntrospectionAnswer[],
    private readonly now: () => number,
  ) {
    this.tokens = [...tokens];
    this.revokes = [...revokes];
    this.introspections = [...introspections];
  }

  get newestRefresh(): string {
    return this.refreshTokens.at(-1) as string;
  }

  /** Tokens issued during the current step (see {@link Model.run}). */
  issuedThisStep: string[] = [];

  transport: Transport = async (req: HttpRequest): Promise<HttpResponse> => {
    const form = new URLSearchParams(req.body ?? "");
    if (req.url === `${AS}/token`) return this.token(form);
    if (req.url === `${AS}/revoke`) return this.revoke(form);
    if (req.url === `${AS}/introspect`) return this.introspect(form);
    throw new Error(`unexpected ${req.method} ${req.url}`);
  };

  private token(form: URLSearchParams): HttpResponse {
    const chain = form.get("grant_type") === "refresh_token";
    if (chain) {
      const sent = form.get("refresh_token") as string;
      if (sent !== this.newestRefresh || this.grantRevoked) {
        // Burning a live grant is the failure; after the grant ended, a refusal is harmless.
        if (this.refreshTokens.includes(sent) && !this.grantRevoked) this.spentReuse.push(sent);
        // Reuse detection: the whole grant ends.
        this.grantRevoked = true;
        return json(400, { error: "invalid_grant" });
      }
    }
    const answer = this.tokens.shift() ?? { kind: "valid", rotate: true, expiresIn: 3_600 };
    if (answer.kind === "status")
      return json(answer.status, { error: answer.status === 401 ? "invalid_client" : "server_error" });
    if (answer.kind === "notJson") return { status: 200, headers: { "content-type": "text/html" }, body: "<html>" };
    const accessToken = `AT${++this.n}-${randomUUID()}`;
    const rotated = chain && answer.rotate ? `RT${this.n}-${randomUUID()}` : undefined;
    const expiresIn = answer.kind === "badType" ? 3_600 : answer.expiresIn;
    const lifetime =
      typeof expiresIn === "number" && Number.isInteger(expiresIn) && expiresIn > 0 && expiresIn < 1e9
        ? expiresIn
        : undefined;
    this.issued.set(accessToken, { chain, ...(lifetime ? { expiresAtMs: this.now() + lifetime * 1000 } : {}) });
    this.issuedThisStep.push(accessToken);
    if (rotated) this.refreshTokens.push(rotated);
    return json(200, {
      access_token: accessToken,
      token_type: answer.kind === "badType" ? "mac" : "Bearer",
      ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}),
      ...(rotated ? { refresh_token: rotated } : {}),
    });
  }

  private revoke(form: URLSearchParams): HttpResponse {
    if (!(this.revokes.shift() ?? true)) return json(503, { error: "temporarily_unavailable" });
    const token = form.get("token") as string;
    if (this.refreshTokens.includes(token)) this.grantRevoked = true;
    this.revoked.add(token);
    return { status: 200, headers: {}, body: "" };
  }

  private introspect(form: URLSearchParams): HttpResponse {
    const answer = this.introspections.shift() ?? { kind: "active", exp: undefined };
    if (answer.kind === "status") return json(500, { error: "server_error" });
    if (answer.kind === "inactive") {
      this.declaredDead.add(form.get("token") as string);
      return json(200, { active: false });
    }
    const token = form.get("token") as string;
    const known = this.issued.get(token);
    // The server tells the truth about a token's end: once stated, it stays.
    if (typeof answer.exp === "number" && known && known.expiresAtMs === undefined) {
      known.expiresAtMs = (Math.floor(this.now() / 1000) + answer.exp) * 1000;
    }
    const stated = typeof answer.exp === "number" && known?.expiresAtMs !== undefined;
    const exp = stated
      ? Math.floor((known?.expiresAtMs as number) / 1000)
      : answer.exp === "past"
        ? 1
        : answer.exp === "huge"
          ? 2 ** 53
          : answer.exp === undefined
            ? undefined
            : Math.floor(this.now() / 1000) + answer.exp;
    return json(200, { active: true, ...(exp !== undefined ? { exp } : {}) });
  }
}

function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------------------
// The engine, as far as the lifecycle sees it

interface Resource {
  id: string;
  props: Record<string, unknown>;
}

class Model {
  clock = Date.UTC(2030, 0, 1);
  resources: Resource[] = [];
  /** The current resource (the others await deletion, as after a replacement whose delete failed). */
  current: Resource | undefined;
  scopes: string[] | undefined;
  readonly diagnostics = recordingDiagnostics();
  readonly errors: string[] = [];
  readonly server: ScriptedServer;
  readonly deps;

  constructor(
    readonly shape: Shape,
    tokens: TokenAnswer[],
    revokes: boolean[],
    introspections: IntrospectionAnswer[],
  ) {
    this.server = new ScriptedServer(tokens, revokes, introspections, () => this.clock);
    this.deps = {
      transport: this.server.transport,
      config: { get: () => undefined } as never,
      diagnostics: this.diagnostics,
      now: () => new Date(this.clock),
    };
  }

  inputs(): Record<string, unknown> {
    return {
      system: "oauth2",
      resourceName: "api",
      tokenEndpoint: `${AS}/token`,
      revocationEndpoint: `${AS}/revoke`,
      introspectionEndpoint: `${AS}/introspect`,
      clientId: "c",
      clientSecret: this.server.clientSecret,
      rotateAfter: "1h",
      ...(this.scopes ? { scopes: this.scopes } : {}),
      ...(this.shape === "chain"
        ? { grantType: "refresh_token", refreshToken: this.server.initialRefresh, revokeOnDelete: true }
        : {}),
      ...(this.shape === "graceful" ? { gracePeriod: "10m" } : {}),
      __provider: SHIM,
    };
  }

  /** Runs one provider call; a recorded failure's properties become state, as the engine does. */
  private async call<T>(fn: () => Promise<T>, onRecorded: (r: Resource) => void): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      const e = error as Error & { id?: string; properties?: Record<string, unknown> };
      this.errors.push(e.message);
      if (e.id && e.properties) {
        expect(e.properties.__provider).toBe(SHIM);
        onRecorded({ id: e.id, props: e.properties });
        return undefined;
      }
      this.unrecordedFailure = true;
      return undefined;
    }
  }
  unrecordedFailure = false;

  private replaceResource(old: Resource | undefined, next: Resource): void {
    this.resources = [...this.resources.filter((r) => r !== old), next];
    this.current = next;
  }

  async create(): Promise<Resource | undefined> {
    let made: Resource | undefined;
    const result = await this.call(
      () => createAccessToken(this.inputs(), this.deps),
      (r) => {
        made = r;
      },
    );
    if (result) made = { id: result.id, props: { ...result.outs, __provider: SHIM } };
    if (made) {
      this.resources.push(made);
      this.current = made;
    }
    return made;
  }

  async remove(resource: Resource): Promise<boolean> {
    let ok = false;
    await this.call(
      async () => {
        await deleteAccessToken(resource.props, this.deps);
        ok = true;
      },
      () => {},
    );
    if (ok) {
      this.resources = this.resources.filter((r) => r !== resource);
      if (this.current === resource) this.current = undefined;
    }
    return ok;
  }

  async up(): Promise<void> {
    for (const pending of this.resources.filter((r) => r !== this.current)) await this.remove(pending);
    const old = this.current;
    if (!old) {
      await this.create();
      return;
    }
    const diff = await diffAccessToken(old.props, this.inputs(), this.deps);
    if (diff.replaces?.length) {
      const made = await this.create();
      // Create before delete: the old one is deleted only once its replacement exists
      // (after a recorded failure too: the engine then holds both).
      if (made) {
        this.current = made;
        await this.remove(old);
      }
      return;
    }
    if (!diff.changes) return;
    const result = await this.call(
      () => updateAccessToken(old.props, this.inputs(), this.deps, old.id),
      (r) => this.replaceResource(old, r),
    );
    if (result?.outs) this.replaceResource(old, { id: old.id, props: { ...result.outs, __provider: SHIM } });
  }

  async refresh(): Promise<void> {
    const old = this.current;
    if (!old) return;
    const result = await this.call(
      () => readAccessToken(old.id, old.props, this.deps),
      () => {},
    );
    if (!result) return;
    if (result.id === "") {
      this.resources = this.resources.filter((r) => r !== old);
      this.current = undefined;
      this.droppedByRead.push(String(old.props.accessToken), String(old.props.previousAccessToken));
      if (typeof old.props.refreshToken === "string") this.droppedRefresh = true;
    } else {
      this.replaceResource(old, { id: result.id ?? old.id, props: { ...(result.props ?? {}), __provider: SHIM } });
    }
  }
  readonly droppedByRead: string[] = [];
  droppedRefresh = false;

  async destroy(): Promise<void> {
    for (const r of [...this.resources]) await this.remove(r);
  }

  async run(s: Step): Promise<void> {
    this.server.issuedThisStep = [];
    this.unrecordedFailure = false;
    switch (s.op) {
      case "up":
        return this.up();
      case "refresh":
        return this.refresh();
      case "destroy":
        return this.destroy();
      case "advance":
        this.clock += s.ms;
        return;
      case "rescope":
        this.scopes = this.scopes ? undefined : ["narrower"];
        return;
    }
  }

  readonly log: string[] = [];

  /** The model's state in one line, for a failing run's transcript. */
  describe(): string {
    const s = this.server;
    return JSON.stringify({
      resources: this.resources.map((r) => ({
        id: r.id.slice(0, 8),
        at: r.props.accessToken,
        prev: r.props.previousAccessToken,
        rt: r.props.refreshToken,
        exp: r.props.expiresAt,
        incomplete: r.props.issueIncomplete,
      })),
      revoked: [...s.revoked],
      newestRefresh: s.newestRefresh,
      grantRevoked: s.grantRevoked,
      droppedByRead: this.droppedByRead,
      errors: this.errors,
      messages: this.diagnostics.messages.map((m) => m.message),
    });
  }

  // -------------------------------------------------------------------------------------
  // Invariants

  inState(token: string): boolean {
    return this.resources.some((r) => r.props.accessToken === token || r.props.previousAccessToken === token);
  }

  accountedFor(token: string): boolean {
    const { issued, revoked, declaredDead } = this.server;
    const info = issued.get(token);
    if (this.inState(token) || revoked.has(token) || declaredDead.has(token) || this.droppedByRead.includes(token)) {
      return true;
    }
    if (info?.expiresAtMs !== undefined && info.expiresAtMs <= this.clock) return true;
    // Tokens of a refresh-token chain live and die with the grant.
    return !!info?.chain && this.grantAccountedFor();
  }

  grantAccountedFor(): boolean {
    const s = this.server;
    if (s.grantRevoked || this.droppedRefresh) return true;
    const newest = s.newestRefresh;
    return newest === s.initialRefresh || this.resources.some((r) => r.props.refreshToken === newest);
  }

  check(): void {
    const s = this.server;
    // After refresh dropped a chain token (the server called its access token inactive), its
    // refresh token is gone from state, and a later create can only send the given one.
    if (!this.droppedRefresh) expect(s.spentReuse, "a spent refresh token was sent").toEqual([]);
    for (const token of s.issued.keys()) expect(this.accountedFor(token), `token ${token} lost`).toBe(true);
    if (this.shape === "chain") expect(this.grantAccountedFor(), "newest refresh token lost").toBe(true);
    if (this.unrecordedFailure) {
      for (const token of s.issuedThisStep)
        expect(this.accountedFor(token), `unrecorded failure lost ${token}`).toBe(true);
    }
    const secrets = [s.clientSecret, s.initialRefresh, ...s.issued.keys(), ...s.refreshTokens];
    const texts = [...this.errors, ...this.diagnostics.messages.map((m) => m.message)];
    const secretKeys = new Set<string>([...SECRET_OUTPUTS, ...oauth2TokenSystem.secretInputs]);
    for (const r of this.resources) {
      texts.push(...Object.keys(r.props), r.id);
      for (const [key, value] of Object.entries(r.props)) {
        if (!secretKeys.has(key) && key !== "__provider") texts.push(JSON.stringify(value));
      }
    }
    for (const text of texts) {
      for (const secret of secrets) expect(text.includes(secret), `secret in "${text}"`).toBe(false);
    }
  }
}

describe("lifecycle property: nothing issued is lost, no grant burned, no secret shown", () => {
  it.each<Shape>(["chain", "graceful", "replacing"])("%s tokens", async (shape) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 14 }),
        fc.array(tokenAnswer, { maxLength: 14 }),
        fc.array(fc.boolean(), { maxLength: 10 }),
        fc.array(introspectionAnswer, { maxLength: 6 }),
        async (steps, tokens, revokes, introspections) => {
          const model = new Model(shape, tokens, revokes, introspections);
          for (const s of [...steps, { op: "up" } as Step]) {
            await model.run(s);
            model.log.push(`${JSON.stringify(s)} → ${model.describe()}`);
            try {
              model.check();
            } catch (error) {
              (error as Error).message += `\n${model.log.join("\n")}`;
              throw error;
            }
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
