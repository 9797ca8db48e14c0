import { createHash, randomBytes } from "node:crypto";
import { BoundedCache } from "../bounded-cache.ts";
import type { Clock } from "../clock.ts";
import type { Store } from "../store/store.ts";
import type { ClientRecord } from "../store/types.ts";
import { hashKey, KEY_CACHE_ENTRIES, KEY_CACHE_MS } from "./api-keys.ts";

/** What ExternalClients needs of the store. */
export type ExternalClientStore = Pick<Store, "insertClient" | "clientCredentials" | "clientByName">;

/** The longest IdP client id kept as is in a client's name; longer ones are cut and given a hash. */
const NAME_CHARS = 64;

/**
 * The OpenQoD clients that stand for an external identity provider's clients. Sessions belong to a
 * client row (sessions.client_id references clients.id), so each IdP client gets one on first sight:
 * id `ext:` + SHA-256 of (issuer, client id), name `idp:<client id>`, no usable API key or secret
 * (it authenticates only through the IdP), every scope allowed (the token's scopes decide; an operator
 * may narrow them, or revoke the client, with `openqod clients`). Rows are looked up again after
 * KEY_CACHE_MS, so a revocation takes effect as for API keys.
 */
export class ExternalClients {
  readonly #store: ExternalClientStore;
  readonly #issuer: string;
  readonly #clock: Clock;
  readonly #cache = new BoundedCache<ClientRecord>(KEY_CACHE_ENTRIES);

  constructor(store: ExternalClientStore, options: { issuer: string; clock: Clock }) {
    this.#store = store;
    this.#issuer = options.issuer;
    this.#clock = options.clock;
  }

  /**
   * The client row of the IdP client `externalId`, made when missing. Race-safe across instances and
   * engines: a failed insert is followed by a lookup, so whoever inserts first wins and the others read it.
   * @returns the record, revoked or not (the caller refuses a revoked one).
   */
  async resolve(externalId: string): Promise<ClientRecord> {
    const now = this.#clock.now();
    const cached = this.#cache.get(externalId, now);
    if (cached !== undefined) return cached;
    const id = `ext:${createHash("sha256")
      .update(JSON.stringify([this.#issuer, externalId]))
      .digest("hex")}`;
    const record = (await this.#store.clientCredentials(id)) ?? (await this.#insert(id, externalId, now));
    this.#cache.set(externalId, record, now + KEY_CACHE_MS);
    return record;
  }

  async #insert(id: string, externalId: string, now: number): Promise<ClientRecord> {
    const preferred = nameFor(externalId, null);
    // The name may be taken by a client of another issuer (or an operator's): then a hashed one.
    const name =
      (await this.#store.clientByName(preferred)) === undefined ? preferred : nameFor(externalId, id);
    try {
      await this.#store.insertClient({
        id,
        name,
        // Nobody knows this key: the row can be used only through the IdP's tokens.
        keyHash: hashKey(randomBytes(32).toString("base64url")),
        createdAt: now,
        secretHash: null,
        scopes: null,
      });
    } catch (error) {
      // Another request or instance inserted it first.
      const inserted = await this.#store.clientCredentials(id);
      if (inserted !== undefined) return inserted;
      throw error;
    }
    const inserted = await this.#store.clientCredentials(id);
    if (inserted === undefined) throw new Error(`the client ${id} just inserted is missing`);
    return inserted;
  }
}

/**
 * `idp:<client id>`: the id itself when it is short and plain ([\w.-]), else its plain characters cut
 * short plus part of a hash, so two ids never share a name. `id` (the row's) makes a name unique again
 * when the plain one is taken.
 */
export function nameFor(externalId: string, id: string | null): string {
  const plain = externalId.replace(/[^\w.-]/g, "_").slice(0, NAME_CHARS);
  if (id === null && plain === externalId) return `idp:${plain}`;
  const digest = createHash("sha256")
    .update(id ?? externalId)
    .digest("hex")
    .slice(0, 12);
  return `idp:${plain.slice(0, NAME_CHARS - 13)}.${digest}`;
}
