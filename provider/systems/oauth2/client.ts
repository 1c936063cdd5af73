/**
 * The generic API client system: OAuth 2.0 Dynamic Client Registration (RFC 7591) with its
 * management protocol (RFC 7592), at any server that offers it. Wire calls are in
 * `registration-wire.ts` beside it; this module maps inputs to metadata and judges what
 * the server registered.
 */
import { AccessTokenError, ErrorCode } from "../../errors";
import { credentialTargetProblem, endpointProblem, printableUrl } from "../../http/transport";
import * as oauth2 from "./wire";
import * as registration from "./registration-wire";
import type { InputIssue } from "../../core/token-system";
import { isoAt } from "../../time";
import { type ClientRecord, clientSystem, incompleteRegistration } from "../../core/client-system";
import type { InputsOf } from "../../core/description";
import { METADATA_FIELDS, oauth2ClientDescription } from "./client.description";
import { keepSecrets, send } from "../../wire/kit";

export { METADATA_FIELDS };

/** Validated generic inputs. */
export type OAuth2ClientInputs = InputsOf<typeof oauth2ClientDescription>;

const SECRET_AUTH_METHODS = new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt"]);

/** Cross-field rules of the generic system. */
export function oauth2ClientCrossFieldIssues(v: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  const has = (k: string) => typeof v[k] === "string" && v[k] !== "";
  if (!has("issuer") && !has("registrationEndpoint")) {
    issues.push({
      path: ["registrationEndpoint"],
      message: "set issuer (the registration endpoint is discovered) or registrationEndpoint",
    });
  }
  for (const key of ["issuer", "registrationEndpoint", "tokenEndpoint"]) {
    const value = v[key];
    if (value === undefined) continue;
    const problem =
      typeof value === "string" ? endpointProblem(value, v.allowInsecureHttp === true) : "must be a URL string";
    if (problem) issues.push({ path: [key], message: problem });
  }
  for (const key of ["clientUri", "logoUri", "tosUri", "policyUri", "jwksUri"]) {
    const value = v[key];
    if (typeof value === "string" && value !== "") {
      const problem = endpointProblem(value, true);
      if (problem) issues.push({ path: [key], message: problem });
    }
  }
  if (Array.isArray(v.redirectUris)) {
    for (const [i, value] of v.redirectUris.entries()) {
      if (typeof value !== "string" || value === "") continue;
      // Native apps may use private-use schemes (RFC 8252 §7.1): only absolute, no fragment.
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        issues.push({ path: ["redirectUris", i], message: "must be an absolute URI" });
      }
      if (url?.hash) issues.push({ path: ["redirectUris", i], message: "must not have a fragment (RFC 6749 §3.1.2)" });
    }
  }
  const grants = Array.isArray(v.grantTypes) ? (v.grantTypes as unknown[]) : [];
  if (grants.includes("client_credentials") && v.tokenEndpointAuthMethod === "none") {
    issues.push({
      path: ["tokenEndpointAuthMethod"],
      message: 'a public client ("none") cannot use the client_credentials grant',
    });
  }
  const responses = Array.isArray(v.responseTypes) ? (v.responseTypes as unknown[]) : undefined;
  if (grants.includes("authorization_code") && responses && !responses.some((r) => String(r).includes("code"))) {
    issues.push({
      path: ["responseTypes"],
      message: 'must include "code" when grantTypes includes "authorization_code" (RFC 7591 §2.1)',
    });
  }
  return issues;
}

/** The wire metadata (RFC 7591 §2) for the inputs. */
export function metadataOf(inputs: OAuth2ClientInputs): registration.ClientMetadata {
  const metadata: registration.ClientMetadata = { ...inputs.extraMetadata };
  for (const [input, wire] of Object.entries(METADATA_FIELDS)) {
    const value = inputs[input as keyof OAuth2ClientInputs];
    if (value !== undefined) metadata[wire] = value;
  }
  if (inputs.scopes !== undefined) metadata.scope = inputs.scopes.join(" ");
  return metadata;
}

function rfc3339(epochSeconds: number | undefined): string | undefined {
  // 0 means "not stated" (RFC 7591 §3.2.1: client_secret_expires_at 0 = does not expire).
  return epochSeconds ? isoAt(epochSeconds * 1000) : undefined;
}

