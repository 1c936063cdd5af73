/**
 * Exastro IT Automation / Platform access tokens, and service-account users (the API
 * clients of a workspace).
 *
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";
import { type RotationArgs, TokenResource } from "./access-token";
import { ClientResource, givenInput } from "./api-client";

/** Inputs of an Exastro {@link ServiceAccount}. */
export interface ServiceAccountArgs {
  /**
   * The Exastro URL (`{EXTERNAL_URL}`), e.g. `https://ita.example.com`. HTTPS is required
   * except on loopback (see {@link allowInsecureHttp}). Changing it replaces the user.
   */
  baseUrl: pulumi.Input<string>;
  /** The organization id (the Keycloak realm). Changing it replaces the user. */
  organizationId: pulumi.Input<string>;
  /** The workspace the user belongs to. Changing it replaces the user. */
  workspaceId: pulumi.Input<string>;
  /**
   * The user's name, unique in the organization (Keycloak stores it lower-cased). A user of
   * that name that already exists is refused, never adopted. Changing it replaces the user.
   */
  username: pulumi.Input<string>;
  /**
   * `ansible-execution-agent` (default: an IT Automation execution agent) or `oase-agent`.
   * Changing it replaces the user (deleted first: the name stays the same).
   */
  type?: pulumi.Input<"ansible-execution-agent" | "oase-agent">;
  /** A description shown in Exastro. Updated in place. */
  description?: pulumi.Input<string>;
  /**
   * The bearer access token of a user with role `_{workspaceId}-admin` (the workspace
   * administrator), typically `admin.accessToken` of an {@link AccessToken}. Secret. A new
   * value (a renewed token) changes nothing at the server. If it has expired (Exastro access
   * tokens live 24 h), the error says so: run `pulumi up`, which renews the admin token
   * first, then retry.
   */
  accessToken: pulumi.Input<string>;
  /**
   * Issue a refresh token for the user when it is created (`POST …/{id}/refresh_tokens`), kept
   * as the secret output `refreshToken`. Default true. Turning it on later issues one in
   * place; turning it off leaves the issued token valid.
   */
  issueRefreshToken?: pulumi.Input<boolean>;
  /** Allow an `http://` {@link baseUrl} on a non-loopback host. Default false; never with real credentials. */
  allowInsecureHttp?: pulumi.Input<boolean>;
}

/**
 * An Exastro service-account user: the API client of a workspace (an IT Automation
 * execution agent or an OASE agent), created by a workspace administrator through
 * `/api/{org}/platform/workspaces/{ws}/service-account-users`, with a refresh token issued
 * for it. Pass it as `serviceAccount` to an {@link AccessToken} to turn that refresh token
 * into access tokens.
 *
 * - create: creates the user, finds its id in the workspace's list by username (Exastro's
 *   answer has none), and issues a refresh token (`refreshToken`, secret; its end is
 *   `refreshTokenExpiresAt`, 365 days by default). A username that already exists in the
 *   organization fails ("already exists"); it is never adopted. If the user was created
 *   but a later step failed, it is recorded, and the next `up` (or `destroy`) deletes it.
 * - update: `description` in place (`PUT`). Changing `baseUrl`, `organizationId`,
 *   `workspaceId`, `username` or `type` replaces the user; as usernames are unique, the old
 *   user is deleted first (`deleteBeforeReplace`, unless set otherwise in the options).
 * - refresh: reads the user; one deleted in Exastro leaves the stack and the next `pulumi up`
 *   creates it again with a new refresh token (a chained token follows). A description
 *   changed in Exastro shows as drift. If the issued refresh token was revoked in Exastro, a
 *   warning says so and it leaves state; the next `pulumi up` issues a new one for the same
 *   user in place (also once `refreshTokenExpiresAt` has passed), and a chained token follows.
 * - delete: deletes the user; every refresh and access token of it stops working at once,
 *   including tokens used outside this stack.
 *
 * What Exastro cannot do: return the id of a new user (it is looked up by name), change a
 * user's name or type (replace), issue a token with another lifetime, or revoke one of the
 * user's refresh tokens on its own (only all of them).
 *
 * `accessToken` and `refreshToken` are always secret. `clientId` is the user's id.
 *
 * @example
 * ```ts
 * const admin = new exastro.AccessToken("admin", {
 *   baseUrl: "https://ita.example.com",
 *   organizationId: "org1",
 *   initialRefreshToken: config.requireSecret("adminRefreshToken"),
 * });
 * const agent = new exastro.ServiceAccount("agent", {
 *   baseUrl: "https://ita.example.com",
 *   organizationId: "org1",
 *   workspaceId: "ws1",
 *   username: "ita-agent",
 *   description: "execution agent in the DMZ",
 *   accessToken: admin.accessToken,
 * });
 * const agentToken = new exastro.AccessToken("agent", { serviceAccount: agent, rotateAfter: "12h" });
 * export const agentRefreshToken = agent.refreshToken; // [secret]
 * ```
 */
