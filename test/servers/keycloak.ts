/**
 * Keycloak, a real OAuth 2.0 / OIDC server nobody here wrote, on loopback for the engine
 * tests. scripts/keycloak.sh installs it (Maven Central, cached outside the checkout) and
 * seeds a database; each {@link startKeycloak} copies that seed into its own temporary
 * directory, imports the realm in test/servers/keycloak/realm.json with fresh random
 * secrets, and starts the pre-built server bound to 127.0.0.1 on a free port with a fixed
 * hostname (so the issuer does not follow the Host header).
 *
 * The realm `pat`: `machine` (confidential, client_credentials, in its own tokens'
 * audience), `user-app` (confidential, password + refresh_token; the realm rotates refresh
 * tokens with no reuse), `no-audience` (confidential, client_credentials, NOT in its own
 * tokens' audience: Keycloak's introspection answers `active:false` to it for its own
 * tokens), `public-app` (public, password + refresh_token; may not introspect at all),
 * `auditor` (a resource server in every realm client's token audience, which may introspect
 * them), the user `alice`, and an initial access token for RFC 7591 registration (created
 * through the admin API at start: Keycloak cannot import one).
 *
 * Every client secret contains `%`, `+` and `:`, so every Basic authentication proves the
 * RFC 6749 §2.3.1 form-encoding.
 *
 * Run directly to time an install-or-locate and one start (warm start on a cached install):
 *   node -r ts-node/register/transpile-only test/servers/keycloak.ts
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { cp, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(__dirname, "../..");
const REALM_FILE = join(__dirname, "keycloak", "realm.json");

/** The realm the tests use. */
export const KEYCLOAK_REALM = "pat";

/** How long a start may take before it counts as failed (a loaded 2-core machine is slow). */
export const KEYCLOAK_START_TIMEOUT_MS = 180_000;

/**
 * A generous hook timeout for a `beforeAll` that starts Keycloak: a cold cache first downloads,
 * builds and seeds the server (several minutes), then the start itself.
 */
export const KEYCLOAK_HOOK_TIMEOUT_MS = 900_000;

/** A client of the realm. */
export interface KeycloakClient {
  clientId: string;
  /** Absent for a public client. */
  clientSecret?: string;
}

/** The realm's clients, by role (see the module comment). */
export interface KeycloakClients {
  machine: KeycloakClient;
  userApp: KeycloakClient;
  noAudience: KeycloakClient;
  publicApp: KeycloakClient;
  auditor: KeycloakClient;
}

/** A running Keycloak. */
export interface Keycloak {
  /** The server's base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** The realm's issuer. */
  issuer: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  userinfoEndpoint: string;
  /** The RFC 7591 registration endpoint. */
  registrationEndpoint: string;
  clients: KeycloakClients;
  user: { username: string; password: string };
  /** An RFC 7591 initial access token (100 uses, no expiry). */
  initialAccessToken: string;
  /** Every secret this start made up (client secrets, password, initial access token): canaries. */
  secrets: string[];
  /** A token request as `client` (Basic authentication when it has a secret); the raw answer. */
  token(
    client: KeycloakClient,
    params: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A password grant for the realm's user as `client`: the token response. */
  passwordGrant(client: KeycloakClient, scope?: string): Promise<Record<string, unknown>>;
  /** Introspects `token` (RFC 7662) as `client`, by default the auditor, which may judge every realm client's tokens. */
  introspect(token: string, client?: KeycloakClient): Promise<{ active: boolean; [k: string]: unknown }>;
  /** GET on the admin REST API (`/admin/realms/<realm><path>`) as the demo admin: the parsed JSON. */
  adminGet(path: string): Promise<unknown>;
  /** Stops the server (its whole process group) and removes its directory. */
  close(): Promise<void>;
}

interface Installation {
  home: string;
  seed: string;
  javaHome: string;
  javaOptsAppend: string;
}

let installation: Promise<Installation> | undefined;

/** Runs scripts/keycloak.sh once per process: installs (first run only) and locates Keycloak. */
export function installKeycloak(): Promise<Installation> {
  installation ??= new Promise((resolvePromise, reject) => {
    execFile(
      "bash",
      [join(REPO, "scripts", "keycloak.sh")],
      { maxBuffer: 1 << 24, timeout: KEYCLOAK_HOOK_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`scripts/keycloak.sh failed: ${error.message}\n${stderr}`));
          return;
        }
        const vars = Object.fromEntries(
          stdout
            .split("\n")
            .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1], m[2]]),
        );
        for (const name of ["KEYCLOAK_HOME", "KEYCLOAK_SEED", "KEYCLOAK_JAVA_HOME", "KEYCLOAK_JAVA_OPTS_APPEND"]) {
          if (!vars[name]) {
            reject(new Error(`scripts/keycloak.sh printed no ${name}:\n${stdout}\n${stderr}`));
            return;
          }
        }
        resolvePromise({
          home: vars.KEYCLOAK_HOME,
          seed: vars.KEYCLOAK_SEED,
          javaHome: vars.KEYCLOAK_JAVA_HOME,
          javaOptsAppend: vars.KEYCLOAK_JAVA_OPTS_APPEND,
        });
      },
    );
  });
  return installation;
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePromise(port));
    });
  });
}

