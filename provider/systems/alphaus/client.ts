/**
 * The Alphaus API client system: clients created through the Blue API
 * (`/iam/v1/apiclients`, docs/PROTOCOLS.md, "Alphaus") with the owner's bearer token. Wire
 * calls are in `token.ts` beside it; this module resolves the owner's bearer and
 * maps the Blue answers onto the client lifecycle.
 *
 * - register: `POST` with the name; the secret comes only in this answer and is kept.
 * - read: Blue has no "get": the caller's clients are listed (a stream) and searched by id.
 *   A complete list without it → gone; a stream that broke off first → an error, never gone.
 * - update: none exists; a new name registers a new client (replace).
 * - remove: `DELETE`; 404 → already gone. Alphaus has no token revocation: tokens issued to
 *   the client before probably stay valid until they expire, and every delete says so.
 *
 * The owner's bearer is the `accessToken` input or, without one (or once its JWT has
 * expired), a token issued at call time from the credentials the Alphaus token preset reads
 * (`owner*` inputs, else the `ALPHAUS_*` environment variables), cached per provider
 * process. Access tokens live 24 h, and a client must stay deletable long after: so the
 * bearer is never part of what the client is (changing it is cosmetic), and credentials
 * read from the environment are never written to state.
 */
import { createHash } from "node:crypto";
import {
  AccessTokenError,
  ErrorCode,
  type HintRule,
  type RemoteContext,
  hintRules,
  isAccessTokenError,
  withHints,
} from "../../errors";
import type { HttpRequest, HttpResponse } from "../../http/transport";
import * as alphaus from "./token";
import type { InputIssue } from "../../core/token-system";
import { isoAt } from "../../time";
import {
  type ClientContext,
  type ClientRecord,
  clientSystem,
  incompleteRegistration,
  staleOwnerCredential,
} from "../../core/client-system";
import type { InputsOf } from "../../core/description";
import { alphausClientDescription } from "./client.description";
import { type SendOptions, jwtClaims, keepSecrets, send } from "../../wire/kit";

/** Validated Alphaus API client inputs. */
export type AlphausClientInputs = InputsOf<typeof alphausClientDescription>;

/** How the owner's credential inputs are named in messages. */
const OWNER_INPUT_NAMES: alphaus.CredentialInputNames = {
  clientId: "ownerClientId",
  clientSecret: "ownerClientSecret",
  username: "ownerUsername",
  password: "ownerPassword",
};

/** What deleting a client cannot do: shown at every delete. */
export const NO_REVOCATION_NOTE =
  "Alphaus has no token revocation API: tokens already issued to this client probably stay valid until they expire (24 h after issue); deleting the client is the only lever";

function crossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const key of ["apiUrl", "ownerAuthUrl"]) {
    if (typeof v[key] !== "string") continue;
    // Plain http only on loopback (a local test server): the owner's bearer never travels unencrypted.
    const problem = alphaus.urlProblem(v[key] as string);
    if (problem) issues.push({ path: [key], message: problem });
  }
  return issues;
}

/** The Blue API base of the inputs: `apiUrl`, else the documented one of the environment. */
export function blueApiBaseOf(inputs: AlphausClientInputs): string {
  return (inputs.apiUrl ?? alphaus.ALPHAUS_BLUE_API[inputs.environment ?? "production"]).replace(/\/+$/, "");
}

// ---------------------------------------------------------------------------------------
// The owner's bearer

/** A bearer for the Blue API, and what to tell the user when Blue refuses it. */
interface Bearer {
  token: string;
  /** Who is refused, e.g. "the accessToken input". */
  source: string;
  /** What to do about a 401. */
  remedy: string;
  /** True when `pulumi up` renews it (the `accessToken` input): a 401 is then a stale owner credential. */
  renewedByUp?: boolean;
  /** The limiter key: the owner's client id, when known (the documented limit is per user). */
  owner?: string;
  /** Forgets a cached token (after Blue refused it). */
  forget(): void;
}

