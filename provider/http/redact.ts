/**
 * Redaction of secrets from anything that may be printed: error messages, logs, warnings.
 * The provider knows every secret of the call it is serving; it removes each of them, in
 * every form it put on the wire, before text leaves the process:
 * - as given, URL-encoded (`%20`) and form-encoded (`+`, and `%21` for `!` and the like);
 * - JSON-escaped (as it travels in JSON bodies, or as a server may escape it back);
 * - Base64 / Base64url of any of those, at any byte offset: the HTTP Basic credential is
 *   Base64 of `id:secret` (both form-encoded first, RFC 6749 §2.3.1), so the secret starts
 *   at an offset that depends on the client id; the characters that only the secret's
 *   bytes determine are removed for each of the three alignments.
 *
 * Secrets shorter than {@link MIN_SECRET_LENGTH} are removed too, but only where they
 * stand alone (not inside a longer word): removing every "ab" from a message would mangle
 * it, while a server that echoes a credential sets it apart (quotes, spaces, `=`). They
 * are not refused as inputs: short values are legitimate for some systems (a password, a
 * one-time code) and refusing them would break working configurations.
 *
 * Server text (error descriptions, challenges, messages) is cleaned with
 * {@link cleanServerText} before it enters a message: control characters and ANSI escape
 * sequences are removed, and a long text is cut with a trailing `…`; {@link redact}
 * also removes a secret form that such a cut left incomplete.
 */

import type { HttpRequest, Transport } from "./transport";

/** Secrets shorter than this are only redacted where they stand alone (as whole words). */
export const MIN_SECRET_LENGTH = 4;

/** The replacement of every secret form. */
export const REDACTED = "[secret]";

/** The marker {@link cleanServerText} appends to clipped text. */
export const CLIP_MARK = "…";

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function uriEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: encoders on the wire send U+FFFD for it.
    return encodeURIComponent(
      value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
    );
  }
}

/** Form fields that carry a credential (RFC 6749, 7009, 7523, 7636, 8693). */
const SECRET_FORM_FIELDS = [
  "client_secret",
  "password",
  "refresh_token",
  "code",
  "code_verifier",
  "client_assertion",
  "assertion",
  "subject_token",
  "actor_token",
  "token",
];

/**
 * The credentials a request puts on the wire: the `Authorization` header's credential (and,
 * for Basic, the decoded pair and its secret half) and the credential fields of a form body.
 * @param req The request about to be sent.
 * @returns The credentials, to be redacted from anything the call prints.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function wireCredentials(req: HttpRequest): string[] {
  const out: string[] = [];
  const header = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === "authorization")?.[1];
  const match = header ? /^\s*(\S+)\s+(.+?)\s*$/.exec(header) : null;
  if (match) {
    const [, scheme, credential] = match as unknown as [string, string, string];
    out.push(credential);
    if (scheme.toLowerCase() === "basic") {
      const pair = Buffer.from(credential, "base64").toString("utf8");
      const colon = pair.indexOf(":");
      if (colon >= 0) {
        out.push(pair.slice(colon + 1));
        try {
          out.push(decodeURIComponent(pair.slice(colon + 1).replace(/\+/g, " ")));
        } catch {
          // Not form-encoded: the raw half is already listed.
        }
      }
    }
  }
  const type = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "";
  if (req.body && /application\/x-www-form-urlencoded/i.test(type)) {
    const form = new URLSearchParams(req.body);
    for (const field of SECRET_FORM_FIELDS) for (const value of form.getAll(field)) out.push(value);
  }
  return out.filter((v) => v !== "");
}

/**
 * Wraps `transport` so that every credential a request puts on the wire
 * ({@link wireCredentials}) joins `secrets`, the list the call's messages are redacted of.
 * @param transport The transport to wrap.
 * @param secrets The call's secrets; grows as requests go out.
 * @returns The wrapping transport.
 * @see {@link keepSecrets}
 */
export function collectingSecrets(transport: Transport, secrets: string[]): Transport {
  return (req, ctx, overrides) => {
    keepSecrets({ secrets }, ...wireCredentials(req));
    return transport(req, ctx, overrides);
  };
}

/**
 * Adds secrets to a call's list (empty and repeated values are skipped): the one place a
 * secret joins the list every message of the call is redacted of.
 * @param call The call's secret list.
 * @param values The secrets.
 * @see {@link redact}
 */
export function keepSecrets(call: { secrets: string[] }, ...values: readonly (string | undefined)[]): void {
  for (const value of values) if (value && !call.secrets.includes(value)) call.secrets.push(value);
}

/** JSON string escaping, as `JSON.stringify` writes it and with every non-ASCII character as `\uXXXX`. */
function jsonForms(value: string): string[] {
  const plain = JSON.stringify(value).slice(1, -1);
  const ascii = plain.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return [plain, ascii, ascii.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => `\\u${h.toUpperCase()}`)].flatMap((f) => [
    f,
    f.replace(/\//g, "\\/"),
  ]);
}

/**
 * The Base64 (and Base64url) characters that only `bytes` determine, when `bytes` sits at
 * each of the three byte alignments of a longer Base64 text: at the end (with padding)
 * and in the middle (without the last, partly foreign character).
 */
