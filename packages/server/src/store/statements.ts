import { type CompiledQuery, type ExpressionBuilder, type Kysely, type QueryCreator, sql } from "kysely";
import type { SessionRecord } from "../domain/types.ts";
import { sessionToRow } from "./rows.ts";
import type { Database } from "./schema.ts";
import type { AttemptResult, OutboxEvent } from "./types.ts";

/** The SQL engines OpenQoD runs on. */
export type Engine = "sqlite" | "postgres";

/**
 * The hot path's queries, compiled once per store. Building a Kysely query costs more than SQLite
 * takes to run it; these are built from a sample and reused with new parameters, which Kysely
 * emits in the order the columns are given (so `Object.values` of a row lines up with them).
 */
export class Statements {
  readonly #insertSession: CompiledQuery;
  readonly #updateSession: CompiledQuery;
  readonly #deleteSession: CompiledQuery;
  readonly #sessionById: CompiledQuery;
  readonly #sessionForUpdate: CompiledQuery;
  readonly #sessionsByIds: CompiledQuery | null;
  readonly #dueSessions: CompiledQuery;
  readonly #deviceSessionsLocked: CompiledQuery;
  readonly #insertOutbox: CompiledQuery;
  readonly #claim: CompiledQuery;
  readonly #claimPrelude: CompiledQuery | null;
  readonly #insertAttempt: CompiledQuery;
  readonly #attemptInSameStatement: boolean;
  readonly #settle: CompiledQuery;
  readonly #reschedule: CompiledQuery;

  /**
   * On PostgreSQL several instances write at once, so a unit reading a row it will write locks it
   * (`for update`), and workers claim rows with `for update skip locked` so no two instances take the
   * same one. SQLite has one writer at a time and neither clause.
   */
  constructor(db: Kysely<Database>, engine: Engine) {
    const shared = engine === "postgres";
    const row = sessionToRow(SAMPLE);
    const { id: _id, ...rest } = row;
    this.#insertSession = db.insertInto("sessions").values(row).compile();
    this.#updateSession = db.updateTable("sessions").set(rest).where("id", "=", "").compile();
    this.#deleteSession = db.deleteFrom("sessions").where("id", "=", "").compile();
    const byId = db.selectFrom("sessions").selectAll().where("id", "=", "");
    this.#sessionById = byId.compile();
    this.#sessionForUpdate = shared ? byId.forUpdate().compile() : this.#sessionById;
    // One text for any number of ids: the ids are one array parameter.
    this.#sessionsByIds = shared ? sql`select * from sessions where id = any(${[]})`.compile(db) : null;
    const due = db.selectFrom("sessions").selectAll().where("due_at", "<=", 0).orderBy("due_at").limit(0);
    this.#dueSessions = shared ? due.forUpdate().skipLocked().compile() : due.compile();
    // Two instances creating sessions for the same device must not both pass the conflict check: on
    // PostgreSQL the read takes a transaction-scoped lock on (client, device) first (migration 0003).
    this.#deviceSessionsLocked = shared
      ? sql`select * from openqod_device_sessions(${""}, ${""})`.compile(db)
      : db
          .selectFrom("sessions")
          .selectAll()
          .where("client_id", "=", "")
          .where("device_key", "=", "")
          .orderBy("created_at")
          .compile();
    this.#insertOutbox = db.insertInto("outbox").values(outboxRow(SAMPLE_EVENT, null)).compile();
    const dueDeliveries = db
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
    // PostgreSQL plans from statistics, which lag a burst: believing few events pending, it sorts every
    // pending row (with its order check) to take the first few, 20 ms for 6 000 instead of 1 ms walking
    // the index in order. Sorting off for the claim's transaction makes it walk the index.
    this.#claimPrelude = shared ? sql`set local enable_sort = off`.compile(db) : null;
    // One statement finds the due events and leases them; on PostgreSQL rows another instance is
    // claiming right now are skipped rather than waited for.
    this.#claim = db
      .updateTable("outbox")
      .set({ lease_until: 0 })
      .where("seq", "in", shared ? dueDeliveries.forUpdate("o").skipLocked() : dueDeliveries)
      .returning([
        "seq",
        "event_id",
        "session_id",
        "sink",
        "headers",
        "body",
        "token_expires_at",
        "attempts",
        "created_at",
      ])
      .compile();
    const attemptRow = {
      event_id: "",
      attempted_at: 0,
      duration_ms: 0,
      status_code: null,
      outcome: "",
      error: null,
    };
    this.#insertAttempt = db.insertInto("delivery_attempts").values(attemptRow).compile();
    // PostgreSQL records the attempt and settles its event in one statement (a data-modifying WITH):
    // one round trip instead of two. SQLite has no such WITH; it runs the two in turn.
    this.#attemptInSameStatement = shared;
    // The WITH only adds a name the update never refers to, so it is typed as the plain query creator.
    const qc = (
      shared ? db.with("attempt", (q) => q.insertInto("delivery_attempts").values(attemptRow)) : db
    ) as QueryCreator<Database>;
    this.#settle = qc
      .updateTable("outbox")
      .set({ state: "", attempts: sql`attempts + 1`, lease_until: sql`null`, last_error: "", settled_at: 0 })
      .where("event_id", "=", "")
      .compile();
    this.#reschedule = qc
      .updateTable("outbox")
      .set({ attempts: sql`attempts + 1`, lease_until: sql`null`, last_error: "", next_attempt_at: 0 })
      .where("event_id", "=", "")
      .compile();
  }

