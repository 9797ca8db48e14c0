/**
 * Where the authorization server is: its token endpoint, or its issuer, whose discovery document
 * (`{issuer}/.well-known/openid-configuration`) names the endpoints. Give one of the two.
 */
export interface OAuth2Endpoints {
  /** The token endpoint, e.g. "http://127.0.0.1:9091/oauth2/v1/token". */
  tokenUrl?: string;
  /**
   * The issuer, e.g. "http://127.0.0.1:9091": the SDK fetches its discovery document once (cached
   * for the life of the credentials; fetched again only after a failure).
   */
  issuer?: string;
}

/** A client secret, sent in `Authorization: Basic` (the default) or in the form body. */
export interface ClientSecretAuthentication {
  /** @default "client_secret_basic" */
  method?: "client_secret_basic" | "client_secret_post";
  clientSecret: string;
}

/** Signing algorithms of a private_key_jwt client assertion. */
export type ClientAssertionAlg = "ES256" | "RS256" | "PS256";

/** A private key as a JWK (RFC 7517): EC P-256 for ES256, RSA for RS256 and PS256. */
export interface PrivateJwk {
  kty: "EC" | "RSA";
  /** The private part; a public key cannot sign. */
  d: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  kid?: string;
  alg?: string;
}

/**
 * private_key_jwt (RFC 7523 §2.2, the one the CAMARA security profile recommends): each request carries
 * a client assertion signed with this key, whose public half the client registered.
 */
export interface PrivateKeyJwtAuthentication {
  method: "private_key_jwt";
  privateKey: PrivateJwk;
  alg: ClientAssertionAlg;
  /** The key's id in the registered JWKS. @default privateKey.kid */
  kid?: string;
}

/** How the client proves itself to the token (and CIBA) endpoint. */
export type ClientAuthentication = ClientSecretAuthentication | PrivateKeyJwtAuthentication;

/** OAuth2 client credentials (RFC 6749 §4.4): where the server is, who the client is, what it asks for. */
export type OAuth2ClientCredentials = OAuth2Endpoints &
  ClientAuthentication & {
    clientId: string;
    /** Space-separated scopes, e.g. "quality-on-demand:sessions:create quality-on-demand:sessions:read". */
    scope?: string;
  };

/** An access token and its lifetime as the token endpoint answered it. */
export interface AccessToken {
  value: string;
  /** Seconds; 300 when the server said nothing. */
  expiresIn: number;
}