/** A secret with the characters RFC 6749 §2.3.1 makes a client form-encode before Basic. */
function secret(label: string): string {
  return `${label}%2B+:${randomUUID()}`;
}

function basic(client: KeycloakClient): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret ?? "")}`).toString("base64")}`;
}

async function form(
  url: string,
  params: Record<string, string>,
  client?: KeycloakClient,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  const body = new URLSearchParams(params);
  if (client?.clientSecret) headers.authorization = basic(client);
  else if (client) body.set("client_id", client.clientId);
  const res = await fetch(url, { method: "POST", headers, body: body.toString() });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Starts Keycloak with the test realm: installs it first if needed (see scripts/keycloak.sh),
 * then waits for the realm's discovery document (at most {@link KEYCLOAK_START_TIMEOUT_MS}).
 * @returns the running server; call `close()` when done.
 */
export async function startKeycloak(): Promise<Keycloak> {
  const install = await installKeycloak();
  const root = await mkdtemp(join(tmpdir(), "pat-keycloak-"));
  // A private home: the launcher copied (it derives the home from its own path), the
  // read-only parts linked to the cache, the data directory copied from the seed.
  await mkdir(join(root, "bin"));
  await copyFile(join(install.home, "bin", "kc.sh"), join(root, "bin", "kc.sh"));
  for (const part of ["lib", "providers", "themes", "conf"]) {
    await symlink(join(install.home, part), join(root, part));
  }
  await cp(install.seed, join(root, "data"), { recursive: true });
  await mkdir(join(root, "data", "import"), { recursive: true });

  const clients: KeycloakClients = {
    machine: { clientId: "machine", clientSecret: secret("machine") },
    userApp: { clientId: "user-app", clientSecret: secret("user-app") },
    noAudience: { clientId: "no-audience", clientSecret: secret("no-audience") },
    publicApp: { clientId: "public-app" },
    auditor: { clientId: "auditor", clientSecret: secret("auditor") },
  };
  const user = { username: "alice", password: secret("alice") };
  const realm = JSON.parse(await readFile(REALM_FILE, "utf8")) as {
    clients: { clientId: string; secret?: string }[];
    users: { username: string; credentials: { value: string }[] }[];
  };
  for (const c of realm.clients) {
    const mine = Object.values(clients).find((k) => k.clientId === c.clientId);
    if (!mine) throw new Error(`realm.json has client ${c.clientId}, which startKeycloak does not know`);
    if (mine.clientSecret) c.secret = mine.clientSecret;
  }
  realm.users[0].credentials[0].value = user.password;
  await writeFile(join(root, "data", "import", "realm.json"), JSON.stringify(realm));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminPassword = "admin"; // the seed's demo admin (scripts/keycloak.sh), loopback only
  const logFile = join(root, "keycloak.log");
  const log = openSync(logFile, "w");
  const child: ChildProcess = spawn(
    join(root, "bin", "kc.sh"),
    [
      "start",
      "--optimized",
      "--http-enabled=true",
      "--http-host=127.0.0.1",
      `--http-port=${port}`,
      `--hostname=${url}`,
      "--cache=local",
      "--import-realm",
      "--log-level=warn",
    ],
    {
      cwd: root,
      detached: true, // its own process group, killed as a whole
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        JAVA_HOME: install.javaHome,
        JAVA_OPTS_APPEND: install.javaOptsAppend,
        KC_BOOTSTRAP_ADMIN_USERNAME: "admin",
        KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      },
    },
  );
  closeSync(log);
  const pid = child.pid as number;
  let exited = false;
  const exitedPromise = new Promise<void>((r) => child.once("exit", () => r()));
  child.once("exit", () => {
    exited = true;
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  // A crashed or interrupted test run must not leave a JVM behind.
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);

  const close = async () => {
    process.removeListener("exit", onExit);
    if (!exited) {
      killGroup("SIGTERM");
      const timer = setTimeout(() => killGroup("SIGKILL"), 20_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    // Anything else left in the group (the JVM when the launcher died first).
    killGroup("SIGKILL");
    await rm(root, { recursive: true, force: true });
  };

  const issuer = `${url}/realms/${KEYCLOAK_REALM}`;
  const deadline = Date.now() + KEYCLOAK_START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      const text = tail(logFile);
      await close();
      throw new Error(`Keycloak exited during start:\n${text}`);
    }
    try {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const text = tail(logFile);
      await close();
      throw new Error(`Keycloak did not serve ${issuer} within ${KEYCLOAK_START_TIMEOUT_MS / 1000} s:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  const oidc = `${issuer}/protocol/openid-connect`;
  const adminToken = async () => {
    const admin = await form(`${url}/realms/master/protocol/openid-connect/token`, {
      grant_type: "password",
      client_id: "admin-cli",
      username: "admin",
      password: adminPassword,
    });
    if (admin.status !== 200) throw new Error(`admin token: HTTP ${admin.status} ${JSON.stringify(admin.body)}`);
    return String(admin.body.access_token);
  };
  let initialAccessToken: string;
  try {
    const res = await fetch(`${url}/admin/realms/${KEYCLOAK_REALM}/clients-initial-access`, {
      method: "POST",
      headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ count: 100, expiration: 0 }),
    });
    const body = (await res.json()) as { token?: string };
    if (!res.ok || !body.token) throw new Error(`initial access token: HTTP ${res.status}`);
    initialAccessToken = body.token;
  } catch (error) {
    await close();
    throw error;
  }

  const token = (client: KeycloakClient, params: Record<string, string>) => form(`${oidc}/token`, params, client);
  return {
    url,
    issuer,
    tokenEndpoint: `${oidc}/token`,
    introspectionEndpoint: `${oidc}/token/introspect`,
    revocationEndpoint: `${oidc}/revoke`,
    userinfoEndpoint: `${oidc}/userinfo`,
    registrationEndpoint: `${issuer}/clients-registrations/openid-connect`,
    clients,
    user,
    initialAccessToken,
    secrets: [
      ...Object.values(clients)
        .map((c) => c.clientSecret)
        .filter((s): s is string => !!s),
      user.password,
      initialAccessToken,
    ],
    token,
    async passwordGrant(client, scope) {
      const r = await token(client, {
        grant_type: "password",
        username: user.username,
        password: user.password,
        ...(scope ? { scope } : {}),
      });
      if (r.status !== 200) throw new Error(`password grant as ${client.clientId}: HTTP ${r.status}`);
      return r.body;
    },
    async introspect(value, client = clients.auditor) {
      const r = await form(`${oidc}/token/introspect`, { token: value }, client);
      if (r.status !== 200) throw new Error(`introspection as ${client.clientId}: HTTP ${r.status}`);
      return r.body as { active: boolean };
    },
    async adminGet(path) {
      const res = await fetch(`${url}/admin/realms/${KEYCLOAK_REALM}${path}`, {
        headers: { authorization: `Bearer ${await adminToken()}` },
      });
      if (!res.ok) throw new Error(`admin GET ${path}: HTTP ${res.status}`);
      return res.json();
    },
    close,
  };
}

if (require.main === module) {
  void (async () => {
    const t0 = Date.now();
    await installKeycloak();
    const t1 = Date.now();
    const kc = await startKeycloak();
    const t2 = Date.now();
    console.log(`install or locate: ${(t1 - t0) / 1000} s; start until ${kc.issuer} answered: ${(t2 - t1) / 1000} s`);
    await kc.close();
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
