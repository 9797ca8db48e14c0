import type { Kysely, Selectable } from "kysely";
import type { Database, SigningKeysTable } from "./schema.ts";

/** A token signing key as stored: its key pair as JWK objects. */
export interface SigningKeyRecord {
  kid: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  /** Whether it is the key that signs (exactly one is, once any exists). */
  active: boolean;
  createdAt: number;
  retiredAt: number | null;
}

/**
 * The authorization server's signing keys, shared by every instance on the database. Rare writes
 * (a start, a rotation), so they commit on their own, outside the group commit.
 */
export class SigningKeyRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every key, newest first. */
  async list(): Promise<SigningKeyRecord[]> {
    const rows = await this.#db
      .selectFrom("signing_keys")
      .selectAll()
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Makes `key` the signing key unless there already is one: one statement, and the unique index on
   * `active` turns a second instance's insert into nothing, so instances starting (or rotating)
   * together end with one signing key.
   * @returns whether this key became the signing key.
   */
  async insertIfNoneActive(key: Omit<SigningKeyRecord, "active" | "retiredAt">): Promise<boolean> {
    const result = await this.#db
      .insertInto("signing_keys")
      .values({
        kid: key.kid,
        private_jwk: JSON.stringify(key.privateJwk),
        public_jwk: JSON.stringify(key.publicJwk),
        active: 1,
        created_at: key.createdAt,
        retired_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Retires the signing key if it was created at or before `createdBefore` (ms; Infinity: whatever its
   * age). It keeps verifying until dropRetired removes it.
   * @returns whether a key was retired.
   */
  async retireActive(now: number, createdBefore = Number.POSITIVE_INFINITY): Promise<boolean> {
    let query = this.#db
      .updateTable("signing_keys")
      .set({ active: null, retired_at: now })
      .where("active", "=", 1);
    if (Number.isFinite(createdBefore)) query = query.where("created_at", "<=", createdBefore);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Retires the signing key (if created at or before `createdBefore`) and makes `key` the signing key,
   * in one transaction: no reader ever finds no signing key between the two, and of rotations at the
   * same moment one wins (PostgreSQL: the second waits on the first's row lock, then finds nothing to
   * retire and its insert does nothing; SQLite has one writer).
   */
  async rotate(
    key: Omit<SigningKeyRecord, "active" | "retiredAt">,
    now: number,
    createdBefore = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const inTx = new SigningKeyRepository(trx);
      await inTx.retireActive(now, createdBefore);
      await inTx.insertIfNoneActive(key);
    });
  }

  /** Deletes the keys retired at or before `retiredBefore` (ms): every token they signed has expired. */
  async dropRetired(retiredBefore: number): Promise<number> {
    const result = await this.#db
      .deleteFrom("signing_keys")
      .where("active", "is", null)
      .where("retired_at", "<=", retiredBefore)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    privateJwk: JSON.parse(row.private_jwk) as Record<string, unknown>,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    active: row.active !== null && Number(row.active) === 1,
    createdAt: Number(row.created_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  };
}
