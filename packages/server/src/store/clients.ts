import type { Kysely, Selectable } from "kysely";
import type { ClientsTable, Database } from "./schema.ts";
import type { ClientCredentialsRecord, ClientRecord, JwksDocument, NewClient } from "./types.ts";

/**
 * API clients, their key and secret hashes, scopes and private_key_jwt keys. Rare writes (operators,
 * the sandbox's start), so they commit on their own rather than through the group commit, and nothing
 * is cached or woken by them.
 */
export class ClientRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** @throws the database's unique-constraint error when the name or the key hash is taken. */
  async insert(client: NewClient): Promise<void> {
    await this.#db
      .insertInto("clients")
      .values({
        id: client.id,
        name: client.name,
        key_hash: client.keyHash,
        created_at: client.createdAt,
        revoked_at: null,
        secret_hash: client.secretHash ?? null,
        scopes: client.scopes == null ? null : client.scopes.join(" "),
        jwks: client.jwks == null ? null : JSON.stringify(client.jwks),
        jwks_uri: client.jwksUri ?? null,
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

  /** A client by its id (the OAuth2 client_id), revoked or not, with its secret's hash. */
  async credentials(id: string): Promise<ClientCredentialsRecord | undefined> {
    const row = await this.#db.selectFrom("clients").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          ...toClient(row),
          secretHash: row.secret_hash,
          reinstatedAt: row.reinstated_at === null ? null : Number(row.reinstated_at),
        };
  }

  /** Every client, oldest first, revoked ones included. */
  async list(): Promise<ClientRecord[]> {
    const rows = await this.#db.selectFrom("clients").selectAll().orderBy("created_at").execute();
    return rows.map(toClient);
  }

  /**
   * Gives the client a new key hash. A revoked client is reinstated with that key alone: its secret is
   * dropped and tokens issued before stop counting (reinstated_at), so nothing leaked before the
   * revocation comes back with it.
   */
  async replaceKey(name: string, keyHash: string, now: number): Promise<void> {
    await this.#db
      .updateTable("clients")
      .set((eb) => ({
        key_hash: keyHash,
        secret_hash: eb.case().when("revoked_at", "is", null).then(eb.ref("secret_hash")).else(null).end(),
        reinstated_at: eb.case().when("revoked_at", "is", null).then(eb.ref("reinstated_at")).else(now).end(),
        revoked_at: null,
      }))
      .where("name", "=", name)
      .execute();
  }

  /**
   * Gives the client a new secret hash. A revoked client is reinstated with that secret alone: its key
   * is replaced by `unusableKeyHash` (no key has it) and tokens issued before stop counting.
   */
  async replaceSecret(name: string, secretHash: string, now: number, unusableKeyHash: string): Promise<void> {
    await this.#db
      .updateTable("clients")
      .set((eb) => ({
        secret_hash: secretHash,
        key_hash: eb
          .case()
          .when("revoked_at", "is", null)
          .then(eb.ref("key_hash"))
          .else(unusableKeyHash)
          .end(),
        reinstated_at: eb.case().when("revoked_at", "is", null).then(eb.ref("reinstated_at")).else(now).end(),
        revoked_at: null,
      }))
      .where("name", "=", name)
      .execute();
  }

  /** Sets what a client may do and how it proves itself with a key; undefined leaves a field as it is. */
  async update(
    name: string,
    change: { scopes?: string[] | null; jwks?: JwksDocument | null; jwksUri?: string | null },
  ): Promise<void> {
    const set: Partial<Pick<ClientsTable, "scopes" | "jwks" | "jwks_uri">> = {};
    if (change.scopes !== undefined) set.scopes = change.scopes === null ? null : change.scopes.join(" ");
    if (change.jwks !== undefined) set.jwks = change.jwks === null ? null : JSON.stringify(change.jwks);
    if (change.jwksUri !== undefined) set.jwks_uri = change.jwksUri;
    if (Object.keys(set).length === 0) return;
    await this.#db.updateTable("clients").set(set).where("name", "=", name).execute();
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
    scopes: row.scopes === null ? null : row.scopes.split(" ").filter((s) => s !== ""),
    hasSecret: row.secret_hash !== null,
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as JwksDocument),
    jwksUri: row.jwks_uri,
  };
}
