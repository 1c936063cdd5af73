/**
 * Plays the human in a browser for oidc-provider's development login and consent pages:
 * follows redirects with a cookie jar, logs in as `login`, grants consent, and finally
 * requests the redirect URI (the CLI's loopback listener) with the code.
 */
export async function approveInBrowser(authorizationUrl: string, login = "alice"): Promise<void> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = (pair as string).indexOf("=");
      jar.set((pair as string).slice(0, eq).trim(), (pair as string).slice(eq + 1));
    }
  };
  let url = authorizationUrl;
  for (let step = 0; step < 20; step++) {
    const res = await fetch(url, { redirect: "manual", headers: { cookie: cookieHeader() } });
    remember(res);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      continue;
    }
    const interaction = /\/interaction\/([^/?#]+)$/.exec(new URL(url).pathname);
    if (res.status === 200 && interaction) {
      const html = await res.text();
      const prompt = html.includes('name="login"') ? "login" : "consent";
      const body = new URLSearchParams(prompt === "login" ? { prompt, login, password: "any" } : { prompt });
      const submit = await fetch(url, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      });
      remember(submit);
      const next = submit.headers.get("location");
      if (!next) throw new Error(`interaction ${prompt} answered HTTP ${submit.status}`);
      url = new URL(next, url).toString();
      continue;
    }
    // The loopback redirect listener answered: done.
    await res.text();
    return;
  }
  throw new Error("too many steps in the browser flow");
}
