import { type Auth, accessTokenOf, tokenAuth } from "../auth.ts";
import { type Clock, systemClock } from "../clock.ts";
import { endpointResolver } from "./discovery.ts";
import { formPoster } from "./form-request.ts";
import type { OAuth2ClientCredentials } from "./types.ts";

/**
 * OAuth2 client credentials (RFC 6749 §4.4) against `tokenUrl` or the issuer's discovered token
 * endpoint, the client authenticated by `method`; tokens are cached and shared as `tokenAuth` says.
 * @throws ValidationError (at once) without `tokenUrl` or `issuer`, or with an unknown `method`.
 */
export function oauth2Auth(credentials: OAuth2ClientCredentials, clock: Clock = systemClock): Auth {
  const endpoints = endpointResolver(credentials);
  const post = formPoster(credentials, clock);
  return tokenAuth(async (fetchImpl, signal) => {
    const { tokenEndpoint } = await endpoints(fetchImpl, signal);
    const params = new URLSearchParams({ grant_type: "client_credentials" });
    if (credentials.scope) params.set("scope", credentials.scope);
    return accessTokenOf(await post(tokenEndpoint, params, { fetch: fetchImpl, signal }), tokenEndpoint);
  }, clock);
}
