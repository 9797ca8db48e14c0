import type { LightMyRequestResponse } from "fastify";
import type { Harness } from "./harness.ts";

export const TOKEN_URL = "/oauth2/v1/token";

/** POSTs a form to one of the authorization server's endpoints (inject: no port), with extra headers. */
export function formPost(
  h: Harness,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return h.openqod.app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

/** POSTs a form to the token endpoint, with extra headers (Authorization: Basic …). */
export const tokenRequest = (
  h: Harness,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) => formPost(h, TOKEN_URL, form, headers);

/** RFC 6749 §2.3.1: id and secret form-urlencoded, then joined by ":" and base64-encoded. */
export function basic(clientId: string, secret: string): Record<string, string> {
  const encode = (s: string) => encodeURIComponent(s).replaceAll("%20", "+");
  return {
    authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString("base64")}`,
  };
}

/** A client with a secret (and optionally scopes), made through the API the admin uses. */
export async function newOAuthClient(
  h: Harness,
  name: string,
  options: { scopes?: string[] } = {},
): Promise<{ clientId: string; secret: string; key: string }> {
  return h.openqod.apiKeys.create(
    name,
    h.clock.now(),
    options.scopes === undefined ? {} : { scopes: options.scopes },
  );
}

/** A client_credentials token by client_secret_post. */
export async function accessToken(h: Harness, client: { clientId: string; secret: string }, scope?: string) {
  const res = await tokenRequest(h, {
    grant_type: "client_credentials",
    client_id: client.clientId,
    client_secret: client.secret,
    ...(scope === undefined ? {} : { scope }),
  });
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}
