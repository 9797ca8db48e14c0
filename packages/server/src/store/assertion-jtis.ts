import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/**
 * The ids (`jti`) of the private_key_jwt client assertions used, shared by every instance, so an
 * assertion is accepted once in all. Each row lives until the assertion's `exp`, after which the
 * assertion itself is refused anyway.
 */
export class AssertionJtiRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Records a use: one insert whose primary key makes a second use of the same (client, jti) a no-op,
   * even when two instances get it at the same moment.
   * @returns false when it was used before.
   */
  async firstUse(clientId: string, jti: string, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto("assertion_jtis")
      .values({ client_id: clientId, jti, expires_at: expiresAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Forgets the uses whose assertions expired before `now` (ms). */
  async dropExpired(now: number): Promise<void> {
    await this.#db.deleteFrom("assertion_jtis").where("expires_at", "<", now).execute();
  }
}
