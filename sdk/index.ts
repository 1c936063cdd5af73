/**
 * pulumi-access-tokens: API clients and access tokens as Pulumi resources.
 *
 * @packageDocumentation
 */
export {
  AccessToken,
  ACCESS_TOKEN_TYPE,
  ACCESS_TOKEN_SECRET_OUTPUTS,
  TokenResource,
  type AccessTokenArgs,
  type ClientAuthMethod,
  type ClientOrId,
  type GrantType,
  type RotationArgs,
} from "./access-token";
export { SHIM_VERSION, shimText } from "./shim";
export * as alphaus from "./alphaus";
export * as exastro from "./exastro";
export * as misskey from "./misskey";
export * as vantage from "./vantage";
export {
  ApiClient,
  API_CLIENT_TYPE,
  API_CLIENT_SECRET_OUTPUTS,
  ClientResource,
  type ApiClientArgs,
  type ClientRotationArgs,
  type TokenEndpointAuthMethod,
} from "./api-client";
