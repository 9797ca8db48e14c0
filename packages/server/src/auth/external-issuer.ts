import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import { scopesOf } from "./api-keys.ts";
import { type ClaimMapping, readClaims } from "./external-claims.ts";
import { type ExternalClientStore, ExternalClients } from "./external-clients.ts";
import { invalidToken } from "./invalid-token.ts";
import { discoverIssuer, IssuerUnreachable } from "./issuer-discovery.ts";
import type { Principal } from "./principal.ts";

/** How an ExternalIssuer checks tokens and talks to its IdP. */
export interface ExternalIssuerOptions extends ClaimMapping {
  /** Exactly as tokens' `iss` and the discovery document's `issuer` spell it. */
  issuer: string;
  /** The `aud` tokens must carry. */
  audience: string;
  /** The JWS algorithms accepted (asymmetric only: external-settings.ts checks the setting). */
  algorithms: readonly string[];
  clients: ExternalClients;
  clock: Clock;
  /** Told when the IdP cannot be reached (logging). */
  onUnreachable?: (error: Error) => void;
  /** How far `exp` and `nbf` may be off between the IdP's clock and ours (s). @default 30 */
  clockToleranceS?: number;
  /** How long one request to the IdP may take (ms). @default 5000 */
  timeoutMs?: number;
  /** The JWKS is fetched again at most this often for an unknown `kid` (ms). @default 30000 */
  cooldownMs?: number;
  /** The JWKS is fetched again once it is this old (ms): a key the IdP dropped stops working within it. @default 600000 */
  cacheMaxAgeMs?: number;
  /** The discovery document is read again once it is this old (ms); a failed read keeps the old one. @default 3600000 */
  discoveryMaxAgeMs?: number;
  /** After a failed discovery, requests are answered 503 at once for this long (ms), then it is tried again. @default 10000 */
  retryAfterMs?: number;
}

/** How the verifier caches and retries; OpenQodOptions lets tests shorten them. */
export type ExternalIdpTimings = Pick<
  ExternalIssuerOptions,
  "clockToleranceS" | "timeoutMs" | "cooldownMs" | "cacheMaxAgeMs" | "discoveryMaxAgeMs" | "retryAfterMs"
>;

/** The `typ` values of an access token (RFC 9068 §2.1), and none: many IdPs send `JWT` or nothing. */
const ACCESS_TOKEN_TYPES = new Set([undefined, "JWT", "at+jwt", "application/at+jwt"]);

/**
 * Verifies the JWT access tokens of an operator's identity provider. Its metadata (OpenID discovery,
 * else RFC 8414) is read on first need, not at start, so an IdP that is down does not stop OpenQoD
 * starting; its keys come from jose's remote JWKS: cached, fetched again for an unknown `kid` at most
 * once per cooldown, each fetch bounded in time. When the IdP cannot be asked, a token that needs it
 * gets 503 UNAVAILABLE with Retry-After (the caller's token is not at fault); a token that is wrong gets
 * 401 UNAUTHENTICATED saying what is wrong.
 */
export class ExternalIssuer {
  readonly issuer: string;
  readonly #options: ExternalIssuerOptions;
  #keys: { jwksUri: string; getKey: JWTVerifyGetKey; readAt: number } | null = null;
  #discovering: Promise<JWTVerifyGetKey> | null = null;
  #failedUntil = 0;

  constructor(options: ExternalIssuerOptions) {
    this.issuer = options.issuer;
    this.#options = options;
  }

  /**
   * Reads the discovery document now (at start, in the background), so a misconfigured or unreachable
   * IdP is logged before the first token arrives.
   * @throws IssuerUnreachable (also reported to onUnreachable).
   */
  async discover(): Promise<void> {
    await this.#discoverKeys();
  }

