/**
 * The AccessToken lifecycle, written once for every token system: validate inputs
 * (check), decide replace / update / rotate (diff), issue (create), renew or clean up
 * (update), ask whether the token still works (read), revoke (delete).
 *
 * When does a token rotate? See `rotation.ts` ({@link rotationDecision}); this file acts
 * on the answer:
 * - a material input changed → replace (the new token is issued before the old one is
 *   revoked, and the engine updates dependents in between);
 * - rotation due and nothing to carry over → replace, the same way;
 * - rotation due and a refresh token to carry over, or a grace period → update in place:
 *   the next token is issued from state, and the previous one is kept (secret) until its
 *   grace ends, then revoked on the first `up` after that (or on destroy).
 */
import { randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import * as clock from "../clock";
import type { ConfigSlot } from "../config";
import { type Diagnostics, recordingDiagnostics } from "../diagnostics";
import { isAccessTokenError, withHints } from "../errors";
import { HttpPolicyInput, toHttpPolicy } from "../http/policy-inputs";
import { keepSecrets, redact, redactError } from "../http/redact";
import type { Transport } from "../http/transport";
import { TOKEN_COMMON_INPUTS, TOKEN_COMMON_OUTPUTS } from "./common";
import { secretNames, shapeOf } from "./description";
import { type SystemRegistry, callContext, guarded, lifecycleCore, sameValue } from "./lifecycle";
import type { Introspected, Issued, SystemContext, TokenState, TokenSystem } from "./token-system";
import { type StrayTokens, strayTokensOf } from "../systems/oauth2/wire";
import { isoAfter } from "../time";
import { UNKNOWN, isUnknown, recordedFailure, stripProvider } from "./inputs";
import { ROTATION_POLICY_INPUTS, parseDuration, rotationDecision, rotationDueAt } from "./rotation";

/** Version of the state layout written by this code. */
export const STATE_VERSION = 1;

export { UNKNOWN };

/** Outputs that are always secret (besides each system's secret inputs). */
export const SECRET_OUTPUTS = secretNames(TOKEN_COMMON_OUTPUTS);

/**
 * Inputs whose name is also a state field the lifecycle owns: the input value is kept
 * under another key. `refreshToken` in state is always the *latest* refresh token (a
 * rotated one replaces it); the one the user gave is kept as `initialRefreshToken`, so a
 * new authorization (a changed input) is told apart from a server-side rotation.
 */
const SHADOWED_INPUTS: Record<string, string> = { refreshToken: "initialRefreshToken" };

/** The old value of input `key`, from old outputs. */
function oldInput(olds: Record<string, unknown>, key: string): unknown {
  const shadow = SHADOWED_INPUTS[key];
  return shadow ? olds[shadow] : olds[key];
}

/** The inputs as they were given, recovered from state (shadowed inputs mapped back). */
function inputsFromState(state: Record<string, unknown>): Record<string, unknown> {
  const inputs = { ...state };
  for (const [input, shadow] of Object.entries(SHADOWED_INPUTS)) {
    if (state[shadow] === undefined) delete inputs[input];
    else inputs[input] = state[shadow];
  }
  return inputs;
}

/** Inputs a create sends as a refresh grant (their value is kept in state as `initialRefreshToken`). */
const REFRESH_TOKEN_INPUTS = ["refreshToken", "initialRefreshToken"] as const;

/**
 * Refresh tokens known to be spent, each with the newest refresh token of its
 * authorization, learnt by `diff` from the state of a token it plans to replace (the engine
 * diffs a resource, then creates its replacement, in the same provider process). The
 * replacement's create sends the newest one instead of the given, already spent one: servers
 * with reuse detection (oidc-provider, Keycloak) revoke the whole grant when a spent refresh
 * token comes back. Used once: another create from the same input is not that replacement.
 */
const newestRefreshToken = new Map<string, string>();

/**
 * Refresh tokens a replacement's create has sent, each with the access token that create
 * obtained: the replaced resource's delete must not revoke them (the replacement's own delete
 * may).
 */
const usedByReplacement = new Map<string, string>();

/** Remembers, from a token's state, which refresh token is the newest of its authorization. */
function noteNewestRefreshToken(state: Record<string, unknown>): void {
  const given = state.initialRefreshToken;
  const newest = state.refreshToken;
  if (typeof given === "string" && typeof newest === "string" && given !== newest) {
    newestRefreshToken.set(given, newest);
  }
}

/** The inputs a create sends, with a spent refresh token replaced by the newest one known. */
function withCarriedRefreshToken(system: TokenSystem, inputs: Record<string, unknown>): Record<string, unknown> {
  for (const key of REFRESH_TOKEN_INPUTS) {
    const given = inputs[key];
    if (!(key in system.inputShape) || typeof given !== "string") continue;
    const newest = newestRefreshToken.get(given);
    if (newest === undefined) continue;
    // One replacement per diff: a second create from the same input is not a replacement.
    newestRefreshToken.delete(given);
    return { ...inputs, [key]: newest };
  }
  return inputs;
}

/** The token systems, as `provider/index.ts` passes them (`provider/systems/index.ts`). */
export type TokenRegistry = SystemRegistry<TokenSystem>;

/** Everything the lifecycle needs from its environment. */
export interface AccessTokenDeps {
  transport: Transport;
  /** The systems this lifecycle serves. */
  systems: TokenRegistry;
  config: ConfigSlot;
  diagnostics?: Diagnostics;
  now?: () => Date;
}

/**
 * What one operation (create, update, read, delete) hands the helpers that call its token
 * system: the system, the inputs its calls send, and the call context (transport, secrets,
 * diagnostics, clock). The three travel together to every system call; the token state a
 * helper works on is passed beside it, since one operation works on more than one (the old
 * and the next state of an update).
 *
 * @typeParam Inputs - the inputs: parsed, or (read) how to parse them when first needed
 */
interface TokenCall<Inputs = Record<string, unknown>> {
  system: TokenSystem;
  inputs: Inputs;
  ctx: SystemContext;
}

/**
 * A read's {@link TokenCall}: its inputs are recovered from state and parsed only when a
 * system call needs them, so a token whose stored inputs no longer parse can still be judged
 * expired, and leave state.
 */
type ReadCall = TokenCall<() => Record<string, unknown>>;

// -----------------------------------------------------------------------------------------
// Inputs

const core = lifecycleCore<TokenSystem>({
  systemNoun: "token system",
  noun: "token",
  commonShape: shapeOf(TOKEN_COMMON_INPUTS),
  secretKeys: (system) => [...SECRET_OUTPUTS, ...system.secretInputs],
});
const { inputKeysOf, label, parseInputs, pickInputs, secretsOf } = core;

/** The system for a set of inputs or state; throws for an unknown one. */
export function systemOf(props: Record<string, unknown>, registry: TokenRegistry): TokenSystem {
  return core.systemOf(registry, props);
}

/** Validates new inputs: every problem, named by property with a reason, and no network call. */
export function checkInputs(news: Record<string, unknown>, registry: TokenRegistry): pulumi.dynamic.CheckResult {
  const inputs = stripProvider(news);
  const system = core.lookup(registry, inputs);
  const failures = system
    ? core.checkFailures(system, inputs)
    : [{ property: "system", reason: core.unknownSystem(registry, core.systemId(registry, inputs)) }];
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

/** {@link checkInputs}, then the system's warnings about valid but suspicious inputs (shown at preview). */
export async function checkAccessToken(
  news: Record<string, unknown>,
  deps: Pick<AccessTokenDeps, "diagnostics" | "systems">,
): Promise<pulumi.dynamic.CheckResult> {
  const result = checkInputs(news, deps.systems);
  const system = core.lookup(deps.systems, news);
  if (!result.failures?.length && system?.inputWarnings && !Object.values(news).some(isUnknown)) {
    for (const warning of system.inputWarnings(pickInputs(system, news))) {
      await (deps.diagnostics ?? recordingDiagnostics()).warn(`${label(news, system)}: ${warning}`);
    }
  }
  return result;
}

// -----------------------------------------------------------------------------------------
// Diff

/** Rotation carries a refresh token over, or keeps the previous token: update in place. */
function rotatesInPlace(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return typeof olds.refreshToken === "string" || typeof news.gracePeriod === "string";
}

/** How soon before an upstream credential's end `preview` starts warning. */
export const UPSTREAM_WARNING_WINDOW_MS = 7 * 86_400_000;

/**
 * Decides replace / update / nothing from old outputs and new inputs, at plan time, with
 * no network call, and tells the user why a token will rotate.
 */
export async function diffAccessToken(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: Pick<AccessTokenDeps, "diagnostics" | "now" | "systems">,
): Promise<pulumi.dynamic.DiffResult> {
  const system = systemOf(isUnknown(news.system) ? olds : news, deps.systems);
  const now = (deps.now ?? clock.now)();
  const diagnostics = deps.diagnostics ?? recordingDiagnostics();
  const material = ["system", ...system.materialInputs];
  const changed = (k: string) => isUnknown(news[k]) || !sameValue(oldInput(olds, k), news[k]);
  const replaces = material.filter(changed);
  const updates = inputKeysOf(system).filter((k) => !material.includes(k) && k !== "triggers" && changed(k));

  if (olds.issueIncomplete === true && !replaces.length) {
    await diagnostics.info(
      `${label(news, system)}: the last token request did not complete; a new token will be issued, then the one kept from it is cleaned up`,
    );
    replaces.push("issueIncomplete");
  }
  const decision = rotationDecision(olds, news, now);
  const secrets = secretsOf(system, olds, news);
  // The replacement's create (next, in this process) sends this token's newest refresh token.
  if (replaces.length) noteNewestRefreshToken(olds);
  if (decision.rotate && replaces.length === 0) {
    const how = rotatesInPlace(olds, news) ? "renewed in place" : "replaced";
    await diagnostics.info(
      redact(`${label(news, system)} will rotate (${how}): ${decision.reasons.join("; ")}`, secrets),
    );
    if (!rotatesInPlace(olds, news)) replaces.push("accessToken");
  }
  if (decision.revokePrevious && typeof olds.previousAccessToken === "string") {
    await diagnostics.info(
      redact(
        `${label(news, system)}: the previous token's grace period ended at ${String(olds.previousRevokeAt)}; ${isGrantChain(olds) ? "it will be dropped from state, not revoked (it shares its grant with the refresh token)" : "it will be revoked"}`,
        secrets,
      ),
    );
  }
  const expiries = system.upstreamExpiries?.(pickInputs(system, news), olds as TokenState) ?? [];
  for (const warning of upstreamWarnings(expiries, now)) await diagnostics.warn(`${label(news, system)}: ${warning}`);
  const changes =
    replaces.length > 0 ||
    updates.length > 0 ||
    decision.rotate ||
    (decision.revokePrevious && typeof olds.previousAccessToken === "string");
  return { changes, replaces, deleteBeforeReplace: false };
}

/** What to warn about upstream credentials that end within {@link UPSTREAM_WARNING_WINDOW_MS}, or have ended. */
function upstreamWarnings(expiries: readonly { what: string; at: string }[], now: Date): string[] {
  const warnings: string[] = [];
  for (const { what, at } of expiries) {
    const left = Date.parse(at) - now.getTime();
    if (left <= UPSTREAM_WARNING_WINDOW_MS) {
      warnings.push(
        `${what} ${left <= 0 ? "expired" : "expires"} at ${at}${left > 0 ? ` (in ${Math.ceil(left / 86_400_000)} day(s))` : ""}; re-authorize before then`,
      );
    }
  }
  return warnings;
}

// -----------------------------------------------------------------------------------------
// Create / update / read / delete

function contextFor(deps: AccessTokenDeps, secrets: string[], props: Record<string, unknown>): SystemContext {
  const parsed = HttpPolicyInput.safeParse(props.http);
  const own = parsed.success
    ? Object.fromEntries(Object.entries(toHttpPolicy(parsed.data)).filter(([, v]) => v !== undefined))
    : {};
  // The resource's own `http` settings win over a system's defaults.
  const transport: Transport = Object.keys(own).length
    ? (req, rctx, overrides) => deps.transport(req, rctx, { ...overrides, ...own })
    : deps.transport;
  return { ...callContext(deps, secrets, transport), config: deps.config };
}

/** The token part of the state, from a freshly issued token. */
function tokenFields(issued: Issued, inputs: Record<string, unknown>, issuedAt: Date): Record<string, unknown> {
  // Lifetimes are bounded by the response parsers, and isoAfter cannot throw: state building
  // after a token exists never fails on a date.
  const expiresAt = issued.expiresIn !== undefined ? isoAfter(issuedAt, issued.expiresIn * 1000) : undefined;
  const due = rotationDueAt(inputs, issuedAt.toISOString(), expiresAt);
  return {
    accessToken: issued.accessToken,
    tokenType: issued.tokenType,
    issuedAt: issuedAt.toISOString(),
    ...(expiresAt ? { expiresAt } : {}),
    ...(issued.scope !== undefined ? { scope: issued.scope } : {}),
    ...(issued.refreshToken ? { refreshToken: issued.refreshToken } : {}),
    ...(issued.refreshTokenExpiresAt ? { refreshTokenExpiresAt: issued.refreshTokenExpiresAt } : {}),
    ...(issued.endpoints ? { endpoints: issued.endpoints, resolvedTokenEndpoint: issued.endpoints.token } : {}),
    ...(due ? { rotationDueAt: due } : {}),
    ...issued.extra,
  };
}

const TOKEN_FIELDS = [
  "accessToken",
  "tokenType",
  "issuedAt",
  "expiresAt",
  "scope",
  "refreshToken",
  "refreshTokenExpiresAt",
  "endpoints",
  "resolvedTokenEndpoint",
  "rotationDueAt",
];

/** Issues a token from inputs. */
export async function createAccessToken(
  props: Record<string, unknown>,
  deps: AccessTokenDeps,
): Promise<pulumi.dynamic.CreateResult> {
  const system = systemOf(props, deps.systems);
  const secrets = secretsOf(system, props);
  return guarded(secrets, async () => {
    const inputs = parseInputs(system, props);
    const ctx = contextFor(deps, secrets, props);
    const call: TokenCall = { system, inputs, ctx };
    const issuedAt = ctx.now();
    const id = randomUUID();
    const grantInputs = withCarriedRefreshToken(system, inputs);
    // A carried refresh token is a secret of this call too.
    for (const key of REFRESH_TOKEN_INPUTS) {
      const value = grantInputs[key];
      if (typeof value === "string" && value !== inputs[key]) keepSecrets(ctx, value);
    }
    let issued: Issued;
    try {
      issued = await system.issue(grantInputs, ctx);
    } catch (error) {
      throw await strayAfterCreate(error, { ...call, inputs: grantInputs }, id, props);
    }
    try {
      const state = { ...baseState(system, props), ...tokenFields(issued, inputs, issuedAt) };
      const outs = await withLiveness(call, state);
      const carried = REFRESH_TOKEN_INPUTS.map((k) => grantInputs[k]).find((v) => typeof v === "string");
      if (typeof carried === "string" && grantInputs !== inputs) usedByReplacement.set(carried, issued.accessToken);
      return { id, outs };
    } catch (error) {
      // The token exists now: record it (the engine keeps a created-but-failed resource
      // whose delete revokes it) rather than orphan it.
      throw recordedFailure(
        redactError(error, secrets),
        id,
        {
          ...baseState(system, props),
          ...issuedTokens(issued),
          issuedAt: issuedAt.toISOString(),
          issueIncomplete: true,
        },
        props.__provider,
      );
    }
  });
}

/** What destroy needs of a token whose state could not be built: the tokens and where they live. */
function issuedTokens(issued: Issued): Record<string, unknown> {
  return {
    accessToken: issued.accessToken,
    tokenType: issued.tokenType,
    ...(issued.refreshToken ? { refreshToken: issued.refreshToken } : {}),
    ...(issued.endpoints ? { endpoints: issued.endpoints, resolvedTokenEndpoint: issued.endpoints.token } : {}),
  };
}

/** The inputs part of state (shadowed inputs under their state key), with system and version. */
function baseState(system: TokenSystem, props: Record<string, unknown>): Record<string, unknown> {
  const given = pickInputs(system, props);
  return {
    ...given,
    ...Object.fromEntries(
      Object.entries(SHADOWED_INPUTS)
        .filter(([input]) => given[input] !== undefined)
        .map(([input, shadow]) => [shadow, given[input]]),
    ),
    system: system.id,
    stateVersion: STATE_VERSION,
  };
}

/**
 * A create whose token request failed after the server issued tokens (it answered 2xx, the
 * provider refused the answer): see {@link settleStray}. What is recorded is the inputs and
 * the stray tokens, marked `issueIncomplete` (the next `up` replaces it).
 */
async function strayAfterCreate(
  error: unknown,
  call: TokenCall,
  id: string,
  props: Record<string, unknown>,
): Promise<unknown> {
  const { system, inputs, ctx } = call;
  // The refresh token sent (the newest known): still the authorization's newest unless rotated.
  const sent = REFRESH_TOKEN_INPUTS.map((k) => inputs[k]).find((v): v is string => typeof v === "string");
  return settleStray(error, call, sent !== undefined, (target, stray) =>
    recordedFailure(
      target,
      id,
      {
        ...baseState(system, props),
        ...(stray.accessToken ? { accessToken: stray.accessToken } : {}),
        ...(stray.refreshToken || sent ? { refreshToken: stray.refreshToken ?? sent } : {}),
        issuedAt: ctx.now().toISOString(),
        issueIncomplete: true,
      },
      props.__provider,
    ),
  );
}

/**
 * A renewal whose token request failed after the server issued tokens: see
 * {@link settleStray}. What is recorded is the state as it was, with the newest refresh
 * token (the one sent is spent once the server rotated it) and, for a stray access token
 * that could not be revoked, that token as the current one (marked `issueIncomplete`).
 */
async function strayAfterRenewal(
  error: unknown,
  call: TokenCall,
  id: string,
  next: Record<string, unknown>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<unknown> {
  const { ctx } = call;
  return settleStray(error, call, isGrantChain(olds), (target, stray) => {
    const state: Record<string, unknown> = { ...next, stateVersion: STATE_VERSION };
    if (stray.refreshToken) state.refreshToken = stray.refreshToken;
    if (stray.accessToken && !isGrantChain(olds)) {
      // The stray token becomes the current one (its end unknown), the old one the previous.
      for (const key of TOKEN_FIELDS) if (key !== "refreshToken") delete state[key];
      Object.assign(state, {
        accessToken: stray.accessToken,
        issuedAt: ctx.now().toISOString(),
        previousAccessToken: olds.accessToken,
        ...(typeof olds.expiresAt === "string" ? { previousExpiresAt: olds.expiresAt } : {}),
        previousRevokeAt: ctx.now().toISOString(),
        issueIncomplete: true,
      });
    }
    return recordedFailure(target, id, state, providerOf(news, olds));
  });
}

/**
 * Settles tokens a server issued in an answer the provider refused (the error carries them,
 * see {@link strayTokensOf}). A token of a refresh-token chain is recorded, never revoked:
 * its refresh token is now the authorization's newest, and revoking any token of the grant
 * may end it (RFC 7009 §2.1). Any other token is revoked now, or recorded where it cannot be,
 * so destroy or the next `up` retries. The message says which.
 */
async function settleStray(
  error: unknown,
  call: TokenCall,
  chain: boolean,
  record: (target: Error, stray: StrayTokens) => Error,
): Promise<unknown> {
  const { system, inputs, ctx } = call;
  const stray = strayTokensOf(error);
  if (!stray) return error;
  keepSecrets(ctx, stray.accessToken, stray.refreshToken);
  const target = redactError(error instanceof Error ? error : new Error(String(error)), ctx.secrets);
  const note = (text: string) => withNote(target, text);
  if (stray.refreshToken || chain) {
    return record(
      note(
        stray.refreshToken
          ? "the refresh token the server issued anyway is kept in state (it is the authorization's newest); the access token issued with it is not revoked (that could end the authorization) and expires on its own"
          : "the access token the server issued anyway is not revoked (it shares its grant with the refresh token; revoking it could end the authorization) and expires on its own",
      ),
      stray,
    );
  }
  const token = stray.accessToken as string;
  try {
    const outcome = await system.revoke(inputs, { accessToken: token } as TokenState, token, ctx);
    if (outcome.revoked) return note("the token the server issued anyway was revoked");
    const why = redact(outcome.note ?? "no reason given", ctx.secrets);
    return record(
      note(
        `the token the server issued anyway could not be revoked (${why}); it is kept in state for destroy or the next pulumi up`,
      ),
      stray,
    );
  } catch (revokeError) {
    const why = redact(revokeError instanceof Error ? revokeError.message : String(revokeError), ctx.secrets);
    return record(
      note(
        `revoking the token the server issued anyway failed (${why}); it is kept in state for destroy or the next pulumi up`,
      ),
      stray,
    );
  }
}

/**
 * `error` with `note` closing its message (after "; "): a new error, built once with the
 * note (an {@link AccessTokenError} keeps its code, status, endpoint and cause, and gets the
 * note as a hint); `error` itself is left as it is.
 */
function withNote(error: Error, note: string): Error {
  return isAccessTokenError(error)
    ? withHints(error, { text: note, separator: "; " })
    : new Error(`${error.message}; ${note}`, { cause: error });
}

/** The `__provider` shim text of an update's inputs, else of its old outputs. */
function providerOf(news: Record<string, unknown>, olds: Record<string, unknown>): unknown {
  return news.__provider ?? olds.__provider;
}

/**
 * Updates in place: copies changed cosmetic inputs, renews the token when rotation is due
 * (in-place mode), and revokes a previous token whose grace period ended. No network call
 * when only cosmetic inputs changed.
 */
export async function updateAccessToken(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: AccessTokenDeps,
  id = "unknown",
): Promise<pulumi.dynamic.UpdateResult> {
  const system = systemOf(news, deps.systems);
  const secrets = secretsOf(system, olds, news);
  return guarded(secrets, async () => {
    const inputs = parseInputs(system, news);
    const ctx = contextFor(deps, secrets, news);
    const call: TokenCall = { system, inputs, ctx };
    const now = ctx.now();
    const next: Record<string, unknown> = { ...stripProvider(olds) };
    for (const key of inputKeysOf(system)) {
      const target = SHADOWED_INPUTS[key] ?? key;
      if (news[key] === undefined) delete next[target];
      else next[target] = news[key];
    }
    const decision = rotationDecision(olds, news, now);

    if (decision.revokePrevious && typeof olds.previousAccessToken === "string") {
      // A failed revocation keeps the previous token in state: the next up retries.
      if (await retirePrevious(call, olds, olds.previousAccessToken)) clearPrevious(next);
    }
    if (decision.rotate) {
      // A previous token still in its grace period cannot be kept beside two newer ones: it
      // is retired first, and when that fails nothing is issued (state keeps both as they are).
      if (typeof next.previousAccessToken === "string") {
        if (!(await retirePrevious(call, olds, next.previousAccessToken))) {
          await ctx.diagnostics.warn(
            `${label(news, system)} was not rotated: the previous token could not be revoked, and state holds one previous token at most; nothing was issued, and the next pulumi up retries`,
          );
          next.stateVersion = STATE_VERSION;
          return { outs: next };
        }
        clearPrevious(next);
      }
      let issued: Issued;
      try {
        issued = system.renew ? await system.renew(inputs, olds as TokenState, ctx) : await system.issue(inputs, ctx);
      } catch (error) {
        throw await strayAfterRenewal(error, call, id, next, olds, news);
      }
      // From here on the new token exists: whatever fails, it reaches state.
      try {
        for (const key of TOKEN_FIELDS) delete next[key];
        Object.assign(next, await previousFields(call, olds, now), tokenFields(issued, inputs, now));
        // Calibrated again with each new token: the server's policy for this client may have changed.
        const liveness = await calibratedLiveness(call, next, olds.liveness);
        if (liveness) next.liveness = liveness;
      } catch (error) {
        for (const key of TOKEN_FIELDS) delete next[key];
        Object.assign(next, issuedTokens(issued), { issuedAt: now.toISOString(), stateVersion: STATE_VERSION });
        throw recordedFailure(redactError(error, ctx.secrets), id, next, providerOf(news, olds));
      }
    } else {
      // A changed policy moves the schedule of the current token.
      const due = rotationDueAt(inputs, String(olds.issuedAt), olds.expiresAt as string | undefined);
      if (due) next.rotationDueAt = due;
      else delete next.rotationDueAt;
    }
    next.stateVersion = STATE_VERSION;
    return { outs: next };
  });
}

/**
 * What becomes of the token a renewal replaces, decided so that an `up` leaves the stack
 * converged (the next preview plans nothing for it) and nothing live leaves state unsaid:
 * - refresh-token chains: it cannot be revoked (RFC 7009 §2.1: that may end the grant), so it
 *   stays in state (secret) until the next renewal replaces it, and expires on its own; no
 *   revocation date is set, since none will happen;
 * - otherwise, with a `gracePeriod`: kept until the grace ends, revoked on the first `up`
 *   after that;
 * - otherwise: revoked now, in the same update.
 */
async function previousFields(
  call: TokenCall,
  olds: Record<string, unknown>,
  now: Date,
): Promise<Record<string, unknown>> {
  const kept = {
    previousAccessToken: olds.accessToken,
    ...(typeof olds.expiresAt === "string" ? { previousExpiresAt: olds.expiresAt } : {}),
  };
  if (isGrantChain(olds)) return kept;
  const grace = typeof call.inputs.gracePeriod === "string" ? parseDuration(call.inputs.gracePeriod) : undefined;
  if (grace === undefined) {
    if (typeof olds.accessToken !== "string") return {};
    if (await revokeQuietly(call, olds, olds.accessToken, "previous token")) return {};
    // Revocation failed: kept, due now, so the next up retries.
    return { ...kept, previousRevokeAt: now.toISOString() };
  }
  return { ...kept, previousRevokeAt: isoAfter(now, grace) };
}

function clearPrevious(state: Record<string, unknown>): void {
  delete state.previousAccessToken;
  delete state.previousExpiresAt;
  delete state.previousRevokeAt;
}

/**
 * True when the token renews from a stored refresh token. Its access tokens share one grant
 * with that refresh token, and RFC 7009 §2.1 lets a server revoke the whole grant when one
 * of them is revoked (oidc-provider does): revoking an old access token could end the
 * authorization. Such tokens are left to expire instead.
 */
function isGrantChain(state: Record<string, unknown>): boolean {
  return typeof state.refreshToken === "string";
}

/** Ends a previous token after its grace: revoked, or (grant chains) left to expire. */
async function retirePrevious(call: TokenCall, state: Record<string, unknown>, token: string): Promise<boolean> {
  if (isGrantChain(state)) {
    const expiresAt = state.previousExpiresAt;
    await call.ctx.diagnostics.info(
      `${label(state, call.system)}: the previous token was not revoked (it shares its grant with the refresh token; revoking it could end the authorization); it ${typeof expiresAt === "string" ? `expires at ${expiresAt}` : "expires on its own"}`,
    );
    return true;
  }
  return revokeQuietly(call, state, token, "previous token");
}

/**
 * Revokes, reporting failure as a warning: a new token is never lost to a failed cleanup.
 * True when the token is settled: revoked, or the system says it cannot be revoked (the note,
 * shown as a warning, says until when it stays valid); false when revoking failed and may
 * succeed later (the caller keeps the token in state).
 */
async function revokeQuietly(
  { system, inputs, ctx }: TokenCall,
  state: Record<string, unknown>,
  token: string,
  what: string,
): Promise<boolean> {
  try {
    const outcome = await system.revoke(inputs, state as TokenState, token, ctx);
    if (!outcome.revoked && outcome.note) {
      await ctx.diagnostics.warn(redact(`${label(state, system)}: ${what} not revoked: ${outcome.note}`, ctx.secrets));
    }
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await ctx.diagnostics.warn(
      redact(
        `${label(state, system)}: revoking the ${what} failed: ${message}; it is kept in state and the next pulumi up retries`,
        ctx.secrets,
      ),
    );
    return false;
  }
}

function isExpired(expiresAt: unknown, now: Date): boolean {
  return typeof expiresAt === "string" && Date.parse(expiresAt) <= now.getTime();
}

// -----------------------------------------------------------------------------------------
// Liveness: what the server's answers mean for this client

/**
 * How `refresh` judges whether a token still works, recorded in state as `liveness` for
 * systems with RFC 7662 introspection:
 * - `"introspection"`: the server called a token it had just issued (or a stored one)
 *   active, so its introspection can judge this client's tokens; `active: false` then means
 *   revoked, and the token leaves state;
 * - `"expiry"`: the server offers no introspection, refuses it to this client, or called a
 *   token it had just issued inactive (RFC 7662 §2.2 lets it say so to a caller that may not
 *   know); only the expiry (and the system's other evidence) decides, and introspection is
 *   not asked again until the next token is issued.
 * State without it (written before it existed) is calibrated on its next refresh.
 */
export type LivenessBasis = "introspection" | "expiry";

/**
 * Calibrates the server's introspection with a token it has just issued: the `liveness`
 * to record with it, or undefined when it cannot be told now (the server failed; the next
 * refresh calibrates). Never throws: the token exists and must reach state. Warns when
 * introspection turns out unusable for this client, once (not when state already says so).
 */
async function calibratedLiveness(
  { system, inputs, ctx }: TokenCall,
  state: Record<string, unknown>,
  recorded?: unknown,
): Promise<LivenessBasis | undefined> {
  if (!system.introspect) return undefined;
  let answer: Introspected | undefined;
  try {
    answer = await system.introspect(inputs, state as TokenState, state.accessToken as string, ctx);
  } catch {
    return undefined;
  }
  if (answer?.verdict === "active") return "introspection";
  if (answer && recorded !== "expiry") {
    const said =
      answer.verdict === "inactive"
        ? "called the token it had just issued inactive"
        : `refused to answer (${answer.reason})`;
    await ctx.diagnostics.warn(
      redact(
        `${label(state, system)}: the server's introspection ${said}, so it cannot judge this client's tokens; refresh judges them by their expiry instead (liveness: "expiry")`,
        ctx.secrets,
      ),
    );
  }
  return "expiry";
}

/** `state` with the `liveness` calibrated for its (freshly issued) token, when it can be told. */
async function withLiveness(call: TokenCall, state: Record<string, unknown>): Promise<Record<string, unknown>> {
  const liveness = await calibratedLiveness(call, state);
  return liveness ? { ...state, liveness } : state;
}

/**
 * What a read concluded: dead (with why, and whether the evidence is certain: expiry, or
 * the token itself refused), or alive (with what to update in state).
 */
type Verdict = { dead: string; certain: boolean } | { dead?: undefined; updates: Record<string, unknown> };

/**
 * The one rule for "does this token still work?", for every system: expiry is certain;
 * introspection's `active: false` is trusted only where calibrated (`liveness:
 * "introspection"`); a refusal to introspect is no evidence; otherwise the system's own
 * evidence (expiry in the token, a call made with it) decides. Ambiguous evidence never
 * drops a token: it is kept, with a warning.
 */
async function judge({ system, inputs: inputsOf, ctx }: ReadCall, state: Record<string, unknown>): Promise<Verdict> {
  if (isExpired(state.expiresAt, ctx.now())) {
    // A refresh-token chain's state holds the grant's newest refresh token, and only here:
    // dropping the expired access token would strand it, and the next up could only send the
    // given one, already spent (a server with reuse detection then ends the whole grant).
    // Kept: the next up renews it from that refresh token, unless the refresh token ended too.
    if (isGrantChain(state) && !isExpired(state.refreshTokenExpiresAt, ctx.now())) {
      await ctx.diagnostics.info(
        `${label(state, system)}: its access token expired at ${String(state.expiresAt)}; it stays in state for its refresh token, and the next pulumi up renews it`,
      );
      return { updates: {} };
    }
    return { dead: `expired at ${String(state.expiresAt)}`, certain: true };
  }
  const inputs = inputsOf();
  const updates: Record<string, unknown> = {};
  if (system.introspect && state.liveness !== "expiry") {
    const answer = await system.introspect(inputs, state as TokenState, state.accessToken as string, ctx);
    if (answer?.verdict === "active") {
      return { updates: { liveness: "introspection", ...(answer.expiresAt ? { expiresAt: answer.expiresAt } : {}) } };
    }
    if (answer?.verdict === "inactive" && state.liveness === "introspection") {
      return { dead: `the ${system.displayName} server reports it inactive (revoked)`, certain: false };
    }
    if (answer?.verdict === "inactive") {
      // Never calibrated (older state): revoked, or a server that will not tell this client
      // about its own tokens? Keeping a dead token costs a failed call until its expiry (and
      // `pulumi up --replace` ends it); dropping a live one leaves it valid at the server,
      // unrecorded, and issues another. Keep it.
      updates.liveness = "expiry";
      await ctx.diagnostics.warn(
        `${label(state, system)}: the server's introspection calls it inactive, but that was never calibrated for this client (it may only mean this client may not introspect its own tokens); it is kept and judged by its expiry from now on (${typeof state.expiresAt === "string" ? `expires at ${state.expiresAt}` : "no expiry known"}). If it was revoked, run pulumi up --replace on it`,
      );
    } else if (answer?.verdict === "refused") {
      if (state.liveness === undefined) updates.liveness = "expiry";
      await ctx.diagnostics.warn(
        redact(
          `${label(state, system)}: the server refused to introspect it (${answer.reason}); it is kept, judged by its expiry`,
          ctx.secrets,
        ),
      );
    } else if (answer === undefined && state.liveness === undefined) {
      updates.liveness = "expiry";
    }
  }
  const liveness = await system.check(inputs, state as TokenState, ctx);
  if (liveness && !liveness.active) {
    return { dead: `the ${system.displayName} server reports it inactive (revoked)`, certain: true };
  }
  return { updates: { ...updates, ...(liveness?.expiresAt ? { expiresAt: liveness.expiresAt } : {}) } };
}

/**
 * A token leaves state (refresh found it dead): says so, and revokes what may still work:
 * the token, when only introspection called it dead (were that wrong, it would stay valid,
 * unrecorded), and a previous token still in its grace period. Not where `revokeOnDelete`
 * is false, nor tokens of a grant chain (that could end the authorization).
 */
async function retireLeaving(
  { system, inputs: inputsOf, ctx }: ReadCall,
  state: Record<string, unknown>,
  verdict: { dead: string; certain: boolean },
): Promise<void> {
  await ctx.diagnostics.warn(
    `${label(state, system)} leaves state: ${verdict.dead}; the next pulumi up issues a new one`,
  );
  if (state.revokeOnDelete === false) return;
  const targets: [string, unknown, unknown][] = [
    ["token", verdict.certain ? undefined : state.accessToken, state.expiresAt],
    ["previous token", state.previousAccessToken, state.previousExpiresAt],
  ];
  for (const [what, token, expiresAt] of targets) {
    if (typeof token !== "string" || isExpired(expiresAt, ctx.now())) continue;
    if (isGrantChain(state)) {
      await ctx.diagnostics.info(
        `${label(state, system)}: the ${what} was not revoked (it shares its grant with the refresh token; revoking it could end the authorization)`,
      );
      continue;
    }
    let inputs: Record<string, unknown>;
    try {
      inputs = inputsOf();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await ctx.diagnostics.warn(
        redact(`${label(state, system)}: the ${what} was not revoked: ${message}`, ctx.secrets),
      );
      continue;
    }
    await revokeQuietly({ system, inputs, ctx }, state, token, what);
  }
}

/**
 * Asks whether the token still works (see {@link judge}). A dead token is reported gone,
 * after a warning and an attempt to revoke it, so the next `pulumi up` issues a new one —
 * unless `recreateIfInvalid` is false, in which case it stays in state and a warning says
 * so. A kept token's state records what was learnt (`liveness`, a more precise expiry).
 */
export async function readAccessToken(
  id: string,
  props: Record<string, unknown>,
  deps: AccessTokenDeps,
): Promise<pulumi.dynamic.ReadResult> {
  const system = systemOf(props, deps.systems);
  const secrets = secretsOf(system, props);
  return guarded(secrets, async () => {
    const ctx = contextFor(deps, secrets, props);
    const state = stripProvider(props);
    // A recorded failure holds tokens the server issued: kept until the next up replaces it.
    if (state.issueIncomplete === true) return { id, props: state };
    const call: ReadCall = { system, inputs: () => parseInputs(system, inputsFromState(state)), ctx };
    const verdict = await judge(call, state);
    if (verdict.dead !== undefined) {
      if (state.recreateIfInvalid === false) {
        await ctx.diagnostics.warn(
          `${label(state, system)} is no longer valid (${verdict.dead}); recreateIfInvalid is false, so it is kept`,
        );
        return { id, props: state };
      }
      await retireLeaving(call, state, verdict);
      return { id: "", props: {} };
    }
    return { id, props: { ...state, ...verdict.updates } };
  });
}

/** Revokes the current and any previous token where the system allows; says so where it cannot. */
export async function deleteAccessToken(props: Record<string, unknown>, deps: AccessTokenDeps): Promise<void> {
  const system = systemOf(props, deps.systems);
  const secrets = secretsOf(system, props);
  await guarded(secrets, async () => {
    const ctx = contextFor(deps, secrets, props);
    const state = stripProvider(props);
    if (state.revokeOnDelete === false) return;
    const inputs = parseInputs(system, inputsFromState(state));
    if (isGrantChain(state)) {
      // Revoking any token of the grant may end it (RFC 7009 §2.1), which would also break
      // a replacement created from the same authorization: only on explicit request.
      const replacedBy = typeof state.refreshToken === "string" ? usedByReplacement.get(state.refreshToken) : undefined;
      if (replacedBy !== undefined && replacedBy !== state.accessToken) {
        await ctx.diagnostics.info(
          `${label(state, system)}: not revoked on delete: its refresh token was carried into the resource that replaces it`,
        );
        return;
      }
      if (state.revokeOnDelete !== true && !system.decidesRevocationOnDelete) {
        await ctx.diagnostics.warn(
          `${label(state, system)}: not revoked on delete: it renews from a refresh token, and revoking would end the whole authorization; set revokeOnDelete: true to revoke the refresh token on delete`,
        );
        return;
      }
      const outcome = await system.revoke(
        inputs,
        state as TokenState,
        state.refreshToken as string,
        ctx,
        "refresh_token",
      );
      if (!outcome.revoked && outcome.note) {
        await ctx.diagnostics.warn(
          redact(`${label(state, system)}: refresh token not revoked: ${outcome.note}`, secrets),
        );
      }
      return;
    }
    const targets: [string, unknown][] = [
      ["token", state.accessToken],
      ["previous token", state.previousAccessToken],
    ];
    for (const [what, token] of targets) {
      if (typeof token !== "string") continue;
      const expiresAt = what === "token" ? state.expiresAt : state.previousExpiresAt;
      if (isExpired(expiresAt, ctx.now())) continue;
      const outcome = await system.revoke(inputs, state as TokenState, token, ctx);
      if (!outcome.revoked && outcome.note) {
        await ctx.diagnostics.warn(redact(`${label(state, system)}: ${what} not revoked: ${outcome.note}`, secrets));
      }
    }
  });
}

/** Non-secret keys of state worth showing outside Pulumi (the status command). */
export const STATUS_FIELDS = [
  "system",
  "issuedAt",
  "expiresAt",
  "rotationDueAt",
  "previousRevokeAt",
  "refreshTokenExpiresAt",
];

/** Secret output keys for a system (used by the SDK). */
export function secretOutputsOf(system: TokenSystem): string[] {
  return [...new Set([...SECRET_OUTPUTS, ...system.secretInputs])];
}

/** Keys of all rotation policy inputs (cosmetic: they move the schedule, not the token). */
export const ROTATION_KEYS = [...ROTATION_POLICY_INPUTS, "triggers"];
