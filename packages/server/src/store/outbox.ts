/**
 * The outbox: notifications waiting to be delivered, claimed, redelivered and read back. Its claim and
 * next-due statements each have a SQLite and a PostgreSQL variant, kept side by side so they cannot drift.
 */
import { type CompiledQuery, type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";
import { BOOKKEEPING, OUTBOX_CHANGED } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import type { Database, OutboxTable } from "./schema.ts";
import type { ClaimedDelivery, DeliveryState, OutboxEvent, OutboxRow } from "./types.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/** The state of an event still to be delivered, as an SQL literal (see the partial index outbox_pending). */
export const PENDING = sql.lit("pending");

/**
 * For a query over `outbox as o`: no earlier event of the same session is still pending. A session's
 * events go out in order, so an event behind an unsettled one is neither due nor worth a timer.
 */
export function noEarlierPendingEvent({
  not,
  exists,
  selectFrom,
}: ExpressionBuilder<Database & { o: Database["outbox"] }, "o">) {
  return not(
    exists(
      selectFrom("outbox as p")
        .select("p.seq")
        .whereRef("p.session_id", "=", "o.session_id")
        .where("p.state", "=", PENDING)
        .whereRef("p.seq", "<", "o.seq"),
    ),
  );
}

/** The claim, whose text differs by engine. */
export interface OutboxEngineStatements {
  /** Run before `claim` in its transaction. */
  readonly beforeClaim: readonly CompiledQuery[];
  /** Leases up to `limit` events due at `now` until `until`, returning them. Parameters: until, now, now, limit. */
  readonly claim: CompiledQuery;
}

const CLAIMED = [
  "seq",
  "event_id",
  "session_id",
  "sink",
  "headers",
  "body",
  "token_expires_at",
  "attempts",
  "created_at",
] as const;

const dueDeliveries = (db: Kysely<Database>) =>
  db
    .selectFrom("outbox as o")
    .select("o.seq")
    // Literal, not a parameter: only then can the planner use the partial index on pending events.
    .where("o.state", "=", PENDING)
    .where("o.next_attempt_at", "<=", 0)
    .where((eb) => eb.or([eb("o.lease_until", "is", null), eb("o.lease_until", "<=", 0)]))
    .where(noEarlierPendingEvent)
    .orderBy("o.next_attempt_at")
    .orderBy("o.seq")
    .limit(0);

/** SQLite's variant (sqlite.ts): one writer at a time; the planner walks the partial index as is. */
export function sqliteOutboxStatements(db: Kysely<Database>): OutboxEngineStatements {
  // One statement finds the due events and leases them.
  const claim = db.updateTable("outbox").set({ lease_until: 0 }).where("seq", "in", dueDeliveries(db));
  return { beforeClaim: [], claim: claim.returning(CLAIMED).compile() };
}

/** PostgreSQL's variant (postgres.ts): rows another instance is claiming right now are skipped. */
export function postgresOutboxStatements(db: Kysely<Database>): OutboxEngineStatements {
  const locked = dueDeliveries(db).forUpdate("o").skipLocked();
  const claim = db.updateTable("outbox").set({ lease_until: 0 }).where("seq", "in", locked);
  return {
    // PostgreSQL plans from statistics, which lag a burst: believing few events pending, it sorts every
    // pending row (with its order check) to take the first few, 20 ms for 6 000 instead of 1 ms walking
    // the index in order. Sorting off for the claim's transaction makes it walk the index.
    beforeClaim: [sql`set local enable_sort = off`.compile(db)],
    claim: claim.returning(CLAIMED).compile(),
  };
}

type ClaimRow = Pick<Selectable<OutboxTable>, (typeof CLAIMED)[number]>;

/**
 * The outbox: notifications queued in the transaction of the change they announce, claimed by
 * dispatchers under a lease, settled by their attempts (delivery-attempts.ts), made due again on request.
 */
export class OutboxRepository {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;
  readonly #engine: OutboxEngineStatements;
  readonly #insert: CompiledQuery;

  constructor(db: Kysely<Database>, commit: Commit, engine: OutboxEngineStatements) {
    this.#db = db;
    this.#commit = commit;
    this.#engine = engine;
    this.#insert = db.insertInto("outbox").values(outboxRow(SAMPLE_EVENT, null)).compile();
  }

  /** Queues a notification in `unit`; `clientId` owns it (the session's client), so only they see it. */
  async enqueue(unit: UnitOfWork, event: OutboxEvent, clientId: string | null): Promise<void> {
    await unit.write(
      { ...this.#insert, parameters: Object.values(outboxRow(event, clientId)) },
      OUTBOX_CHANGED,
    );
  }

  /**
   * Claims up to `limit` due events for `leaseMs`. An event is due when its time has come, no dispatcher
   * holds an unexpired lease on it, and no earlier event of the same session is still pending: a
   * session's next event never overtakes its previous one.
   */
  claim(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.#commit(
      async (unit) => {
        for (const query of this.#engine.beforeClaim) await unit.query(query);
        const rows = await unit.write<ClaimRow>(
          { ...this.#engine.claim, parameters: [now + leaseMs, now, now, limit] },
          BOOKKEEPING,
        );
        // Oldest first, as they were chosen (RETURNING promises no order).
        rows.sort((a, b) => Number(a.seq) - Number(b.seq));
        return rows.map((r) => ({
          seq: Number(r.seq),
          eventId: r.event_id,
          sessionId: r.session_id,
          sink: r.sink,
          headers: JSON.parse(r.headers) as Record<string, string>,
          body: r.body,
          tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
          attempts: Number(r.attempts),
          createdAt: Number(r.created_at),
        }));
      },
      { bookkeeping: true },
    );
  }

  /**
   * The earliest time a pending event may be attempted (its schedule or its lease), or null. Events
   * waiting behind their session's previous one are not due: that one's settling wakes us.
   */
  async nextDeliveryAt(): Promise<number | null> {
    const [scheduled, leased] = await Promise.all([
      // Unleased (or leased until before its schedule): due at next_attempt_at. The partial index gives
      // them in that order, so this stops at the first one not blocked by its session.
      this.#db
        .selectFrom("outbox as o")
        .select("o.next_attempt_at as due")
        .where("o.state", "=", PENDING)
        .where((eb) =>
          eb.or([eb("o.lease_until", "is", null), eb("o.lease_until", "<=", eb.ref("o.next_attempt_at"))]),
        )
        .where(noEarlierPendingEvent)
        .orderBy("o.next_attempt_at")
        .orderBy("o.seq")
        .limit(1)
        .executeTakeFirst(),
      // Leased: due when the lease runs out (a dead dispatcher's claim is taken over then).
      this.#db
        .selectFrom("outbox as o")
        .select((eb) => eb.fn.min("o.lease_until").as("due"))
        .where("o.state", "=", PENDING)
        .where("o.lease_until", "is not", null)
        .whereRef("o.lease_until", ">", "o.next_attempt_at")
        .executeTakeFirst(),
    ]);
    const times = [scheduled?.due, leased?.due].filter((t) => t != null).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** A session's events, oldest first. */
  async ofSession(sessionId: string): Promise<OutboxRow[]> {
    const rows = await this.#db
      .selectFrom("outbox")
      .selectAll()
      .where("session_id", "=", sessionId)
      .orderBy("seq")
      .execute();
    return rows.map(toOutboxRow);
  }

  /** One event by its id (the CloudEvent id). */
  async byEventId(eventId: string): Promise<OutboxRow | undefined> {
    const row = await this.#db
      .selectFrom("outbox")
      .selectAll()
      .where("event_id", "=", eventId)
      .executeTakeFirst();
    return row === undefined ? undefined : toOutboxRow(row);
  }
}

function outboxRow(event: OutboxEvent, clientId: string | null) {
  return {
    event_id: event.eventId,
    session_id: event.sessionId,
    sink: event.sink,
    headers: JSON.stringify(event.headers),
    body: event.body,
    token_expires_at: event.tokenExpiresAt,
    state: "pending",
    attempts: 0,
    next_attempt_at: event.createdAt,
    lease_until: null,
    created_at: event.createdAt,
    settled_at: null,
    last_error: null,
    client_id: clientId,
  };
}

const SAMPLE_EVENT: OutboxEvent = {
  eventId: "",
  sessionId: "",
  sink: "",
  headers: {},
  body: "",
  tokenExpiresAt: null,
  createdAt: 0,
};

export function toOutboxRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    eventId: r.event_id,
    sessionId: r.session_id,
    clientId: r.client_id,
    sink: r.sink,
    body: r.body,
    tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
    settledAt: r.settled_at === null ? null : Number(r.settled_at),
    lastError: r.last_error,
    credentialRemoved: Number(r.credential_removed) === 1,
  };
}
