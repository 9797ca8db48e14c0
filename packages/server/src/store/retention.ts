import { type Kysely, sql } from "kysely";
import { BOOKKEEPING } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import { NamedQuery } from "./named-query.ts";
import type { Database } from "./schema.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

type SweepParam = "before" | "limit";

/** What one sweep deleted. */
export interface SweptRows {
  events: number;
  attempts: number;
}

/** Deleting settled events with their attempts, whose statements differ by engine. */
export interface RetentionEngineStatements {
  /** Deletes up to `limit` events settled before `before` (ms), oldest settled first, and their attempts. */
  sweep(unit: UnitOfWork, before: number, limit: number): Promise<SweptRows>;
}

/**
 * SQLite's variant (sqlite.ts): no data-modifying WITH, so the events go first and their attempts
 * after, by the ids the first delete returned (one writer: nothing can slip in between).
 */
export function sqliteRetentionStatements(db: Kysely<Database>): RetentionEngineStatements {
  const events = NamedQuery.build<SweepParam>((p) =>
    sql`
    delete from outbox where seq in (
      select seq from outbox where settled_at < ${p("before")} order by settled_at limit ${p("limit")}
    ) returning event_id`.compile(db),
  );
  return {
    async sweep(unit, before, limit) {
      const gone = await unit.write<{ event_id: string }>(events.bind({ before, limit }), BOOKKEEPING);
      if (gone.length === 0) return { events: 0, attempts: 0 };
      const attempts = await unit.write<{ id: number }>(
        db
          .deleteFrom("delivery_attempts")
          .where(
            "event_id",
            "in",
            gone.map((r) => r.event_id),
          )
          .returning("id")
          .compile(),
        BOOKKEEPING,
      );
      return { events: gone.length, attempts: attempts.length };
    },
  };
}

/**
 * PostgreSQL's variant (postgres.ts): one statement. Instances sweeping at once skip each other's
 * rows (`skip locked`) instead of waiting on them, and a redelivery that reopens an event first
 * (settled_at back to null) keeps it: the lock is taken before the row is re-checked.
 */
export function postgresRetentionStatements(db: Kysely<Database>): RetentionEngineStatements {
  const query = NamedQuery.build<SweepParam>((p) =>
    sql`
    with doomed as (
      select seq from outbox where settled_at < ${p("before")} order by settled_at limit ${p("limit")}
        for update skip locked
    ), events as (
      delete from outbox o using doomed d where o.seq = d.seq returning o.event_id
    ), attempts as (
      delete from delivery_attempts a using events e where a.event_id = e.event_id returning 1
    )
    select (select count(*) from events) as events, (select count(*) from attempts) as attempts`.compile(db),
  );
  return {
    async sweep(unit, before, limit) {
      const [row] = await unit.write<{ events: string; attempts: string }>(
        query.bind({ before, limit }),
        BOOKKEEPING,
      );
      return { events: Number(row?.events ?? 0), attempts: Number(row?.attempts ?? 0) };
    },
  };
}

/**
 * Retention of the outbox: settled events (and their attempts) are deleted once they have been
 * settled for the retention period, in small transactions of their own kind (bookkeeping: nobody
 * waits on them and they wake nobody).
 */
export class RetentionRepository {
  readonly #commit: Commit;
  readonly #engine: RetentionEngineStatements;

  constructor(commit: Commit, engine: RetentionEngineStatements) {
    this.#commit = commit;
    this.#engine = engine;
  }

  /** Deletes up to `limit` events settled before `before` (ms) and their attempts, in one transaction. */
  deleteSettled(before: number, limit: number): Promise<SweptRows> {
    return this.#commit((unit) => this.#engine.sweep(unit, before, limit), { bookkeeping: true });
  }
}
