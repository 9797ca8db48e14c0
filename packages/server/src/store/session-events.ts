import type { Insertable, Kysely, Selectable } from "kysely";
import { BOOKKEEPING } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import type { Database, SessionEventsTable } from "./schema.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

export type SessionEventRow = Selectable<SessionEventsTable>;
export type NewSessionEvent = Omit<Insertable<SessionEventsTable>, "seq">;

/**
 * The append-only story of every session (migration 0012): appended in the transaction of the change
 * it tells of (WriteTx.recordSessionEvent), read by a session's timeline and by the live stream, which
 * follows `seq` (so it also sees other instances' changes), and swept after the delivery retention.
 */
export class SessionEventRepository {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;

  constructor(db: Kysely<Database>, commit: Commit) {
    this.#db = db;
    this.#commit = commit;
  }

  async append(unit: UnitOfWork, event: NewSessionEvent): Promise<void> {
    // Bookkeeping: the stream's poller reads these by seq; no worker waits on them.
    await unit.write(this.#db.insertInto("session_events").values(event).compile(), BOOKKEEPING);
  }

  /** A session's events, oldest first (at most `limit`). */
  ofSession(sessionId: string, limit: number): Promise<SessionEventRow[]> {
    return this.#db
      .selectFrom("session_events")
      .selectAll()
      .where("session_id", "=", sessionId)
      .orderBy("seq")
      .limit(limit)
      .execute();
  }

  /** Events with a seq above `seq`, oldest first, of `clientId` (every client's when null). */
  after(seq: number, clientId: string | null, limit: number): Promise<SessionEventRow[]> {
    let query = this.#db.selectFrom("session_events").selectAll().where("seq", ">", seq);
    if (clientId !== null) query = query.where("client_id", "=", clientId);
    return query.orderBy("seq").limit(limit).execute();
  }

  /** The highest seq written so far (0 when none). */
  async lastSeq(): Promise<number> {
    const row = await this.#db
      .selectFrom("session_events")
      .select((eb) => eb.fn.max("seq").as("last"))
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  }

  /** Deletes up to `limit` events older than `before` (ms), oldest first, in one bookkeeping transaction. */
  deleteBefore(before: number, limit: number): Promise<number> {
    return this.#commit(
      async (unit) => {
        const doomed = this.#db
          .selectFrom("session_events")
          .select("seq")
          .where("at", "<", before)
          .orderBy("at")
          .limit(limit);
        const gone = await unit.write<{ seq: number }>(
          this.#db.deleteFrom("session_events").where("seq", "in", doomed).returning("seq").compile(),
          BOOKKEEPING,
        );
        return gone.length;
      },
      { bookkeeping: true },
    );
  }
}