/** Tokens issued from owner credentials, per credential set, for this provider process. */
const bearerCache = new Map<string, Promise<{ token: string; expiresAtMs?: number }>>();

/** How long before its `exp` a token is no longer used. */
const EXPIRY_MARGIN_MS = 60_000;

function cacheKey(r: alphaus.AlphausResolution): string {
  // The secrets only as a hash: the key never holds one in plaintext.
  const secret = createHash("sha256")
    .update(`${r.clientSecret}\n${r.password ?? ""}`)
    .digest("hex");
  return [r.endpoint, r.grantType, r.clientId, r.username ?? "", secret].join("\n");
}

function describeSource(r: alphaus.AlphausResolution): string {
  const grant = `${r.grantType} grant at ${r.endpoint}`;
  return r.source === "inputs"
    ? `the owner credentials of the ${OWNER_INPUT_NAMES.clientId} / ${OWNER_INPUT_NAMES.clientSecret} inputs (${grant})`
    : `the owner credentials of the ${r.source} environment variables (${grant})`;
}

async function issuedBearer(r: alphaus.AlphausResolution, ctx: ClientContext): Promise<Bearer> {
  const key = cacheKey(r);
  const source = describeSource(r);
  const now = ctx.now().getTime();
  let entry = bearerCache.get(key);
  const cached = entry && (await entry.catch(() => undefined));
  if (!cached || (cached.expiresAtMs !== undefined && cached.expiresAtMs - EXPIRY_MARGIN_MS <= now)) {
    entry = alphaus.requestToken(r, ctx).then((tokens) => {
      const exp = alphaus.jwtExpiryMs(tokens.accessToken);
      const byLifetime = tokens.expiresIn !== undefined ? now + tokens.expiresIn * 1000 : undefined;
      return { token: tokens.accessToken, expiresAtMs: exp ?? byLifetime };
    });
    bearerCache.set(key, entry);
    // A failed request is not cached: the next call tries again.
    entry.catch(() => bearerCache.get(key) === entry && bearerCache.delete(key));
  }
  let issued: { token: string };
  try {
    issued = await (entry as Promise<{ token: string }>);
  } catch (error) {
    // Concurrent callers share this error: each gets its own copy of the message.
    if (!isAccessTokenError(error)) throw error;
    throw new AccessTokenError(
      error.code,
      `${alphaus.SYSTEM} Blue API: the owner's bearer token could not be issued from ${source}: ${error.message}`,
      { status: error.status, oauthError: error.oauthError, endpoint: error.endpoint, cause: error },
    );
  }
  keepSecrets(ctx, issued.token);
  return {
    token: issued.token,
    source: `the bearer issued from ${source}`,
    remedy:
      "check that these credentials belong to the user who owns the API clients, in this environment (production or beta)",
    owner: r.clientId,
    forget: () => bearerCache.get(key) === entry && bearerCache.delete(key),
  };
}

function resolveOwner(inputs: AlphausClientInputs): alphaus.AlphausResolution | { problem: string } {
  return alphaus.resolveAlphaus(
    {
      // Blue serves Ripple and Wave users alike: the product comes from the credentials found.
      ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
      ...(inputs.ownerAuthUrl !== undefined ? { authUrl: inputs.ownerAuthUrl } : {}),
      ...(inputs.ownerClientId !== undefined ? { clientId: inputs.ownerClientId } : {}),
      ...(inputs.ownerClientSecret !== undefined ? { clientSecret: inputs.ownerClientSecret } : {}),
      ...(inputs.ownerUsername !== undefined ? { username: inputs.ownerUsername } : {}),
      ...(inputs.ownerPassword !== undefined ? { password: inputs.ownerPassword } : {}),
    },
    process.env,
    OWNER_INPUT_NAMES,
  );
}

/**
 * The owner's bearer: the `accessToken` input while its JWT is unexpired, else a token issued
 * from the owner's credentials (inputs, else environment), cached per provider process.
 */
