import { type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import { BoundedCache } from "../bounded-cache.ts";
import { type Clock, systemClock } from "../clock.ts";
import { ApiError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import type { ClientCredentialsRecord } from "../store/types.ts";
import { KEY_CACHE_ENTRIES, KEY_CACHE_MS, scopesOf } from "./api-keys.ts";
import { deviceFromHint } from "./device-hint.ts";
import { invalidToken } from "./invalid-token.ts";
import type { Principal } from "./principal.ts";
import { CLOCK_SKEW_MS, SIGNING_ALG, type SigningKeys } from "./signing-keys.ts";

/** The claims every token of OpenQoD's own has (RFC 9068 §2.2). */
const REQUIRED_CLAIMS = ["iss", "aud", "sub", "client_id", "exp", "iat", "jti", "scope"];

/**
 * Verifies the access tokens OpenQoD's own authorization server issued (a TokenVerifier of
 * http/auth.ts): ES256 only, by a key of the database's key set; issuer, audience, `typ: at+jwt`,
 * expiry and not-before with CLOCK_SKEW_MS of tolerance, an `iat` not in the future. The client must
 * still be active (a revoked client's tokens stop within `cacheMs`); the token's scopes count only as
 * far as the client still has them.
 */
export class OwnTokenVerifier {
  readonly issuer: string;
  readonly #audience: string;
  readonly #keys: SigningKeys;
  readonly #store: Pick<Store, "clientCredentials">;
  readonly #clock: Clock;
  readonly #cacheMs: number;
  readonly #clients: BoundedCache<ClientCredentialsRecord | null>;
  /** Tokens verified lately, keyed by the token: a signature check costs more than the rest of a GET. */
  readonly #verified: BoundedCache<Principal>;

  /**
   * @param options.audience the `aud` a token must name. @default the issuer
   * @param options.cacheMs how long a client's record is trusted (ms). @default KEY_CACHE_MS
   */
  constructor(
    keys: SigningKeys,
    options: {
      issuer: string;
      audience?: string;
      store: Pick<Store, "clientCredentials">;
      clock?: Clock;
      cacheMs?: number;
    },
  ) {
    this.issuer = options.issuer;
    this.#audience = options.audience ?? options.issuer;
    this.#keys = keys;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#cacheMs = options.cacheMs ?? KEY_CACHE_MS;
    this.#clients = new BoundedCache(KEY_CACHE_ENTRIES);
    this.#verified = new BoundedCache(KEY_CACHE_ENTRIES);
  }

  /**
   * A valid token's Principal is kept for `cacheMs` (never past its `exp`), as a verified API key is: a
   * revoked client or a scope taken away counts within that time either way. Failures are not kept.
   * @throws ApiError 401 UNAUTHENTICATED naming what is wrong with the token.
   */
  async verify(token: string): Promise<Principal> {
    const now = this.#clock.now();
    const cached = this.#verified.get(token, now);
    if (cached !== undefined) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid === undefined ? undefined : await this.#keys.verificationKey(header.kid);
          if (key === undefined)
            throw invalidToken("The access token's key (kid) is not one of this server's.");
          return key;
        },
        {
          algorithms: [SIGNING_ALG],
          issuer: this.issuer,
          audience: this.#audience,
          typ: "at+jwt",
          requiredClaims: REQUIRED_CLAIMS,
          clockTolerance: CLOCK_SKEW_MS / 1000,
          currentDate: new Date(now),
        },
      ));
    } catch (error) {
      throw rejection(error);
    }
    if (typeof payload.iat === "number" && payload.iat * 1000 > now + CLOCK_SKEW_MS)
      throw invalidToken("The access token is issued in the future (iat).");
    const { client_id: clientId, scope, device } = payload;
    if (typeof clientId !== "string" || typeof scope !== "string")
      throw invalidToken("The access token's client_id and scope must be strings.");
    // deviceFromHint checks the addresses too (TypeBox knows no ipv4/ipv6 formats).
    const bound = device === undefined ? null : deviceFromHint(device);
    if (bound !== null && "invalid" in bound)
      throw invalidToken("The access token's device claim is not a CAMARA device.");
    const client = await this.#client(clientId, now);
    if (client === null) throw invalidToken("The access token's client is unknown or revoked.");
    // A client revoked and then given a new credential: what was issued before the revocation stays dead.
    // iat has whole seconds, so a token of the second that ended before the reinstatement is refused.
    if (client.reinstatedAt !== null && ((payload.iat ?? 0) + 1) * 1000 <= client.reinstatedAt)
      throw invalidToken("The access token was issued before its client was revoked.");
    const allowed = scopesOf(client);
    const principal: Principal = {
      clientId: client.id,
      name: client.name,
      scopes: new Set(scope.split(" ").filter((s) => s !== "" && allowed.has(s))),
      device: bound,
    };
    this.#verified.set(token, principal, Math.min(now + this.#cacheMs, (payload.exp ?? 0) * 1000));
    return principal;
  }

  async #client(id: string, now: number): Promise<ClientCredentialsRecord | null> {
    const cached = this.#clients.get(id, now);
    if (cached !== undefined) return cached;
    const record = await this.#store.clientCredentials(id);
    const active = record !== undefined && record.revokedAt === null ? record : null;
    this.#clients.set(id, active, now + this.#cacheMs);
    return active;
  }
}

/**
 * A jose failure as the 401 a caller reads: what is wrong, never the token itself. Anything else (the
 * database not answering while the key set is read) is not the token's fault and is rethrown.
 */
function rejection(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (!(error instanceof joseErrors.JOSEError)) throw error;
  if (error instanceof joseErrors.JWTExpired) return invalidToken("The access token has expired.");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === "nbf") return invalidToken("The access token is not valid yet (nbf).");
    return invalidToken(`The access token's ${claim} claim is not valid: ${error.reason}.`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported)
    return invalidToken(`The access token must be signed with ${SIGNING_ALG}.`);
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return invalidToken("The access token's signature is not valid.");
  return invalidToken("The access token is malformed.");
}
