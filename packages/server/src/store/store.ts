import type { CompiledQuery, Kysely, Selectable, Transaction } from "kysely";
import type { SessionRecord } from "../domain/types.ts";
import { ReadBatcher } from "./read-batcher.ts";
import { rowToSession } from "./rows.ts";
import type { Database, DeliveryAttemptsTable, OutboxTable, SessionsTable } from "./schema.ts";
import { SessionCache } from "./session-cache.ts";
import { type Engine, noEarlierPendingEvent, PENDING, Statements } from "./statements.ts";
import type {
  AttemptResult,
  ClaimedDelivery,
  ClientRecord,
  DeliveryAttemptRow,
  DeliveryState,
  OutboxEvent,
  OutboxRow,
  SessionPageQuery,
} from "./types.ts";

/** What a committed write changed, so the workers can wake up without polling. */
export interface CommitInfo {
  outboxChanged: boolean;
  /** The earliest `dueAt` a write set, if any. */
  earliestDueAt: number | null;
  /** Sessions written (the record) or deleted (null), applied to the cache once committed. */
  sessions: Map<string, SessionRecord | null>;
  /** A write touched sessions in bulk: the whole cache is stale. */
  sessionsStale: boolean;
}

const emptyInfo = (): CommitInfo => ({
  outboxChanged: false,
  earliestDueAt: null,
  sessions: new Map(),
  sessionsStale: false,
});

/** The writes one unit of work may do; all of them commit together or not at all. */
export class WriteTx {
  readonly #trx: Transaction<Database>;
  readonly #info: CommitInfo;
  readonly #sql: Statements;
  /** How many writes this unit did; a unit that fails before its first write needs no rollback. */
  writes = 0;

  readonly #direct: DirectRunner | null;

  constructor(
    trx: Transaction<Database>,
    info: CommitInfo,
    statements: Statements,
    direct: DirectRunner | null,
  ) {
    this.#trx = trx;
    this.#info = info;
    this.#sql = statements;
    this.#direct = direct;
  }

  /**
   * A statement of this unit failed. On PostgreSQL that aborts the whole transaction (and its COMMIT
   * silently rolls back), so the batch must not go on as if only this unit had failed.
   */
  statementFailed = false;

