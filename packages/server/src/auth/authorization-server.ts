import type { Clock } from "../clock.ts";
import { AssertionJtiRepository } from "../store/assertion-jtis.ts";
import { SigningKeyRepository } from "../store/signing-keys.ts";
import type { Store } from "../store/store.ts";
import { ClientAssertions } from "./client-assertion.ts";
import { ClientAuthenticator } from "./client-authentication.ts";
import { CLIENT_CREDENTIALS, clientCredentialsGrant } from "./client-credentials-grant.ts";
import type { ClientAuthentication, GrantHandler } from "./grants.ts";
import { SecretGuard } from "./secret-guard.ts";
import { SigningKeys } from "./signing-keys.ts";
import { TokenEndpoint } from "./token-endpoint.ts";
import { TokenIssuer } from "./token-issuer.ts";
import { OwnTokenVerifier } from "./token-verifier.ts";

/** The built-in authorization server's parts, wired once by openqod.ts and shared by its routes. */
export interface AuthorizationServer {
  issuer: string;
  clock: Clock;
  keys: SigningKeys;
  tokens: TokenIssuer;
  clients: ClientAuthentication;
  /** The token endpoint's grants by grant_type; CIBA adds its own before the routes are built. */
  grants: Map<string, GrantHandler>;
  endpoint: TokenEndpoint;
  /** Verifies the tokens it issued (given to the BearerAuthenticator). */
  verifier: OwnTokenVerifier;
}

/**
 * @param options.issuer the public URL, without a trailing slash
 * @param options.tokenTtlMs the access tokens' lifetime (ms)
 * @param options.rotationMs the signing key's age at rotation (ms); 0: never
 */
export function createAuthorizationServer(options: {
  store: Store;
  issuer: string;
  tokenTtlMs: number;
  rotationMs: number;
  clock: Clock;
}): AuthorizationServer {
  const { store, issuer, clock } = options;
  const keys = new SigningKeys(new SigningKeyRepository(store.db), {
    tokenTtlMs: options.tokenTtlMs,
    rotationMs: options.rotationMs,
    clock,
  });
  const tokens = new TokenIssuer(keys, { issuer, ttlMs: options.tokenTtlMs, clock });
  const clients = new ClientAuthenticator({
    store,
    guard: new SecretGuard({ clock }),
    assertions: new ClientAssertions({ issuer, clock, jtis: new AssertionJtiRepository(store.db) }),
  });
  const grants = new Map<string, GrantHandler>([[CLIENT_CREDENTIALS, clientCredentialsGrant]]);
  return {
    issuer,
    clock,
    keys,
    tokens,
    clients,
    grants,
    endpoint: new TokenEndpoint({ clients, grants, issuer: tokens }),
    verifier: new OwnTokenVerifier(keys, { issuer, store, clock }),
  };
}
