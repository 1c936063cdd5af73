/**
 * What runs inside Pulumi's dynamic-provider host. The shim stored in state
 * (`sdk/shim.ts`) calls {@link handler} at run time, so state written by any version of
 * the package is served by the version installed now.
 *
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { ConfigSlot } from "./config";
import type { ResourceKind } from "./core/description";
import { engineDiagnostics } from "./diagnostics";
import { createTransport } from "./http/transport";
import { CLIENT_REGISTRY, TOKEN_REGISTRY } from "./systems";
import {
  checkAccessToken,
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  updateAccessToken,
} from "./core/access-token";
import {
  checkApiClient,
  createApiClient,
  deleteApiClient,
  diffApiClient,
  readApiClient,
  updateApiClient,
} from "./core/api-client";

export { AccessTokenError, ErrorCode, isAccessTokenError } from "./errors";

/** Resource kinds served by this provider. */
export type { ResourceKind };

/** The newest shim version this implementation understands. */
export const SHIM_VERSION = 1;

/**
 * Returns the dynamic provider for `kind`. Called by the shim text in state as
 * `require("pulumi-access-tokens/provider").handler(kind, shimVersion)`.
 */
export function handler(kind: ResourceKind, shimVersion: number): pulumi.dynamic.ResourceProvider {
  if (!Number.isInteger(shimVersion) || shimVersion < 1 || shimVersion > SHIM_VERSION) {
    throw new Error(
      `pulumi-access-tokens: state was written by shim v${shimVersion}, this installed version understands up to v${SHIM_VERSION}; upgrade pulumi-access-tokens`,
    );
  }
  switch (kind) {
    case "AccessToken":
      return accessTokenProvider();
    case "ApiClient":
      return apiClientProvider();
    default:
      throw new Error(`pulumi-access-tokens: unknown resource kind "${String(kind)}"`);
  }
}

/**
 * Check failures as the engine receives them: the property is named inside the reason
 * ("clientSecret: must not be empty") and the failure's own `property` is left empty,
 * because for a named property the engine prints the property's *value* ("property X value
 * {...} has a problem"), in plaintext even when it is a secret.
 */
export function withoutValues(result: pulumi.dynamic.CheckResult): pulumi.dynamic.CheckResult {
  if (!result.failures?.length) return result;
  return {
    ...result,
    failures: result.failures.map((f) => ({
      property: "",
      reason: f.property ? `${f.property}: ${f.reason}` : f.reason,
    })),
  };
}

function accessTokenProvider(): pulumi.dynamic.ResourceProvider {
  const config = new ConfigSlot();
  const deps = { transport: createTransport(), config, diagnostics: engineDiagnostics, systems: TOKEN_REGISTRY };
  return {
    async configure(req) {
      config.set(req.config);
    },
    async check(_olds, news) {
      return withoutValues(await checkAccessToken(news, deps));
    },
    async diff(_id, olds, news) {
      return diffAccessToken(olds, news, deps);
    },
    async create(inputs) {
      return createAccessToken(inputs, deps);
    },
    async read(id, props) {
      return readAccessToken(id, props, deps);
    },
    async update(id, olds, news) {
      return updateAccessToken(olds, news, deps, id);
    },
    async delete(_id, props) {
      await deleteAccessToken(props, deps);
    },
  };
}

function apiClientProvider(): pulumi.dynamic.ResourceProvider {
  const deps = { transport: createTransport(), diagnostics: engineDiagnostics, systems: CLIENT_REGISTRY };
  return {
    async check(_olds, news) {
      return withoutValues(checkApiClient(news, deps.systems));
    },
    async diff(_id, olds, news) {
      return diffApiClient(olds, news, deps);
    },
    async create(inputs) {
      return createApiClient(inputs, deps);
    },
    async read(id, props) {
      return readApiClient(id, props, deps);
    },
    async update(id, olds, news) {
      return updateApiClient(id, olds, news, deps);
    },
    async delete(_id, props) {
      await deleteApiClient(props, deps);
    },
  };
}
