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

/** One resource kind's lifecycle, as the dynamic provider calls it with the kind's deps. */
interface Lifecycle<D> {
  check(news: Record<string, unknown>, deps: D): pulumi.dynamic.CheckResult | Promise<pulumi.dynamic.CheckResult>;
  diff(olds: Record<string, unknown>, news: Record<string, unknown>, deps: D): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Record<string, unknown>, deps: D): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: Record<string, unknown>, deps: D): Promise<pulumi.dynamic.ReadResult>;
  update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    deps: D,
  ): Promise<pulumi.dynamic.UpdateResult>;
  delete(props: Record<string, unknown>, deps: D): Promise<void>;
}

/** The dynamic provider of one kind: every method calls the lifecycle with `deps`. */
function dynamicProvider<D>(deps: D, lifecycle: Lifecycle<D>): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds, news) {
      return withoutValues(await lifecycle.check(news, deps));
    },
    diff: (_id, olds, news) => lifecycle.diff(olds, news, deps),
    create: (inputs) => lifecycle.create(inputs, deps),
    read: (id, props) => lifecycle.read(id, props, deps),
    update: (id, olds, news) => lifecycle.update(id, olds, news, deps),
    delete: (_id, props) => lifecycle.delete(props, deps),
  };
}

function accessTokenProvider(): pulumi.dynamic.ResourceProvider {
  const config = new ConfigSlot();
  const deps = { transport: createTransport(), config, diagnostics: engineDiagnostics, systems: TOKEN_REGISTRY };
  const provider = dynamicProvider<typeof deps>(deps, {
    check: checkAccessToken,
    diff: diffAccessToken,
    create: createAccessToken,
    read: readAccessToken,
    update: (id, olds, news, d) => updateAccessToken(olds, news, d, id),
    delete: deleteAccessToken,
  });
  return {
    ...provider,
    async configure(req) {
      config.set(req.config);
    },
  };
}

function apiClientProvider(): pulumi.dynamic.ResourceProvider {
  const deps = { transport: createTransport(), diagnostics: engineDiagnostics, systems: CLIENT_REGISTRY };
  return dynamicProvider<typeof deps>(deps, {
    check: (news, d) => checkApiClient(news, d.systems),
    diff: diffApiClient,
    create: createApiClient,
    read: readApiClient,
    update: updateApiClient,
    delete: deleteApiClient,
  });
}
