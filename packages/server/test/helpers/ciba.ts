import type { LightMyRequestResponse } from "fastify";
import type { Harness } from "./harness.ts";
import { formPost, tokenRequest } from "./oauth.ts";

export const BC_AUTHORIZE_URL = "/oauth2/v1/bc-authorize";
export const CIBA_GRANT = "urn:openid:params:grant-type:ciba";

/** POSTs a form to the backchannel authentication endpoint (inject: no port). */
export const bcAuthorize = (h: Harness, form: Record<string, string>, headers: Record<string, string> = {}) =>
  formPost(h, BC_AUTHORIZE_URL, form, headers);

/** A backchannel authentication request by client_secret_post; throws unless it is a 200. */
export async function startCiba(
  h: Harness,
  client: { clientId: string; secret: string },
  form: Record<string, string>,
): Promise<{ auth_req_id: string; expires_in: number; interval: number }> {
  const res = await bcAuthorize(h, { client_id: client.clientId, client_secret: client.secret, ...form });
  if (res.statusCode !== 200) throw new Error(`bc-authorize failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** One poll of the token endpoint with the CIBA grant, by client_secret_post. */
export function pollCiba(
  h: Harness,
  client: { clientId: string; secret: string },
  authReqId: string,
): Promise<LightMyRequestResponse> {
  return tokenRequest(h, {
    grant_type: CIBA_GRANT,
    auth_req_id: authReqId,
    client_id: client.clientId,
    client_secret: client.secret,
  });
}

/** A device-bound access token for `loginHint` (a device that consents at once). */
export async function cibaToken(
  h: Harness,
  client: { clientId: string; secret: string },
  loginHint: string,
  scope = "openid",
): Promise<string> {
  const { auth_req_id } = await startCiba(h, client, { scope, login_hint: loginHint });
  const res = await pollCiba(h, client, auth_req_id);
  if (res.statusCode !== 200) throw new Error(`CIBA token failed: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}
