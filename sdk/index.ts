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
  type GrantType,
  type RotationArgs,
} from "./access-token";
export { SHIM_VERSION, shimText } from "./shim";
