/**
 * The Alphaus AccessToken, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { tokenDescription, nonEmpty } from "../../core/common";
import { input, output } from "../../core/description";

/** The Alphaus AccessToken. */
export const alphausTokenDescription = tokenDescription({
  token: "access-tokens:alphaus:AccessToken",
  doc: "An Alphaus (Ripple, Wave) access token, issued by the client_credentials or password grant from inputs or `ALPHAUS_*` environment variables. Alphaus cannot revoke tokens: delete warns, and the token lives until it expires.",
  inputs: {
    product: input(
      z.enum(["ripple", "wave"], { error: 'must be "ripple" or "wave"' }).optional(),
      "The product whose token endpoint issues the token. Default: the product of the environment group used, else `ALPHAUS_AUTH_URL`'s, else `ripple` (as the vendor SDKs). Changing it replaces the token.",
      { replaces: true },
    ),
    environment: input(
      z.enum(["production", "beta"], { error: 'must be "production" or "beta"' }).optional(),
      "`production` (default, `login.alphaus.cloud`) or `beta` (`loginnext.alphaus.cloud`). Changing it replaces the token.",
      { replaces: true },
    ),
    authUrl: input(
      z.string().optional(),
      "The token endpoint URL, replacing the documented one (e.g. a proxy, or a local test server). HTTPS is required except on loopback. Changing it replaces the token.",
      { replaces: true },
    ),
    grantType: input(
      z.enum(["client_credentials", "password"], { error: 'must be "client_credentials" or "password"' }).optional(),
      "The grant. Default: `password` when a username and a password are known (inputs or environment), else `client_credentials`. Changing it replaces the token.",
      { replaces: true },
    ),
    clientId: input(
      nonEmpty.optional(),
      "The API client id. Default: from the `ALPHAUS_*` environment variables. Changing it replaces the token.",
      { replaces: true },
    ),
    clientSecret: input(
      nonEmpty.optional(),
      "The API client secret. Default: from the `ALPHAUS_*` environment variables, which keeps it out of state. When given here it is stored encrypted in state; never printed.",
      { secret: true },
    ),
    username: input(
      nonEmpty.optional(),
      "The account's user name, for the password grant. Default: from the environment. Changing it replaces the token.",
      { replaces: true },
    ),
    password: input(
      nonEmpty.optional(),
      "The account's password, for the password grant. Secret. Default: from the environment.",
      { secret: true },
    ),
  },
  outputs: {
    resolvedProduct: output(z.enum(["ripple", "wave"]), "The product whose endpoint issued the token."),
    resolvedClientId: output(z.string(), "The client id used (from the inputs or the environment)."),
    resolvedGrantType: output(z.enum(["client_credentials", "password"]), "The grant used."),
    credentialSource: output(
      z.string(),
      "Where the credentials came from: `inputs`, `ALPHAUS_*`, `ALPHAUS_RIPPLE_*` or `ALPHAUS_WAVE_*`.",
    ),
  },
});
