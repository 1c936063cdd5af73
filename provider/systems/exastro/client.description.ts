/**
 * The Exastro ServiceAccount, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { clientDescription } from "../../core/common";
import { input, output, redocumented } from "../../core/description";
import { exastroTokenDescription } from "./token.description";

/** The service-account user types Exastro offers. */
export const SERVICE_ACCOUNT_TYPES = ["ansible-execution-agent", "oase-agent"] as const;

const pathSegment = z
  .string({ error: "is required" })
  .min(1, "must not be empty")
  .regex(/^[^\s/?#%]+$/, "must be an id (no spaces, slashes or URL syntax)");

/** The Exastro ServiceAccount. */
export const exastroClientDescription = clientDescription({
  token: "access-tokens:exastro:ServiceAccount",
  doc: "An Exastro workspace service-account user (the API client of a workspace), with a refresh token issued for it.",
  inputs: {
    ...redocumented(exastroTokenDescription.inputs, {
      baseUrl:
        "The Exastro URL (`{EXTERNAL_URL}`), e.g. `https://ita.example.com`. HTTPS is required except on loopback (see `allowInsecureHttp`). Changing it replaces the user.",
    }),
    organizationId: input(pathSegment, "The organization id (the Keycloak realm). Changing it replaces the user.", {
      replaces: true,
    }),
    workspaceId: input(pathSegment, "The workspace the user belongs to. Changing it replaces the user.", {
      replaces: true,
    }),
    username: input(
      z
        .string({ error: "is required" })
        .min(1, "must not be empty")
        .max(255, "must be at most 255 characters")
        .regex(/^\S+$/, "must not contain spaces"),
      "The user's name, unique in the organization (Keycloak stores it lower-cased). A user of that name that already exists is refused, never adopted. Changing it replaces the user.",
      { replaces: true },
    ),
    type: input(
      z
        .enum(SERVICE_ACCOUNT_TYPES, {
          error: `must be ${SERVICE_ACCOUNT_TYPES.map((t) => `"${t}"`).join(" or ")}`,
        })
        .optional(),
      "`ansible-execution-agent` (default: an IT Automation execution agent) or `oase-agent`. Changing it replaces the user (deleted first: the name stays the same).",
      { replaces: true, default: "ansible-execution-agent" },
    ),
    description: input(z.string().optional(), "A description shown in Exastro. Updated in place.", {
      updatesAtServer: true,
      default: "",
    }),
    accessToken: input(
      z
        .string({
          error:
            "is required: the access token of a user with role _{workspaceId}-admin (e.g. admin.accessToken of an exastro.AccessToken)",
        })
        .min(1, "must not be empty"),
      "The bearer access token of a user with role `_{workspaceId}-admin` (the workspace administrator), typically `admin.accessToken` of an `exastro.AccessToken`. Secret. A new value (a renewed token) changes nothing at the server. If it has expired (Exastro access tokens live 24 h), the error says so: run `pulumi up`, which renews the admin token first, then retry.",
      { secret: true },
    ),
    issueRefreshToken: input(
      z.boolean().optional(),
      "Issue a refresh token for the user when it is created (`POST …/{id}/refresh_tokens`), kept as the secret output `refreshToken`. Default true. Turning it on later issues one in place; turning it off leaves the issued token valid.",
      { updatesAtServer: true, default: true },
    ),
    allowInsecureHttp: input(
      z.boolean().optional(),
      "Allow an `http://` `baseUrl` on a non-loopback host. Default false; never with real credentials.",
    ),
  },
  outputs: {
    baseUrl: output(z.string(), "The Exastro URL."),
    organizationId: output(z.string(), "The organization id."),
    workspaceId: output(z.string(), "The workspace id."),
    allowInsecureHttp: output(z.boolean().optional(), "Whether an `http://` baseUrl is allowed."),
    refreshToken: output(
      z.string().optional(),
      "The refresh token issued for the user on create. Undefined with `issueRefreshToken: false`.",
      { secret: true },
    ),
    refreshTokenExpiresAt: output(z.string().optional(), "When `refreshToken` ends (RFC 3339)."),
    refreshTokenSessionId: output(
      z.string().optional(),
      "The session (`sid`) of `refreshToken`: the `id` Exastro lists for it.",
    ),
  },
});
