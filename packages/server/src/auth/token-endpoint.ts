import type { ClientAuthentication, GrantHandler } from "./grants.ts";
import { OAuthError } from "./oauth-error.ts";
import type { IssuedToken, TokenIssuer } from "./token-issuer.ts";

/** A token request, framework-free: what http/oauth-token.ts reads off the HTTP request. */
export interface TokenRequest {
  authorization: string | undefined;
  params: URLSearchParams;
  /** The URL the request was sent to (a client assertion's `aud` may name it). */
  endpoint: string;
  ip: string;
}

/**
 * The token endpoint's rules (RFC 6749 §3.2, §5): the grant type must be one of `grants` (keyed by
 * its `grant_type`; CIBA adds its own), the client authenticates, the grant decides scopes and
 * device, and the issuer signs.
 */
export class TokenEndpoint {
  readonly #clients: ClientAuthentication;
  readonly #grants: ReadonlyMap<string, GrantHandler>;
  readonly #issuer: TokenIssuer;

  constructor(options: {
    clients: ClientAuthentication;
    grants: ReadonlyMap<string, GrantHandler>;
    issuer: TokenIssuer;
  }) {
    this.#clients = options.clients;
    this.#grants = options.grants;
    this.#issuer = options.issuer;
  }

  /** @throws OAuthError with RFC 6749's error code (and the grant's own). */
  async token(request: TokenRequest): Promise<IssuedToken> {
    const grantType = request.params.get("grant_type");
    if (grantType === null || grantType === "")
      throw new OAuthError("invalid_request", "grant_type is missing");
    const grant = this.#grants.get(grantType);
    if (grant === undefined) {
      throw new OAuthError(
        "unsupported_grant_type",
        `grant_type ${JSON.stringify(grantType).slice(0, 100)} is not supported; use one of ${[...this.#grants.keys()].join(", ")}`,
      );
    }
    const client = await this.#clients.authenticate(request);
    return this.#issuer.issue(client.id, await grant(client, request.params));
  }
}
