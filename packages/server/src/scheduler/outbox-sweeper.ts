import { setImmediate as nextTurn } from "node:timers/promises";
import type { Clock } from "../clock.ts";
import type { WorkerEvents } from "../events.ts";
import type { Store, SweptRows } from "../store/store.ts";
import { Wakeup } from "../wakeup.ts";

export interface OutboxSweeperOptions {
  store: Store;
  clock: Clock;
  events: WorkerEvents;
  /** How long an event is kept once settled (ms): OPENQOD_DELIVERY_RETENTION. */
  retentionMs: number;
  /**
   * Events deleted per transaction, each with its attempts (up to one per retry of the schedule).
   * Small, so a transaction holds the writer for a millisecond or two. @default 200
   */
  batchSize?: number;
  /** Batches in one sweep at most; the rest waits for the next sweep. @default 1000 */
  maxBatches?: number;
  /** Time between sweeps (ms). @default a quarter of the retention, from 1 s to 60 s */
  intervalMs?: number;
  /** Time before a failed sweep is tried again (ms). @default 5000 */
  retryMs?: number;
}

/**
 * Deletes settled events (delivered, failed, gone, expired) and their attempts once they have been
 * settled for the retention period, so the outbox stays as large as its traffic over that period;
 * and the breaker records of active sink origins unchanged for as long (paused ones stay).
 * Pending events are never deleted, whatever their age or whether their session is still there.
 * Each batch is its own transaction and the loop yields between batches, so API writes queued
 * meanwhile commit in between. Several instances may sweep one PostgreSQL database: they skip each
 * other's rows, and a row deleted twice is simply not there the second time.
 */
export class OutboxSweeper {
  readonly #o: Required<OutboxSweeperOptions>;
  readonly #wakeup = new Wakeup();

  constructor(options: OutboxSweeperOptions) {
    const interval = Math.min(60_000, Math.max(1_000, Math.round(options.retentionMs / 4)));
    this.#o = { batchSize: 200, maxBatches: 1000, intervalMs: interval, retryMs: 5_000, ...options };
  }

  /** Deletes everything past retention now (at most `maxBatches` batches); returns what went. */
  async runOnce(): Promise<SweptRows> {
    const { store, clock, events, retentionMs, batchSize, maxBatches } = this.#o;
    const before = clock.now() - retentionMs;
    const total: SweptRows = { events: 0, attempts: 0 };
    for (let batch = 0; batch < maxBatches; batch++) {
      const swept = await store.deleteSettledEvents(before, batchSize);
      if (swept.events === 0) break;
      total.events += swept.events;
      total.attempts += swept.attempts;
      events.emit("retention:swept", swept);
      if (swept.events < batchSize) break;
      // The API's writes queued meanwhile go before the next batch.
      await nextTurn();
    }
    for (let batch = 0; batch < maxBatches; batch++) {
      if ((await store.deleteIdleSinks(before, batchSize)) < batchSize) break;
      await nextTurn();
    }
    // Sessions' stories are kept as long as their notifications.
    for (let batch = 0; batch < maxBatches; batch++) {
      if ((await store.sessionEvents.deleteBefore(before, batchSize)) < batchSize) break;
      await nextTurn();
    }
    return total;
  }

  /** Sweeps every `intervalMs` until `signal` aborts; a failed sweep is reported and tried again after `retryMs`. */
  async run({ signal }: { signal: AbortSignal }): Promise<void> {
    const onAbort = () => this.#wakeup.notify();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        let delay = this.#o.intervalMs;
        try {
          await this.runOnce();
        } catch (error) {
          this.#o.events.emit("worker:error", { worker: "retention", error });
          delay = this.#o.retryMs;
        }
        if (signal.aborted) break;
        await this.#wakeup.wait(delay);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
