import type { Kysely, Selectable } from "kysely";
import type { ClientsTable, Database } from "./schema.ts";
import type { ClientRecord } from "./types.ts";

/**
 * API clients and their key hashes. Rare writes (operators, the sandbox's start), so they commit on
 * their own rather than through the group commit, and nothing is cached or woken by them.
 */
export class ClientRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** @throws the database's unique-constraint error when the name or the key hash is taken. */
  async insert(client: { id: string; name: string; keyHash: string; createdAt: number }): Promise<void> {
    await this.#db
      .insertInto("clients")
      .values({
        id: client.id,
        name: client.name,
        key_hash: client.keyHash,
        created_at: client.createdAt,
        revoked_at: null,
      })
      .execute();
  }

  /** The active (not revoked) client with this key hash. */
  async byKeyHash(keyHash: string): Promise<ClientRecord | undefined> {
    const row = await this.#db
      .selectFrom("clients")
      .selectAll()
      .where("key_hash", "=", keyHash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return row === undefined ? undefined : toClient(row);
  }

  async byName(name: string): Promise<ClientRecord | undefined> {
    const row = await this.#db.selectFrom("clients").selectAll().where("name", "=", name).executeTakeFirst();
    return row === undefined ? undefined : toClient(row);
  }

  /** Every client, oldest first, revoked ones included. */
  async list(): Promise<ClientRecord[]> {
    const rows = await this.#db.selectFrom("clients").selectAll().orderBy("created_at").execute();
    return rows.map(toClient);
  }

  /** Gives the client a new key hash; a revoked client is reinstated. */
  async replaceKey(name: string, keyHash: string): Promise<void> {
    await this.#db
      .updateTable("clients")
      .set({ key_hash: keyHash, revoked_at: null })
      .where("name", "=", name)
      .execute();
  }

  /** @returns false when there is no active client of that name. */
  async revoke(name: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("clients")
      .set({ revoked_at: now })
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toClient(row: Selectable<ClientsTable>): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