function base64Cores(bytes: Buffer): string[] {
  const out: string[] = [];
  // Characters of the first group that mix in foreign bytes, per alignment.
  const lead = [0, 2, 3];
  for (let align = 0; align < 3; align++) {
    const shifted = Buffer.concat([Buffer.alloc(align), bytes]);
    const std = shifted.toString("base64").slice(lead[align]);
    // In the middle of a longer text, a partial last group mixes in the next bytes.
    const total = shifted.length;
    const fullChars = Math.floor((total * 8) / 6) - lead[align];
    const middle = std.replace(/=+$/, "").slice(0, total % 3 === 0 ? undefined : fullChars);
    for (const form of [std, std.replace(/=+$/, ""), middle]) {
      out.push(form, form.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return out;
}

/**
 * Every form of `secret` that {@link redact} removes, longest first.
 * @param secret - the secret
 * @returns its forms: as given, URL-, form- and JSON-encoded, and their Base64 cores
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-4
 */
export function secretForms(secret: string): string[] {
  const wire = [secret, uriEncode(secret), formEncode(secret)];
  // What cleaning (below) makes of a secret with control characters, as it may already
  // have been applied to server text that echoed it.
  const cleaned = [stripControls(secret, false), stripControls(secret, true)];
  const forms = new Set([...wire, ...cleaned, ...jsonForms(secret)]);
  for (const text of wire) {
    for (const core of base64Cores(Buffer.from(text, "utf8"))) forms.add(core);
  }
  // A Base64 core shorter than the secret itself would match too much ordinary text.
  const min = Math.min(MIN_SECRET_LENGTH, [...secret].length);
  return [...forms].filter((f) => f.length >= min).sort((a, b) => b.length - a.length);
}

const WORD = /[\p{L}\p{N}]/u;
const MARK = "\0";

function replaceStandalone(text: string, form: string): string {
  let out = "";
  let from = 0;
  for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
    if (at < from) continue;
    const before = at > 0 ? text[at - 1] : "";
    const after = text[at + form.length] ?? "";
    if ((before && WORD.test(before)) || (after && WORD.test(after))) continue;
    out += text.slice(from, at) + MARK;
    from = at + form.length;
  }
  return out + text.slice(from);
}

/** A form cut by a clip: its first `k` characters followed by {@link CLIP_MARK}. */
function replaceClipped(text: string, form: string): string {
  if (!text.includes(CLIP_MARK)) return text;
  let out = text;
  for (let k = form.length - 1; k >= MIN_SECRET_LENGTH; k--) {
    const cut = form.slice(0, k) + CLIP_MARK;
    if (out.includes(cut)) out = out.split(cut).join(MARK + CLIP_MARK);
  }
  return out;
}

/**
 * Replaces every form of each secret in `text` with `[secret]` (see the module comment),
 * and removes ANSI escape sequences and control characters other than newline and tab.
 * @param text The text.
 * @param secrets The secrets.
 * @returns The text, fit to print.
 * @see {@link secretForms}
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  return stripControls(removeSecrets(text, secrets), true);
}

/**
 * Replaces every form of each secret in `text` with `[secret]`, and nothing else (server
 * text is cleaned after, see `clip` in the wire kit).
 * @param text The text.
 * @param secrets The secrets.
 * @returns The text without the secrets.
 * @see {@link secretForms}
 */
export function removeSecrets(text: string, secrets: Iterable<string | undefined>): string {
  // Redacted spans are marked with NUL while secrets are removed (so a shorter secret
  // cannot match inside the replacement), then written as [secret].
  let out = text.replace(/\0/g, "");
  const unique = new Set<string>();
  for (const secret of secrets) if (secret) unique.add(secret);
  // Longest secrets first: a short secret inside a long one must not leave the rest behind.
  for (const secret of [...unique].sort((a, b) => b.length - a.length)) {
    const short = [...secret].length < MIN_SECRET_LENGTH;
    for (const form of secretForms(secret)) {
      if (form.includes(MARK)) continue;
      if (short || form.length < MIN_SECRET_LENGTH) out = replaceStandalone(out, form);
      else out = replaceClipped(out.split(form).join(MARK), form);
    }
  }
  return out.replace(/\0/g, REDACTED);
}

/** Returns `error` with its message redacted (same object, so class and code survive). */
export function redactError<E>(error: E, secrets: Iterable<string | undefined>): E {
  const list = [...secrets].filter((s): s is string => typeof s === "string");
  if (error instanceof Error) {
    error.message = redact(error.message, list);
    if (error.stack) error.stack = redact(error.stack, list);
    if (error.cause instanceof Error) redactError(error.cause, list);
  }
  return error;
}

// ANSI: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-character escapes;
// the C1 forms of CSI and OSC too.
const ANSI =
  // eslint-disable-next-line no-control-regex
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[@-Z\\-_]?/g;
// C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function stripControls(text: string, keepLayout: boolean): string {
  const noAnsi = text.replace(ANSI, "");
  return keepLayout ? noAnsi.replace(CONTROLS_BUT_LAYOUT, "") : noAnsi.replace(CONTROLS, " ");
}

/**
 * Server text made fit for a message: ANSI escape sequences removed, every control
 * character (newlines included: a server must not forge lines of output) made a space, and
 * text longer than `max` characters cut, ending with {@link CLIP_MARK}.
 * @param text What the server sent (an error description, a challenge, a message).
 * @param max The longest text kept, in characters.
 * @returns The cleaned text.
 * @see {@link redact}
 */
export function cleanServerText(text: string, max = 300): string {
  const clean = stripControls(text, false);
  const chars = [...clean];
  return chars.length > max ? `${chars.slice(0, max).join("")}${CLIP_MARK}` : clean;
}
