import { type CompiledQuery, type Kysely, type QueryCreator, type Selectable, sql } from "kysely";
import { type CredentialSql, postgresCredentialSql, sqliteCredentialSql } from "./credentials.ts";
import { OUTBOX_CHANGED } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import { NamedQuery, type Param } from "./named-query.ts";
import type { Database, DeliveryAttemptsTable } from "./schema.ts";
import type { SessionRepository } from "./sessions.ts";
import {
  type BreakerPolicy,
  breakerAfterAttempt,
  DEFAULT_BREAKER,
  resetFailures,
  type SinkTransition,
  writesSinkRow,
} from "./sink-breaker.ts";
import type { AttemptResult, DeliveryAttemptRow, DeliveryState } from "./types.ts";

/** Recording an attempt, whose statements differ by engine. */
export interface AttemptEngineStatements {
  /** Records an attempt and settles its event (delivered, failed, gone) or reschedules it (pending). */
  record(result: AttemptResult): CompiledQuery[];
  /** How a settling statement removes the consumer's credential from the event's headers. */
  readonly credentials: CredentialSql;
}

/** The names an attempt's statements bind, all taken from its result (attemptBindings). */
type AttemptParam =
  | "eventId"
  | "attemptedAt"
  | "durationMs"
  | "statusCode"
  | "outcome"
  | "error"
  | "state"
  | "nextAttemptAt"
  | "origin"
  | "responseExcerpt"
  | "probe";

const attemptBindings = (r: AttemptResult): Record<AttemptParam, unknown> => ({
  eventId: r.eventId,
  attemptedAt: r.attemptedAt,
  durationMs: r.durationMs,
  statusCode: r.statusCode,
  outcome: r.outcome,
  error: r.error,
  state: r.state,
  nextAttemptAt: r.nextAttemptAt ?? r.attemptedAt,
  origin: r.origin,
  responseExcerpt: r.responseExcerpt,
  probe: r.probe ? 1 : 0,
});

const attemptRow = (p: Param<AttemptParam>) => ({
  event_id: p("eventId"),
  attempted_at: p("attemptedAt"),
  duration_ms: p("durationMs"),
  status_code: p("statusCode"),
  outcome: p("outcome"),
  error: p("error"),
  sink_origin: p("origin"),
  response_excerpt: p("responseExcerpt"),
  probe: p("probe"),
});

/**
 * What becomes of the event after an attempt: settled, or rescheduled for its next one. Settling
 * removes the consumer's credential in the same statement: nothing is sent with it any more, so it
 * must not outlive the event's last attempt (see redelivery.ts for what a redelivery does then).
 */
function afterAttempt(qc: QueryCreator<Database>, p: Param<AttemptParam>, credentials: CredentialSql) {
  return {
    settle: qc
      .updateTable("outbox")
      .set({
        state: p("state"),
        attempts: sql`attempts + 1`,
        lease_until: sql`null`,
        last_error: p("error"),
        settled_at: p("attemptedAt"),
        headers: credentials.withoutAuthorization,
        credential_removed: credentials.removedFlag,
      })
      .where("event_id", "=", p("eventId"))
      .compile(),
    reschedule: qc
      .updateTable("outbox")
      .set({
        attempts: sql`attempts + 1`,
        lease_until: sql`null`,
        last_error: p("error"),
        next_attempt_at: p("nextAttemptAt"),
      })
      .where("event_id", "=", p("eventId"))
      .compile(),
    // A failed probe: the event waits for the sink, its place in the retry schedule kept.
    hold: qc
      .updateTable("outbox")
      .set({ lease_until: sql`null`, last_error: p("error") })
      .where("event_id", "=", p("eventId"))
      .compile(),
  };
}

/** Which statement settles or reschedules the event after `r`. */
function ending(r: AttemptResult): "settle" | "reschedule" | "hold" {
  if (r.state !== "pending") return "settle";
  return r.probe ? "hold" : "reschedule";
}

/** SQLite's variant (sqlite.ts): it has no data-modifying WITH, so two statements in turn. */
export function sqliteAttemptStatements(db: Kysely<Database>): AttemptEngineStatements {
  const insert = NamedQuery.build<AttemptParam>((p) =>
    db.insertInto("delivery_attempts").values(attemptRow(p)).compile(),
  );
  const statements = {
    settle: NamedQuery.build<AttemptParam>((p) => afterAttempt(db, p, sqliteCredentialSql).settle),
    reschedule: NamedQuery.build<AttemptParam>((p) => afterAttempt(db, p, sqliteCredentialSql).reschedule),
    hold: NamedQuery.build<AttemptParam>((p) => afterAttempt(db, p, sqliteCredentialSql).hold),
  };
  const healthy = NamedQuery.build<AttemptParam>((p) => resetFailures(db, p).compile());
  return {
    credentials: sqliteCredentialSql,
    record(r) {
      const values = attemptBindings(r);
      const queries = [insert.bind(values), statements[ending(r)].bind(values)];
      if (r.state === "delivered") queries.push(healthy.bind(values));
      return queries;
    },
  };
}

/**
 * PostgreSQL's variant (postgres.ts): the attempt is inserted by a data-modifying WITH of the update
 * that settles its event, one round trip instead of two.
 */
