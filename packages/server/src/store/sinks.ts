import type { Kysely, Selectable } from "kysely";
import { BOOKKEEPING, OUTBOX_CHANGED } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import type { Database, SinksTable } from "./schema.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/** Who paused a sink: the circuit breaker (it probes and resumes by itself) or an operator (by hand only). */
export type PausedBy = "breaker" | "operator";

/** A sink origin's breaker and failure record, as stored (times in ms). */
export interface SinkRecord {
  origin: string;
  pausedBy: PausedBy | null;
  pausedAt: number | null;
  consecutiveFailures: number;
  failingSince: number | null;
  /** When a breaker-paused sink is next probed. */
  probeAt: number | null;
  probeFailures: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  updatedAt: number;
}

/**
 * Sink origins' breakers: paused and resumed by hand here; the circuit breaker's own transitions
 * (sink-breaker.ts) write the same rows. A sink with no row has never failed nor been paused.
 */
export class SinkRepository {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;

  constructor(db: Kysely<Database>, commit: Commit) {
    this.#db = db;
    this.#commit = commit;
  }

  async get(origin: string): Promise<SinkRecord | undefined> {
    const row = await this.#db
      .selectFrom("sinks")
      .selectAll()
      .where("origin", "=", origin)
      .executeTakeFirst();
    return row === undefined ? undefined : toSinkRecord(row);
  }

  /** The records of `origins` (every one with a row when undefined), by origin. */
  async list(origins?: readonly string[]): Promise<SinkRecord[]> {
    if (origins?.length === 0) return [];
    let query = this.#db.selectFrom("sinks").selectAll().orderBy("origin");
    if (origins !== undefined) query = query.where("origin", "in", [...origins]);
    return (await query.execute()).map(toSinkRecord);
  }

  /** How many origins are paused now, by whom: counted by the database, whatever the number of rows. */
  async pausedCounts(): Promise<Record<PausedBy, number>> {
    const rows = await this.#db
      .selectFrom("sinks")
      .select((eb) => ["paused_by", eb.fn.countAll().as("n")])
      .where("paused_by", "is not", null)
      .groupBy("paused_by")
      .execute();
    const counts: Record<PausedBy, number> = { breaker: 0, operator: 0 };
    for (const r of rows) {
      if (r.paused_by === "breaker" || r.paused_by === "operator") counts[r.paused_by] = Number(r.n);
    }
    return counts;
  }

  /**
   * Deletes up to `limit` rows of active origins last changed before `before` (ms), in one
   * transaction: an origin that failed once and then went quiet (or away) would otherwise keep its row
   * forever, and clients name new hosts at will. Paused rows are never deleted.
   * @returns how many went.
   */
  deleteIdle(before: number, limit: number): Promise<number> {
    const db = this.#db;
    return this.#commit(
      async (unit) => {
        // The conditions again on the delete itself: on PostgreSQL a row an attempt updated meanwhile
        // is checked anew (its updated_at is now recent) rather than deleted by the subquery's stale pick.
        const rows = await unit.write<{ origin: string }>(
          db
            .deleteFrom("sinks")
            .where("origin", "in", (eb) =>
              eb
                .selectFrom("sinks")
                .select("origin")
                .where("paused_by", "is", null)
                .where("updated_at", "<", before)
                .limit(limit),
            )
            .where("paused_by", "is", null)
            .where("updated_at", "<", before)
            .returning("origin")
            .compile(),
          BOOKKEEPING,
        );
        return rows.length;
      },
      { bookkeeping: true },
    );
  }

  /** An operator pauses `origin`: nothing is attempted there (no probe either) until it is resumed. */
  pause(origin: string, now: number): Promise<SinkRecord> {
    const db = this.#db;
    return this.#commit(async (unit) => {
      const paused = { paused_by: "operator", paused_at: now, probe_at: null, updated_at: now };
      await unit.write(
        db
          .insertInto("sinks")
          .values({ origin, ...paused })
          .onConflict((oc) => oc.column("origin").doUpdateSet(paused))
          .compile(),
        OUTBOX_CHANGED,
      );
      return readIn(unit, db, origin);
    });
  }

  /**
   * A paused `origin` takes attempts again, its failure record cleared, and its backlog drains at once
   * (resumeIn). An active one is left as it is, failures and retry times included: resuming is
   * idempotent, and a sink that merely failed once is not a backlog to rush.
   * @returns its record after; undefined when it has none (it never failed nor was paused).
   */
  resume(origin: string, now: number): Promise<SinkRecord | undefined> {
    const db = this.#db;
    return this.#commit(async (unit) => {
      const [row] = await unit.query<Selectable<SinksTable>>(
        db.selectFrom("sinks").selectAll().where("origin", "=", origin).compile(),
      );
      if (row === undefined) return undefined;
      if (row.paused_by === null) return toSinkRecord(row);
      await resumeIn(unit, db, origin, now);
      return readIn(unit, db, origin);
    });
  }
}

/**
 * In `unit`: `origin` is no longer paused and its failures are forgotten, and every pending event of
 * it becomes due now, so its backlog goes out at once instead of on each event's own retry schedule.
 * Their order holds: claims take due events by (next_attempt_at, seq), and a session's events in turn.
 */
export async function resumeIn(unit: UnitOfWork, db: Kysely<Database>, origin: string, now: number) {
  await unit.write(
    db
      .updateTable("sinks")
      .set({
        paused_by: null,
        paused_at: null,
        probe_at: null,
        probe_failures: 0,
        consecutive_failures: 0,
        failing_since: null,
        updated_at: now,
      })
      .where("origin", "=", origin)
      .compile(),
    OUTBOX_CHANGED,
  );
  await unit.write(
    db
      .updateTable("outbox")
      .set({ next_attempt_at: now })
      .where("sink_origin", "=", origin)
      .where("state", "=", "pending")
      .where("next_attempt_at", ">", now)
      .compile(),
    OUTBOX_CHANGED,
  );
}

/**
 * In `unit`: a breaker-paused `origin` is probed now rather than at its next probe time. Asking for a
 * notification again (a redelivery, a recovery) says the receiver may be back; without this, what was
 * asked for would wait out the probe backoff (up to OPENQOD_SINK_PROBE_MAX). An operator's pause holds.
 */
export async function probeNowIn(unit: UnitOfWork, db: Kysely<Database>, origin: string, now: number) {
  await unit.write(
    db
      .updateTable("sinks")
      .set({ probe_at: now, updated_at: now })
      .where("origin", "=", origin)
      .where("paused_by", "=", "breaker")
      .where("probe_at", ">", now)
      .compile(),
    OUTBOX_CHANGED,
  );
}

async function readIn(unit: UnitOfWork, db: Kysely<Database>, origin: string): Promise<SinkRecord> {
  const [row] = await unit.query<Selectable<SinksTable>>(
    db.selectFrom("sinks").selectAll().where("origin", "=", origin).compile(),
  );
  if (row === undefined) throw new Error(`sink ${origin} vanished in its own transaction`);
  return toSinkRecord(row);
}

export function toSinkRecord(r: Selectable<SinksTable>): SinkRecord {
  const n = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    origin: r.origin,
    pausedBy: r.paused_by === "breaker" || r.paused_by === "operator" ? r.paused_by : null,
    pausedAt: n(r.paused_at),
    consecutiveFailures: Number(r.consecutive_failures),
    failingSince: n(r.failing_since),
    probeAt: n(r.probe_at),
    probeFailures: Number(r.probe_failures),
    lastSuccessAt: n(r.last_success_at),
    lastFailureAt: n(r.last_failure_at),
    updatedAt: Number(r.updated_at),
  };
}