  /** One read of the metadata at a time, however many requests need it. */
  #discoverKeys(): Promise<JWTVerifyGetKey> {
    this.#discovering ??= this.#readMetadata().finally(() => {
      this.#discovering = null;
    });
    return this.#discovering;
  }

  /** @throws ApiError 401 UNAUTHENTICATED naming what is wrong with the token, 503 UNAVAILABLE when the IdP cannot be asked. */
  async verify(token: string): Promise<Principal> {
    const getKey = await this.#currentKeys();
    const o = this.#options;
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, getKey, {
        issuer: o.issuer,
        audience: o.audience,
        algorithms: [...o.algorithms],
        clockTolerance: o.clockToleranceS ?? 30,
        currentDate: new Date(o.clock.now()),
        requiredClaims: ["exp"],
      });
      if (!ACCESS_TOKEN_TYPES.has(verified.protectedHeader.typ)) {
        throw invalidToken(
          `The token's typ ${JSON.stringify(verified.protectedHeader.typ).slice(0, 64)} is not an access token's (at+jwt).`,
        );
      }
      payload = verified.payload;
    } catch (error) {
      throw this.#explain(error);
    }
    const claims = readClaims(payload, o);
    if ("invalid" in claims) throw invalidToken(claims.invalid);
    const client = await o.clients.resolve(claims.client);
    if (client.revokedAt !== null)
      throw invalidToken(`The identity provider's client ${client.name} is revoked on this server.`);
    const allowed = scopesOf(client);
    return {
      clientId: client.id,
      name: client.name,
      scopes: new Set([...claims.scopes].filter((s) => allowed.has(s))),
      device: claims.device,
    };
  }

  async #currentKeys(): Promise<JWTVerifyGetKey> {
    const now = this.#options.clock.now();
    if (this.#keys !== null) {
      const stale = now - this.#keys.readAt >= (this.#options.discoveryMaxAgeMs ?? 3_600_000);
      // In the background: the keys in hand serve meanwhile, and still do if the read fails.
      if (stale && now >= this.#failedUntil) this.discover().catch(() => undefined);
      return this.#keys.getKey;
    }
    if (now < this.#failedUntil) throw unavailable(this.#failedUntil - now);
    try {
      return await this.#discoverKeys();
    } catch {
      throw unavailable(this.#failedUntil - this.#options.clock.now());
    }
  }

  async #readMetadata(): Promise<JWTVerifyGetKey> {
    const o = this.#options;
    try {
      const metadata = await discoverIssuer(o.issuer, o.timeoutMs ?? 5_000);
      const readAt = o.clock.now();
      // The same JWKS URL keeps its cache; a new one starts afresh.
      if (this.#keys?.jwksUri === metadata.jwksUri) this.#keys = { ...this.#keys, readAt };
      else {
        const remote = createRemoteJWKSet(new URL(metadata.jwksUri), {
          timeoutDuration: o.timeoutMs ?? 5_000,
          cooldownDuration: o.cooldownMs ?? 30_000,
          cacheMaxAge: o.cacheMaxAgeMs ?? 600_000,
        });
        this.#keys = { jwksUri: metadata.jwksUri, getKey: keysOrUnreachable(remote), readAt };
      }
      this.#failedUntil = 0;
      return this.#keys.getKey;
    } catch (error) {
      this.#failedUntil = o.clock.now() + (o.retryAfterMs ?? 10_000);
      const failure =
        error instanceof IssuerUnreachable ? error : new IssuerUnreachable(String(error), { cause: error });
      o.onUnreachable?.(failure);
      throw failure;
    }
  }

  /** A jose failure in words for the caller (401), or 503 when the IdP could not be asked. */
  #explain(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof IssuerUnreachable) {
      this.#options.onUnreachable?.(error);
      return unavailable(this.#options.retryAfterMs ?? 10_000);
    }
    if (error instanceof errors.JWTExpired) {
      const exp =
        typeof error.payload.exp === "number"
          ? ` at ${new Date(error.payload.exp * 1000).toISOString()}`
          : "";
      return invalidToken(`The access token expired${exp}.`);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === "aud")
        return invalidToken(
          `The access token is not meant for this server: its aud must be ${JSON.stringify(this.#options.audience)}.`,
        );
      if (error.claim === "nbf") return invalidToken("The access token is not valid yet (nbf).");
      if (error.reason === "missing") return invalidToken(`The access token has no ${error.claim} claim.`);
      return invalidToken(`The access token's ${error.claim} claim is not valid: ${error.message}.`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      return invalidToken(
        `The access token's alg is not accepted: this server accepts ${this.#options.algorithms.join(", ")}.`,
      );
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return invalidToken("The access token's signature does not verify with the identity provider's key.");
    if (error instanceof errors.JWKSNoMatchingKey)
      return invalidToken("The identity provider publishes no key matching the access token's kid and alg.");
    if (error instanceof errors.JOSEError)
      return invalidToken(`The access token is malformed: ${error.message}.`);
    throw error;
  }
}

/**
 * The verifier of OPENQOD_OAUTH_ISSUER's tokens, configured from the OPENQOD_OAUTH_* settings, or null
 * when no issuer is set. The audience defaults to the public URL.
 */
export function externalIssuerOf(
  config: Config,
  parts: ExternalIdpTimings &
    Pick<ExternalIssuerOptions, "clock" | "onUnreachable"> & { store: ExternalClientStore },
): ExternalIssuer | null {
  const issuer = config.oauthIssuer;
  if (issuer === null) return null;
  const { store, ...rest } = parts;
  return new ExternalIssuer({
    ...rest,
    clients: new ExternalClients(store, { issuer, clock: parts.clock }),
    issuer,
    audience: config.oauthAudience ?? config.publicUrl,
    algorithms: config.oauthAlgorithms,
    scopeClaim: config.oauthScopeClaim,
    clientClaim: config.oauthClientClaim,
    deviceClaim: config.oauthDeviceClaim,
  });
}

/**
 * jose's remote JWKS, its failures to fetch told apart from the token's faults: a timeout, a network
 * error or an unusable answer means the IdP could not be asked, not that the token is wrong.
 */
function keysOrUnreachable(remote: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      const fetching =
        error instanceof errors.JWKSTimeout ||
        error instanceof errors.JWKSInvalid ||
        !(error instanceof errors.JOSEError) ||
        error.code === errors.JOSEError.code;
      if (!fetching) throw error;
      throw new IssuerUnreachable(`cannot fetch the JWKS: ${(error as Error).message}`, { cause: error });
    }
  };
}

function unavailable(retryMs: number): ApiError {
  return new ApiError(
    "UNAVAILABLE",
    "The identity provider that issued the access token cannot be reached to check it; try again later.",
    { headers: { "retry-after": String(Math.max(1, Math.ceil(retryMs / 1000))) } },
  );
}
