import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Store } from "./store/store.ts";

/** Who is calling: the API client that owns the sessions it creates. */
export interface Principal {
  clientId: string;
  name: string;
}

/**
 * SHA-256 of a key. Keys are 256 random bits, so a fast hash is safe (nothing to brute-force) and
 * cheap enough to run on every request; a slow password hash is for low-entropy secrets.
 */
export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateKey(): string {
  return `oqd_${randomBytes(32).toString("base64url")}`;
}

/** API clients and their keys. Verified keys are cached briefly so a GET costs no key lookup. */
export class ApiKeys {
  readonly #store: Store;
  readonly #cache = new Map<string, { principal: Principal | null; until: number }>();
  /** How long a verification is trusted; a revoked key stops working within this time (ms). */
  readonly #cacheMs: number;

  constructor(store: Store, options: { cacheMs?: number } = {}) {
    this.#store = store;
    this.#cacheMs = options.cacheMs ?? 5_000;
  }

  /** Creates a client and returns its key, shown this once. `key` may be given (the sandbox key). */
  async create(
    name: string,
    now: number,
    key: string = generateKey(),
  ): Promise<{ clientId: string; key: string }> {
    const clientId = randomUUID();
    await this.#store.insertClient({ id: clientId, name, keyHash: hashKey(key), createdAt: now });
    return { clientId, key };
  }

  /** Gives an existing client a new key (the old one stops working). */
  async rotate(name: string, key: string = generateKey()): Promise<string> {
    await this.#store.replaceClientKey(name, hashKey(key));
    this.#cache.clear();
    return key;
  }

  async verify(key: string): Promise<Principal | null> {
    const now = Date.now();
    // Keyed by the key itself (already in this process's memory): a cached call hashes nothing.
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.until > now) return cached.principal;
    const client = await this.#store.clientByKeyHash(hashKey(key));
    const principal = client === undefined ? null : { clientId: client.id, name: client.name };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { principal, until: now + this.#cacheMs });
    return principal;
  }
}
