/**
 * pulumi-access-tokens: API clients and access tokens as Pulumi resources.
 *
 * @packageDocumentation
 */
export { AccessToken, ACCESS_TOKEN_TYPE, type AccessTokenArgs, type ClientAuthMethod } from "./access-token";
export { SHIM_VERSION, shimText } from "./shim";