export async function ownerBearer(inputs: AlphausClientInputs, ctx: ClientContext): Promise<Bearer> {
  let expired: string | undefined;
  if (inputs.accessToken !== undefined) {
    const exp = alphaus.jwtExpiryMs(inputs.accessToken);
    if (exp === undefined || exp > ctx.now().getTime()) {
      return {
        token: inputs.accessToken,
        source: "the accessToken input",
        renewedByUp: true,
        remedy:
          "it may have expired (Alphaus access tokens live 24 h) or belong to another environment: pulumi up renews the alphaus.AccessToken that feeds it; or leave accessToken unset so the provider issues the owner's token itself from the ALPHAUS_* environment variables",
        owner: jwtAudience(inputs.accessToken),
        forget: () => undefined,
      };
    }
    expired = new Date(exp).toISOString();
  }
  const resolved = resolveOwner(inputs);
  if ("problem" in resolved) {
    const given = expired
      ? `the accessToken input expired at ${expired}, and no owner credentials are there to issue a new one: run pulumi up so the alphaus.AccessToken that feeds it renews it, or`
      : "no owner credential: set the accessToken input (e.g. an alphaus.AccessToken's accessToken), or";
    const error = new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `${alphaus.SYSTEM} Blue API: ${given} give the owner's API client credentials (${resolved.problem})`,
    );
    // An expired accessToken input is renewed by the next pulumi up.
    throw expired ? staleOwnerCredential(error) : error;
  }
  keepSecrets(ctx, resolved.clientSecret, resolved.password);
  if (expired) {
    await ctx.diagnostics.info(
      `${alphaus.SYSTEM} Blue API: the accessToken input expired at ${expired}; using a token issued from ${describeSource(resolved)} instead`,
    );
  }
  return issuedBearer(resolved, ctx);
}

/** The JWT's `aud` (league puts the client id there), to rate-limit per owner. */
function jwtAudience(token: string): string | undefined {
  const aud = jwtClaims(token)?.aud;
  return typeof aud === "string" ? aud : undefined;
}

/**
 * Sends one Blue call within the owner's share of the documented rate limit, then judges
 * it with `judge`; a 401 names the bearer's source and what to do about it, a 403 that the
 * owner may not manage API clients.
 */