export function postgresAttemptStatements(db: Kysely<Database>): AttemptEngineStatements {
  // The WITH only adds a name the update never refers to, so it is typed as the plain query creator.
  const withAttempt = (p: Param<AttemptParam>) =>
    db.with("attempt", (q) =>
      q.insertInto("delivery_attempts").values(attemptRow(p)),
    ) as unknown as QueryCreator<Database>;
  const after = (p: Param<AttemptParam>) => afterAttempt(withAttempt(p), p, postgresCredentialSql);
  // A success's reset of its origin's failure count rides in the same statement (no round trip more).
  // It waits for a sinks row another transaction holds (a failure's, which commits alone): skipping it
  // would lose the reset, and failures then counted across successes would pause a sink that mostly
  // works. Two batches of successes resetting the same two failing origins in turn can deadlock;
  // PostgreSQL then aborts one, and the group commit runs its units again one by one (group-commit.ts).
  const withHealthy = (p: Param<AttemptParam>) =>
    db
      .with("attempt", (q) => q.insertInto("delivery_attempts").values(attemptRow(p)))
      .with("healthy", (q) =>
        resetFailures(q as unknown as QueryCreator<Database>, p),
      ) as unknown as QueryCreator<Database>;
  const statements = {
    settle: NamedQuery.build<AttemptParam>((p) => after(p).settle),
    reschedule: NamedQuery.build<AttemptParam>((p) => after(p).reschedule),
    hold: NamedQuery.build<AttemptParam>((p) => after(p).hold),
  };
  const delivered = NamedQuery.build<AttemptParam>(
    (p) => afterAttempt(withHealthy(p), p, postgresCredentialSql).settle,
  );
  return {
    credentials: postgresCredentialSql,
    record: (r) => [(r.state === "delivered" ? delivered : statements[ending(r)]).bind(attemptBindings(r))],
  };
}

/**
 * Delivery attempts and how events settle: every attempt is recorded with what it made of its event
 * (delivered, failed, gone, or pending again), in the same transaction.
 */
export class AttemptRepository {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;
  readonly #engine: AttemptEngineStatements;
  readonly #sessions: SessionRepository;

  constructor(options: {
    db: Kysely<Database>;
    commit: Commit;
    engine: AttemptEngineStatements;
    sessions: SessionRepository;
  }) {
    this.#db = options.db;
    this.#commit = options.commit;
    this.#engine = options.engine;
    this.#sessions = options.sessions;
  }

  /**
   * Records an attempt and settles or reschedules its event, in one transaction, with what it does to
   * its origin's circuit breaker (sink-breaker.ts).
   * @returns the origin's change of state (paused or resumed), or null.
   */
  record(result: AttemptResult, breaker: BreakerPolicy = DEFAULT_BREAKER): Promise<SinkTransition | null> {
    return this.#commit(
      async (unit) => {
        for (const query of this.#engine.record(result)) await unit.write(query, OUTBOX_CHANGED);
        const transition = await breakerAfterAttempt(unit, this.#db, result, breaker);
        if (result.state === "gone") {
          // A 410 means the consumer removed this endpoint: nothing more goes there.
          const gone = this.#db
            .updateTable("outbox")
            .set({
              state: "gone",
              settled_at: result.attemptedAt,
              lease_until: null,
              headers: this.#engine.credentials.withoutAuthorization,
              credential_removed: this.#engine.credentials.removedFlag,
            })
            .where("sink", "=", result.sink)
            .where("state", "=", "pending")
            .compile();
          await unit.write(gone, OUTBOX_CHANGED);
          await this.#sessions.forgetSink(unit, result.sink);
        }
        return transition;
      },
      // A 410 also settles other events of the sink and writes sessions, and a failure or a probe
      // writes the origin's shared sinks row: those units commit alone.
      { bookkeeping: true, canWait: true, disjoint: result.state !== "gone" && !writesSinkRow(result) },
    );
  }

  /** Settles an event without an attempt (e.g. its token expired), removing its credential. */
  settleUnsent(eventId: string, state: DeliveryState, now: number, reason: string): Promise<void> {
    const query = this.#db
      .updateTable("outbox")
      .set({
        state,
        settled_at: now,
        lease_until: null,
        last_error: reason,
        headers: this.#engine.credentials.withoutAuthorization,
        credential_removed: this.#engine.credentials.removedFlag,
      })
      .where("event_id", "=", eventId)
      .compile();
    return this.#commit(async (unit) => {
      await unit.write(query, OUTBOX_CHANGED);
    });
  }

  /** An event's attempts, in the order they were made. */
  async ofEvent(eventId: string): Promise<DeliveryAttemptRow[]> {
    const rows = await this.#db
      .selectFrom("delivery_attempts")
      .selectAll()
      .where("event_id", "=", eventId)
      .orderBy("id")
      .execute();
    return rows.map(toAttemptRow);
  }

  /** Every attempt at any of a session's events, in the order they were recorded: one query, not one per event. */
  async ofSession(sessionId: string): Promise<DeliveryAttemptRow[]> {
    const rows = await this.#db
      .selectFrom("delivery_attempts as a")
      .innerJoin("outbox as o", "o.event_id", "a.event_id")
      .selectAll("a")
      .where("o.session_id", "=", sessionId)
      .orderBy("a.id")
      .execute();
    return rows.map(toAttemptRow);
  }
}

function toAttemptRow(r: Selectable<DeliveryAttemptsTable>): DeliveryAttemptRow {
  return {
    eventId: r.event_id,
    attemptedAt: Number(r.attempted_at),
    durationMs: Number(r.duration_ms),
    statusCode: r.status_code === null ? null : Number(r.status_code),
    outcome: r.outcome,
    error: r.error,
    responseExcerpt: r.response_excerpt,
    probe: Number(r.probe) === 1,
  };
}