  /** Runs a compiled statement inside this transaction: directly when the engine allows, else through Kysely. */
  async run<R>(query: CompiledQuery): Promise<{ rows: R[] }> {
    try {
      if (this.#direct !== null) return { rows: this.#direct(query) as R[] };
      return await this.#trx.executeQuery<R>(query);
    } catch (error) {
      this.statementFailed = true;
      throw error;
    }
  }

  /** The session, locked against other instances' writes until this unit's transaction ends. */
  async getSession(id: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.run<Selectable<SessionsTable>>(this.#sql.sessionForUpdate(id));
    return rows[0] === undefined ? undefined : rowToSession(rows[0]);
  }

  /** Up to `limit` sessions due at `now`, oldest first, claimed for this transaction. */
  async dueSessions(now: number, limit: number): Promise<SessionRecord[]> {
    const { rows } = await this.run<Selectable<SessionsTable>>(this.#sql.dueSessions(now, limit));
    return rows.map(rowToSession);
  }

  /**
   * The device's sessions, oldest first, read under a lock on (client, device) that holds until this
   * transaction ends: creates for one device take turns, so a conflict check cannot miss a session
   * another instance is creating.
   */
  async deviceSessionsLocked(clientId: string, deviceKey: string): Promise<SessionRecord[]> {
    const { rows } = await this.run<Selectable<SessionsTable>>(
      this.#sql.deviceSessionsLocked(clientId, deviceKey),
    );
    return rows.map(rowToSession);
  }

  async insertSession(session: SessionRecord): Promise<void> {
    this.writes++;
    await this.run(this.#sql.insertSession(session));
    this.#info.sessions.set(session.id, session);
    this.#noteDue(session.dueAt);
  }

  async updateSession(session: SessionRecord): Promise<void> {
    this.writes++;
    await this.run(this.#sql.updateSession(session));
    this.#info.sessions.set(session.id, session);
    this.#noteDue(session.dueAt);
  }

  async deleteSession(id: string): Promise<void> {
    this.writes++;
    await this.run(this.#sql.deleteSession(id));
    this.#info.sessions.set(id, null);
  }

  /** Queues a notification; `clientId` owns it (the session's client), so only they see it over the API. */
  async enqueue(event: OutboxEvent, clientId: string | null = null): Promise<void> {
    this.writes++;
    await this.run(this.#sql.insertOutbox(event, clientId));
    this.#info.outboxChanged = true;
  }

  /** Counts a write done through `run` with a store-internal statement. */
  markWrite(): void {
    this.writes++;
  }

  markOutboxChanged(): void {
    this.#info.outboxChanged = true;
  }

  /** Call after changing sessions through `trx` directly: cached sessions can no longer be trusted. */
  markSessionsStale(): void {
    this.#info.sessionsStale = true;
  }

  /** Raw access for store-internal writes (claims, attempts); counted as a write. */
  get trx(): Transaction<Database> {
    this.writes++;
    return this.#trx;
  }

  #noteDue(dueAt: number | null): void {
    if (dueAt === null) return;
    const current = this.#info.earliestDueAt;
    this.#info.earliestDueAt = current === null ? dueAt : Math.min(current, dueAt);
  }
}

type ClaimRow = Pick<
  Selectable<OutboxTable>,
  | "seq"
  | "event_id"
  | "session_id"
  | "sink"
  | "headers"
  | "body"
  | "token_expires_at"
  | "attempts"
  | "created_at"
>;

/** How long a relaxed write may wait for others to share its commit (ms). */
const RELAXED_FLUSH_MS = 5;

export interface WriteOptions {
  /**
   * Bookkeeping (delivery leases and attempt records) is not fsynced on its own: losing the last few
   * after a power cut only means an event is sent again, which at-least-once allows. The next durable
   * commit makes it durable too (the WAL is written in order). @default false
   */
  bookkeeping?: boolean;
  /** Nobody waits for it: it may wait a few milliseconds to share a commit. @default false */
  canWait?: boolean;
}

interface QueuedWrite {
  durable: boolean;
  work: (tx: WriteTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * OpenQoD's persistence. Writes are group-committed: units of work that arrive while a transaction is
 * being prepared share its commit (a unit failing does not undo the others, see #commitBatch). On SQLite with `synchronous=FULL`, the commit's fsync is the cost of a write, so sharing it
 * is what lets concurrent creates scale.
 */
/**
 * Reads an engine can answer faster than through the query builder. SQLite answers them
 * synchronously from prepared statements; a GET costs one point query and no promise chain.
 */
export interface FastReads {
  /** The row, undefined when there is none, or null when the fast path cannot answer now. */
  sessionById(id: string): Selectable<SessionsTable> | undefined | null;
}

/**
 * Runs a compiled statement synchronously on the connection that holds the open transaction (SQLite:
 * one connection, better-sqlite3 is synchronous), skipping the driver's promise machinery.
 */
export type DirectRunner = (query: CompiledQuery) => unknown[];

/** Tells the other instances sharing the database that a commit brought work (PostgreSQL NOTIFY). */
export interface CommitNotifier {
  /** Runs inside the committing transaction, so the news is sent if and only if the commit happens. */
  publish(trx: Transaction<Database>, info: CommitInfo): Promise<void>;
}

export interface StoreOptions {
  /** @default "sqlite" */
  engine?: Engine;
  /**
   * Batches committed at once. SQLite has one connection; PostgreSQL overlaps several so one batch's
   * round trips do not hold up the next. @default 1
   */
  maxConcurrentBatches?: number;
  notifier?: CommitNotifier;
  /** Called by close() after the query builder is destroyed (e.g. to end a LISTEN connection). */
  onClose?: () => Promise<void>;
  /** Coalesce concurrent session reads into one query (for a database across a socket). @default false */
  batchReads?: boolean;
  fastReads?: FastReads;
  /** Switches fsync-on-commit on (durable) or off for the next commit; SQLite only. */
  setCommitDurability?: (durable: boolean) => void;
  directRunner?: DirectRunner;
  /**
   * Sessions kept in memory for reads; only for a store that is its database's only writer. 0 disables.
   * @default 0
   */
  sessionCacheEntries?: number;
}

export class Store {
  readonly db: Kysely<Database>;
  readonly #fast: FastReads | null;
  readonly #cache: SessionCache | null;
  readonly #statements: Statements;
  readonly #direct: DirectRunner | null;
  readonly #setDurability: ((durable: boolean) => void) | null;
  readonly #listeners = new Set<(info: CommitInfo) => void>();
  readonly #maxBatches: number;
  readonly #reads: ReadBatcher<SessionRecord> | null;
  readonly #notifier: CommitNotifier | null;
  readonly #onClose: (() => Promise<void>) | null;
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;
  /** Batches being committed now. */
  #committing = 0;
  #relaxedTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(db: Kysely<Database>, options: StoreOptions = {}) {
    this.db = db;
    this.#fast = options.fastReads ?? null;
    this.#statements = new Statements(db, options.engine ?? "sqlite");
    this.#maxBatches = options.maxConcurrentBatches ?? 1;
    this.#notifier = options.notifier ?? null;
    this.#onClose = options.onClose ?? null;
    this.#reads = options.batchReads
      ? new ReadBatcher(async (ids) => {
          const { rows } = await db.executeQuery<Selectable<SessionsTable>>(
            this.#statements.sessionsByIds(ids),
          );
          return new Map(rows.map((row) => [row.id, rowToSession(row)]));
        })
      : null;
    this.#direct = options.directRunner ?? null;
    this.#setDurability = options.setCommitDurability ?? null;
    this.#cache = options.sessionCacheEntries ? new SessionCache(options.sessionCacheEntries) : null;
  }

  /** Fills the session cache (if any) from committed rows; for use before the store serves anything. */
  warmSessionCache(sessions: Iterable<SessionRecord>): void {
    if (this.#cache === null) return;
    for (const session of sessions) this.#cache.set(session);
  }

  /** Passes news of another instance's commit to this store's listeners (the workers). */
  announce(info: CommitInfo): void {
    this.#notifyListeners(info);
  }

  /** Calls `listener` after every commit. Returns a function that unsubscribes. */
  onCommit(listener: (info: CommitInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `work` in a transaction and resolves with its result once committed.
   * @throws whatever `work` throws (its writes are rolled back), or the commit's error.
   */
  write<T>(work: (tx: WriteTx) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work,
        resolve: resolve as (value: unknown) => void,
        reject,
        durable: options.bookkeeping !== true,
      });
      if (options.bookkeeping && options.canWait) this.#scheduleRelaxedFlush();
      else this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#relaxedTimer !== null) {
      clearTimeout(this.#relaxedTimer);
      this.#relaxedTimer = null;
    }
    if (this.#flushScheduled || this.#committing >= this.#maxBatches) return;
    this.#flushScheduled = true;
    // Two turns of the event loop let the requests whose bodies arrive meanwhile join the batch.
    setImmediate(() => setImmediate(() => void this.#flush()));
  }

  /**
   * Bookkeeping that nobody waits on (delivery attempts) may wait a few milliseconds for company, so
   * a busy dispatcher commits its results in tens rather than one by one.
   */
  #scheduleRelaxedFlush(): void {
    if (this.#flushScheduled || this.#relaxedTimer !== null) return;
    this.#relaxedTimer = setTimeout(() => {
      this.#relaxedTimer = null;
      this.#scheduleFlush();
    }, RELAXED_FLUSH_MS);
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#flushScheduled = false;
    this.#committing++;
    try {
      this.#notifyListeners(await this.#commitBatch(batch));
    } catch {
      // The batch was rolled back: a unit failed after writing, or the commit failed. Run each unit
      // alone so only the culprit fails (the units are plain functions of the database, safe to re-run).
      if (batch.length > 1) {
        for (const item of batch)
          await this.#commitBatch([item]).then(this.#notifyListeners, () => undefined);
      }
    }
    this.#afterFlush();
  }

  readonly #notifyListeners = (info: CommitInfo): void => {
    if (info.outboxChanged || info.earliestDueAt !== null) {
      for (const listener of this.#listeners) listener(info);
    }
  };

  /**
   * Runs the units in one transaction. A unit that throws before writing anything is settled with its
   * error and the others go on (no savepoint needed); one that throws after writing rolls back the batch.
   * Settles each unit once the commit is done.
   */
  async #commitBatch(batch: QueuedWrite[]): Promise<CommitInfo> {
    const info = emptyInfo();
    const durable = batch.some((item) => item.durable);
    this.#setDurability?.(durable);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of batch) {
          const tx = new WriteTx(trx, info, this.#statements, this.#direct);
          try {
            outcomes.push({ ok: true, value: await item.work(tx) });
          } catch (error) {
            if (tx.writes > 0 || tx.statementFailed || batch.length === 1) throw error;
            outcomes.push({ ok: false, error });
          }
        }
        if (this.#notifier !== null && (info.outboxChanged || info.earliestDueAt !== null)) {
          await this.#notifier.publish(trx, info);
        }
      });
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      throw error;
    }
    // Committed: the cache follows before any caller can read again.
    if (this.#cache !== null) {
      if (info.sessionsStale) this.#cache.clear();
      for (const [id, session] of info.sessions) {
        if (session === null) this.#cache.delete(id);
        else this.#cache.set(session);
      }
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
    return info;
  }

  #afterFlush(): void {
    this.#committing--;
    if (this.#queue.length > 0) this.#scheduleFlush();
  }

  // ---- reads -------------------------------------------------------------------------------------

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const cached = this.#cache?.get(id);
    if (cached !== undefined) return cached;
    const fast = this.#fast === null ? null : this.#fast.sessionById(id);
    if (fast !== null) {
      const session = fast === undefined ? undefined : rowToSession(fast);
      // Only a synchronous read outside a transaction is known to be committed state.
      if (session !== undefined) this.#cache?.set(session);
      return session;
    }
    if (this.#reads !== null) return this.#reads.get(id);
    // Precompiled: building the query costs more than a point query takes.
    const { rows } = await this.db.executeQuery<Selectable<SessionsTable>>(this.#statements.sessionById(id));
    return rows[0] === undefined ? undefined : rowToSession(rows[0]);
  }

  async sessionsOfDevice(clientId: string, deviceKey: string): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("device_key", "=", deviceKey)
      .orderBy("created_at")
      .execute();
    return rows.map(rowToSession);
  }

  async countSessionsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom("sessions")
      .select(["qos_status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("qos_status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.qos_status, Number(r.n)]));
  }

  // ---- scheduler -----------------------------------------------------------------------------------

  async nextSessionDueAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom("sessions")
      .select((eb) => eb.fn.min("due_at").as("due"))
      .executeTakeFirst();
    return row?.due == null ? null : Number(row.due);
  }

  // ---- outbox --------------------------------------------------------------------------------------

  /**
   * Claims up to `limit` due events for `leaseMs`. An event is due when its time has come, no dispatcher
   * holds an unexpired lease on it, and no earlier event of the same session is still pending: a
   * session's next event never overtakes its previous one.
   */
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.write(
      async (tx) => {
        tx.markWrite();
        const prelude = this.#statements.claimPrelude();
        if (prelude !== null) await tx.run(prelude);
        const { rows } = await tx.run<ClaimRow>(this.#statements.claim(now, limit, now + leaseMs));
        // Oldest first, as they were chosen (RETURNING promises no order).
        rows.sort((a, b) => Number(a.seq) - Number(b.seq));
        return rows.map((r) => ({
          seq: Number(r.seq),
          eventId: r.event_id,
          sessionId: r.session_id,
          sink: r.sink,
          headers: JSON.parse(r.headers) as Record<string, string>,
          body: r.body,
          tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
          attempts: Number(r.attempts),
          createdAt: Number(r.created_at),
        }));
      },
      { bookkeeping: true },
    );
  }

  /** Records an attempt and settles or reschedules its event, in one transaction. */
  recordAttempt(result: AttemptResult): Promise<void> {
    return this.write(
      async (tx) => {
        tx.markWrite();
        for (const query of this.#statements.recordAttempt(result)) await tx.run(query);
        if (result.state === "gone") {
          // A 410 means the consumer removed this endpoint: nothing more goes there.
          await tx.trx
            .updateTable("outbox")
            .set({ state: "gone", settled_at: result.attemptedAt, lease_until: null })
            .where("sink", "=", result.sink)
            .where("state", "=", "pending")
            .execute();
          await tx.trx
            .updateTable("sessions")
            .set({ sink: null, sink_token: null })
            .where("sink", "=", result.sink)
            .execute();
          tx.markSessionsStale();
        }
        tx.markOutboxChanged();
      },
      { bookkeeping: true, canWait: true },
    );
  }

  /** Settles an event without an attempt (e.g. its token expired). */
  settleUnsent(eventId: string, state: DeliveryState, now: number, reason: string): Promise<void> {
    return this.write(async (tx) => {
      await tx.trx
        .updateTable("outbox")
        .set({ state, settled_at: now, lease_until: null, last_error: reason })
        .where("event_id", "=", eventId)
        .execute();
      tx.markOutboxChanged();
    });
  }

  /**
   * The earliest time a pending event may be attempted (its schedule or its lease), or null. Events
   * waiting behind their session's previous one are not due: that one's settling wakes us.
   */
  async nextDeliveryAt(): Promise<number | null> {
    const [scheduled, leased] = await Promise.all([
      // Unleased (or leased until before its schedule): due at next_attempt_at. The partial index gives
      // them in that order, so this stops at the first one not blocked by its session.
      this.db
        .selectFrom("outbox as o")
        .select("o.next_attempt_at as due")
        .where("o.state", "=", PENDING)
        .where((eb) =>
          eb.or([eb("o.lease_until", "is", null), eb("o.lease_until", "<=", eb.ref("o.next_attempt_at"))]),
        )
        .where(noEarlierPendingEvent)
        .orderBy("o.next_attempt_at")
        .orderBy("o.seq")
        .limit(1)
        .executeTakeFirst(),
      // Leased: due when the lease runs out (a dead dispatcher's claim is taken over then).
      this.db
        .selectFrom("outbox as o")
        .select((eb) => eb.fn.min("o.lease_until").as("due"))
        .where("o.state", "=", PENDING)
        .where("o.lease_until", "is not", null)
        .whereRef("o.lease_until", ">", "o.next_attempt_at")
        .executeTakeFirst(),
    ]);
    const times = [scheduled?.due, leased?.due].filter((t) => t != null).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Frees every lease. Only for the start of the one server process of a SQLite database. */
  async releaseAllLeases(): Promise<void> {
    await this.db
      .updateTable("outbox")
      .set({ lease_until: null })
      .where("lease_until", "is not", null)
      .execute();
  }

  /** A session's events, oldest first. */
  async outboxOfSession(sessionId: string): Promise<OutboxRow[]> {
    const rows = await this.db
      .selectFrom("outbox")
      .selectAll()
      .where("session_id", "=", sessionId)
      .orderBy("seq")
      .execute();
    return rows.map(toOutboxRow);
  }

  /** One event by its id (the CloudEvent id). */
  async outboxEvent(eventId: string): Promise<OutboxRow | undefined> {
    const row = await this.db
      .selectFrom("outbox")
      .selectAll()
      .where("event_id", "=", eventId)
      .executeTakeFirst();
    return row === undefined ? undefined : toOutboxRow(row);
  }

  async attemptsOf(eventId: string): Promise<DeliveryAttemptRow[]> {
    const rows = await this.db
      .selectFrom("delivery_attempts")
      .selectAll()
      .where("event_id", "=", eventId)
      .orderBy("id")
      .execute();
    return rows.map(toAttemptRow);
  }

  /** Every attempt at any of a session's events, in the order they were recorded: one query, not one per event. */
  async attemptsOfSession(sessionId: string): Promise<DeliveryAttemptRow[]> {
    const rows = await this.db
      .selectFrom("delivery_attempts as a")
      .innerJoin("outbox as o", "o.event_id", "a.event_id")
      .selectAll("a")
      .where("o.session_id", "=", sessionId)
      .orderBy("a.id")
      .execute();
    return rows.map(toAttemptRow);
  }

  /**
   * Makes an event due now, for an operator or its owner; the dispatcher (woken by the commit, on
   * every instance) attempts it at once. A settled event (delivered, failed, gone, expired) becomes
   * pending again with a fresh retry schedule, keeping its id, bytes and attempt history. A pending one
   * keeps its place in its session's order, so the session's earlier pending events are made due now
   * too: they go first, then it. One that a dispatcher holds right now is left to that attempt.
   * @returns the event as it now is, or undefined when there is no such event.
   */
  redeliverNow(eventId: string, now: number): Promise<OutboxRow | undefined> {
    return this.write(async (tx) => {
      tx.markWrite();
      const row = await tx.trx
        .updateTable("outbox")
        .set({ state: "pending", attempts: 0, next_attempt_at: now, lease_until: null, settled_at: null })
        .where("event_id", "=", eventId)
        .where("state", "<>", "pending")
        .returning(["seq"])
        .executeTakeFirst();
      if (row === undefined) {
        // Conditional on the state, so an attempt recorded meanwhile by another instance is not undone.
        const pending = await tx.trx
          .selectFrom("outbox")
          .select(["seq", "session_id"])
          .where("event_id", "=", eventId)
          .where("state", "=", PENDING)
          .executeTakeFirst();
        if (pending !== undefined) {
          await tx.trx
            .updateTable("outbox")
            .set({ next_attempt_at: now })
            .where("session_id", "=", pending.session_id)
            .where("state", "=", PENDING)
            .where("seq", "<=", pending.seq)
            .where("next_attempt_at", ">", now)
            .execute();
        }
      }
      tx.markOutboxChanged();
      const current = await tx.trx
        .selectFrom("outbox")
        .selectAll()
        .where("event_id", "=", eventId)
        .executeTakeFirst();
      return current === undefined ? undefined : toOutboxRow(current);
    });
  }

  /**
   * A page of a client's sessions, oldest first by id (UUIDv7 ids sort by creation time). Reads
   * through the (client_id, device_key) index: a client's sessions are few, as ended ones are removed.
   */
  async sessionsOfClient(query: SessionPageQuery): Promise<SessionRecord[]> {
    let select = this.db.selectFrom("sessions").selectAll().where("client_id", "=", query.clientId);
    if (query.status !== undefined) select = select.where("qos_status", "=", query.status);
    if (query.afterId !== undefined) select = select.where("id", ">", query.afterId);
    const rows = await select.orderBy("id").limit(query.limit).execute();
    return rows.map(rowToSession);
  }

  // ---- API clients ---------------------------------------------------------------------------------

  async insertClient(client: {
    id: string;
    name: string;
    keyHash: string;
    createdAt: number;
  }): Promise<void> {
    await this.db
      .insertInto("clients")
      .values({
        id: client.id,
        name: client.name,
        key_hash: client.keyHash,
        created_at: client.createdAt,
        revoked_at: null,
      })
      .execute();
  }

  async clientByKeyHash(keyHash: string): Promise<ClientRecord | undefined> {
    const row = await this.db
      .selectFrom("clients")
      .selectAll()
      .where("key_hash", "=", keyHash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return row === undefined ? undefined : toClient(row);
  }

  async clientByName(name: string): Promise<ClientRecord | undefined> {
    const row = await this.db.selectFrom("clients").selectAll().where("name", "=", name).executeTakeFirst();
    return row === undefined ? undefined : toClient(row);
  }

  async listClients(): Promise<ClientRecord[]> {
    const rows = await this.db.selectFrom("clients").selectAll().orderBy("created_at").execute();
    return rows.map(toClient);
  }

  async replaceClientKey(name: string, keyHash: string): Promise<void> {
    await this.db
      .updateTable("clients")
      .set({ key_hash: keyHash, revoked_at: null })
      .where("name", "=", name)
      .execute();
  }

  async revokeClient(name: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("clients")
      .set({ revoked_at: now })
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#relaxedTimer !== null) this.#scheduleFlush();
    while (this.#flushScheduled || this.#committing > 0)
      await new Promise((resolve) => setImmediate(resolve));
    await this.db.destroy();
    await this.#onClose?.();
  }
}

function toOutboxRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    eventId: r.event_id,
    sessionId: r.session_id,
    clientId: r.client_id,
    sink: r.sink,
    body: r.body,
    tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
    settledAt: r.settled_at === null ? null : Number(r.settled_at),
    lastError: r.last_error,
  };
}

function toAttemptRow(r: Selectable<DeliveryAttemptsTable>): DeliveryAttemptRow {
  return {
    eventId: r.event_id,
    attemptedAt: Number(r.attempted_at),
    durationMs: Number(r.duration_ms),
    statusCode: r.status_code === null ? null : Number(r.status_code),
    outcome: r.outcome,
    error: r.error,
  };
}

function toClient(row: {
  id: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
}): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
