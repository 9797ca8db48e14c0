import { randomUUID } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { DatabaseStartError, describeDatabaseUrl } from "./database-start-error.ts";
import { postgresAttemptStatements } from "./delivery-attempts.ts";
import type { CommitInfo } from "./effects.ts";
import type { Engine, EngineStatements, StatementRunner } from "./engine.ts";
import { migrateToLatest } from "./migrations.ts";
import { postgresNetworkStatements } from "./network-commands.ts";
import { postgresOutboxStatements } from "./outbox.ts";
import { encodeNews, PgWorkListener, WORK_CHANNEL } from "./pg-listener.ts";
import { postgresRetentionStatements } from "./retention.ts";
import type { Database } from "./schema.ts";
import { BatchedSessionReads } from "./session-reads.ts";
import { postgresSessionStatements } from "./sessions.ts";
import { Store } from "./store.ts";

/** The oldest PostgreSQL OpenQoD runs on: the oldest major version its community still supports. */
export const MIN_POSTGRES_VERSION = { num: 140_000, name: "14" };

export interface PostgresOptions {
  /** Connections in the pool (one more is kept for LISTEN). @default 10 */
  poolSize?: number;
  /** The server cancels a statement running longer (ms). @default 10_000 */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (ms). @default 5_000 */
  connectTimeoutMs?: number;
  /**
   * Errors that do not stop the store: a dropped idle or LISTEN connection (both recover), a commit
   * listener that threw.
   */
  onError?: (error: Error) => void;
}

const INT8_OID = 20;

/**
 * Opens the PostgreSQL database at `url`, checks it is reachable and recent enough, migrates it and
 * starts listening for other instances' commits. Any number of OpenQoD instances may share it.
 * @throws DatabaseStartError when the database is unreachable, refuses the login, or is too old.
 */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const poolSize = options.poolSize ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const onError = options.onError ?? (() => undefined);
  const config: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: statementTimeoutMs,
    // A transaction left open by a stuck instance would hold row locks; the server ends it.
    idle_in_transaction_session_timeout: Math.max(statementTimeoutMs * 3, 30_000),
    application_name: "openqod",
    // Times are milliseconds in bigint columns; they fit a double exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool({ ...config, max: poolSize });
  // An idle pooled connection that drops emits here; without a handler it would end the process.
  pool.on("error", onError);
  // A checked-out connection that drops emits on itself, where pg-pool listens only while it is idle:
  // without this, a database restart during a query would end the process too.
  pool.on("connect", (client) => client.on("error", onError));
  const where = describeDatabaseUrl(url);
  let versionNum: number;
  let version: string;
  try {
    const { rows } = await pool.query<{ num: string; version: string }>(
      "select current_setting('server_version_num') as num, current_setting('server_version') as version",
    );
    versionNum = Number(rows[0]?.num);
    version = rows[0]?.version ?? "unknown";
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseStartError(`cannot use PostgreSQL at ${where}: ${describe(error)}`, { cause: error });
  }
  try {
    checkServerVersion(versionNum, version);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  const engine = new PostgresEngine({
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    listenerConfig: config,
    // Leave connections for reads (GETs, the workers' next-due queries) while batches commit.
    maxConcurrentBatches: Math.max(1, poolSize - 2),
    onError,
  });
  try {
    await migrateToLatest(engine.db as Kysely<unknown>, "postgres");
    await engine.startListening();
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw new DatabaseStartError(`cannot prepare PostgreSQL at ${where}: ${describe(error)}`, {
      cause: error,
    });
  }
  return new Store(engine, { onError });
}

/** Many instances on one database, each with a pool of connections (see Engine). */
class PostgresEngine implements Engine {
  readonly db: Kysely<Database>;
  readonly maxConcurrentBatches: number;
  readonly groupsUnits = false;
  readonly statements: EngineStatements;
  readonly sessionReads: BatchedSessionReads;
  /** Tells this instance's own news from the others' on the shared channel. */
  readonly #instanceId = randomUUID();
  readonly #workListener: PgWorkListener;
  #onNews: ((news: CommitInfo) => void) | null = null;

  constructor(options: {
    db: Kysely<Database>;
    /** For the LISTEN connection, which lives outside the pool. */
    listenerConfig: pg.ClientConfig;
    maxConcurrentBatches: number;
    onError: (error: Error) => void;
  }) {
    this.db = options.db;
    this.maxConcurrentBatches = options.maxConcurrentBatches;
    this.statements = {
      sessions: postgresSessionStatements(this.db),
      outbox: postgresOutboxStatements(),
      attempts: postgresAttemptStatements(this.db),
      retention: postgresRetentionStatements(this.db),
      network: postgresNetworkStatements(this.db),
    };
    this.sessionReads = new BatchedSessionReads(this.db);
    this.#workListener = new PgWorkListener({
      config: options.listenerConfig,
      instanceId: this.#instanceId,
      onNews: (news) => this.#onNews?.(news),
      onError: options.onError,
    });
  }

  /** Starts LISTENing. @throws the connection error (at start, the database must be reachable). */
  startListening(): Promise<void> {
    return this.#workListener.start();
  }

  transaction<T>(_durable: boolean, work: (run: StatementRunner) => Promise<T>): Promise<T> {
    // Every commit is durable: PostgreSQL's synchronous_commit is the operator's to choose.
    return this.db
      .transaction()
      .execute((trx) => work(async (query) => (await trx.executeQuery(query)).rows));
  }

  async publish(run: StatementRunner, news: CommitInfo): Promise<void> {
    await run(sql`select pg_notify(${WORK_CHANNEL}, ${encodeNews(this.#instanceId, news)})`.compile(this.db));
  }

  /** Nothing to follow: with other writers on the database, this instance keeps no session cache. */
  committed(): void {}

  listen(listener: (news: CommitInfo) => void): void {
    this.#onNews = listener;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    try {
      await this.db.destroy();
    } finally {
      await this.#workListener.close();
    }
  }
}

/** @throws DatabaseStartError if `num` (server_version_num) is older than MIN_POSTGRES_VERSION. */
export function checkServerVersion(num: number, version: string): void {
  if (!Number.isFinite(num) || num < MIN_POSTGRES_VERSION.num) {
    throw new DatabaseStartError(
      `PostgreSQL ${MIN_POSTGRES_VERSION.name} or newer is required; the server runs ${version}`,
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${code} ${error.message}`
      : error.message;
  }
  return String(error);
}
