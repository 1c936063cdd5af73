/**
 * The Misskey AccessToken, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { tokenDescription, nonEmpty } from "../../core/common";
import { input, output } from "../../core/description";

/** A host name, with an optional port (`misskey.io`, `misskey.example:8443`). */
export const HOSTNAME =
  /^(?=.{1,253}(:\d{1,5})?$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

/** The Misskey AccessToken. */
export const misskeyTokenDescription = tokenDescription({
  token: "access-tokens:misskey:AccessToken",
  doc: "A Misskey access token (MiAuth or legacy app), adopted and verified with `POST /api/i`; revoked on delete only with a `nativeToken`.",
  inputs: {
    host: input(
      z.string().regex(HOSTNAME, "must be a host name such as misskey.io (no scheme or path)").optional(),
      "The server's host name, e.g. `misskey.io` (HTTPS). Set this or `baseUrl`. Changing it replaces the token.",
      { replaces: true },
    ),
    baseUrl: input(
      nonEmpty.optional(),
      "The server's origin, e.g. `https://misskey.io` (HTTPS; `http://` only on loopback). Set this or `host`. Changing it replaces the token.",
      { replaces: true },
    ),
    token: input(
      nonEmpty.optional(),
      "The access token, from `npx pulumi-access-tokens authorize misskey --host <host>` (MiAuth) or Misskey Web's Settings > API. Secret. The resource checks it with `POST /api/i` and adopts it; it cannot mint a new one. To rotate, authorize again and set the new value: changing it replaces the resource, and the old token is revoked if `nativeToken` is set.",
      { replaces: true, secret: true },
    ),
    appAccessToken: input(
      nonEmpty.optional(),
      "A legacy app's access token (from `auth/session/userkey`; the authorize command's `--legacy`). Secret. With `appSecret`; the API credential `sha256_hex(appAccessToken + appSecret)` is computed by the provider and is the `accessToken` output. Changing it replaces the token.",
      { replaces: true, secret: true },
    ),
    appSecret: input(
      nonEmpty.optional(),
      "The legacy app's secret (from `app/create`). Secret. Changing it replaces the token.",
      { replaces: true, secret: true },
    ),
    nativeToken: input(
      z.string().length(16, "must be the account's 16-character native token").optional(),
      "The account's own 16-character native token: the only credential Misskey lets revoke an access token (`i/revoke-token`). Secret, stored encrypted in state. It has full power over the account; set it only if delete must revoke the token. Without it, delete leaves the token valid (it never expires) and says so. Changing it updates in place.",
      { secret: true },
    ),
    permissions: input(
      z.array(z.string().regex(/^[^\s,]+$/, "must be one permission name (no spaces or commas)")).optional(),
      "The permission kinds the token was authorized with (documentation; used to warn at `preview` about names Misskey does not know, which it drops without a word). Changing them updates in place; it does not change the token's permissions.",
    ),
  },
  outputs: {
    userId: output(z.string().optional(), "The account's user id, when the token may read it (`read:account`)."),
    username: output(z.string().optional(), "The account's user name, when the token may read it (`read:account`)."),
    verifiedAt: output(z.string(), "When the provider last checked the token with `POST /api/i` and adopted it."),
  },
});
