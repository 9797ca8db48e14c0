import { ApiError } from "../errors.ts";

/**
 * A 401 UNAUTHENTICATED with RFC 6750's `invalid_token` challenge, so OAuth2 clients know to fetch a
 * new token. Every verifier (OpenQoD's, an external IdP's) and the bearer authenticator answer a bad
 * token with it.
 */
export function invalidToken(message: string): ApiError {
  return new ApiError("UNAUTHENTICATED", message, {
    headers: { "www-authenticate": 'Bearer error="invalid_token"' },
  });
}
