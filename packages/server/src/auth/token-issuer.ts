import { createHash, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { type Clock, systemClock } from "../clock.ts";
import type { Device } from "../domain/types.ts";
import type { TokenGrant } from "./grants.ts";
import { SIGNING_ALG, type SigningKeys } from "./signing-keys.ts";

/** The answer of the token endpoint (RFC 6749 §5.1). */
export interface IssuedToken {
  access_token: string;
  token_type: "Bearer";
  /** Seconds. */
  expires_in: number;
  scope: string;
}

/**
 * Issues RFC 9068 JWT access tokens: header `typ: at+jwt`, ES256 with the signing key's `kid`; claims
 * `iss`, `aud`, `sub`, `client_id`, `exp`, `iat`, `nbf`, `jti`, `scope`, and `device` for a token bound
 * to one (three-legged).
 */
export class TokenIssuer {
  readonly #keys: SigningKeys;
  readonly #issuer: string;
  readonly #audience: string;
  readonly #ttlSeconds: number;
  readonly #clock: Clock;

  /**
   * @param options.issuer the `iss`: the server's public URL
   * @param options.audience the `aud`. @default the issuer
   * @param options.ttlMs the tokens' lifetime (ms), a whole number of seconds
   */
  constructor(
    keys: SigningKeys,
    options: { issuer: string; audience?: string; ttlMs: number; clock?: Clock },
  ) {
    this.#keys = keys;
    this.#issuer = options.issuer;
    this.#audience = options.audience ?? options.issuer;
    this.#ttlSeconds = Math.floor(options.ttlMs / 1000);
    this.#clock = options.clock ?? systemClock;
  }

  async issue(clientId: string, grant: TokenGrant): Promise<IssuedToken> {
    const { kid, privateKey } = await this.#keys.signingKey();
    const now = Math.floor(this.#clock.now() / 1000);
    const scope = grant.scopes.join(" ");
    const claims: Record<string, unknown> = { client_id: clientId, scope };
    if (grant.device !== null) claims.device = grant.device;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, typ: "at+jwt", kid })
      .setIssuer(this.#issuer)
      .setAudience(this.#audience)
      .setSubject(grant.device === null ? clientId : devicePseudonym(clientId, grant.device))
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.#ttlSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
    return { access_token: token, token_type: "Bearer", expires_in: this.#ttlSeconds, scope };
  }
}

/**
 * The `sub` of a device-bound token: the same for one client and device, and saying nothing of the
 * phone number or address to whoever reads the token (the `device` claim is for the server).
 */
export function devicePseudonym(clientId: string, device: Device): string {
  const digest = createHash("sha256")
    .update(`${clientId}\n${JSON.stringify(device)}`)
    .digest("base64url");
  return `device:${digest}`;
}
