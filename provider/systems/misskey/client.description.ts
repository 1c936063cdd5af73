/**
 * The Misskey App, described once: every input with its schema, documentation,
 * and whether a change replaces it or it is secret; every output. Validation, the secret
 * lists, the README tables and the package schema derive from it.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { clientDescription, nonEmpty } from "../../core/common";
import { input, output, redocumented } from "../../core/description";
import { misskeyTokenDescription } from "./token.description";

/** The Misskey App. */
export const misskeyAppDescription = clientDescription({
  token: "access-tokens:misskey:App",
  doc: "A Misskey app (`app/create`). Misskey has no API to delete an app: delete forgets it and says so.",
  inputs: {
    ...redocumented(misskeyTokenDescription.inputs, {
      host: "The server's host name, e.g. `misskey.io` (HTTPS). Set this or `baseUrl`. Changing it registers a new app.",
      baseUrl:
        "The server's origin, e.g. `https://misskey.io` (HTTPS; `http://` only on loopback). Set this or `host`. Changing it registers a new app.",
    }),
    name: input(
      nonEmpty.max(128, "must be at most 128 characters (Misskey's limit)"),
      "The app's name, shown to people on the approval page (at most 128 characters). Changing it registers a new app.",
      { replaces: true },
    ),
    description: input(
      z.string().max(512, "must be at most 512 characters (Misskey's limit)").optional(),
      'The app\'s description, shown on the approval page (at most 512 characters). Default `""` (Misskey requires the field, not a text). Changing it registers a new app.',
      { replaces: true, default: "" },
    ),
    permissions: input(
      z.array(z.string().regex(/^[^\s,]+$/, "must be one permission name (no spaces or commas)")).optional(),
      'The permission kinds the app\'s tokens get, e.g. `["read:account", "write:notes"]`. Default none. Legacy names (`account-read`, `account/read`) are rewritten by Misskey to `read:account`; names Misskey does not know are warned about (its tokens never get them). A list the server stores differently shows as drift after `pulumi refresh`. Changing it registers a new app.',
      { replaces: true, default: [] },
    ),
    callbackUrl: input(
      nonEmpty.max(512, "must be at most 512 characters (Misskey's limit)").optional(),
      "Where the browser goes after a person approves a session of the app (`?token=` appended). Default none (Misskey shows the session token instead). Changing it registers a new app.",
      { replaces: true },
    ),
    token: input(
      nonEmpty.optional(),
      "A credential of the account that should own the app (its 16-character native token, or an access token): sent with `app/create` so the app records its creator, and with `app/show`. Secret. Optional: without it the app has no creator. Changing it changes nothing at the server.",
      { secret: true },
    ),
  },
  outputs: {
    origin: output(z.string(), "The server's origin, e.g. `https://misskey.io`."),
    name: output(z.string(), "The app's name."),
    permissions: output(z.array(z.string()).optional(), "The permission kinds as given."),
    registeredPermissions: output(
      z.array(z.string()),
      "The permission kinds as the server stored them (legacy names rewritten).",
    ),
  },
});