  /** The session, locked until the transaction ends where the engine has concurrent writers. */
  sessionForUpdate(id: string): CompiledQuery {
    return { ...this.#sessionForUpdate, parameters: [id] };
  }

  /** The sessions with these ids (PostgreSQL only). */
  sessionsByIds(ids: string[]): CompiledQuery {
    if (this.#sessionsByIds === null) throw new Error("sessionsByIds is PostgreSQL's");
    return { ...this.#sessionsByIds, parameters: [ids] };
  }

  /** Sessions due at `now`, oldest first; on PostgreSQL those no other instance is handling. */
  dueSessions(now: number, limit: number): CompiledQuery {
    return { ...this.#dueSessions, parameters: [now, limit] };
  }

  /** A device's sessions, read under a lock that makes creates for that device take turns. */
  deviceSessionsLocked(clientId: string, deviceKey: string): CompiledQuery {
    return { ...this.#deviceSessionsLocked, parameters: [clientId, deviceKey] };
  }

  /** Runs before `claim` in its transaction (PostgreSQL's planner setting), or null. */
  claimPrelude(): CompiledQuery | null {
    return this.#claimPrelude;
  }

  /** Leases up to `limit` events due at `now` until `until`, returning them. */
  claim(now: number, limit: number, until: number): CompiledQuery {
    return { ...this.#claim, parameters: [until, now, now, limit] };
  }

  /**
   * Records an attempt and settles the event (delivered, failed, gone) or reschedules it (pending):
   * one statement on PostgreSQL, two on SQLite.
   */
  recordAttempt(r: AttemptResult): CompiledQuery[] {
    const attempt = [r.eventId, r.attemptedAt, r.durationMs, r.statusCode, r.outcome, r.error];
    const after =
      r.state === "pending"
        ? { ...this.#reschedule, parameters: [r.error, r.nextAttemptAt ?? r.attemptedAt, r.eventId] }
        : { ...this.#settle, parameters: [r.state, r.error, r.attemptedAt, r.eventId] };
    if (this.#attemptInSameStatement) return [{ ...after, parameters: [...attempt, ...after.parameters] }];
    return [{ ...this.#insertAttempt, parameters: attempt }, after];
  }

  insertSession(session: SessionRecord): CompiledQuery {
    return { ...this.#insertSession, parameters: Object.values(sessionToRow(session)) };
  }

  updateSession(session: SessionRecord): CompiledQuery {
    const { id, ...rest } = sessionToRow(session);
    return { ...this.#updateSession, parameters: [...Object.values(rest), id] };
  }

  deleteSession(id: string): CompiledQuery {
    return { ...this.#deleteSession, parameters: [id] };
  }

  sessionById(id: string): CompiledQuery {
    return { ...this.#sessionById, parameters: [id] };
  }

  /** An event for the outbox, owned by API client `clientId` (null: unknown, as for the benchmark's seed). */
  insertOutbox(event: OutboxEvent, clientId: string | null): CompiledQuery {
    return { ...this.#insertOutbox, parameters: Object.values(outboxRow(event, clientId)) };
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

const SAMPLE: SessionRecord = {
  id: "",
  clientId: "",
  dialect: "v1",
  device: {},
  deviceKey: "",
  applicationServer: {},
  devicePorts: null,
  applicationServerPorts: null,
  qosProfile: "",
  sink: null,
  sinkToken: null,
  sinkTokenExpiresAt: null,
  duration: 0,
  qosStatus: "REQUESTED",
  statusInfo: null,
  createdAt: 0,
  startedAt: null,
  expiresAt: null,
  dueAt: null,
  networkVerdict: null,
};

const SAMPLE_EVENT: OutboxEvent = {
  eventId: "",
  sessionId: "",
  sink: "",
  headers: {},
  body: "",
  tokenExpiresAt: null,
  createdAt: 0,
};

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
