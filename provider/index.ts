/**
 * What runs inside Pulumi's dynamic-provider host. The shim stored in state
 * (`sdk/shim.ts`) calls {@link handler} at run time, so state written by any version of
 * the package is served by the version installed now.
 *
 * @packageDocumentation
 */
import type * as pulumi from "@pulumi/pulumi";
import { ConfigSlot } from "./config";
import { engineDiagnostics } from "./diagnostics";
import { createTransport } from "./http/transport";
import {
  checkAccessToken,
  createAccessToken,
  deleteAccessToken,
  diffAccessToken,
  readAccessToken,
  updateAccessToken,
} from "./resources/access-token";

export { AccessTokenError, ErrorCode, isAccessTokenError } from "./errors";

/** Resource kinds served by this provider. */
export type ResourceKind = "AccessToken";

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
    default:
      throw new Error(`pulumi-access-tokens: unknown resource kind "${String(kind)}"`);
  }
}

function accessTokenProvider(): pulumi.dynamic.ResourceProvider {
  const config = new ConfigSlot();
  const deps = { transport: createTransport(), config, diagnostics: engineDiagnostics };
  return {
    async configure(req) {
      config.set(req.config);
    },
    async check(_olds, news) {
      return checkAccessToken(news, deps);
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
    async update(_id, olds, news) {
      return updateAccessToken(olds, news, deps);
    },
    async delete(_id, props) {
      await deleteAccessToken(props, deps);
    },
  };
}