export class ServiceAccount extends ClientResource {
  /** The Exastro URL. */
  declare readonly baseUrl: pulumi.Output<string>;
  /** The organization id. */
  declare readonly organizationId: pulumi.Output<string>;
  /** The workspace id. */
  declare readonly workspaceId: pulumi.Output<string>;
  /** Whether an `http://` baseUrl is allowed. */
  declare readonly allowInsecureHttp: pulumi.Output<boolean | undefined>;
  /** The refresh token issued for the user on create. Secret. Undefined with `issueRefreshToken: false`. */
  declare readonly refreshToken: pulumi.Output<string | undefined>;
  /** When {@link refreshToken} ends (RFC 3339). */
  declare readonly refreshTokenExpiresAt: pulumi.Output<string | undefined>;
  /** The session (`sid`) of {@link refreshToken}: the `id` Exastro lists for it. */
  declare readonly refreshTokenSessionId: pulumi.Output<string | undefined>;

  constructor(name: string, args: ServiceAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      name,
      "exastro",
      { ...args },
      // Usernames are unique: a replacement with the same name can only be created once the old user is gone.
      { ...opts, deleteBeforeReplace: opts?.deleteBeforeReplace ?? true },
      [
        "baseUrl",
        "organizationId",
        "workspaceId",
        "allowInsecureHttp",
        "refreshToken",
        "refreshTokenExpiresAt",
        "refreshTokenSessionId",
      ],
    );
  }
}

/** Inputs of an Exastro {@link AccessToken}. */
export interface AccessTokenArgs extends RotationArgs {
  /**
   * The Exastro URL: `{EXTERNAL_URL}` for organization users, `{EXTERNAL_URL_MNG}` for system
   * managers, e.g. `https://ita.example.com`. Both the token endpoint
   * (`/auth/realms/{org}/protocol/openid-connect/token`) and the API (`/api/...`) are under
   * it. HTTPS is required except on loopback (see {@link allowInsecureHttp}). Required unless
   * {@link serviceAccount} is set. Changing it replaces the token.
   */
  baseUrl?: pulumi.Input<string>;
  /**
   * A {@link ServiceAccount} whose token this is: fills {@link baseUrl},
   * {@link organizationId}, {@link allowInsecureHttp} and {@link initialRefreshToken} (its
   * `refreshToken`) from the service account's outputs, unless set here (with
   * {@link username} set, no refresh token is taken), and orders the service account before
   * the token. When the service account is created again, the token follows.
   */
  serviceAccount?: ServiceAccount;
  /**
   * The organization id (the Keycloak realm; the API client is `_{organizationId}-api`).
   * Required unless {@link systemManager} is set. Changing it replaces the token.
   */
  organizationId?: pulumi.Input<string>;
  /**
   * Act as a system manager: realm `master`, client `_platform-api`, the
   * `/api/platform/...` paths. Default false. Changing it replaces the token.
   */
  systemManager?: pulumi.Input<boolean>;
  /**
   * A refresh token issued in the Exastro UI (user menu → トークン発行), e.g. from
   * `config.requireSecret("exastroRefreshToken")`. Secret. The resource turns it into access
   * tokens; the refresh token in use is kept (encrypted) in the `refreshToken` output and
   * replaced if the server rotates it. Set this, or {@link username} + {@link password}.
   * Changing it replaces the token (the new refresh token is adopted).
   */
  initialRefreshToken?: pulumi.Input<string>;
  /**
   * Sign in as this user to issue the refresh token (password grant, `scope=openid
   * offline_access`), instead of {@link initialRefreshToken}. Changing it replaces the token.
   */
  username?: pulumi.Input<string>;
  /**
   * The user's password. Secret, stored encrypted in state: without two-factor
   * authentication it lets the resource issue a new session by itself when the old one has
   * ended. Changing it updates in place.
   */
  password?: pulumi.Input<string>;
  /**
   * The current one-time code, for a user with two-factor authentication. Secret. It is
   * only good for seconds, so it is read only when a session must be issued (create,
   * replace, or an ended session): set it right before such a `pulumi up`. Changing it
   * updates in place.
   */
  totp?: pulumi.Input<string>;
  /**
   * Exastro cannot revoke one refresh token: its only call revokes ALL of the user's refresh
   * tokens, including every token used outside this stack. Set true to do exactly that when
   * this resource is deleted (destroy or replace) — a warning lists the sessions ended. It is
   * refused when it would also end a session issued in the same update (a replacement's).
   * Default false: delete leaves the session valid until it expires (365 days by default)
   * and says so. Changing it updates in place.
   */
  revokeAllSessionsOnDelete?: pulumi.Input<boolean>;
  /** Allow an `http://` {@link baseUrl} on a non-loopback host. Default false; never with real credentials. */
  allowInsecureHttp?: pulumi.Input<boolean>;
}

