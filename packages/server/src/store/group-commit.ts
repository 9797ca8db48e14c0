import { CommitEffects, type CommitInfo } from "./effects.ts";
import type { Engine } from "./engine.ts";
import { UnitOfWork } from "./unit-of-work.ts";

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
  /**
   * The unit locks only rows that no other unit writes meanwhile (the event this instance has leased),
   * so it cannot be part of a lock cycle: it may share a transaction with other such units even where
   * units otherwise commit alone (PostgreSQL). @default false
   */
  disjoint?: boolean;
}

/** A unit of work: runs its statements through `unit` and resolves with its result. */
export type Work<T> = (unit: UnitOfWork) => Promise<T>;

/** How repositories commit their own writes: GroupCommit.write. */
export type Commit = <T>(work: Work<T>, options?: WriteOptions) => Promise<T>;

interface QueuedWrite {
  durable: boolean;
  disjoint: boolean;
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * The write queue. Units of work that arrive while a transaction is being prepared share its commit
 * (a unit failing does not undo the others, see #commitBatch). On SQLite with `synchronous=FULL`, the
 * commit's fsync is the cost of a write, so sharing it is what lets concurrent creates scale. On an
 * engine whose units must not share a transaction (Engine.groupsUnits: PostgreSQL), each unit commits
 * alone, up to `maxConcurrentBatches` at once.
 */
export class GroupCommit {
  readonly #engine: Engine;
  readonly #onCommitted: (info: CommitInfo) => void;
  readonly #onListenerError: (error: unknown) => void;
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;
  /** Batches being committed now. */
  #committing = 0;
  #relaxedTimer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Resolves `close()` once nothing is queued or committing. */
  #whenIdle: (() => void) | null = null;

  /**
   * `onCommitted` hears of every commit, once it is done; if it throws, `onListenerError` hears of it
   * (the commit stands and nothing is run again).
   */
  constructor(options: {
    engine: Engine;
    onCommitted: (info: CommitInfo) => void;
    onListenerError: (error: unknown) => void;
  }) {
    this.#engine = options.engine;
    this.#onCommitted = options.onCommitted;
    this.#onListenerError = options.onListenerError;
  }

  /**
   * Runs `work` in a transaction and resolves with its result once committed.
   * @throws whatever `work` throws (its writes are rolled back), or the commit's error; "store is
   * closed" once `close()` was called.
   */
  write<T>(work: Work<T>, options: WriteOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work,
        resolve: resolve as (value: unknown) => void,
        reject,
        durable: options.bookkeeping !== true,
        disjoint: options.disjoint === true,
      });
      if (options.bookkeeping && options.canWait) this.#scheduleRelaxedFlush();
      else this.#scheduleFlush();
    });
  }

  /** Refuses new writes and resolves once the queued ones are committed (or have failed). Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#relaxedTimer !== null) this.#scheduleFlush();
    if (this.#idle) return Promise.resolve();
    return new Promise((resolve) => {
      const earlier = this.#whenIdle;
      this.#whenIdle = () => {
        earlier?.();
        resolve();
      };
    });
  }

  get #idle(): boolean {
    return this.#queue.length === 0 && !this.#flushScheduled && this.#committing === 0;
  }

  #scheduleFlush(): void {
    if (this.#relaxedTimer !== null) {
      clearTimeout(this.#relaxedTimer);
      this.#relaxedTimer = null;
    }
    if (this.#flushScheduled || this.#committing >= this.#engine.maxConcurrentBatches) return;
    this.#flushScheduled = true;
    // Two turns of the event loop let the requests whose bodies arrive meanwhile join the batch.
    setImmediate(() => setImmediate(() => this.#flush()));
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

  /** Starts committing what is queued, in as many batches as the engine allows at once. */
  #flush(): void {
    this.#flushScheduled = false;
    while (this.#queue.length > 0 && this.#committing < this.#engine.maxConcurrentBatches) {
      void this.#commit(this.#nextBatch());
    }
    this.#settleIfIdle();
  }

  /**
   * Everything queued, where units may share a transaction (Engine.groupsUnits). Else the first unit
   * alone, or, if it is disjoint, every disjoint unit queued (delivery results: a busy dispatcher's
   * attempts commit in tens, not one by one).
   */
  #nextBatch(): QueuedWrite[] {
    if (this.#engine.groupsUnits) return this.#queue.splice(0);
    if (this.#queue[0]?.disjoint !== true) return this.#queue.splice(0, 1);
    const batch = this.#queue.filter((item) => item.disjoint);
    this.#queue = this.#queue.filter((item) => !item.disjoint);
    return batch;
  }

  async #commit(batch: QueuedWrite[]): Promise<void> {
    this.#committing++;
    try {
      let committed: CommitEffects | null = null;
      try {
        committed = await this.#commitBatch(batch);
      } catch {
        // The batch was rolled back: a unit failed after writing, or the commit failed. Run each unit
        // alone so only the culprit fails (the units are plain functions of the database, safe to re-run).
        if (batch.length > 1) {
          for (const item of batch) {
            const alone = await this.#commitBatch([item]).catch(() => null);
            if (alone !== null) this.#announce(alone);
          }
        }
      }
      // Outside the try: what listeners do once the commit stands must never run its units again.
      if (committed !== null) this.#announce(committed);
    } finally {
      this.#committing--;
      if (this.#queue.length > 0) this.#scheduleFlush();
      this.#settleIfIdle();
    }
  }

  #announce(info: CommitInfo): void {
    try {
      this.#onCommitted(info);
    } catch (error) {
      this.#onListenerError(error);
    }
  }

  #settleIfIdle(): void {
    if (this.#whenIdle === null || !this.#idle) return;
    const settle = this.#whenIdle;
    this.#whenIdle = null;
    settle();
  }

  /**
   * Runs the units in one transaction. A unit that throws before writing anything is settled with its
   * error and the others go on (no savepoint needed); one that throws after writing rolls back the batch.
   * Settles each unit once the commit is done.
   */
  async #commitBatch(batch: QueuedWrite[]): Promise<CommitEffects> {
    const effects = new CommitEffects();
    const durable = batch.some((item) => item.durable);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.#engine.transaction(durable, async (run) => {
        for (const item of batch) {
          const unit = new UnitOfWork(run, effects);
          try {
            outcomes.push({ ok: true, value: await item.work(unit) });
          } catch (error) {
            if (unit.writes > 0 || unit.statementFailed || batch.length === 1) throw error;
            outcomes.push({ ok: false, error });
          }
        }
        if (effects.isNews) await this.#engine.publish(run, effects);
      });
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      throw error;
    }
    // Committed: the engine's cache follows before any caller can read again.
    this.#engine.committed(effects);
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
    return effects;
  }
}
