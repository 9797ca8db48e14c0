import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** A client's key pair for private_key_jwt, with its public JWK (and kid) to register. */
export interface ClientKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function clientKey(alg: "ES256" | "RS256" | "PS256" | "EdDSA" = "ES256"): Promise<ClientKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return {
    alg,
    kid,
    privateKey: pair.privateKey,
    publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg },
  };
}

/**
 * An RFC 7523 client assertion of `clientId` for `aud`, valid from `nowMs` for `lifetimeS`; `claims`
 * replace or add claims, `header` header members.
 */
export function clientAssertion(
  key: ClientKey,
  options: {
    clientId: string;
    aud: string;
    nowMs: number;
    lifetimeS?: number;
    claims?: Record<string, unknown>;
    jti?: string;
  },
): Promise<string> {
  const now = Math.floor(options.nowMs / 1000);
  return new SignJWT({
    iss: options.clientId,
    sub: options.clientId,
    aud: options.aud,
    iat: now,
    exp: now + (options.lifetimeS ?? 60),
    jti: options.jti ?? randomUUID(),
    ...options.claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

/** A real HTTP server on 127.0.0.1 publishing a JWKS, counting its fetches. */
export class JwksServer {
  fetches = 0;
  keys: JWK[];
  readonly #server: Server;

  private constructor(keys: JWK[]) {
    this.keys = keys;
    this.#server = createServer((_request, response) => {
      this.fetches++;
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ keys: this.keys }));
    });
  }

  static async start(keys: JWK[]): Promise<JwksServer> {
    const server = new JwksServer(keys);
    await new Promise<void>((resolve) => server.#server.listen(0, "127.0.0.1", resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/jwks.json`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
