/**
 * Misskey apps as API clients (docs/PROTOCOLS.md, "Misskey", the legacy app flow): `app/create` registers
 * an app and hands out its secret once; `app/show` reads it (`NO_SUCH_APP` = gone). Misskey
 * has no API to update or delete an app, so every input change registers a new app, and
 * delete (or a replacement) leaves the old app registered, with a warning saying how to get
 * rid of it. Wire calls are in `token.ts` beside it.
 */
import { AccessTokenError, ErrorCode, type HintRule } from "../../errors";
import * as misskey from "./token";
import type { InputIssue } from "../../core/token-system";
import { type ClientContext, type ClientRecord, clientSystem } from "../../core/client-system";
import type { InputsOf } from "../../core/description";
import { misskeyAppDescription } from "./client.description";
import { keepSecrets } from "../../wire/kit";

/** Validated Misskey app inputs. */
export type MisskeyAppInputs = InputsOf<typeof misskeyAppDescription>;

/** Cross-field rules of a Misskey app. */
export function misskeyAppCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues = misskey.misskeyHostIssues(v);
  if (Array.isArray(v.permissions)) {
    // app/create validates `uniqueItems` before it rewrites legacy names: a repeat is a 400.
    for (const [i, p] of v.permissions.entries()) {
      if (v.permissions.indexOf(p) < i) issues.push({ path: ["permissions", i], message: `repeats "${String(p)}"` });
    }
  }
  if (typeof v.callbackUrl === "string" && v.callbackUrl !== "" && !URL.canParse(v.callbackUrl)) {
    issues.push({ path: ["callbackUrl"], message: "must be an absolute URL" });
  }
  return issues;
}

function originOf(inputs: MisskeyAppInputs): string {
  return misskey.misskeyOrigin((inputs.baseUrl ?? inputs.host) as string);
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  new Set(a).size === new Set(b).size && a.every((x) => b.includes(x));

/** The permission kinds `app/create` stores for the inputs (legacy names rewritten, repeats removed). */
function requestedPermissions(inputs: MisskeyAppInputs): string[] {
  return [...new Set((inputs.permissions ?? []).map(misskey.normalizeAppPermission))];
}

function recordOf(app: misskey.MisskeyApp, origin: string): ClientRecord {
  return {
    clientId: app.id,
    ...(app.secret !== undefined ? { clientSecret: app.secret } : {}),
    outputs: {
      origin,
      registeredName: app.name,
      registeredPermissions: app.permission,
      registeredCallbackUrl: app.callbackUrl,
    },
    secrets: {},
  };
}

/** What a person can do about an app Misskey cannot delete (shown on delete and on replace). */
export function undeletableNote(appId: string, origin: string): string {
  return (
    `Misskey has no API to delete apps: app "${appId}" stays registered at ${origin} and its secret stays valid. ` +
    `Tokens people granted it can be revoked in Misskey Web (Settings > Apps, ${origin}/settings/apps) or with ` +
    `i/revoke-token and the account's native token; an administrator can delete the app in the database. ` +
    `It is no longer tracked in this stack`
  );
}

/**
 * What to do when the `token` input (the creator's credential) is refused; nothing when
 * the input is not set.
 */
function refusedTokenAdvice(inputs: MisskeyAppInputs, operation: string): HintRule | undefined {
  if (inputs.token === undefined) return undefined;
  return (failure) =>
    failure.status === 401 || failure.oauthError === "AUTHENTICATION_FAILED"
      ? "the token input (the app creator's credential) was refused: it is unknown or was revoked. " +
        `Set a current native token or access token of the account that should own the app, or remove token (${operation} works without it)`
      : undefined;
}

/** The Misskey app system. */
export const misskeyAppSystem = clientSystem<MisskeyAppInputs>(misskeyAppDescription, misskey.SYSTEM, {
  // No app/update: every change is another app.
  cannotRotate:
    "Misskey has no API to delete apps, so every rotation would leave the old app registered with a valid secret",
  crossFieldIssues: misskeyAppCrossFieldIssues,

  async register(inputs, ctx: ClientContext) {
    const origin = originOf(inputs);
    const unknown = misskey.unknownPermissions(requestedPermissions(inputs));
    if (unknown.length > 0) {
      await ctx.diagnostics.warn(
        `${misskey.SYSTEM} app "${inputs.name}": unknown Misskey permission(s) ${unknown.join(", ")}: Misskey stores them with the app, but no endpoint checks them, so its tokens gain nothing from them (known kinds: read:account, write:notes, …, read:admin:*, write:admin:*)`,
      );
    }
    const app = await misskey.createApp(
      origin,
      {
        name: inputs.name,
        description: inputs.description ?? "",
        permissions: inputs.permissions ?? [],
        ...(inputs.callbackUrl ? { callbackUrl: inputs.callbackUrl } : {}),
      },
      ctx.transport,
      inputs.token,
      refusedTokenAdvice(inputs, "app/create"),
    );
    keepSecrets(ctx, app.secret);
    const requested = requestedPermissions(inputs);
    if (!sameSet(requested, app.permission)) {
      await ctx.diagnostics.warn(
        `${misskey.SYSTEM} app "${inputs.name}" (${app.id}) was registered with permissions [${app.permission.join(", ")}], not the requested [${requested.join(", ")}]`,
      );
    }
    return recordOf(app, origin);
  },

  async read(inputs, state, ctx) {
    const origin = originOf(inputs);
    const advice = refusedTokenAdvice(inputs, "app/show");
    const answer = await misskey.showApp(origin, String(state.clientId), ctx.transport, inputs.token, advice);
    if (answer === "gone") return "gone";
    if (answer.id !== state.clientId) {
      throw new AccessTokenError(
        ErrorCode.INVALID_RESPONSE,
        `${misskey.SYSTEM} app read (app/show) at ${origin}/api/app/show failed: the server describes app "${answer.id}", not "${String(state.clientId)}"`,
        { endpoint: `${origin}/api/app/show` },
      );
    }
    keepSecrets(ctx, answer.secret);
    return recordOf(answer, origin);
  },

  canUpdate: () => false,

  async update() {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `${misskey.SYSTEM} has no API to update an app: a changed app is registered anew`,
    );
  },

  async remove(inputs, state) {
    return { removed: false, note: undeletableNote(String(state.clientId), originOf(inputs)) };
  },

  replaceNote(state) {
    return `the old app stays: ${undeletableNote(String(state.clientId), String(state.origin))}`;
  },

  driftedInputs(inputs, record) {
    const out: Record<string, unknown> = {};
    const server = record.outputs;
    if (typeof server.registeredName === "string" && server.registeredName !== inputs.name) {
      out.name = server.registeredName;
    }
    const permissions = server.registeredPermissions as string[] | undefined;
    if (inputs.permissions !== undefined && permissions && !sameSet(requestedPermissions(inputs), permissions)) {
      out.permissions = permissions;
    }
    if (
      inputs.callbackUrl !== undefined &&
      typeof server.registeredCallbackUrl === "string" &&
      server.registeredCallbackUrl !== inputs.callbackUrl
    ) {
      out.callbackUrl = server.registeredCallbackUrl;
    }
    return out;
  },
});
