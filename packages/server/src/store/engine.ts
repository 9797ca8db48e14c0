import type { CompiledQuery, Kysely } from "kysely";
import type { AttemptEngineStatements } from "./delivery-attempts.ts";
import type { CommitEffects, CommitInfo } from "./effects.ts";
import type { NetworkEngineStatements } from "./network-commands.ts";
import type { OutboxEngineStatements } from "./outbox.ts";
import type { RetentionEngineStatements } from "./retention.ts";
import type { Database } from "./schema.ts";
import type { SessionReads } from "./session-reads.ts";
import type { SessionEngineStatements } from "./sessions.ts";

/** The SQL engines OpenQoD runs on. */
export type EngineKind = "sqlite" | "postgres";

/**
 * Runs one compiled statement inside the open transaction and returns its rows. SQLite answers
 * synchronously (one connection, better-sqlite3 is synchronous), so no promise is made for it.
 */
export type StatementRunner = (query: CompiledQuery) => readonly unknown[] | Promise<readonly unknown[]>;

/**
 * The statements whose text differs by engine, each engine's variant of them. Every repository keeps
 * its own variants side by side (sessions.ts, outbox.ts, delivery-attempts.ts); the engine picks.
 */
export interface EngineStatements {
  sessions: SessionEngineStatements;
  outbox: OutboxEngineStatements;
  attempts: AttemptEngineStatements;
  retention: RetentionEngineStatements;
  network: NetworkEngineStatements;
}

/**
 * Everything that differs between SQLite (sqlite.ts: one process, one connection, one writer) and
 * PostgreSQL (postgres.ts: many instances sharing the database). The store, its repositories and its
 * group commit are written once against this; nothing outside the two implementations asks which
 * engine it runs on. What only one engine has is a property of that engine alone: the session cache,
 * the data folder's lock and freeing leases at start (SQLite), LISTEN/NOTIFY (PostgreSQL).
 */
export interface Engine {
  /** The query builder on this engine's connection(s), for statements outside a unit of work. */
  readonly db: Kysely<Database>;
  /**
   * Batches that may commit at once. SQLite has one connection; PostgreSQL overlaps several so one
   * batch's round trips do not hold up the next.
   */
  readonly maxConcurrentBatches: number;
  /**
   * Whether units of different requests may share a transaction. SQLite: yes, that is what makes its
   * one fsync per commit shared. PostgreSQL: no, since a shared transaction would hold every unit's
   * row and advisory locks until the last unit is done, and two such batches taking the same locks in
   * opposite orders deadlock; PostgreSQL already shares WAL flushes between concurrent commits
   * (units that lock only their own rows still share one: WriteOptions.disjoint).
   */
  readonly groupsUnits: boolean;
  readonly statements: EngineStatements;
  /** Reads a committed session by id, the fastest way this engine has. */
  readonly sessionReads: SessionReads;
  /**
   * Runs `work` in one transaction and commits it. `durable` false: nobody waits on this commit but
   * bookkeeping, so it may skip its own fsync (SQLite; the next durable commit covers it).
   * @throws whatever `work` throws (the transaction is rolled back), or the commit's error.
   */
  transaction<T>(durable: boolean, work: (run: StatementRunner) => Promise<T>): Promise<T>;
  /**
   * Runs inside the committing transaction when it brought work, so other writers of the database
   * hear of it if and only if it commits (PostgreSQL NOTIFY; SQLite's other processes poll instead).
   */
  publish(run: StatementRunner, news: CommitInfo): Promise<void>;
  /** A batch committed: the engine's own state follows before any caller reads again (SQLite's cache). */
  committed(effects: CommitEffects): void;
  /** Calls `listener` when another writer of the database commits work. One listener: the store. */
  listen(listener: (news: CommitInfo) => void): void;
  /** Resolves when the database answers a trivial query (readiness). @throws its error otherwise. */
  ping(): Promise<void>;
  /** Ends connections and watchers and gives up what opening took (the data folder's lock). */
  close(): Promise<void>;
}
