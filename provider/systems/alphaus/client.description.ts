/**
 * The Alphaus ApiClient, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { clientDescription, nonEmpty } from "../../core/common";
import { input, output } from "../../core/description";

/** The Alphaus ApiClient. */
export const alphausClientDescription = clientDescription({
  token: "access-tokens:alphaus:ApiClient",
  doc: "An Alphaus Blue API client (`POST /iam/v1/apiclients`). Alphaus cannot change a client: every change replaces it; tokens already issued stay valid until they expire.",
  inputs: {
    name: input(
      z
        .string({
          error: (issue) => (issue.input === undefined ? "is required (the API client's name)" : "must be a string"),
        })
        .refine((v) => v.trim() !== "", "must not be blank"),
      "The client's name at Alphaus. Required. Alphaus cannot rename a client: changing it replaces the client.",
      { replaces: true },
    ),
    environment: input(
      z.enum(["production", "beta"], { error: 'must be "production" or "beta"' }).optional(),
      "`production` (default, `api.alphaus.cloud`) or `beta` (`apinext.alphaus.cloud`); also picks the owner's token endpoint when the provider issues the owner's token. Changing it replaces the client.",
      { replaces: true, default: "production" },
    ),
    apiUrl: input(
      z.string().optional(),
      "The Blue API base URL, replacing the documented one (e.g. a proxy, or a local test server); `/iam/v1/apiclients` is appended. HTTPS is required except on loopback. Changing it replaces the client.",
      { replaces: true },
    ),
    accessToken: input(
      nonEmpty.optional(),
      "The owner's bearer token, typically `owner.accessToken` of an `alphaus.AccessToken` that rotates within its 24 h life. Secret. Once its JWT has expired (a `pulumi destroy` days later), the provider issues the owner's token from the owner credentials instead, if there are any. Changing it makes no call.",
      { secret: true },
    ),
    ownerClientId: input(
      nonEmpty.optional(),
      "The owner's API client id, when no `accessToken`. Default: from the environment, as for an `alphaus.AccessToken`.",
    ),
    ownerClientSecret: input(
      nonEmpty.optional(),
      "The owner's API client secret. Secret; stored encrypted in state. Default: from the environment.",
      { secret: true },
    ),
    ownerUsername: input(
      nonEmpty.optional(),
      "The owner's user name, for the password grant. Default: from the environment.",
    ),
    ownerPassword: input(
      nonEmpty.optional(),
      "The owner's password, for the password grant. Secret; stored encrypted in state. Default: from the environment.",
      { secret: true },
    ),
    ownerAuthUrl: input(
      z.string().optional(),
      "The token endpoint that issues the owner's token, replacing the documented one of `environment` (HTTPS except on loopback). Default: `ALPHAUS_AUTH_URL` when `environment` is not set, else the documented Ripple endpoint (or Wave's, for `ALPHAUS_WAVE_*` credentials).",
    ),
  },
  outputs: {
    name: output(z.string(), "The client's name at Alphaus."),
    environment: output(z.enum(["production", "beta"]).optional(), "The environment, when given."),
    grantType: output(z.string(), "The grant its tokens use: `client_credentials`."),
    parent: output(z.string().optional(), "The owner the client belongs to, as Alphaus names it."),
    createTime: output(
      z.string().optional(),
      "When Alphaus created the client, as it said (also `clientIdIssuedAt`, RFC 3339).",
    ),
    blueApiUrl: output(z.string(), "The Blue API base the client was created at."),
  },
});
