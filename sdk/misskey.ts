/**
 * Misskey access tokens, and Misskey apps (the legacy app flow's API clients).
 *
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";
import { ClientResource } from "./api-client";

/**
 * Inputs of a Misskey {@link App}. Misskey has no API to update or delete an app, so changing
 * any input except {@link token} registers a NEW app, and the old one stays registered at the
 * server (a warning at preview and at `up` says so).
 */
export interface AppArgs {
  /** The server's host name, e.g. `misskey.io` (HTTPS). Set this or {@link baseUrl}. Changing it registers a new app. */
  host?: pulumi.Input<string>;
  /**
   * The server's origin, e.g. `https://misskey.io` (HTTPS; `http://` only on loopback). Set
   * this or {@link host}. Changing it registers a new app.
   */
  baseUrl?: pulumi.Input<string>;
  /** The app's name, shown to people on the approval page (at most 128 characters). Changing it registers a new app. */
  name: pulumi.Input<string>;
  /**
   * The app's description, shown on the approval page (at most 512 characters). Default `""`
   * (Misskey requires the field, not a text). Changing it registers a new app.
   */
  description?: pulumi.Input<string>;
  /**
   * The permission kinds the app's tokens get, e.g. `["read:account", "write:notes"]`. Default
   * none. Legacy names (`account-read`, `account/read`) are rewritten by Misskey to
   * `read:account`; names Misskey does not know are warned about (its tokens never get them).
   * A list the server stores differently shows as drift after `pulumi refresh`. Changing it
   * registers a new app.
   */
  permissions?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Where the browser goes after a person approves a session of the app (`?token=` appended).
   * Default none (Misskey shows the session token instead). Changing it registers a new app.
   */
  callbackUrl?: pulumi.Input<string>;
  /**
   * A credential of the account that should own the app (its 16-character native token, or
   * an access token): sent with `app/create` so the app records its creator, and with
   * `app/show`. Secret. Optional: without it the app has no creator. Changing it changes
   * nothing at the server.
   */
  token?: pulumi.Input<string>;
}

/**
 * A Misskey app (`app/create`): the API client of Misskey's legacy authorization flow. Its
 * secret, with an app access token a person approves, makes the API credential
 * `sha256_hex(appAccessToken + appSecret)` of a {@link AccessToken} (pass the app as `app`).
 *
 * - create: `app/create`; the secret (`clientSecret`) is shown only then and is kept as a
 *   secret output. Unknown permission names are warned about.
 * - refresh: `app/show`; an app that no longer exists (`NO_SUCH_APP`) leaves state, and the
 *   next `pulumi up` registers a new one. A permission list that differs at the server shows
 *   as drift in the next preview.
 * - update: none. Misskey has no API to change an app, so every change (except `token`)
 *   registers a NEW app; the old one stays registered.
 * - delete: Misskey has no API to delete apps. The app stays registered and its secret stays
 *   valid; the stack only forgets it, with a warning. Tokens people granted it can be revoked
 *   in Misskey Web (Settings > Apps) or with `i/revoke-token` and the account's native token;
 *   only an administrator can delete the app itself, in the database.
 *
 * `clientSecret` and `token` are always secret.
 *
 * @example
 * ```ts
 * const app = new misskey.App("bot-app", {
 *   host: "misskey.io",
 *   name: "Notes bot",
 *   permissions: ["read:account", "write:notes"],
 * });
 * // After the first `pulumi up`, a person approves the app once:
 * //   npx pulumi-access-tokens authorize misskey --host misskey.io --legacy \
 * //     --app bot-app --config-key appAccessToken
 * const appAccessToken = config.getSecret("appAccessToken");
 * const token = appAccessToken && new misskey.AccessToken("bot", { app, appAccessToken });
 * export const accessToken = token?.accessToken; // [secret]
 * ```
 */
export class App extends ClientResource {
  /** The server's origin, e.g. `https://misskey.io`. */
  declare readonly origin: pulumi.Output<string>;
  /** The app's name. */
  declare readonly name: pulumi.Output<string>;
  /** The permission kinds as given. */
  declare readonly permissions: pulumi.Output<string[] | undefined>;
  /** The permission kinds as the server stored them (legacy names rewritten). */
  declare readonly registeredPermissions: pulumi.Output<string[]>;

  constructor(name: string, args: AppArgs, opts?: pulumi.CustomResourceOptions) {
    super(name, "misskey", { ...args }, opts, ["origin", "name", "permissions", "registeredPermissions"]);
  }
}

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
  /**
   * A Misskey {@link App} whose token this is (the legacy app flow): fills {@link baseUrl}
   * (unless {@link host} or `baseUrl` is set), {@link appSecret} and {@link permissions} from
   * the app's outputs, and orders the app before the token. {@link appAccessToken} still
   * comes from a person's approval of the app: `npx pulumi-access-tokens authorize misskey
   * --host <host> --legacy --app <app resource name> --config-key <key>`.
   */
  app?: App;
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
    const { app, ...rest } = args;
    super(name, "misskey", app ? { ...inputsFromApp(app, rest), ...withoutUndefined(rest) } : { ...rest }, opts, [
      "userId",
      "username",
      "verifiedAt",
    ]);
  }
}

function withoutUndefined(args: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

/** Token inputs filled from `app`'s outputs, for those not set in `args`. */
function inputsFromApp(app: App, args: Omit<AccessTokenArgs, "app">): Record<string, unknown> {
  return {
    ...(args.host === undefined && args.baseUrl === undefined ? { baseUrl: app.origin } : {}),
    ...(args.appSecret === undefined && args.token === undefined ? { appSecret: app.clientSecret } : {}),
    ...(args.permissions === undefined ? { permissions: app.registeredPermissions } : {}),
  };
}
