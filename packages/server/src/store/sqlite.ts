import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from "kysely";
import { lockDataDir } from "../data-dir-lock.ts";
import { sqliteAttemptStatements } from "./delivery-attempts.ts";
import type { CommitEffects, CommitInfo } from "./effects.ts";
import type { Engine, EngineStatements, StatementRunner } from "./engine.ts";
import { migrateToLatest } from "./migrations.ts";
import { sqliteNetworkStatements } from "./network-commands.ts";
import { sqliteOutboxStatements } from "./outbox.ts";
import { sqliteRetentionStatements } from "./retention.ts";
import type { Database } from "./schema.ts";
import { SessionCache } from "./session-cache.ts";
import { SqliteSessionReads } from "./session-reads.ts";
import { sqliteSessionStatements } from "./sessions.ts";
import { Store } from "./store.ts";

export interface SqliteOptions {
  /** Failures that fail no caller: a commit listener that threw (Store's `onError`). */
  onError?: (error: Error) => void;
  /**
   * Sessions held in memory for reads; only right for the file's one writer (its server). 0 disables.
   * @default 0
   */
  sessionCacheEntries?: number;
  /**
   * FULL: every commit is on disk before it is acknowledged (survives power loss). NORMAL: survives a
   * crash of the process, not of the machine; commits skip the fsync. @default "FULL"
   */
  synchronous?: "FULL" | "NORMAL";
  /**
   * Open the file as the one server of its data folder: take the folder's lock (`server.pid`), then
   * free the delivery leases and the network commands' guards and leases a crashed run left (no claim
   * and no create is alive at a server's start), and wake this
   * store's workers when another process commits to the file (the operator's `redeliver`). Without it
   * the file is opened beside a server (operator commands, seeding) and nothing is changed at start.
   */
  server?: {
    /** The data folder, as the operator named it (for the lock's messages). */
    dataDir: string;
    /**
     * SQLite has no NOTIFY: `PRAGMA data_version` is read this often (ms), which costs a few
     * microseconds. @default 500
     */
    watchIntervalMs?: number;
  };
}

/**
 * Opens (creating if needed) the SQLite file at `path` and migrates it. WAL lets reads go on during a
 * commit; `synchronous=FULL` (the default) makes every commit survive power loss, not only a process crash.
 * @throws ConfigError when `server` is given and another live server holds its data folder.
 */
export async function openSqliteStore(path: string, options: SqliteOptions = {}): Promise<Store> {
  const unlock = options.server === undefined ? () => undefined : lockDataDir(options.server.dataDir);
  let sqlite: SQLite.Database | null = null;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    sqlite = new SQLite(path);
    const synchronous = options.synchronous ?? "FULL";
    const prepared = connect(sqlite, synchronous);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: prepared }) });
    await migrateToLatest(db as Kysely<unknown>, "sqlite");
    if (options.server !== undefined) await freeAllLeases(db);
    const entries = options.sessionCacheEntries ?? 0;
    const engine = new SqliteEngine({
      sqlite,
      prepared,
      db,
      synchronous,
      cache: entries > 0 ? new SessionCache(entries) : null,
      unlock,
    });
    // Hold the newest sessions in memory from the start: a GET then costs no SQLite read at all.
    engine.sessionReads.warm(entries);
    if (options.server !== undefined) engine.watchOtherWriters(options.server.watchIntervalMs ?? 500);
    return new Store(engine, options.onError === undefined ? {} : { onError: options.onError });
  } catch (error) {
    if (sqlite?.open) sqlite.close();
    unlock();
    throw error;
  }
}

/**
 * Sets the connection up: WAL lets reads go on during a commit; `synchronous` as configured.
 * @returns the connection as Kysely's dialect takes it, preparing each SQL text once.
 */
function connect(sqlite: SQLite.Database, synchronous: "FULL" | "NORMAL"): SqliteDatabase {
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // A GET is a point query: keep the working set in memory (64 MiB page cache, reads through mmap)
  // instead of a pread() per page.
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("mmap_size = 1073741824");
  // Checkpoint every ~40 MiB of WAL rather than 4 MiB: a page written by many commits is copied back once.
  sqlite.pragma("wal_autocheckpoint = 10000");
  return withStatementCache(sqlite);
}

