/**
 * The `authorize` command as a user runs it for a stack: authorization code + PKCE at a
 * local OAuth server, approved in a headless browser, the refresh token stored as a secret
 * in the program's stack config.
 */
import { authorize } from "../../cli/authorize";
import { approveInBrowser } from "../servers/browser";
import type { Program } from "./harness";

/** What one `authorize` run ended with. */
export interface AuthorizeRun {
  code: number;
  stderr: string;
}

/**
 * Runs `authorize oauth2` for `program`'s stack and approves the sign-in it prints.
 *
 * @param program - the program whose stack config receives the refresh token
 * @param issuer - the authorization server's issuer URL
 * @param clientId - a public client allowed the authorization code and refresh grants
 * @param scope - the scopes asked for
 * @param configKey - the stack config key the refresh token is stored under
 * @returns the command's exit code and what it printed on stderr
 */
export async function authorizeStack(
  program: Program,
  issuer: string,
  clientId: string,
  scope: string,
  configKey = "refreshToken",
): Promise<AuthorizeRun> {
  let approval: Promise<void> | undefined;
  let stderr = "";
  const code = await authorize(
    [
      "oauth2",
      "--issuer",
      issuer,
      "--client-id",
      clientId,
      "--scope",
      scope,
      "--stack",
      program.stack,
      "--config-key",
      configKey,
      "--cwd",
      program.dir,
    ],
    {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
        const url = /(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/.exec(t)?.[1];
        if (url) approval = approveInBrowser(url);
      },
      env: { ...program.env, BROWSER: "none" },
      cwd: program.dir,
      isInteractive: true,
    },
  );
  await approval;
  return { code, stderr };
}
