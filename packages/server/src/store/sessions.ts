import { type Kysely, type Selectable, sql } from "kysely";
import type { SessionRecord } from "../domain/types.ts";
import { type Effect, SESSIONS_CHANGED } from "./effects.ts";
import { NamedQuery, type Param, placeholderRow } from "./named-query.ts";
import { rowToSession, sessionToRow } from "./rows.ts";
import type { Database, SessionsTable } from "./schema.ts";
import type { SessionReads } from "./session-reads.ts";
import type { SessionPageQuery } from "./types.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/**
 * The session reads of a unit of work, whose text differs by engine. On PostgreSQL several instances
 * write at once, so a unit reading a row it will write locks it (`for update`), and the scheduler
 * takes due sessions with `for update skip locked` so no two instances take the same one. SQLite has
 * one writer at a time and neither clause.
 */
export interface SessionEngineStatements {
  /** The session, locked until the transaction ends. */
  readonly byIdForUpdate: NamedQuery<"id">;
  /** Up to `limit` sessions due at `now`, oldest first, that no other instance is handling. */
  readonly due: NamedQuery<"now" | "limit">;
  /** A device's sessions, oldest first, read so that creates for one device take turns. */
  readonly ofDeviceLocked: NamedQuery<"clientId" | "deviceKey">;
}

const byId = (db: Kysely<Database>, p: Param<"id">) =>
  db.selectFrom("sessions").selectAll().where("id", "=", p("id"));
const due = (db: Kysely<Database>, p: Param<"now" | "limit">) =>
  db.selectFrom("sessions").selectAll().where("due_at", "<=", p("now")).orderBy("due_at").limit(p("limit"));

/** SQLite's variant (sqlite.ts): one writer at a time, so plain reads. */
export function sqliteSessionStatements(db: Kysely<Database>): SessionEngineStatements {
  return {
    byIdForUpdate: NamedQuery.build((p) => byId(db, p).compile()),
    due: NamedQuery.build((p) => due(db, p).compile()),
    ofDeviceLocked: NamedQuery.build((p) =>
      db
        .selectFrom("sessions")
        .selectAll()
        .where("client_id", "=", p("clientId"))
        .where("device_key", "=", p("deviceKey"))
        .orderBy("created_at")
        .compile(),
    ),
  };
}

/** PostgreSQL's variant (postgres.ts): rows locked for the unit's transaction. */
export function postgresSessionStatements(db: Kysely<Database>): SessionEngineStatements {
  return {
    byIdForUpdate: NamedQuery.build((p) => byId(db, p).forUpdate().compile()),
    due: NamedQuery.build((p) => due(db, p).forUpdate().skipLocked().compile()),
    // Two instances creating sessions for the same device must not both pass the conflict check: the
    // read takes a transaction-scoped lock on (client, device) first, in the same call (migration 0003).
    ofDeviceLocked: NamedQuery.build((p) =>
      sql`select * from openqod_device_sessions(${p("clientId")}, ${p("deviceKey")})`.compile(db),
    ),
  };
}

type Row = Selectable<SessionsTable>;
type Column = Extract<keyof SessionsTable, string>;

/**
 * QoD sessions: their writes and locking reads inside a unit of work, and reads of committed state.
 * The hot path's statements are compiled once (NamedQuery): a row's columns are bound by name.
 */
export class SessionRepository {
  readonly #db: Kysely<Database>;
  readonly #reads: SessionReads;
  readonly #locking: SessionEngineStatements;
  readonly #insert: NamedQuery<Column>;
  readonly #update: NamedQuery<Column>;
  readonly #delete: NamedQuery<"id">;