/**
 * An Exastro access token: the access token of an offline session (refresh token), renewed
 * through `pulumi up`.
 *
 * - create: the refresh_token grant with {@link AccessTokenArgs.initialRefreshToken}, or the
 *   password grant (`scope=openid offline_access`, `totp` for two-factor users) that issues a
 *   new offline session.
 * - rotation (`rotateAfter`, `rotateBeforeExpiry`, `triggers`, expiry after 24 h by
 *   default): renewed in place with the stored refresh token.
 * - refresh: the token's session (`sessionId`) must still be listed by
 *   `GET …/users/_current/refresh_tokens`; a revoked session is dropped from state and the
 *   next `pulumi up` issues a new one (password mode) — with a refresh token from the UI,
 *   set a new `initialRefreshToken`.
 * - delete: nothing is revoked unless `revokeAllSessionsOnDelete` is set (see there); a
 *   warning says how long the token stays valid.
 * - `preview` warns 7 days before the refresh token ends (`refreshTokenExpiresAt`).
 *
 * @example
 * ```ts
 * const token = new exastro.AccessToken("ita", {
 *   baseUrl: "https://ita.example.com",
 *   organizationId: "org1",
 *   initialRefreshToken: config.requireSecret("exastroRefreshToken"),
 *   rotateAfter: "12h",
 * });
 * export const accessToken = token.accessToken; // [secret]
 * ```
 */
export class AccessToken extends TokenResource {
  /** The Keycloak session id (`sid`) of the refresh token: the `id` the Exastro UI lists. */
  declare readonly sessionId: pulumi.Output<string | undefined>;
  /** The refresh token in use (from the input, or rotated by the server). Secret. */
  declare readonly refreshToken: pulumi.Output<string>;

  constructor(name: string, args: AccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const { serviceAccount, ...rest } = args;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    super(
      name,
      "exastro",
      serviceAccount ? { ...inputsFromServiceAccount(serviceAccount, rest), ...given } : { ...rest },
      opts,
      ["sessionId", "refreshToken"],
    );
  }
}

/** Token inputs filled from `account`'s outputs, for those not set in `args`. */
function inputsFromServiceAccount(account: ServiceAccount, args: Omit<AccessTokenArgs, "serviceAccount">) {
  const signsIn = args.username !== undefined || args.password !== undefined;
  return {
    baseUrl: account.baseUrl,
    organizationId: account.organizationId,
    // As given to the account: its output is unknown at preview when it was never set.
    allowInsecureHttp: givenInput<boolean>(account, "allowInsecureHttp"),
    ...(signsIn ? {} : { initialRefreshToken: account.refreshToken }),
  };
}
