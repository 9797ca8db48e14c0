import type SQLite from "better-sqlite3";
import { type Kysely, type Selectable, sql } from "kysely";
import type { SessionRecord } from "../domain/types.ts";
import { NamedQuery } from "./named-query.ts";
import { ReadBatcher } from "./read-batcher.ts";
import { rowToSession } from "./rows.ts";
import type { Database, SessionsTable } from "./schema.ts";
import type { SessionCache } from "./session-cache.ts";

/** A GET's read of a committed session by id. Each engine has its own fastest way (below). */
export interface SessionReads {
  byId(id: string): Promise<SessionRecord | undefined>;
}

type Row = Selectable<SessionsTable>;

/**
 * SQLite's reads (sqlite.ts): from the session cache if it has the session, else one synchronous
 * point query on the connection (no promise chain), else, while a transaction is open on that
 * connection, queued behind the transaction. The cache belongs to the SQLite engine alone: it is only
 * right for the one process that writes the file.
 */
export class SqliteSessionReads implements SessionReads {
  readonly #sqlite: SQLite.Database;
  readonly #db: Kysely<Database>;
  readonly #cache: SessionCache | null;
  readonly #byId: NamedQuery<"id">;
  readonly #direct: SQLite.Statement;

  constructor(sqlite: SQLite.Database, db: Kysely<Database>, cache: SessionCache | null) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.#cache = cache;
    // Precompiled and prepared once: building the query costs more than a point query takes.
    this.#byId = NamedQuery.build((p) =>
      db.selectFrom("sessions").selectAll().where("id", "=", p("id")).compile(),
    );
    this.#direct = sqlite.prepare(this.#byId.sql);
    // The GET path passes the id alone (measured: building the parameter array costs ~5 % of a read).
    this.#byId.assertOnlyParameter("id");
  }

  async byId(id: string): Promise<SessionRecord | undefined> {
    const cached = this.#cache?.get(id);
    if (cached !== undefined) return cached;
    // Inside an open transaction this connection would read uncommitted rows: queue behind it instead.
    if (this.#sqlite.inTransaction) {
      const { rows } = await this.#db.executeQuery<Row>(this.#byId.bind({ id }));
      return rows[0] === undefined ? undefined : rowToSession(rows[0]);
    }
    const row = this.#direct.get(id) as Row | undefined;
    if (row === undefined) return undefined;
    const session = rowToSession(row);
    // Only a synchronous read outside a transaction is known to be committed state.
    this.#cache?.set(session);
    return session;
  }

  /** Fills the cache with the newest `entries` sessions, before the store serves anything. */
  warm(entries: number): void {
    if (this.#cache === null) return;
    const newest = this.#db.selectFrom("sessions").selectAll().orderBy("created_at", "desc").limit(entries);
    const { sql: text, parameters } = newest.compile();
    for (const row of this.#sqlite.prepare(text).iterate(...parameters) as IterableIterator<Row>)
      this.#cache.set(rowToSession(row));
  }
}

/**
 * PostgreSQL's reads (postgres.ts): point reads that arrive in the same turn of the event loop share
 * one `where id = any(...)` query, since against a database server every query costs a round trip.
 */
export class BatchedSessionReads implements SessionReads {
  readonly #batcher: ReadBatcher<SessionRecord>;

  constructor(db: Kysely<Database>) {
    // One text for any number of ids: the ids are one array parameter.
    const byIds = NamedQuery.build<"ids">((p) =>
      sql`select * from sessions where id = any(${p("ids")})`.compile(db),
    );
    this.#batcher = new ReadBatcher(async (ids) => {
      const { rows } = await db.executeQuery<Row>(byIds.bind({ ids }));
      return new Map(rows.map((row) => [row.id, rowToSession(row)]));
    });
  }

  byId(id: string): Promise<SessionRecord | undefined> {
    return this.#batcher.get(id);
  }
}