  constructor(db: Kysely<Database>, reads: SessionReads, locking: SessionEngineStatements) {
    this.#db = db;
    this.#reads = reads;
    this.#locking = locking;
    this.#insert = NamedQuery.build((p) =>
      db
        .insertInto("sessions")
        .values(placeholderRow(p, sessionToRow(SAMPLE)))
        .compile(),
    );
    this.#update = NamedQuery.build((p) => {
      const { id: _id, ...rest } = placeholderRow(p, sessionToRow(SAMPLE));
      return db.updateTable("sessions").set(rest).where("id", "=", p("id")).compile();
    });
    this.#delete = NamedQuery.build((p) => db.deleteFrom("sessions").where("id", "=", p("id")).compile());
  }

  // ---- in a unit of work -------------------------------------------------------------------------

  /** The session, locked against other instances' writes until the unit's transaction ends. */
  async lockedById(unit: UnitOfWork, id: string): Promise<SessionRecord | undefined> {
    const [row] = await unit.query<Row>(this.#locking.byIdForUpdate.bind({ id }));
    return row === undefined ? undefined : rowToSession(row);
  }

  /** Up to `limit` sessions due at `now`, oldest first, claimed for the unit's transaction. */
  async due(unit: UnitOfWork, now: number, limit: number): Promise<SessionRecord[]> {
    const rows = await unit.query<Row>(this.#locking.due.bind({ now, limit }));
    return rows.map(rowToSession);
  }

  /**
   * The device's sessions, oldest first, read under a lock on (client, device) that holds until the
   * transaction ends: creates for one device take turns, so a conflict check cannot miss a session
   * another instance is creating.
   */
  async ofDeviceLocked(unit: UnitOfWork, clientId: string, deviceKey: string): Promise<SessionRecord[]> {
    const rows = await unit.query<Row>(this.#locking.ofDeviceLocked.bind({ clientId, deviceKey }));
    return rows.map(rowToSession);
  }

  async insert(unit: UnitOfWork, session: SessionRecord): Promise<void> {
    await unit.write(this.#insert.bind(sessionToRow(session)), written([session]));
  }

  /** Inserts many sessions in one statement (seeding); mind the engine's limit on bound parameters. */
  async insertMany(unit: UnitOfWork, sessions: readonly SessionRecord[]): Promise<void> {
    if (sessions.length === 0) return;
    await unit.write(
      this.#db.insertInto("sessions").values(sessions.map(sessionToRow)).compile(),
      written(sessions),
    );
  }

  async update(unit: UnitOfWork, session: SessionRecord): Promise<void> {
    await unit.write(this.#update.bind(sessionToRow(session)), written([session]));
  }

  async delete(unit: UnitOfWork, id: string): Promise<void> {
    await unit.write(this.#delete.bind({ id }), { kind: "session-deleted", id });
  }

  /** Forgets `sink` (and its token) on every session that has it: the consumer removed that endpoint. */
  async forgetSink(unit: UnitOfWork, sink: string): Promise<void> {
    await unit.write(
      this.#db
        .updateTable("sessions")
        .set({ sink: null, sink_token: null })
        .where("sink", "=", sink)
        .compile(),
      SESSIONS_CHANGED,
    );
  }

  // ---- committed state ---------------------------------------------------------------------------

  byId(id: string): Promise<SessionRecord | undefined> {
    return this.#reads.byId(id);
  }

  async ofDevice(clientId: string, deviceKey: string): Promise<SessionRecord[]> {
    const rows = await this.#db
      .selectFrom("sessions")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("device_key", "=", deviceKey)
      .orderBy("created_at")
      .execute();
    return rows.map(rowToSession);
  }

  /**
   * A page of a client's (or every client's) sessions, oldest first by id (UUIDv7 ids sort by creation
   * time). Reads through the (client_id, device_key) index, or the primary key for every client's:
   * sessions are few, as ended ones are removed.
   */
  async ofClient(query: SessionPageQuery): Promise<SessionRecord[]> {
    let select = this.#db.selectFrom("sessions").selectAll();
    if (query.clientId !== undefined) select = select.where("client_id", "=", query.clientId);
    if (query.status !== undefined) select = select.where("qos_status", "=", query.status);
    for (const key of query.deviceKeys ?? []) select = select.where("device_key", "=", key);
    if (query.deviceKeyPrefix !== undefined) {
      // The prefix is an IPv4 address and "|": nothing in it is a LIKE wildcard.
      select = select.where("device_key", "like", `${query.deviceKeyPrefix}%`);
    }
    if (query.createdAfter !== undefined) select = select.where("created_at", ">=", query.createdAfter);
    if (query.createdBefore !== undefined) select = select.where("created_at", "<", query.createdBefore);
    if (query.afterId !== undefined) select = select.where("id", ">", query.afterId);
    const rows = await select.orderBy("id").limit(query.limit).execute();
    return rows.map(rowToSession);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom("sessions")
      .select(["qos_status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("qos_status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.qos_status, Number(r.n)]));
  }

  /** Every REQUESTED or AVAILABLE session's id and network reference (reconciliation). */
  async live(): Promise<{ sessionId: string; ref: string | null }[]> {
    const rows = await this.#db
      .selectFrom("sessions")
      .select(["id", "network_ref"])
      .where("qos_status", "in", ["REQUESTED", "AVAILABLE"])
      .execute();
    return rows.map((r) => ({ sessionId: r.id, ref: r.network_ref }));
  }

  /** The earliest `dueAt` of any session (ms), or null: when the scheduler has work next. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.#db
      .selectFrom("sessions")
      .select((eb) => eb.fn.min("due_at").as("due"))
      .executeTakeFirst();
    return row?.due == null ? null : Number(row.due);
  }
}

const written = (sessions: readonly SessionRecord[]): Effect => ({ kind: "sessions-written", sessions });

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
  networkRef: null,
};
