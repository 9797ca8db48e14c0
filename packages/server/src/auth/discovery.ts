import { ASSERTION_ALGS } from "./client-assertion.ts";
import { KNOWN_SCOPES, OPENID_SCOPE } from "./scopes.ts";
import { SIGNING_ALG } from "./signing-keys.ts";

/** Where every endpoint of the authorization server lives (the JWKS too). */
export const OAUTH_PREFIX = "/oauth2/";
export const TOKEN_PATH = "/oauth2/v1/token";
export const JWKS_PATH = "/oauth2/v1/jwks";
export const BC_AUTHORIZE_PATH = "/oauth2/v1/bc-authorize";
export const CIBA_GRANT = "urn:openid:params:grant-type:ciba";

/**
 * The authorization server's metadata (RFC 8414; OpenID Connect Discovery 1.0 names): the same
 * document at both well-known paths. The CIBA fields appear once its grant is registered.
 */
export function discoveryDocument(issuer: string, grantTypes: readonly string[]): Record<string, unknown> {
  const ciba = grantTypes.includes(CIBA_GRANT);
  return {
    issuer,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    ...(ciba ? { backchannel_authentication_endpoint: `${issuer}${BC_AUTHORIZE_PATH}` } : {}),
    grant_types_supported: [...grantTypes],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    scopes_supported: [...KNOWN_SCOPES, OPENID_SCOPE],
    ...(ciba
      ? {
          backchannel_token_delivery_modes_supported: ["poll"],
          backchannel_user_code_parameter_supported: false,
        }
      : {}),
    // No browser flows: every token comes from the token endpoint.
    response_types_supported: [],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
  };
}
