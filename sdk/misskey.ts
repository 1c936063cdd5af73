/**
 * Misskey access tokens.
 *
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";

/**
 * Inputs of a Misskey {@link AccessToken}. Misskey tokens never expire and a new one needs a
 * person to approve it, so `gracePeriod` and `rotateBeforeExpiry` are refused, and
 * `rotateAfter` / `triggers` only re-validate the same token.
 */
export interface AccessTokenArgs extends Omit<RotationArgs, "gracePeriod" | "rotateBeforeExpiry"> {
  /** The server's host name, e.g. `misskey.io` (HTTPS). Set this or {@link baseUrl}. Changing it replaces the token. */
  host?: pulumi.Input<string>;
  /**
   * The server's origin, e.g. `https://misskey.io` (HTTPS; `http://` only on loopback). Set
   * this or {@link host}. Changing it replaces the token.
   */
  baseUrl?: pulumi.Input<string>;
  /**
   * The access token, from `npx pulumi-access-tokens authorize misskey --host <host>`
   * (MiAuth) or Misskey Web's Settings > API. Secret. The resource checks it with
   * `POST /api/i` and adopts it; it cannot mint a new one. To rotate, authorize again and
   * set the new value: changing it replaces the resource, and the old token is revoked if
   * {@link nativeToken} is set.
   */
  token?: pulumi.Input<string>;
  /**
   * A legacy app's access token (from `auth/session/userkey`; the authorize command's
   * `--legacy`). Secret. With {@link appSecret}; the API credential
   * `sha256_hex(appAccessToken + appSecret)` is computed by the provider and is the
   * `accessToken` output. Changing it replaces the token.
   */
  appAccessToken?: pulumi.Input<string>;
  /** The legacy app's secret (from `app/create`). Secret. Changing it replaces the token. */
  appSecret?: pulumi.Input<string>;
  /**
   * The account's own 16-character native token: the only credential Misskey lets revoke an
   * access token (`i/revoke-token`). Secret, stored encrypted in state. It has full power
   * over the account; set it only if delete must revoke the token. Without it, delete leaves
   * the token valid (it never expires) and says so. Changing it updates in place.
   */
  nativeToken?: pulumi.Input<string>;
  /**
   * The permission kinds the token was authorized with (documentation; used to warn at
   * `preview` about names Misskey does not know, which it drops without a word). Changing
   * them updates in place; it does not change the token's permissions.
   */
  permissions?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * A Misskey access token, adopted from an earlier authorization (MiAuth or a legacy app).
 *
 * - create: checks the token with `POST /api/i` and adopts it; `userId` and `username`
 *   come from that answer (absent when the token lacks `read:account`).
 * - refresh: `POST /api/i` again; a revoked token (401) is dropped from state, and the next
 *   `pulumi up` fails with "token rejected" until a new token is set.
 * - delete: revokes the token with `i/revoke-token` only when `nativeToken` is set;
 *   otherwise a warning says it stays valid.
 *
 * `accessToken` (the credential to send as `i` or `Authorization: Bearer`) is always secret.
 *
 * @example
 * ```ts
 * // npx pulumi-access-tokens authorize misskey --host misskey.io --permission read:account,write:notes \
 * //   --stack dev --config-key misskeyToken
 * const token = new misskey.AccessToken("bot", {
 *   host: "misskey.io",
 *   token: config.requireSecret("misskeyToken"),
 *   permissions: ["read:account", "write:notes"],
 * });
 * ```
 */
export class AccessToken extends TokenResource {
  /** The account's user id, when the token may read it (`read:account`). */
  declare readonly userId: pulumi.Output<string | undefined>;
  /** The account's user name, when the token may read it (`read:account`). */
  declare readonly username: pulumi.Output<string | undefined>;
  /** When the provider last checked the token with `POST /api/i` and adopted it. */
  declare readonly verifiedAt: pulumi.Output<string>;

  constructor(name: string, args: AccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      name,
      "misskey",
      { ...args },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token", "appAccessToken", "appSecret", "nativeToken"] }),
      ["userId", "username", "verifiedAt"],
    );
  }
}
