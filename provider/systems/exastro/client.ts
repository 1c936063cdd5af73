/**
 * Exastro service-account users as API clients (docs/PROTOCOLS.md, "Exastro"): users of
 * one workspace (`ansible-execution-agent` or `oase-agent`) that a workspace administrator
 * (role `_{ws}-admin`) creates, describes and deletes through
 * `{baseUrl}/api/{org}/platform/workspaces/{ws}/service-account-users`, and for which it
 * issues offline refresh tokens. Wire calls are in `token.ts` beside it.
 *
 * - The create answer carries no id: the user is found in the list by its username,
 *   lower-cased as Keycloak stores it. A duplicate username is refused (HTTP 400, result
 *   `409-25001`), never adopted.
 * - The client id is the user's id; the issued refresh token is the secret output
 *   `refreshToken` (an `exastro.AccessToken` turns it into access tokens).
 * - Deleting the user ends its sessions: its refresh and access tokens stop working at once.
 */
import {
  AccessTokenError,
  ErrorCode,
  type Hint,
  type HintRule,
  type RemoteContext,
  hintRules,
  isAccessTokenError,
} from "../../errors";
import type { HttpResponse } from "../../http/transport";
import * as exastro from "./token";
import type { InputIssue } from "../../core/token-system";
import { clientSystem, incompleteRegistration, staleOwnerCredential } from "../../core/client-system";
import type { InputsOf } from "../../core/description";
import { exastroClientDescription } from "./client.description";
import type { ClientContext, ClientRecord } from "../../core/client-system";
import { send } from "../../wire/kit";

/** Validated inputs of an Exastro service-account user. */
export type ExastroClientInputs = InputsOf<typeof exastroClientDescription>;

const DEFAULT_TYPE = "ansible-execution-agent";

/** Cross-field rules of an Exastro service-account user. */
export function exastroClientCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  if (typeof v.baseUrl === "string" && v.baseUrl !== "") {
    const problem = exastro.baseUrlProblem(v.baseUrl, v.allowInsecureHttp === true);
    if (problem) issues.push({ path: ["baseUrl"], message: problem });
  }
  if (v.organizationId === exastro.MANAGER_REALM) {
    issues.push({
      path: ["organizationId"],
      message: `"master" is the system-manager realm, which has no workspaces: set the organization id`,
    });
  }
  return issues;
}

function endpointsOf(inputs: ExastroClientInputs): exastro.ServiceAccountEndpoints {
  return exastro.serviceAccountEndpoints(inputs.baseUrl, inputs.organizationId, inputs.workspaceId);
}

/** Where the user lives, for messages. */
function whereOf(inputs: ExastroClientInputs): string {
  return `workspace ${inputs.workspaceId} of organization ${inputs.organizationId}`;
}

/** Keycloak stores usernames lower-cased. */
const stored = (username: string) => username.toLowerCase();

/**
 * What to do about a failed call made with the admin's bearer token: 401 (the token was
 * refused), 403 (the role is missing), 498 (maintenance).
 */
function adviceFor(inputs: ExastroClientInputs): HintRule {
  return (failure) => {
    switch (failure.status) {
      case 401:
        return "the admin access token (accessToken) was refused, probably expired (Exastro access tokens live 24 h): run pulumi up so the exastro.AccessToken that feeds it renews, then retry";
      case 403:
        return `the admin access token (accessToken) belongs to a user without the role _${inputs.workspaceId}-admin, which managing the service-account users of ${whereOf(inputs)} needs`;
      case 498:
        return "Exastro is in maintenance; retry when it is over";
      default:
        return undefined;
    }
  };
}

/** Options of {@link call}. */
interface CallOptions<T> {
  /** The JSON body to send. */
  body?: Record<string, unknown>;
  /** The secrets the judged answer carries. */
  secretsOf?: (answer: T) => readonly (string | undefined)[];
  /** Further advice for a failure (after the admin token's). */
  hints?: HintRule;
}

/**
 * Sends one call with the admin's bearer token and judges it with `judge`; a failure's
 * message closes with the advice of {@link adviceFor} (and `options.hints`).
 */
async function call<T>(
  inputs: ExastroClientInputs,
  ctx: ClientContext,
  operation: string,
  method: "GET" | "POST" | "PUT" | "DELETE",
  endpoint: string,
  judge: (res: HttpResponse, rctx: RemoteContext) => T,
  options: CallOptions<T> = {},
): Promise<T> {
  const rctx = { system: exastro.SYSTEM, operation, endpoint, hints: hintRules(adviceFor(inputs), options.hints) };
  const request = exastro.apiRequest(method, endpoint, inputs.accessToken, options.body);
  try {
    return await send(ctx, rctx, request, judge, { secretsOf: options.secretsOf });
  } catch (error) {
    // A refused admin token is renewed by the next pulumi up.
    throw isAccessTokenError(error) && error.status === 401 ? staleOwnerCredential(error) : error;
  }
}

