import type { Device } from "../domain/types.ts";

/** A client the token endpoint (or the CIBA endpoint) has authenticated. */
export interface AuthenticatedClient {
  /** Its OAuth2 client_id: the OpenQoD client's id. */
  id: string;
  name: string;
  /** The scopes it may ask for. */
  scopes: ReadonlySet<string>;
  /** How it proved itself. */
  method: "client_secret_basic" | "client_secret_post" | "private_key_jwt";
}

/** What a grant decided the token says: its scopes, and the device it is bound to (three-legged) or null. */
export interface TokenGrant {
  scopes: string[];
  device: Device | null;
}

/**
 * One grant type of the token endpoint (client_credentials, urn:openid:params:grant-type:ciba). It gets
 * the authenticated client and the request's form parameters.
 * @throws OAuthError (auth/oauth-error.ts) with the grant's own error codes.
 */
export type GrantHandler = (client: AuthenticatedClient, params: URLSearchParams) => Promise<TokenGrant>;

/**
 * Authenticates the client of a token or CIBA request by the method it uses (client_secret_basic,
 * client_secret_post, private_key_jwt); `endpoint` is the URL the request was sent to, which a
 * client assertion's `aud` must name.
 * @throws OAuthError invalid_client (401), or 429 while the brute-force guard holds the client.
 */
export interface ClientAuthentication {
  authenticate(request: {
    authorization: string | undefined;
    params: URLSearchParams;
    endpoint: string;
    /** The caller's address, for the guard. */
    ip: string;
  }): Promise<AuthenticatedClient>;
}