/** One process, one connection, one writer at a time: the engine of a single server (see Engine). */
class SqliteEngine implements Engine {
  readonly db: Kysely<Database>;
  readonly maxConcurrentBatches = 1;
  readonly groupsUnits = true;
  readonly statements: EngineStatements;
  readonly sessionReads: SqliteSessionReads;
  readonly #sqlite: SQLite.Database;
  readonly #prepared: SqliteDatabase;
  readonly #synchronous: "FULL" | "NORMAL";
  /** The `synchronous` setting in force now: bookkeeping-only batches commit without an fsync. */
  #current: "FULL" | "NORMAL";
  /** Only a store that is the file's one writer may cache, since it then sees every write. */
  readonly #cache: SessionCache | null;
  readonly #unlock: () => void;
  #watcher: NodeJS.Timeout | null = null;
  #listener: ((news: CommitInfo) => void) | null = null;

  constructor(options: {
    sqlite: SQLite.Database;
    prepared: SqliteDatabase;
    db: Kysely<Database>;
    synchronous: "FULL" | "NORMAL";
    cache: SessionCache | null;
    unlock: () => void;
  }) {
    this.#sqlite = options.sqlite;
    this.#prepared = options.prepared;
    this.db = options.db;
    this.#synchronous = options.synchronous;
    this.#current = options.synchronous;
    this.#cache = options.cache;
    this.#unlock = options.unlock;
    this.statements = {
      sessions: sqliteSessionStatements(this.db),
      outbox: sqliteOutboxStatements(),
      attempts: sqliteAttemptStatements(this.db),
      retention: sqliteRetentionStatements(this.db),
      network: sqliteNetworkStatements(this.db),
    };
    this.sessionReads = new SqliteSessionReads(this.#sqlite, this.db, this.#cache);
  }

  transaction<T>(durable: boolean, work: (run: StatementRunner) => Promise<T>): Promise<T> {
    const wanted = durable ? this.#synchronous : "NORMAL";
    if (wanted !== this.#current) {
      this.#sqlite.pragma(`synchronous = ${wanted}`);
      this.#current = wanted;
    }
    // Kysely holds the one connection for the transaction, so statements run directly on it are inside.
    return this.db.transaction().execute(() => work(this.#runDirect));
  }

  /**
   * Runs a compiled statement synchronously on the connection that holds the open transaction,
   * skipping the driver's promise machinery.
   */
  readonly #runDirect = (query: { sql: string; parameters: readonly unknown[] }): unknown[] => {
    const statement = this.#prepared.prepare(query.sql);
    if (statement.reader) return statement.all(query.parameters);
    statement.run(query.parameters);
    return [];
  };

  /** Nothing to send: other processes on the file notice commits through `PRAGMA data_version`. */
  async publish(): Promise<void> {}

  committed(effects: CommitEffects): void {
    this.#cache?.apply(effects);
  }

  listen(listener: (news: CommitInfo) => void): void {
    this.#listener = listener;
  }

  /** Polls for other processes' commits; this connection's own commits leave `data_version` alone. */
  watchOtherWriters(intervalMs: number): void {
    let seen = this.#sqlite.pragma("data_version", { simple: true });
    this.#watcher = setInterval(() => {
      if (!this.#sqlite.open) return;
      const version = this.#sqlite.pragma("data_version", { simple: true });
      if (version === seen) return;
      seen = version;
      this.#listener?.({ outboxChanged: true, earliestDueAt: null });
    }, intervalMs);
    this.#watcher.unref();
  }

  async ping(): Promise<void> {
    this.#prepared.prepare("select 1").all([]);
  }

  async close(): Promise<void> {
    if (this.#watcher !== null) clearInterval(this.#watcher);
    try {
      await this.db.destroy();
    } finally {
      this.#unlock();
    }
  }
}

/**
 * Frees every delivery lease: at the start of the one server of a SQLite database no claim is alive,
 * so those of a crashed run would only delay their events. (On PostgreSQL a dead instance's leases
 * run out instead.)
 */
async function freeAllLeases(db: Kysely<Database>): Promise<void> {
  await db.updateTable("outbox").set({ lease_until: null }).where("lease_until", "is not", null).execute();
  // The same holds for the network's commands: a create's guard belongs to a create that died with
  // that run, and a claimed release to a worker that did. Both are due now, under any clock.
  await db.updateTable("network_commands").set({ due_at: 0 }).where("due_at", ">", 0).execute();
}

/**
 * Kysely prepares every query it runs; preparing costs more than running a point query. OpenQoD's
 * queries are a small fixed set of SQL texts, so each is prepared once and reused (better-sqlite3
 * statements are reusable, and one connection runs one statement at a time).
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql) as unknown as SqliteStatement;
        // Bulk inserts produce one-off texts; a bounded cache keeps them from piling up.
        if (cache.size >= max) cache.clear();
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
