/**
 * Redaction of secrets from anything that may be printed: error messages, logs, warnings.
 * The provider knows every secret of the call it is serving; it removes each of them (and
 * their URL-encoded and Base64 forms, as they travel in form bodies and Basic headers)
 * before text leaves the process.
 */

const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret in `text` with `[secret]`. */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")])) {
      out = out.split(form).join("[secret]");
    }
  }
  return out;
}

/** Returns `error` with its message redacted (same object, so class and code survive). */
export function redactError<E>(error: E, secrets: Iterable<string | undefined>): E {
  const list = [...secrets];
  if (error instanceof Error) {
    error.message = redact(error.message, list);
    if (error.stack) error.stack = redact(error.stack, list);
    if (error.cause instanceof Error) redactError(error.cause, list);
  }
  return error;
}
