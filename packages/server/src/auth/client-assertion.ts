import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { BoundedCache } from "../bounded-cache.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { AssertionJtiRepository } from "../store/assertion-jtis.ts";
import type { ClientCredentialsRecord } from "../store/types.ts";
import { OAuthError } from "./oauth-error.ts";
import { CLOCK_SKEW_MS } from "./signing-keys.ts";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Asymmetric only: an HMAC (HS*) would need the secret on both sides, `none` is no signature. */
export const ASSERTION_ALGS = ["RS256", "PS256", "ES256", "EdDSA"];
/** How far ahead (ms) an assertion's `exp` may be: it is a one-time proof, not a credential. */
export const MAX_ASSERTION_LIFETIME_MS = 5 * 60_000;
/** The longest `jti` kept (characters): a longer one is refused rather than stored. */
const MAX_JTI_LENGTH = 256;
/** How often (ms) the used jtis of expired assertions are deleted. */
const JTI_SWEEP_MS = 60_000;
/** Remote JWKS kept at once (one per client jwks_uri). */
const REMOTE_JWKS_ENTRIES = 1_000;

/** Whether a jwks_uri may be fetched: https, or http to the loopback host only (tests, sidecars). */
export function fetchableJwksUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    if (url.protocol === "https:") return true;
    return url.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
  } catch {
    return false;
  }
}

/**
 * Verifies private_key_jwt client assertions (RFC 7523 §3, OpenID Connect Core §9): `iss` = `sub` =
 * the client, `aud` the endpoint's URL or the issuer, signed by a key of the client's JWKS or jwks_uri
 * with an asymmetric algorithm, `exp` at most MAX_ASSERTION_LIFETIME_MS ahead, and a `jti` not seen
 * before by any instance (store/assertion-jtis.ts: kept in the database until the assertion's `exp`).
 */
export class ClientAssertions {
  readonly #issuer: string;
  readonly #clock: Clock;
  readonly #jtis: Pick<AssertionJtiRepository, "firstUse" | "dropExpired">;
  readonly #remote = new BoundedCache<JWTVerifyGetKey>(REMOTE_JWKS_ENTRIES);
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(options: {
    issuer: string;
    jtis: Pick<AssertionJtiRepository, "firstUse" | "dropExpired">;
    clock?: Clock;
  }) {
    this.#issuer = options.issuer;
    this.#jtis = options.jtis;
    this.#clock = options.clock ?? systemClock;
  }

  /** @throws OAuthError invalid_client saying what is wrong (only once the signature has been checked). */
  async verify(client: ClientCredentialsRecord, assertion: string, endpoint: string): Promise<void> {
    const now = this.#clock.now();
    const keys = this.#keysOf(client, now);
    let exp: number;
    let jti: string;
    try {
      const { payload } = await jwtVerify(assertion, keys, {
        algorithms: ASSERTION_ALGS,
        issuer: client.id,
        subject: client.id,
        audience: [endpoint, this.#issuer],
        requiredClaims: ["exp", "jti"],
        clockTolerance: CLOCK_SKEW_MS / 1000,
        currentDate: new Date(now),
      });
      exp = (payload.exp ?? 0) * 1000;
      jti = String(payload.jti);
    } catch (error) {
      throw assertionFailure(error);
    }
    if (exp > now + MAX_ASSERTION_LIFETIME_MS + CLOCK_SKEW_MS)
      throw invalidClient(
        `the client assertion's exp is more than ${MAX_ASSERTION_LIFETIME_MS / 1000} s ahead`,
      );
    if (jti.length > MAX_JTI_LENGTH)
      throw invalidClient(`the client assertion's jti is longer than ${MAX_JTI_LENGTH} characters`);
    if (now - this.#sweptAt >= JTI_SWEEP_MS) {
      this.#sweptAt = now;
      await this.#jtis.dropExpired(now);
    }
    if (!(await this.#jtis.firstUse(client.id, jti, exp + CLOCK_SKEW_MS)))
      throw invalidClient(
        "the client assertion's jti was used before: make a new assertion for every request",
      );
  }

  #keysOf(client: ClientCredentialsRecord, now: number): JWTVerifyGetKey {
    if (client.jwks !== null) return createLocalJWKSet(client.jwks as unknown as JSONWebKeySet);
    const uri = client.jwksUri;
    if (uri === null || !fetchableJwksUri(uri))
      // The same words as for a client that does not exist: an answer must not tell the two apart.
      throw invalidClient("client authentication failed");
    const cached = this.#remote.get(uri, now);
    if (cached !== undefined) return cached;
    // jose caches the set, refetches on an unknown kid at most every 30 s, and times out a fetch at 5 s.
    const remote = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
    this.#remote.set(uri, remote, Number.POSITIVE_INFINITY);
    return remote;
  }
}

export function invalidClient(description: string, headers?: Record<string, string>): OAuthError {
  return new OAuthError("invalid_client", description, headers === undefined ? {} : { headers });
}

/** Claims are only checked after the signature, so naming them tells a forger nothing. */
function assertionFailure(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof joseErrors.JWTExpired) return invalidClient("the client assertion has expired");
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return invalidClient(`the client assertion's ${error.claim} claim is not valid: ${error.reason}`);
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return invalidClient(`the client assertion must be signed with one of ${ASSERTION_ALGS.join(", ")}`);
  if (
    error instanceof joseErrors.JWKSTimeout ||
    (error instanceof joseErrors.JOSEError && error.code === "ERR_JWKS_INVALID")
  )
    return invalidClient("the client's jwks_uri did not answer with a JWKS in time");
  return invalidClient("the client assertion is malformed or not signed by one of the client's keys");
}
