/**
 * The transport policy as a resource input, ready for the core to add to every token
 * resource (`http: HttpPolicyInput.optional()` in the common input shape) and to pass to
 * the transport per call (`transport(req, ctx, toHttpPolicy(inputs.http))`). Durations are
 * strings, as elsewhere in the package (`"10s"`, `"500ms"`, `"2m"`); nothing here is
 * material (changing it never replaces a token).
 */
import { z } from "zod";
import { MAX_ATTEMPTS } from "./retry";
import type { HttpPolicy } from "./transport";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** Parses `"500ms"`, `"10s"`, `"1.5s"` or `"2m"` to milliseconds; undefined if it is not one. */
export function parseTimeout(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms > 0 && ms <= 600_000 ? Math.round(ms) : undefined;
}

const timeout = z.string().refine((v) => parseTimeout(v) !== undefined, {
  error: 'must be a duration between 1ms and 10m such as "500ms", "10s" or "2m"',
});

/** The `http` input of a token resource. */
export const HttpPolicyInput = z.strictObject({
  /** TCP + TLS connect timeout. Default "10s". */
  connectTimeout: timeout.optional(),
  /** Time to the response headers. Default "30s". */
  headersTimeout: timeout.optional(),
  /** Longest pause inside the response body. Default "30s". */
  bodyTimeout: timeout.optional(),
  /** Total time of one request, headers and whole body. Default "60s". */
  requestTimeout: timeout.optional(),
  /** Time budget of one operation (create, read, update or delete: every request, retry and wait). Default "5m". */
  operationTimeout: timeout.optional(),
  /** Attempts in all (429 / 503 / connection failures before sending). Default 3. */
  maxAttempts: z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_ATTEMPTS, `must be at most ${MAX_ATTEMPTS}`)
    .optional(),
  /** Longest Retry-After to wait for. Default "30s". */
  maxRetryAfter: timeout.optional(),
  /** Requests per second to the token endpoint's origin (shared by the process). */
  requestsPerSecond: z.number().positive("must be greater than 0").optional(),
  /** Extra CA certificates: PEM text or a file path. */
  caBundle: z.string().min(1, "must not be empty").optional(),
});

/** The `http` input, validated. */
export type HttpPolicyInput = z.infer<typeof HttpPolicyInput>;

/** Converts the `http` input to the transport's {@link HttpPolicy}. */
export function toHttpPolicy(input: HttpPolicyInput | undefined): HttpPolicy {
  if (!input) return {};
  const ms = (v: string | undefined) => (v === undefined ? undefined : parseTimeout(v));
  const policy: HttpPolicy = {
    connectTimeoutMs: ms(input.connectTimeout),
    headersTimeoutMs: ms(input.headersTimeout),
    bodyTimeoutMs: ms(input.bodyTimeout),
    requestTimeoutMs: ms(input.requestTimeout),
    operationTimeoutMs: ms(input.operationTimeout),
    caBundle: input.caBundle,
  };
  if (input.maxAttempts !== undefined || input.maxRetryAfter !== undefined) {
    policy.retry = { maxAttempts: input.maxAttempts, maxRetryAfterMs: ms(input.maxRetryAfter) };
  }
  if (input.requestsPerSecond !== undefined) policy.rateLimit = { requestsPerSecond: input.requestsPerSecond };
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)) as HttpPolicy;
}
