import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { migrateToLatest } from "./migrations.ts";
import type { Database } from "./schema.ts";
import { Store } from "./store.ts";

/**
 * Opens (creating if needed) the SQLite file at `path` and migrates it. WAL lets reads go on during a
 * commit; `synchronous=FULL` makes every commit survive power loss, not only a process crash.
 */
export async function openSqliteStore(path: string): Promise<Store> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>);
  const store = new Store(db);
  await store.releaseAllLeases();
  return store;
}
