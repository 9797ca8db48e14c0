import { type Credentials, errorOf } from "./api.ts";

/**
 * Where the credential lives: sessionStorage, so it lasts as long as the browser tab and never goes
 * into a URL, a cookie or the disk of another site.
 */
const KEY = "openqod.dashboard.credentials";

export function loadCredentials(): Credentials | null {
  const text = sessionStorage.getItem(KEY);
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Credentials;
    return typeof value.bearer === "string" ? value : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

/** Checks a bearer credential against an API every client may read; throws the API's error. */
async function check(bearer: string): Promise<void> {
  const response = await fetch("/notifications/v1/sessions?limit=1", {
    headers: { authorization: `Bearer ${bearer}`, accept: "application/json" },
  });
  if (!response.ok) throw await errorOf(response);
}

export async function signInWithKey(key: string): Promise<Credentials> {
  const bearer = key.trim();
  await check(bearer);
  return { bearer, label: `API key ${bearer.slice(0, 8)}…` };
}

/** OAuth2 client credentials (RFC 6749 §4.4) at the built-in authorization server. */
export async function signInWithClient(id: string, secret: string): Promise<Credentials> {
  // client_secret_post, not Basic: a 401 to a Basic header carries `WWW-Authenticate: Basic`, and the
  // browser would answer a wrong secret with its own login prompt instead of the page's message.
  const response = await fetch("/oauth2/v1/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: id.trim(),
      client_secret: secret.trim(),
    }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
    message?: string;
  };
  if (!response.ok || body.access_token === undefined) {
    throw new Error(body.error_description ?? body.message ?? body.error ?? `HTTP ${response.status}`);
  }
  // Only the token is kept, never the secret: when it expires (401) the page asks to sign in again.
  return { bearer: body.access_token, label: `client ${id.trim()}` };
}

/** Whether this server offers the one-click sandbox sign-in (a sandbox on loopback). */
export async function sandboxSignInAvailable(): Promise<boolean> {
  const response = await fetch("/sandbox/v1/sign-in", { headers: { accept: "application/json" } });
  if (!response.ok) return false;
  const body = (await response.json()) as { available?: boolean };
  return body.available === true;
}

export async function signInAsSandbox(): Promise<Credentials> {
  const response = await fetch("/sandbox/v1/sign-in", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: "{}",
  });
  if (!response.ok) throw await errorOf(response);
  const body = (await response.json()) as { clientId: string; apiKey: string };
  return { bearer: body.apiKey, label: "the sandbox client" };
}
