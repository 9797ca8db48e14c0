// Types only (erased): the SDK uses the global WebCrypto, whose parameter types Node declares here.
import type { webcrypto } from "node:crypto";
import type { Clock } from "../clock.ts";
import { ValidationError } from "../errors.ts";
import type { ClientAssertionAlg, PrivateKeyJwtAuthentication } from "./types.ts";

/** The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** How long an assertion is valid (s): short, since it is made for one request. */
const LIFETIME_S = 60;

const SIGN_ALGORITHMS: Record<
  ClientAssertionAlg,
  {
    import: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
    sign: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaPssParams;
  }
> = {
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  // RFC 7518 §3.5: the salt is as long as the hash.
  PS256: { import: { name: "RSA-PSS", hash: "SHA-256" }, sign: { name: "RSA-PSS", saltLength: 32 } },
};

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");

const encodeJson = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));

/**
 * Signs RFC 7523 client assertions with the platform's WebCrypto (no JOSE library at run time):
 * `iss` = `sub` = the client id, `aud` = the endpoint the request goes to, a random `jti`, `iat` now and
 * `exp` 60 s later by `clock`. The key is imported once.
 * @throws ValidationError (from the returned function) when the key cannot sign with `alg`.
 */
export function clientAssertionSigner(
  clientId: string,
  authentication: PrivateKeyJwtAuthentication,
  clock: Clock,
): (audience: string) => Promise<string> {
  const { alg, privateKey } = authentication;
  const algorithms = SIGN_ALGORITHMS[alg];
  const kid = authentication.kid ?? privateKey.kid;
  // WebCrypto refuses a JWK whose alg, use or key_ops disagree with the import; only the key material counts.
  const {
    alg: _alg,
    kid: _kid,
    ...material
  } = privateKey as PrivateKeyJwtAuthentication["privateKey"] & {
    use?: string;
    key_ops?: string[];
  };
  delete material.use;
  delete material.key_ops;
  let key: Promise<webcrypto.CryptoKey> | null = null;
  return async (audience) => {
    key ??= crypto.subtle.importKey("jwk", material, algorithms.import, false, ["sign"]).catch((cause) => {
      key = null;
      throw new ValidationError(
        "privateKey",
        `cannot sign ${alg} with this key (${cause instanceof Error ? cause.message : String(cause)})`,
      );
    });
    const iat = Math.floor(clock.now() / 1000);
    const header = { alg, typ: "JWT", ...(kid === undefined ? {} : { kid }) };
    const claims = {
      iss: clientId,
      sub: clientId,
      aud: audience,
      jti: crypto.randomUUID(),
      iat,
      exp: iat + LIFETIME_S,
    };
    const input = `${encodeJson(header)}.${encodeJson(claims)}`;
    const signature = await crypto.subtle.sign(algorithms.sign, await key, new TextEncoder().encode(input));
    return `${input}.${base64url(new Uint8Array(signature))}`;
  };
}