async function blueCall<T>(
  bearer: Bearer,
  request: HttpRequest,
  rctx: RemoteContext,
  ctx: ClientContext,
  judge: (res: HttpResponse, rctx: RemoteContext) => T,
  options: Pick<SendOptions<T>, "secretsOf" | "onRefused"> & { maxResponseBytes?: number } = {},
): Promise<T> {
  if (bearer.owner) await alphaus.limiterFor(bearer.owner).acquire();
  const refused: HintRule = (failure) => {
    if (failure.status === 401) return `the Blue API refused ${bearer.source}; ${bearer.remedy}`;
    if (failure.status === 403) return `the owner behind ${bearer.source} may not manage API clients`;
    return undefined;
  };
  const policy = {
    ...alphaus.ALPHAUS_HTTP_POLICY,
    ...(options.maxResponseBytes ? { maxResponseBytes: options.maxResponseBytes } : {}),
  };
  try {
    return await send(ctx, { ...rctx, hints: hintRules(refused, rctx.hints) }, request, judge, {
      policy,
      secretsOf: options.secretsOf,
      onRefused: options.onRefused,
    });
  } catch (error) {
    if (isAccessTokenError(error) && error.status === 401) {
      bearer.forget();
      if (bearer.renewedByUp) staleOwnerCredential(error);
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Records

function rfc3339(value: string | undefined): string | undefined {
  // A date out of the range state may name reads as not stated.
  return value ? isoAt(Date.parse(value)) : undefined;
}

function recordOf(client: alphaus.BlueApiClient, base: string): ClientRecord {
  const issuedAt = rfc3339(client.createTime);
  return {
    clientId: client.clientId,
    ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
    ...(issuedAt ? { clientIdIssuedAt: issuedAt } : {}),
    outputs: {
      grantType: client.grantType || "client_credentials",
      ...(client.parent ? { parent: client.parent } : {}),
      ...(client.createTime ? { createTime: client.createTime } : {}),
      blueApiUrl: base,
    },
    secrets: {},
  };
}

/** The base the client was created at (state), else the one of the inputs. */
function stateBase(inputs: AlphausClientInputs, state: Record<string, unknown>): string {
  return typeof state.blueApiUrl === "string" ? state.blueApiUrl : blueApiBaseOf(inputs);
}

// ---------------------------------------------------------------------------------------
// The system

/** The Alphaus API client system (Blue API). */
export const alphausClientSystem = clientSystem<AlphausClientInputs>(alphausClientDescription, alphaus.SYSTEM, {
  // Blue has no update: a new name is a new client; another API is another client.
  crossFieldIssues,

  async register(inputs, ctx) {
    const base = blueApiBaseOf(inputs);
    const bearer = await ownerBearer(inputs, ctx);
    const rctx = { system: alphaus.SYSTEM, operation: "API client create", endpoint: alphaus.blueClientsUrl(base) };
    const request = alphaus.blueCreateClientRequest(base, bearer.token, inputs.name);
    const created = await blueCall(bearer, request, rctx, ctx, alphaus.processBlueCreateClientResponse, {
      secretsOf: (client) => [client.clientSecret],
      onRefused: (res, error) => {
        // Created, but the answer is unusable: record it, so it is deleted later.
        const handles = alphaus.blueCreatedHandles(res);
        if (!handles) return error;
        keepSecrets(ctx, handles.clientSecret);
        return incompleteRegistration(error, { ...recordOf(handles, base), secrets: {} });
      },
    });
    return recordOf(created, base);
  },

  async read(inputs, state, ctx) {
    const base = stateBase(inputs, state);
    const bearer = await ownerBearer(inputs, ctx);
    const rctx = { system: alphaus.SYSTEM, operation: "API client list", endpoint: alphaus.blueClientsUrl(base) };
    const list = await blueCall(
      bearer,
      alphaus.blueListClientsRequest(base, bearer.token),
      rctx,
      ctx,
      alphaus.processBlueListClientsResponse,
      { maxResponseBytes: 16 << 20 },
    );
    const found = list.clients.find((c) => c.clientId === state.clientId);
    if (found) return recordOf(found, base);
    // Only a complete list proves the client is gone.
    if (list.failure) {
      // The list's error is left as it is; this read's is the same, closed by what it means here.
      throw withHints(list.failure, {
        text: `client "${String(state.clientId)}" was not among the clients received, so whether it still exists is unknown (state unchanged)`,
        separator: "; ",
      });
    }
    return "gone";
  },

  canUpdate: () => false,

  async update() {
    // Unreachable: no input is updated in place (updateInputs is empty).
    throw new AccessTokenError(ErrorCode.INVALID_INPUT, `${alphaus.SYSTEM} has no API to change an API client`);
  },

  async remove(inputs, state, ctx) {
    const base = stateBase(inputs, state);
    const clientId = String(state.clientId);
    const bearer = await ownerBearer(inputs, ctx);
    const url = alphaus.blueClientsUrl(base, clientId);
    const rctx = { system: alphaus.SYSTEM, operation: "API client delete", endpoint: url };
    const outcome = await blueCall(
      bearer,
      alphaus.blueDeleteClientRequest(base, bearer.token, clientId),
      rctx,
      ctx,
      alphaus.processBlueDeleteClientResponse,
    );
    const label = `${alphaus.SYSTEM} API client "${typeof state.resourceName === "string" ? state.resourceName : clientId}"`;
    if (outcome === "gone") {
      await ctx.diagnostics.info(
        `${label}: client "${clientId}" was already gone at the server (HTTP 404 from ${url})`,
      );
    }
    await ctx.diagnostics.warn(
      `${label}: client "${clientId}" ${outcome === "gone" ? "is gone" : "deleted"}; ${NO_REVOCATION_NOTE}`,
    );
    return { removed: true };
  },
});
