import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type Selectable, type SqliteDatabase, SqliteDialect, type SqliteStatement } from "kysely";
import { migrateToLatest } from "./migrations.ts";
import { rowToSession } from "./rows.ts";
import type { Database, SessionsTable } from "./schema.ts";
import { Store } from "./store.ts";

export interface SqliteOptions {
  /** Sessions held in memory for reads. @default 0 */
  sessionCacheEntries?: number;
  /**
   * FULL: every commit is on disk before it is acknowledged (survives power loss). NORMAL: survives a
   * crash of the process, not of the machine; commits skip the fsync. @default "FULL"
   */
  synchronous?: "FULL" | "NORMAL";
  /**
   * Wake this store's workers when another process commits to the file (the operator's `redeliver`
   * beside a running server): SQLite has no NOTIFY, so `PRAGMA data_version` is read every
   * `watchIntervalMs`, which costs a few microseconds. @default false
   */
  watchOtherWriters?: boolean;
  /** @default 500 */
  watchIntervalMs?: number;
}

/**
 * Opens (creating if needed) the SQLite file at `path` and migrates it. WAL lets reads go on during a
 * commit; `synchronous=FULL` (the default) makes every commit survive power loss, not only a process crash.
 */
export async function openSqliteStore(path: string, options: SqliteOptions = {}): Promise<Store> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma("journal_mode = WAL");
  const synchronous = options.synchronous ?? "FULL";
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // A GET is a point query: keep the working set in memory (64 MiB page cache, reads through mmap)
  // instead of a pread() per page.
  sqlite.pragma("cache_size = -65536");
  sqlite.pragma("mmap_size = 1073741824");
  // Checkpoint every ~40 MiB of WAL rather than 4 MiB: a page written by many commits is copied back once.
  sqlite.pragma("wal_autocheckpoint = 10000");
  const statements = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  await migrateToLatest(db as Kysely<unknown>);
  const sessionById = sqlite.prepare("select * from sessions where id = ?");
  let current: string = synchronous;
  let watcher: NodeJS.Timeout | null = null;
  const store = new Store(db, {
    onClose: async () => {
      if (watcher !== null) clearInterval(watcher);
    },
    // One process owns a SQLite database, so this store sees every write and may cache.
    sessionCacheEntries: options.sessionCacheEntries ?? 0,
    // Bookkeeping-only batches commit without an fsync; the next durable commit covers them.
    setCommitDurability: (durable) => {
      const wanted = durable ? synchronous : "NORMAL";
      if (wanted !== current) {
        sqlite.pragma(`synchronous = ${wanted}`);
        current = wanted;
      }
    },
    directRunner: (query) => {
      const statement = statements.prepare(query.sql);
      if (statement.reader) return statement.all(query.parameters);
      statement.run(query.parameters);
      return [];
    },
    fastReads: {
      // Inside an open transaction this connection would read uncommitted rows: null sends the
      // caller the queued path, which waits for the transaction to end.
      sessionById: (id) =>
        sqlite.inTransaction ? null : (sessionById.get(id) as Selectable<SessionsTable> | undefined),
    },
  });
  if (options.watchOtherWriters) {
    // Changes only when another connection commits; this connection's own commits leave it alone.
    let seen = sqlite.pragma("data_version", { simple: true });
    watcher = setInterval(() => {
      if (!sqlite.open) return;
      const version = sqlite.pragma("data_version", { simple: true });
      if (version === seen) return;
      seen = version;
      store.announce({ outboxChanged: true, earliestDueAt: null, sessions: new Map(), sessionsStale: false });
    }, options.watchIntervalMs ?? 500);
    watcher.unref();
  }
  if (options.sessionCacheEntries) {
    // Hold the newest sessions in memory from the start: a GET then costs no SQLite read at all.
    const newest = sqlite.prepare("select * from sessions order by created_at desc limit ?");
    const rows = newest.iterate(options.sessionCacheEntries) as IterableIterator<Selectable<SessionsTable>>;
    store.warmSessionCache(
      (function* () {
        for (const row of rows) yield rowToSession(row);
      })(),
    );
  }
  return store;
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
