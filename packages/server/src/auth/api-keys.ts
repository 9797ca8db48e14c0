import { createHash, randomBytes, randomUUID } from "node:crypto";
import { BoundedCache } from "../bounded-cache.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Store } from "../store/store.ts";
import type { ClientRecord, JwksDocument } from "../store/types.ts";
import type { Principal } from "./principal.ts";
import { ALL_SCOPES } from "./scopes.ts";

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

/** An OAuth2 client secret: 256 random bits too, so it is hashed like a key. */
export function generateSecret(): string {
  return `oqs_${randomBytes(32).toString("base64url")}`;
}

/** The scopes a client may use: its own list, or every scope when it has none. */
export function scopesOf(client: Pick<ClientRecord, "scopes">): ReadonlySet<string> {
  return new Set(client.scopes ?? ALL_SCOPES);
}

/** How a new client may authenticate and what it may do. */
export interface NewClientOptions {
  /** The API key (the sandbox's is given). @default a new one */
  key?: string;
  /** @default every scope */
  scopes?: string[] | null;
  /** Public keys for private_key_jwt. */
  jwks?: JwksDocument | null;
  jwksUri?: string | null;
}

/** What ApiKeys needs of the store. */
export type ClientStore = Pick<
  Store,
  | "insertClient"
  | "replaceClientKey"
  | "replaceClientSecret"
  | "clientByKeyHash"
  | "updateClient"
  | "clientByName"
  | "listClients"
  | "revokeClient"
>;

/** How long a verification is trusted, on each instance: a revoked or rotated key stops working within this (ms). */
export const KEY_CACHE_MS = 5_000;
/** Entries each of the two caches (valid keys, failed keys) holds at most. */
export const KEY_CACHE_ENTRIES = 10_000;

/**
 * API clients and their keys. Verifications are cached briefly so a request costs no key lookup: valid
 * keys and failed ones in separate bounded caches, so a client spraying random keys only pushes other
 * failed keys out, never a real client's entry.
 */
export class ApiKeys {
  readonly #store: ClientStore;
  readonly #clock: Clock;
  /** Keyed by the key itself (already in this process's memory): a cached call hashes nothing. */
  readonly #valid: BoundedCache<Principal>;
  /** Keyed by the key's hash: a failed key may be as long as a header, and its hash was needed anyway. */
  readonly #failed: BoundedCache<true>;
  readonly #cacheMs: number;

  /**
   * @param options.cacheMs how long a verification (valid or not) is trusted. @default KEY_CACHE_MS
   * @param options.cacheEntries the bound of each cache. @default KEY_CACHE_ENTRIES
   * @param options.clock @default the system clock
   */
  constructor(store: ClientStore, options: { cacheMs?: number; cacheEntries?: number; clock?: Clock } = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#cacheMs = options.cacheMs ?? KEY_CACHE_MS;
    this.#valid = new BoundedCache(options.cacheEntries ?? KEY_CACHE_ENTRIES);
    this.#failed = new BoundedCache(options.cacheEntries ?? KEY_CACHE_ENTRIES);
  }

  /**
   * Creates a client with an API key and an OAuth2 client secret, shown this once. Its id is its
   * OAuth2 `client_id`.
   */
  async create(
    name: string,
    now: number,
    options: NewClientOptions = {},
  ): Promise<{ clientId: string; key: string; secret: string }> {
    const clientId = randomUUID();
    const key = options.key ?? generateKey();
    const secret = generateSecret();
    await this.#store.insertClient({
      id: clientId,
      name,
      keyHash: hashKey(key),
      createdAt: now,
      secretHash: hashKey(secret),
      scopes: options.scopes ?? null,
      jwks: options.jwks ?? null,
      jwksUri: options.jwksUri ?? null,
    });
    this.#failed.clear();
    return { clientId, key, secret };
  }

  /** Gives an existing client a new client secret; the old one stops working at once. */
  async rotateSecret(name: string, secret: string = generateSecret()): Promise<string> {
    // A revoked client comes back with this secret alone: a key nobody holds replaces its old one.
    await this.#store.replaceClientSecret(name, hashKey(secret), this.#clock.now(), hashKey(generateKey()));
    this.#valid.clear();
    return secret;
  }

  /** Gives an existing client a new key (the old one stops working here at once, elsewhere within cacheMs). */
  async rotate(name: string, key: string = generateKey()): Promise<string> {
    await this.#store.replaceClientKey(name, hashKey(key), this.#clock.now());
    this.#valid.clear();
    this.#failed.clear();
    return key;
  }

  /** Sets what a client may do (null: every scope but operator); this instance sees it at once, others within cacheMs. */
  async setScopes(name: string, scopes: string[] | null): Promise<void> {
    await this.#store.updateClient(name, { scopes });
    this.#valid.clear();
  }

  /** Changes a client's scopes or private_key_jwt keys (a field left out stays); this instance sees it at once. */
  async update(name: string, change: Parameters<ClientStore["updateClient"]>[1]): Promise<void> {
    await this.#store.updateClient(name, change);
    this.#valid.clear();
  }

  /** The client of that name, revoked or not. */
  byName(name: string): Promise<ClientRecord | undefined> {
    return this.#store.clientByName(name);
  }

  /** Every client, oldest first, revoked ones included. */
  list(): Promise<ClientRecord[]> {
    return this.#store.listClients();
  }

  /**
   * Revokes a client: its key stops working on this instance at once, elsewhere within cacheMs.
   * @returns false when there is no active client of that name.
   */
  async revoke(name: string): Promise<boolean> {
    const revoked = await this.#store.revokeClient(name, this.#clock.now());
    this.#valid.clear();
    return revoked;
  }

  async verify(key: string): Promise<Principal | null> {
    const now = this.#clock.now();
    const valid = this.#valid.get(key, now);
    if (valid !== undefined) return valid;
    const hash = hashKey(key);
    if (this.#failed.get(hash, now) !== undefined) return null;
    const client = await this.#store.clientByKeyHash(hash);
    if (client === undefined) {
      this.#failed.set(hash, true, now + this.#cacheMs);
      return null;
    }
    const principal: Principal = {
      clientId: client.id,
      name: client.name,
      scopes: scopesOf(client),
      device: null,
    };
    this.#valid.set(key, principal, now + this.#cacheMs);
    return principal;
  }
}
