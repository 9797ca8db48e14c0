import { join } from "node:path";
import type { Config } from "../config.ts";
import { lockDataDir } from "../data-dir-lock.ts";
import { openPostgresStore } from "./postgres.ts";
import { openSqliteStore } from "./sqlite.ts";
import type { Store } from "./store.ts";

export interface OpenedStore {
  store: Store;
  /** Gives up what opening took (the data folder's lock); call after closing the store. */
  release(): void;
}

/**
 * Opens the configured database: PostgreSQL when a database URL is set, else the SQLite file in the
 * data folder. `asServer` marks the caller as a server: on SQLite it then takes the data folder's lock
 * (one server per file) and frees claims a crashed run left. On PostgreSQL many servers share the
 * database, and a dead one's claims are taken over when their leases run out.
 * @throws DatabaseStartError (PostgreSQL unreachable or too old), Error (data folder already served).
 */
export async function openStore(
  config: Pick<
    Config,
    | "dataDir"
    | "databaseUrl"
    | "databasePoolSize"
    | "databaseStatementTimeoutMs"
    | "databaseConnectTimeoutMs"
    | "sessionCacheEntries"
    | "sqliteSynchronous"
  >,
  options: { asServer: boolean; onError?: (error: Error) => void },
): Promise<OpenedStore> {
  if (config.databaseUrl !== null) {
    const store = await openPostgresStore(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
    return { store, release: () => undefined };
  }
  const unlock = options.asServer ? lockDataDir(config.dataDir) : () => undefined;
  try {
    const store = await openSqliteStore(join(config.dataDir, "openqod.db"), {
      // The cache is only right for the one process that writes the file.
      sessionCacheEntries: options.asServer ? config.sessionCacheEntries : 0,
      synchronous: config.sqliteSynchronous,
      // Operators redeliver from another process; the server's dispatcher must hear of it.
      watchOtherWriters: options.asServer,
    });
    // One server process owns a SQLite database, so at its start no claim is alive: claims of a
    // crashed run are freed. (Not for the admin commands: they open the file while a server runs.)
    if (options.asServer) await store.releaseAllLeases();
    return { store, release: unlock };
  } catch (error) {
    unlock();
    throw error;
  }
}