/** What a failure after the user's creation means for it. */
const AFTER_CREATION: Hint = {
  text: "(the user was created and is recorded in the stack: the next pulumi up deletes it and creates it again, pulumi destroy deletes it)",
  separator: " ",
};

/** Finds the user named `username` in the workspace's list; undefined when it is not there. */
async function findByUsername(
  inputs: ExastroClientInputs,
  ctx: ClientContext,
  hints?: HintRule,
): Promise<exastro.ServiceAccountRow | undefined> {
  const endpoints = endpointsOf(inputs);
  const rows = await call(
    inputs,
    ctx,
    "service-account user list",
    "GET",
    endpoints.collection,
    exastro.processServiceAccountListResponse,
    { hints },
  );
  return rows.find((row) => stored(row.username) === stored(inputs.username));
}

/** Issues a refresh token for user `id` (`POST …/{id}/refresh_tokens`). */
function issueRefreshToken(
  inputs: ExastroClientInputs,
  id: string,
  ctx: ClientContext,
  hints?: HintRule,
): Promise<exastro.ServiceAccountRefreshToken> {
  return call(
    inputs,
    ctx,
    "service-account refresh-token issue",
    "POST",
    endpointsOf(inputs).refreshTokens(id),
    exastro.processServiceAccountTokenResponse,
    { body: {}, secretsOf: (issued) => [issued.refreshToken], hints },
  );
}

/** The server's view of the user, kept as the `metadata` output. */
function metadataOf(row: exastro.ServiceAccountRow): Record<string, unknown> {
  return {
    id: row.id,
    username: row.username,
    ...(row.service_account_user_type !== undefined
      ? { service_account_user_type: row.service_account_user_type }
      : {}),
    description: row.description ?? "",
  };
}

function recordOf(
  inputs: ExastroClientInputs,
  id: string,
  metadata: Record<string, unknown> | undefined,
  issued?: exastro.ServiceAccountRefreshToken,
): ClientRecord {
  return {
    clientId: id,
    outputs: {
      ...(metadata ? { metadata } : {}),
      // The organization's token endpoint, where the refresh token turns into access tokens.
      discoveredTokenEndpoint: exastro.exastroEndpoints(inputs.baseUrl, inputs.organizationId).token,
      ...(issued?.expiresAt ? { refreshTokenExpiresAt: issued.expiresAt } : {}),
      ...(issued?.sessionId ? { refreshTokenSessionId: issued.sessionId } : {}),
    },
    secrets: issued ? { refreshToken: issued.refreshToken } : {},
  };
}

const nameOf = (inputs: ExastroClientInputs, id?: string) =>
  `service-account user "${stored(inputs.username)}"${id ? ` (${id})` : ""} of ${whereOf(inputs)}`;

/** Outputs of the issued refresh token: they leave state together when it stops working. */
const REFRESH_TOKEN_OUTPUTS = ["refreshToken", "refreshTokenSessionId", "refreshTokenExpiresAt"] as const;

/**
 * Whether the user needs a refresh token it lacks: the inputs ask for one, and state has
 * none (a read found it revoked) or holds one past its end.
 */
function refreshTokenMissing(state: Record<string, unknown>, inputs: Record<string, unknown>, now: Date): boolean {
  if (inputs.issueRefreshToken === false || typeof state.clientId !== "string" || state.clientId === "") return false;
  if (typeof state.refreshToken !== "string") return true;
  const end = typeof state.refreshTokenExpiresAt === "string" ? Date.parse(state.refreshTokenExpiresAt) : Number.NaN;
  return end <= now.getTime();
}

