/**
 * The AccessToken and ApiClient lifecycles bound to the registries, for tests that call
 * them directly: the same functions as `provider/core/access-token.ts` and
 * `provider/core/api-client.ts`, with the systems of `provider/systems/index.ts` added to
 * the deps, as `provider/index.ts` adds them. Nothing global: each call passes the registry.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as token from "../../provider/core/access-token";
import * as client from "../../provider/core/api-client";
import type { ClientSystem } from "../../provider/core/client-system";
import type { TokenSystem } from "../../provider/core/token-system";
import { CLIENT_REGISTRY, TOKEN_REGISTRY } from "../../provider/systems";

/** AccessToken deps without the registry (the binding adds it). */
export type AccessTokenDeps = Omit<token.AccessTokenDeps, "systems">;
/** ApiClient deps without the registry (the binding adds it). */
export type ApiClientDeps = Omit<client.ApiClientDeps, "systems">;

const tokens = <D extends object>(deps: D) => ({ ...deps, systems: TOKEN_REGISTRY });
const clients = <D extends object>(deps: D) => ({ ...deps, systems: CLIENT_REGISTRY });

/** {@link token.systemOf} over every token system. */
export function systemOf(props: Record<string, unknown>): TokenSystem {
  return token.systemOf(props, TOKEN_REGISTRY);
}

/** {@link token.checkInputs} over every token system. */
export function checkInputs(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
  return token.checkInputs(news, TOKEN_REGISTRY);
}

/** {@link token.checkAccessToken} over every token system. */
export function checkAccessToken(
  news: Record<string, unknown>,
  deps: Pick<AccessTokenDeps, "diagnostics"> = {},
): Promise<pulumi.dynamic.CheckResult> {
  return token.checkAccessToken(news, tokens(deps));
}

/** {@link token.diffAccessToken} over every token system. */
export function diffAccessToken(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: Pick<AccessTokenDeps, "diagnostics" | "now"> = {},
): Promise<pulumi.dynamic.DiffResult> {
  return token.diffAccessToken(olds, news, tokens(deps));
}

/** {@link token.createAccessToken} over every token system. */
export function createAccessToken(
  props: Record<string, unknown>,
  deps: AccessTokenDeps,
): Promise<pulumi.dynamic.CreateResult> {
  return token.createAccessToken(props, tokens(deps));
}

/** {@link token.updateAccessToken} over every token system. */
export function updateAccessToken(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: AccessTokenDeps,
  id?: string,
): Promise<pulumi.dynamic.UpdateResult> {
  return token.updateAccessToken(olds, news, tokens(deps), id);
}

/** {@link token.readAccessToken} over every token system. */
export function readAccessToken(
  id: string,
  props: Record<string, unknown>,
  deps: AccessTokenDeps,
): Promise<pulumi.dynamic.ReadResult> {
  return token.readAccessToken(id, props, tokens(deps));
}

/** {@link token.deleteAccessToken} over every token system. */
export function deleteAccessToken(props: Record<string, unknown>, deps: AccessTokenDeps): Promise<void> {
  return token.deleteAccessToken(props, tokens(deps));
}

/** {@link client.clientSystemOf} over every client system. */
export function clientSystemOf(props: Record<string, unknown>): ClientSystem {
  return client.clientSystemOf(props, CLIENT_REGISTRY);
}

/** {@link client.checkApiClient} over every client system. */
export function checkApiClient(news: Record<string, unknown>): pulumi.dynamic.CheckResult {
  return client.checkApiClient(news, CLIENT_REGISTRY);
}

/** {@link client.diffApiClient} over every client system. */
export function diffApiClient(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: Pick<ApiClientDeps, "diagnostics" | "now"> = {},
): Promise<pulumi.dynamic.DiffResult> {
  return client.diffApiClient(olds, news, clients(deps));
}

/** {@link client.createApiClient} over every client system. */
export function createApiClient(
  props: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.CreateResult> {
  return client.createApiClient(props, clients(deps));
}

/** {@link client.readApiClient} over every client system. */
export function readApiClient(
  id: string,
  props: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.ReadResult> {
  return client.readApiClient(id, props, clients(deps));
}

/** {@link client.updateApiClient} over every client system. */
export function updateApiClient(
  id: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  deps: ApiClientDeps,
): Promise<pulumi.dynamic.UpdateResult> {
  return client.updateApiClient(id, olds, news, clients(deps));
}

/** {@link client.deleteApiClient} over every client system. */
export function deleteApiClient(props: Record<string, unknown>, deps: ApiClientDeps): Promise<void> {
  return client.deleteApiClient(props, clients(deps));
}
