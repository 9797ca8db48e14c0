import { ApiError } from "../errors.ts";

/**
 * A 401 UNAUTHENTICATED with RFC 6750's `invalid_token` challenge, so OAuth2 clients know to fetch a
 * new token. (http/auth.ts's `unauthenticated` is the same answer; auth/ may not import http/.)
 */
export function invalidToken(message: string): ApiError {
  return new ApiError("UNAUTHENTICATED", message, {
    headers: { "www-authenticate": 'Bearer error="invalid_token"' },
  });
}
