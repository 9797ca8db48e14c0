import { join } from "node:path";
import type { Config } from "../config.ts";
import { openPostgresStore } from "./postgres.ts";
import { openSqliteStore } from "./sqlite.ts";
import type { Store } from "./store.ts";

/** The settings that say which database to open and how. */
export type DatabaseSettings = Pick<
  Config,
  | "dataDir"
  | "databaseUrl"
  | "databasePoolSize"
  | "databaseStatementTimeoutMs"
  | "databaseConnectTimeoutMs"
  | "sessionCacheEntries"
  | "sqliteSynchronous"
>;

/**
 * Opens the configured database: PostgreSQL when a database URL is set, else the SQLite file in the
 * data folder. `asServer` marks the caller as a server: on SQLite it then takes the data folder's lock
 * (one server per file), frees claims a crashed run left and keeps the session cache. On PostgreSQL
 * many servers share the database, and a dead one's claims are taken over when their leases run out.
 * Closing the store gives up whatever opening took.
 * @throws DatabaseStartError (PostgreSQL unreachable or too old), ConfigError (data folder already served).
 */
export async function openStore(
  config: DatabaseSettings,
  options: { asServer: boolean; onError?: (error: Error) => void },
): Promise<Store> {
  if (config.databaseUrl !== null) {
    return openPostgresStore(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
  }
  return openSqliteStore(join(config.dataDir, "openqod.db"), {
    synchronous: config.sqliteSynchronous,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    // Not for the admin commands: they open the file while a server runs, so they neither lock nor
    // free claims, and a cache of theirs would miss the server's writes.
    ...(options.asServer
      ? { sessionCacheEntries: config.sessionCacheEntries, server: { dataDir: config.dataDir } }
      : {}),
  });
}
