/**
 * Where credentials may go: the one rule every URL passes before it receives a client
 * secret, a password, a code, a token or any other credential — in the provider (token
 * systems and API client systems alike), in the transport, and in the CLI.
 *
 * - The URL is absolute `https:`; `http:` only on a loopback host (or when the user set
 *   `allowInsecureHttp`). Loopback means an IP literal in 127.0.0.0/8 or `::1`, or the name
 *   `localhost` or a name under `.localhost`; names are never looked up in DNS: the
 *   transport connects them to 127.0.0.1 / ::1 itself (RFC 6761 §6.3).
 * - No user name or password in the URL, no fragment, and no credential in the query
 *   (`client_secret=`, `password=`, `access_token=`, …): a URL is printed in messages and
 *   logged by proxies, so a credential there is already exposed.
 * - Same origin for discovered endpoints: an endpoint the provider did not get from the
 *   user (from a discovery document, or a `registration_client_uri` in a registration
 *   response) must share the origin of the issuer (or of the endpoint the user configured)
 *   it came from. A server can name anything in its answers; only the user can send
 *   credentials to another origin, by setting the endpoint explicitly or by opting out
 *   with `allowCrossOriginEndpoints`.
 */

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * True for hosts that never leave the machine: 127.0.0.0/8, `::1`, `localhost` and names
 * under `.localhost` (which the transport connects to loopback without a DNS lookup).
 * @param hostname A URL's `hostname`.
 * @returns Whether the host is loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith(".localhost");
}

/**
 * True for a loopback host given by name (`localhost`, `*.localhost`), which the transport
 * resolves to 127.0.0.1 / ::1 itself.
 * @param hostname A URL's `hostname`.
 * @returns Whether it is a loopback name rather than an address.
 */
export function isLoopbackName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || host.endsWith(".localhost");
}

/** Query parameters that carry a credential: never accepted in an endpoint URL. */
const CREDENTIAL_QUERY = new Set([
  "client_secret",
  "password",
  "passwd",
  "secret",
  "access_token",
  "refresh_token",
  "id_token",
  "token",
  "code",
  "code_verifier",
  "assertion",
  "client_assertion",
  "api_key",
  "apikey",
  "api-key",
]);

/**
 * Why `value` is not an acceptable endpoint URL, or undefined when it is: absolute
 * http(s), no credentials (user info or credential query parameters) and no fragment,
 * and HTTPS unless the host is loopback or `allowInsecureHttp` is set.
 * @param value The URL.
 * @param allowInsecureHttp Whether `http:` is allowed on a non-loopback host.
 * @returns The problem, phrased to follow the input's name, or undefined.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2
 */
export function endpointProblem(value: string, allowInsecureHttp = false): string | undefined {
  return urlRuleProblem(value, allowInsecureHttp ? "allowed" : "opt-in");
}

/**
 * {@link endpointProblem} for a system with no `allowInsecureHttp` input: HTTPS, except on
 * loopback, and the problem names no opt-out.
 * @param value The URL.
 * @returns The problem, phrased to follow the input's name, or undefined.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2
 */
export function strictEndpointProblem(value: string): string | undefined {
  return urlRuleProblem(value, "refused");
}

/**
 * The endpoint rule: `http:` on a non-loopback host is `allowed`, refused with the
 * `allowInsecureHttp` opt-in named (`opt-in`), or `refused` outright.
 */
function urlRuleProblem(value: string, insecureHttp: "allowed" | "opt-in" | "refused"): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must use https (got ${url.protocol})`;
  if (url.username || url.password) return "must not carry credentials";
  const carried = [...url.searchParams.keys()].filter((k) => CREDENTIAL_QUERY.has(k.toLowerCase()));
  if (carried.length) return `must not carry credentials in its query (${[...new Set(carried)].join(", ")})`;
  if (url.hash) return "must not have a fragment";
  if (url.protocol === "http:" && insecureHttp !== "allowed" && !isLoopbackHost(url.hostname)) {
    const optIn = insecureHttp === "opt-in" ? " (set allowInsecureHttp to override)" : "";
    return `must use https for a non-loopback host${optIn}`;
  }
  return undefined;
}

/** What {@link credentialTargetProblem} checks a URL against. */
export interface CredentialTarget {
  /** Allow `http:` on a non-loopback host (the user's `allowInsecureHttp`). */
  allowInsecureHttp?: boolean;
  /**
   * For a URL the provider did not get from the user: the issuer (or user-configured
   * endpoint) it was discovered from, whose origin it must share.
   */
  discoveredFrom?: string;
  /** The user's `allowCrossOriginEndpoints`: discovered URLs may be on another origin. */
  allowCrossOriginEndpoints?: boolean;
}

/**
 * The one rule for a URL about to receive a credential (see the module comment):
 * {@link endpointProblem}, and for a discovered URL, the same-origin rule.
 * @param value The URL.
 * @param target What it is checked against.
 * @returns Why it must not receive a credential, or undefined when it may.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2
 */
export function credentialTargetProblem(value: string, target: CredentialTarget = {}): string | undefined {
  const problem = endpointProblem(value, target.allowInsecureHttp === true);
  if (problem || !target.discoveredFrom || target.allowCrossOriginEndpoints) return problem;
  const origin = new URL(value).origin;
  let expected: string;
  try {
    expected = new URL(target.discoveredFrom).origin;
  } catch {
    return `cannot be checked against ${target.discoveredFrom} (not an absolute URL)`;
  }
  return origin === expected
    ? undefined
    : `is on another origin (${origin}) than ${expected}, where it was discovered; set the endpoint explicitly, or set allowCrossOriginEndpoints to trust the server's choice`;
}

/**
 * A URL as it may be printed next to a {@link endpointProblem}: origin and path, without
 * user info, query or fragment (where a refused URL may carry a credential).
 * @param value The URL.
 * @returns The printable form.
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-3
 */
export function printableUrl(value: string): string {
  try {
    const url = new URL(value);
    const hidden = url.username || url.password || url.search || url.hash ? " (query and credentials not shown)" : "";
    return `${url.protocol}//${url.host}${url.pathname}${hidden}`;
  } catch {
    return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
  }
}
