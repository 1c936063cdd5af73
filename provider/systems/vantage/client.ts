/**
 * ABBYY Vantage API clients (docs/PROTOCOLS.md, "ABBYY Vantage"): created by the admin API with a
 * tenant administrator's bearer token, `POST {base}/api/adminapi2/v2/tenants/{tenantId}/clients/`,
 * which answers the client with its secret (shown this once). Vantage documents nothing
 * else (no read, list, update, delete or secret rotation), so the system is create-only:
 * every input change creates a new client, refresh cannot check the client, and neither
 * delete nor a replacement removes the old client, with a warning that says where to delete
 * it. Wire calls are in `token.ts` beside it.
 */
import { AccessTokenError, ErrorCode, hintRules } from "../../errors";
import type { HttpResponse } from "../../http/transport";
import type { InputIssue } from "../../core/token-system";
import * as vantage from "./token";
import { type ClientRecord, clientSystem, incompleteRegistration } from "../../core/client-system";
import type { InputsOf } from "../../core/description";
import {
  DEFAULT_GRANTS,
  VANTAGE_CLIENT_DEFAULT_SCOPES,
  VANTAGE_CLIENT_FIELDS,
  vantageClientDescription,
} from "./client.description";
import { keepSecrets, send } from "../../wire/kit";

export { VANTAGE_CLIENT_FIELDS };

/** Validated Vantage API client inputs (with the resource's name, which names the client by default). */
export type VantageClientInputs = InputsOf<typeof vantageClientDescription> & { resourceName?: string };

/** Cross-field rules of a Vantage API client. */
export function vantageClientCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues = vantage.vantageHostIssues(v);
  const grants = Array.isArray(v.allowedGrantTypes) ? (v.allowedGrantTypes as unknown[]) : DEFAULT_GRANTS;
  if (v.requireClientSecret === false && grants.includes("client_credentials")) {
    issues.push({
      path: ["allowedGrantTypes"],
      message: `a public client (requireClientSecret false) cannot use the client_credentials grant${v.allowedGrantTypes === undefined ? " (the default): set allowedGrantTypes" : ""}`,
    });
  }
  const redirects = Array.isArray(v.redirectUris) ? v.redirectUris : [];
  if (grants.includes("authorization_code") && redirects.length === 0) {
    issues.push({
      path: ["redirectUris"],
      message: 'is required when allowedGrantTypes includes "authorization_code"',
    });
  }
  for (const key of ["redirectUris", "postLogoutRedirectUris"]) {
    const list = v[key];
    if (!Array.isArray(list)) continue;
    for (const [i, value] of list.entries()) {
      if (typeof value !== "string" || value === "") continue;
      // Native apps may use private-use schemes (RFC 8252 §7.1): only absolute, no fragment.
      if (!URL.canParse(value)) issues.push({ path: [key, i], message: "must be an absolute URI" });
      else if (new URL(value).hash) issues.push({ path: [key, i], message: "must not have a fragment" });
    }
  }
  if (Array.isArray(v.allowedCorsOrigins)) {
    for (const [i, value] of v.allowedCorsOrigins.entries()) {
      if (typeof value !== "string" || value === "") continue;
      const origin = URL.canParse(value) ? new URL(value).origin : "null";
      if (origin === "null" || origin !== value) {
        issues.push({
          path: ["allowedCorsOrigins", i],
          message:
            'must be an origin: scheme, host and port only, no path or trailing slash (e.g. "https://app.example.com")',
        });
      }
    }
  }
  return issues;
}

/**
 * The admin API's create body for the inputs: every documented field, with the documented
 * or IdentityServer defaults for those not set, so the server never has to guess.
 */
export function clientBodyOf(inputs: VantageClientInputs): Record<string, unknown> {
  // Named after the resource by default, so the client can be found in Vantage to delete it.
  const clientName = inputs.clientName ?? inputs.resourceName;
  return {
    ...inputs.extraFields,
    ...(inputs.requestedClientId !== undefined ? { clientId: inputs.requestedClientId } : {}),
    ...(clientName ? { clientName } : {}),
    allowOfflineAccess: inputs.allowOfflineAccess ?? false,
    requireClientSecret: inputs.requireClientSecret ?? true,
    requireConsent: inputs.requireConsent ?? false,
    allowNoPkce: inputs.allowNoPkce ?? false,
    allowedGrantTypes: inputs.allowedGrantTypes ?? DEFAULT_GRANTS,
    allowedCorsOrigins: inputs.allowedCorsOrigins ?? [],
    allowedScopes: inputs.allowedScopes ?? VANTAGE_CLIENT_DEFAULT_SCOPES,
    redirectUris: inputs.redirectUris ?? [],
    postLogoutRedirectUris: inputs.postLogoutRedirectUris ?? [],
    allowRopc: inputs.allowRopc ?? false,
  };
}

/** Where a person deletes a client, since the API cannot. */
const DELETE_IN_VANTAGE =
  "delete it in Vantage as a tenant administrator (the tenant's API clients, see ABBYY's \"Managing Tenant Vantage API Clients\")";