/** The record of a client the server described; `base` adds outputs known from the call. */
function recordOf(client: registration.RegisteredClient, base: Record<string, unknown> = {}): ClientRecord {
  const issuedAt = rfc3339(client.clientIdIssuedAt);
  const expiresAt = rfc3339(client.clientSecretExpiresAt);
  return {
    clientId: client.clientId,
    ...(client.clientSecret !== undefined ? { clientSecret: client.clientSecret } : {}),
    ...(issuedAt ? { clientIdIssuedAt: issuedAt } : {}),
    ...(expiresAt ? { clientSecretExpiresAt: expiresAt } : {}),
    outputs: {
      ...base,
      ...(client.registrationClientUri ? { registrationClientUri: client.registrationClientUri } : {}),
      metadata: client.metadata,
    },
    secrets: client.registrationAccessToken ? { registrationAccessToken: client.registrationAccessToken } : {},
  };
}

/**
 * Checks that the server registered what the inputs need (RFC 7591 §3.2.1 lets it replace
 * values): the requested client authentication, every requested grant, and a secret when
 * the registered authentication uses one. Returns the problems.
 */
export function registeredProblems(inputs: OAuth2ClientInputs, client: registration.RegisteredClient): string[] {
  const problems: string[] = [];
  const method = client.metadata.token_endpoint_auth_method;
  if (
    inputs.tokenEndpointAuthMethod !== undefined &&
    method !== undefined &&
    method !== inputs.tokenEndpointAuthMethod
  ) {
    problems.push(
      `the server registered token_endpoint_auth_method "${String(method)}" instead of the requested "${inputs.tokenEndpointAuthMethod}"`,
    );
  }
  const grants = client.metadata.grant_types;
  if (inputs.grantTypes && Array.isArray(grants)) {
    const missing = inputs.grantTypes.filter((g) => !grants.includes(g));
    if (missing.length) problems.push(`the server did not register the requested grant type(s) ${missing.join(", ")}`);
  }
  const effective = typeof method === "string" ? method : (inputs.tokenEndpointAuthMethod ?? "client_secret_basic");
  if (SECRET_AUTH_METHODS.has(effective) && client.clientSecret === undefined) {
    problems.push(`the server issued no client_secret for a client that authenticates with ${effective}`);
  }
  return problems;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function hasManagement(state: Record<string, unknown>): boolean {
  return typeof state.registrationClientUri === "string" && typeof state.registrationAccessToken === "string";
}

/** Why the registration client URI cannot be used, or undefined when it can. */
function managementProblem(state: Record<string, unknown>, inputs: OAuth2ClientInputs): string | undefined {
  // The URI comes from the server's answer: it must share the origin of the registration
  // endpoint it was registered at (the user's, or one discovered on the issuer's origin).
  const from = stringOr(state.registrationEndpointUsed) ?? inputs.registrationEndpoint ?? inputs.issuer;
  const problem = credentialTargetProblem(String(state.registrationClientUri), {
    allowInsecureHttp: inputs.allowInsecureHttp === true,
    ...(from ? { discoveredFrom: from } : {}),
    allowCrossOriginEndpoints: inputs.allowCrossOriginEndpoints === true,
  });
  return (
    problem && `the server's registration_client_uri ${printableUrl(String(state.registrationClientUri))} ${problem}`
  );
}

/**
 * Where and how an RFC 7592 call for this client goes: the registration client URI (checked
 * like any endpoint), its bearer, and the error context naming the operation.
 */
function managementCall(state: Record<string, unknown>, inputs: OAuth2ClientInputs, operation: string) {
  const problem = managementProblem(state, inputs);
  if (problem) throw new AccessTokenError(ErrorCode.INVALID_INPUT, problem);
  const uri = state.registrationClientUri as string;
  return {
    uri,
    bearer: state.registrationAccessToken as string,
    rctx: { system: registration.SYSTEM, operation: `client ${operation} (RFC 7592)`, endpoint: uri },
  };
}

function sameSet(a: unknown[], b: unknown[]): boolean {
  const left = new Set(a.map((x) => JSON.stringify(x)));
  const right = new Set(b.map((x) => JSON.stringify(x)));
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/** True when two metadata values mean the same (lists are unordered in RFC 7591 metadata). */
export function sameMetadataValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return sameSet(a, b);
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

const NO_MANAGEMENT_NOTE =
  "the server offered no client management (RFC 7592: no registration_client_uri and registration_access_token) when it registered this client";

/** The generic OAuth 2.0 client system: RFC 7591 registration, RFC 7592 management. */
export const oauth2ClientSystem = clientSystem<OAuth2ClientInputs>(oauth2ClientDescription, registration.SYSTEM, {
  crossFieldIssues: oauth2ClientCrossFieldIssues,

  async register(inputs, ctx) {
    let endpoint = inputs.registrationEndpoint;
    let discoveredTokenEndpoint: string | undefined;
    if (inputs.issuer) {
      const metadata = await oauth2.discover(inputs.issuer, ctx.transport);
      discoveredTokenEndpoint = metadata.token_endpoint;
      endpoint ??= metadata.registration_endpoint;
      if (!endpoint) {
        throw new AccessTokenError(
          ErrorCode.DISCOVERY,
          `${registration.SYSTEM} discovery for ${inputs.issuer}: the server offers no registration_endpoint (dynamic client registration, RFC 7591, is not enabled there); set registrationEndpoint if it has one elsewhere`,
        );
      }
      // A registration endpoint the user set is theirs to choose; discovered ones must
      // share the issuer's origin.
      for (const [name, url, discovered] of [
        ["registration", endpoint, inputs.registrationEndpoint === undefined],
        ["token", discoveredTokenEndpoint, true],
      ] as const) {
        if (url === undefined) continue;
        oauth2.checkDiscoveredEndpoint({
          system: registration.SYSTEM,
          issuer: inputs.issuer,
          name,
          url,
          discovered,
          allowInsecureHttp: inputs.allowInsecureHttp,
          allowCrossOriginEndpoints: inputs.allowCrossOriginEndpoints,
        });
      }
    }
    const rctx = { system: registration.SYSTEM, operation: "client registration", endpoint: endpoint as string };
    const base = {
      registrationEndpointUsed: endpoint,
      ...(discoveredTokenEndpoint ? { discoveredTokenEndpoint } : {}),
    };
    const { status, client } = await send(
      ctx,
      rctx,
      registration.registrationRequest(endpoint as string, metadataOf(inputs), inputs.initialAccessToken),
      (res, call) => ({
        status: res.status,
        client: registration.processRegistrationResponse(res, call, inputs.initialAccessToken !== undefined),
      }),
      {
        secretsOf: ({ client }) => [client.clientSecret, client.registrationAccessToken],
        onRefused: (res, error) => {
          const handles = registration.registrationHandles(res);
          if (!handles) return error;
          keepSecrets(ctx, handles.clientSecret, handles.registrationAccessToken);
          return incompleteRegistration(error, {
            clientId: handles.clientId,
            ...(handles.clientSecret ? { clientSecret: handles.clientSecret } : {}),
            outputs: {
              ...base,
              ...(handles.registrationClientUri ? { registrationClientUri: handles.registrationClientUri } : {}),
            },
            secrets: handles.registrationAccessToken
              ? { registrationAccessToken: handles.registrationAccessToken }
              : {},
          });
        },
      },
    );
    const record = recordOf(client, base);
    const problems = registeredProblems(inputs, client);
    if (client.registrationClientUri) {
      const problem = managementProblem(
        { registrationClientUri: client.registrationClientUri, registrationEndpointUsed: endpoint },
        inputs,
      );
      if (problem) problems.push(problem);
    }
    if (problems.length) {
      throw incompleteRegistration(
        new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${registration.SYSTEM} client registration at ${endpoint as string} registered client "${client.clientId}", but ${problems.join("; ")}`,
          { status, endpoint },
        ),
        record,
      );
    }
    return record;
  },

  async read(inputs, state, ctx) {
    if (!hasManagement(state)) return undefined;
    const { uri, bearer, rctx } = managementCall(state, inputs, "read");
    const { status, answer } = await send(ctx, rctx, registration.readRequest(uri, bearer), (res, call) => ({
      status: res.status,
      answer: registration.processReadResponse(res, call),
    }));
    if (answer === "gone") return "gone";
    if (answer.clientId !== state.clientId) {
      throw new AccessTokenError(
        ErrorCode.INVALID_RESPONSE,
        `${registration.SYSTEM} client read at ${uri} failed: the server describes client "${answer.clientId}", not "${String(state.clientId)}"`,
        { status, endpoint: uri },
      );
    }
    keepSecrets(ctx, answer.clientSecret, answer.registrationAccessToken);
    return recordOf(answer);
  },

  canUpdate: hasManagement,

  async update(inputs, state, ctx) {
    const { uri, bearer, rctx } = managementCall(state, inputs, "update");
    const { status, client } = await send(
      ctx,
      rctx,
      registration.updateRequest(uri, bearer, String(state.clientId), metadataOf(inputs)),
      (res, call) => ({ status: res.status, client: registration.processUpdateResponse(res, call) }),
      {
        secretsOf: ({ client }) => [client.clientSecret, client.registrationAccessToken],
        onRefused: (res, error) => {
          // The server may have rotated the registration access token before the answer went
          // wrong: keep the new one, or the client could never be managed (or deleted) again.
          const handles = registration.registrationHandles(res);
          if (!handles?.registrationAccessToken) return error;
          keepSecrets(ctx, handles.clientSecret, handles.registrationAccessToken);
          return incompleteRegistration(error, {
            clientId: String(state.clientId),
            ...(handles.clientSecret ? { clientSecret: handles.clientSecret } : {}),
            outputs: handles.registrationClientUri ? { registrationClientUri: handles.registrationClientUri } : {},
            secrets: { registrationAccessToken: handles.registrationAccessToken },
          });
        },
      },
    );
    const record = recordOf(client);
    const problems = registeredProblems(inputs, client);
    if (problems.length) {
      throw incompleteRegistration(
        new AccessTokenError(
          ErrorCode.INVALID_RESPONSE,
          `${registration.SYSTEM} client update at ${uri} updated client "${client.clientId}", but ${problems.join("; ")}`,
          { status, endpoint: uri },
        ),
        record,
      );
    }
    return record;
  },

  async remove(inputs, state, ctx) {
    if (!hasManagement(state)) {
      return {
        removed: false,
        note: `${NO_MANAGEMENT_NOTE}, so it cannot be deleted by API: client "${String(state.clientId)}" stays registered; remove it with the server's own tools`,
      };
    }
    const { uri, bearer, rctx } = managementCall(state, inputs, "delete");
    const { status, outcome } = await send(ctx, rctx, registration.deleteRequest(uri, bearer), (res, call) => ({
      status: res.status,
      outcome: registration.processDeleteResponse(res, call),
    }));
    if (outcome === "unsupported") {
      return {
        removed: false,
        note: `the server does not support deleting clients (HTTP 405 from ${uri}): client "${String(state.clientId)}" stays registered; remove it with the server's own tools`,
      };
    }
    if (outcome === "gone") {
      await ctx.diagnostics.info(
        `${registration.SYSTEM} client "${String(state.clientId)}" was already gone at the server (HTTP ${status} from ${uri})`,
      );
    }
    return { removed: true };
  },

  driftedInputs(inputs, record) {
    const server = record.outputs.metadata as registration.ClientMetadata | undefined;
    if (!server) return {};
    const out: Record<string, unknown> = {};
    for (const [input, wire] of Object.entries(METADATA_FIELDS)) {
      const mine = inputs[input as keyof OAuth2ClientInputs];
      if (mine === undefined || !(wire in server)) continue;
      if (!sameMetadataValue(mine, server[wire])) out[input] = server[wire];
    }
    if (inputs.scopes !== undefined && typeof server.scope === "string") {
      const theirs = server.scope.split(" ").filter(Boolean);
      if (!sameSet(inputs.scopes, theirs)) out.scopes = theirs;
    }
    if (inputs.extraMetadata) {
      const extra = { ...inputs.extraMetadata };
      let changed = false;
      for (const [key, mine] of Object.entries(inputs.extraMetadata)) {
        if (key in server && !sameMetadataValue(mine, server[key])) {
          extra[key] = server[key];
          changed = true;
        }
      }
      if (changed) out.extraMetadata = extra;
    }
    return out;
  },
});