/** Exastro service-account users. */
export const exastroClientSystem = clientSystem<ExastroClientInputs>(exastroClientDescription, exastro.SYSTEM, {
  cannotRotate:
    "a service-account user is replaced by deleting it first (user names are unique), which would end its tokens before their users switch; rotate the exastro.AccessToken issued from it instead",
  crossFieldIssues: exastroClientCrossFieldIssues,

  async register(inputs, ctx) {
    const endpoints = endpointsOf(inputs);
    await call(
      inputs,
      ctx,
      "service-account user creation",
      "POST",
      endpoints.collection,
      exastro.processEnvelopeResponse,
      {
        body: exastro.serviceAccountCreateBody(inputs.username, inputs.type ?? DEFAULT_TYPE, inputs.description),
        hints: (failure) =>
          failure.oauthError === exastro.USER_EXISTS
            ? `a user named "${stored(inputs.username)}" already exists in organization ${inputs.organizationId} (usernames are unique per organization, case-insensitively). This resource does not adopt an existing user: choose another username, or delete that user in Exastro first`
            : undefined,
      },
    );
    // The answer carries no id: the new user is found by its (lower-cased) username.
    let row: exastro.ServiceAccountRow | undefined;
    try {
      row = await findByUsername(inputs, ctx, () => AFTER_CREATION);
    } catch (error) {
      throw incompleteRegistration(error, recordOf(inputs, "", undefined));
    }
    if (!row) {
      throw incompleteRegistration(
        new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${exastro.SYSTEM} service-account user creation at ${endpoints.collection} succeeded, but ${nameOf(inputs)} is not in the workspace's list (GET ${endpoints.collection}); the next pulumi up or destroy looks for it again by username and deletes it`,
          { endpoint: endpoints.collection },
        ),
        recordOf(inputs, "", undefined),
      );
    }
    if (inputs.issueRefreshToken === false) return recordOf(inputs, row.id, metadataOf(row));
    try {
      return recordOf(
        inputs,
        row.id,
        metadataOf(row),
        await issueRefreshToken(inputs, row.id, ctx, () => AFTER_CREATION),
      );
    } catch (error) {
      throw incompleteRegistration(error, recordOf(inputs, row.id, metadataOf(row)));
    }
  },

  async read(inputs, state, ctx) {
    const id = typeof state.clientId === "string" ? state.clientId : "";
    if (!id) return undefined;
    const endpoints = endpointsOf(inputs);
    // A refused admin token is a stale owner credential: the lifecycle keeps the state and warns.
    const answer = await call(
      inputs,
      ctx,
      "service-account user read",
      "GET",
      endpoints.user(id),
      exastro.processServiceAccountResponse,
    );
    if (answer === "gone") return "gone";
    if (stored(answer.username) !== stored(inputs.username)) {
      throw new AccessTokenError(
        ErrorCode.INVALID_RESPONSE,
        `${exastro.SYSTEM} service-account user read at ${endpoints.user(id)} failed: user ${id} is named "${answer.username}", not "${stored(inputs.username)}"`,
        { endpoint: endpoints.user(id) },
      );
    }
    const sid = state.refreshTokenSessionId;
    if (typeof sid === "string") {
      const sessions = await call(
        inputs,
        ctx,
        "service-account refresh-token list",
        "GET",
        endpoints.refreshTokens(id),
        exastro.processSessionListResponse,
      );
      if (!sessions.some((s) => s.id === sid)) {
        await ctx.diagnostics.warn(
          `${nameOf(inputs, id)}: the refresh token this resource issued (session ${sid}) was revoked or has ended, so it is removed from the stack; the next pulumi up issues a new one in place (the user stays, and what uses the refreshToken output gets the new one)`,
        );
        return { ...recordOf(inputs, id, metadataOf(answer)), ended: REFRESH_TOKEN_OUTPUTS };
      }
    }
    return recordOf(inputs, id, metadataOf(answer));
  },

  canUpdate: (state) => typeof state.clientId === "string" && state.clientId !== "",

  toRestore: (state, inputs, now) => (refreshTokenMissing(state, inputs, now) ? ["refreshToken"] : []),

  async update(inputs, state, ctx) {
    const id = String(state.clientId);
    const endpoints = endpointsOf(inputs);
    const metadata = { ...(state.metadata as Record<string, unknown> | undefined) };
    if ((state.description ?? "") !== (inputs.description ?? "")) {
      // An empty body is refused: a cleared description is sent as "".
      await call(
        inputs,
        ctx,
        "service-account user update",
        "PUT",
        endpoints.user(id),
        exastro.processEnvelopeResponse,
        { body: { description: inputs.description ?? "" } },
      );
      metadata.description = inputs.description ?? "";
    }
    if (refreshTokenMissing(state, inputs, ctx.now())) {
      return recordOf(inputs, id, metadata, await issueRefreshToken(inputs, id, ctx));
    }
    if (inputs.issueRefreshToken === false && typeof state.refreshToken === "string") {
      await ctx.diagnostics.info(
        `${nameOf(inputs, id)}: issueRefreshToken is now false, but the refresh token issued before stays valid (Exastro can only revoke all of the user's tokens at once); delete the user to end it`,
      );
    }
    return recordOf(inputs, id, metadata);
  },

  async remove(inputs, state, ctx) {
    let id = typeof state.clientId === "string" ? state.clientId : "";
    if (!id) {
      // Created, but its id was never learnt: the username (taken by that creation) finds it.
      id = (await findByUsername(inputs, ctx))?.id ?? "";
      if (!id) {
        await ctx.diagnostics.info(`${nameOf(inputs)} is not in the workspace's list: nothing to delete`);
        return { removed: true };
      }
    }
    const endpoint = endpointsOf(inputs).user(id);
    const outcome = await call(
      inputs,
      ctx,
      "service-account user delete",
      "DELETE",
      endpoint,
      exastro.processServiceAccountDeleteResponse,
    );
    await ctx.diagnostics.info(
      outcome === "gone"
        ? `${nameOf(inputs, id)} was already gone at the server (HTTP 404 from ${endpoint})`
        : `${nameOf(inputs, id)} deleted: every refresh token and access token of that user (including the refreshToken output and tokens used outside this stack) stopped working with it`,
    );
    return { removed: true };
  },

  driftedInputs(inputs, record) {
    const server = record.outputs.metadata as Record<string, unknown> | undefined;
    if (inputs.description === undefined || !server || !("description" in server)) return {};
    return server.description === inputs.description ? {} : { description: server.description };
  },
});