/** What stays behind when Pulumi lets go of a client (shown on delete). */
export function undeletableNote(clientId: string, tenantId: string, base: string): string {
  return (
    `ABBYY Vantage has no API to delete API clients: client "${clientId}" stays in tenant ${tenantId} at ${base}, ` +
    `and its secret stays valid until you ${DELETE_IN_VANTAGE}; tokens already issued to it work until they expire. ` +
    `It is no longer tracked in this stack`
  );
}

function baseOf(props: Record<string, unknown>): string {
  return vantage.vantageBase({
    region: props.region as vantage.VantageInputs["region"],
    baseUrl: props.baseUrl as string | undefined,
  });
}

/** The ABBYY Vantage API client system: create-only. */
export const vantageClientSystem = clientSystem<VantageClientInputs>(vantageClientDescription, vantage.SYSTEM, {
  // No update API: every change of where or what the client is creates another one.
  // `accessToken` (only used to create) and `apiVersion` (the route it was created by) are cosmetic.
  cannotRotate:
    "ABBYY Vantage has no API to delete API clients, so every rotation would leave the old client in the tenant with a valid secret",
  crossFieldIssues: vantageClientCrossFieldIssues,

  async register(inputs, ctx) {
    const tenantId = inputs.tenantId;
    const url = vantage.vantageAdminClientsUrl(inputs, tenantId, inputs.apiVersion);
    const rctx = { system: vantage.SYSTEM, operation: "API client creation (admin API)", endpoint: url };
    const requested = inputs.requestedClientId;
    const facts = { tenantId, clientId: requested };
    /** What identifies a client Vantage said it created (success), when its answer is unusable. */
    const handlesOf = (res: HttpResponse) =>
      res.status >= 200 && res.status <= 299
        ? (vantage.createdClientHandles(res) ?? (requested ? { clientId: requested } : undefined))
        : undefined;
    // A refusal may echo the token: the kit removes the call's secrets before clipping.
    const { status, created } = await send(
      ctx,
      rctx,
      vantage.createClientRequest(url, inputs.accessToken, clientBodyOf(inputs)),
      (res, call) => {
        const lost = handlesOf(res) === undefined && res.status >= 200 && res.status <= 299;
        const hint = lost
          ? `Vantage answered success, so a client was probably created in tenant ${tenantId} without Pulumi learning its id; ${DELETE_IN_VANTAGE}`
          : undefined;
        const judged = { ...call, hints: hintRules(() => hint, call.hints) };
        return { status: res.status, created: vantage.processCreateClientResponse(res, judged, facts) };
      },
      {
        secretsOf: ({ created }) => [created.clientSecret],
        onRefused: (res, error) => {
          // Vantage created a client but its answer is unusable: record what identifies it.
          const handles = handlesOf(res);
          if (!handles) return error;
          keepSecrets(ctx, handles.clientSecret);
          return incompleteRegistration(error, {
            clientId: handles.clientId,
            ...(handles.clientSecret ? { clientSecret: handles.clientSecret } : {}),
            outputs: {},
            secrets: {},
          });
        },
      },
    );
    const record: ClientRecord = {
      clientId: created.clientId,
      ...(created.clientSecret !== undefined ? { clientSecret: created.clientSecret } : {}),
      outputs: { metadata: created.client },
      secrets: {},
    };
    const problems: string[] = [];
    if (requested !== undefined && created.clientId !== requested) {
      problems.push(`it has clientId "${created.clientId}", not the requested "${requested}"`);
    }
    if (inputs.requireClientSecret !== false && created.clientSecret === undefined) {
      problems.push("Vantage returned no clientSecret for a client that requires one (it is shown only at creation)");
    }
    if (problems.length) {
      throw incompleteRegistration(
        new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${vantage.SYSTEM} API client creation at ${url} created client "${created.clientId}", but ${problems.join("; ")}`,
          { status, endpoint: url },
        ),
        record,
      );
    }
    return record;
  },

  async read(inputs, state, ctx) {
    const name = typeof state.resourceName === "string" ? state.resourceName : "(unnamed)";
    await ctx.diagnostics.info(
      `${vantage.SYSTEM} API client "${name}": Vantage has no API to read or list API clients, so refresh cannot check client "${String(state.clientId)}" in tenant ${inputs.tenantId}; it is kept in state as created. If it was deleted in Vantage, run pulumi up --replace with this resource's URN to create a new one`,
    );
    return undefined;
  },

  canUpdate: () => false,

  async update() {
    throw new AccessTokenError(
      ErrorCode.INVALID_INPUT,
      `${vantage.SYSTEM} has no API to update an API client: a changed client is created anew`,
    );
  },

  async remove(inputs, state) {
    return { removed: false, note: undeletableNote(String(state.clientId), inputs.tenantId, baseOf(state)) };
  },

  replaceNote(state) {
    const id = String(state.clientId);
    const reuse =
      typeof state.requestedClientId === "string"
        ? `. The old client keeps clientId "${state.requestedClientId}": give the new one another clientId (or none), or ${DELETE_IN_VANTAGE} first, or Vantage refuses the new one (HTTP 409)`
        : "";
    return (
      `ABBYY Vantage has no API to delete API clients, so the old client "${id}" is NOT deleted: it stays in tenant ` +
      `${String(state.tenantId)} at ${baseOf(state)} with a valid secret until you ${DELETE_IN_VANTAGE}${reuse}`
    );
  },
});
