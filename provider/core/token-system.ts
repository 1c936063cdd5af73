/**
 * The small interface every token system implements (generic OAuth 2.0, Alphaus, ABBYY
 * Vantage, Exastro, Misskey). The AccessToken lifecycle in `access-token.ts` is
 * written once against it; each system says what it can do through its methods and
 * capability flags.
 */
import { z } from "zod";
import type { ConfigSlot } from "../config";
import type { Diagnostics } from "../diagnostics";
import type { Transport } from "../http/transport";
import type { LifecycleSystem } from "./lifecycle";
import { type TypedDescription, replacingNames, secretNames, shapeOf } from "./description";

/** Everything a system needs from its environment during one call. */
export interface SystemContext {
  transport: Transport;
  config: ConfigSlot;
  diagnostics: Diagnostics;
  now(): Date;
  /**
   * Secrets met during the call; every error is redacted of them. Kept by the wire kit
   * (`send`, `keepSecrets` in `provider/wire/kit.ts`), never pushed to directly.
   */
  secrets: string[];
}

/** A freshly issued token, as a system reports it. */
export interface Issued {
  accessToken: string;
  tokenType: string;
  /** Lifetime in seconds, when known. */
  expiresIn?: number;
  scope?: string;
  /** A refresh token to persist (secret), replacing any earlier one. */
  refreshToken?: string;
  /** When the refresh token dies, if the system says (RFC 3339). */
  refreshTokenExpiresAt?: string;
  /** Endpoints to remember for read and delete (non-secret). */
  endpoints?: Record<string, string>;
  /** Other non-secret facts to keep in state (ids, session ids). */
  extra?: Record<string, string | number | boolean>;
}

/** The answer to "does this token still work?". */
export interface Liveness {
  active: boolean;
  /** A more precise expiry, when the system told. */
  expiresAt?: string;
}

/**
 * What RFC 7662 introspection said about one token. `inactive` is ambiguous by the RFC
 * (§2.2): it also means "this caller may not know about this token" (Keycloak answers so
 * for a client's own tokens when the client is not in their audience). The lifecycle
 * trusts it only once the server has called a token it just issued active
 * (see `liveness` in the AccessToken state).
 */
export type Introspected =
  | { verdict: "active"; expiresAt?: string }
  | { verdict: "inactive" }
  /** The server would not answer this client (HTTP 400 / 401 / 403): no evidence either way. */
  | { verdict: "refused"; reason: string };

/** What happened on revoke. */
export interface RevokeOutcome {
  revoked: boolean;
  /** Why nothing was revoked (shown to the user). */
  note?: string;
}

/** A check failure on raw inputs. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
}

/** The stored state a system sees (outputs of the resource). */
export type TokenState = Record<string, unknown> & {
  accessToken: string;
  refreshToken?: string;
  endpoints?: Record<string, string>;
  expiresAt?: string;
};

/** A token system. `I` is its validated inputs. */
export interface TokenSystem<I = Record<string, unknown>> extends LifecycleSystem {
  /** Inputs whose change means a different token (replace). Others update in place. */
  readonly materialInputs: readonly string[];
  /** Warnings about valid but suspicious inputs (shown at preview). */
  inputWarnings?(inputs: I): string[];
  /** Issues a token from the inputs alone. */
  issue(inputs: I, ctx: SystemContext): Promise<Issued>;
  /**
   * Issues the next token from state (e.g. the stored refresh token). Absent when the
   * system has no such grant: renewal then runs {@link issue} again.
   */
  renew?(inputs: I, state: TokenState, ctx: SystemContext): Promise<Issued>;
  /**
   * Asks the system whether the stored token still works, by evidence other than RFC 7662
   * introspection (the token's own expiry, a call made with the token); undefined when it
   * cannot know.
   */
  check(inputs: I, state: TokenState, ctx: SystemContext): Promise<Liveness | undefined>;
  /**
   * Asks the server's RFC 7662 introspection about `token`; undefined when the server offers
   * none. Systems without introspection leave it out. The lifecycle calibrates what its
   * answers mean for this client and asks it before {@link check}.
   */
  introspect?(inputs: I, state: TokenState, token: string, ctx: SystemContext): Promise<Introspected | undefined>;
  /**
   * Revokes `token` where the system allows: an access token (the current or a previous
   * one), or, when `kind` is "refresh_token", the stored refresh token (ending the grant).
   */
  revoke(
    inputs: I,
    state: TokenState,
    token: string,
    ctx: SystemContext,
    kind?: "access_token" | "refresh_token",
  ): Promise<RevokeOutcome>;
  /**
   * The system's own `revoke` decides what delete does for tokens that renew from a
   * refresh token (e.g. an opt-in input of its own), instead of the core's
   * `revokeOnDelete` rule; `revoke` is then always called with kind "refresh_token".
   */
  readonly decidesRevocationOnDelete?: boolean;
  /** Expiry dates of upstream credentials worth a warning (e.g. a refresh token's absolute end). */
  upstreamExpiries?(inputs: I, state: TokenState): { what: string; at: string }[];
}

/**
 * A required, non-empty string input: "is required" when missing, "must be a string" for
 * another type (never "is required" for a value that is there).
 */
export function requiredString() {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .min(1, "must not be empty");
}

/** What a token system writes itself: everything its description does not decide. */
export type TokenBehaviour<I> = Omit<
  TokenSystem<I>,
  "id" | "displayName" | "inputShape" | "materialInputs" | "secretInputs"
>;

/**
 * A token system: what its description decides (its id, the zod shape of its own inputs,
 * the inputs whose change replaces the token, the secret ones) and what it does.
 *
 * @param description - the AccessToken's description
 * @param displayName - its name in messages, e.g. "OAuth 2.0"
 * @param behaviour - its cross-field rules, its calls and capabilities
 * @returns the system; `I` is its validated inputs, `InputsOf<typeof description>`
 */
export function tokenSystem<I>(
  description: TypedDescription,
  displayName: string,
  behaviour: TokenBehaviour<I>,
): TokenSystem<I> {
  const inputs = description.ownInputs;
  return {
    id: description.system,
    displayName,
    inputShape: shapeOf(inputs),
    materialInputs: replacingNames(inputs),
    secretInputs: secretNames(inputs),
    ...behaviour,
  };
}
