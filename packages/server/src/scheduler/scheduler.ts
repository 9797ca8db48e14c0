import type { Clock } from "../clock.ts";
import type { WorkerEvents } from "../events.ts";
import { FailureBackoff } from "../failure-backoff.ts";
import type { SessionService } from "../service/session-service.ts";
import type { Store } from "../store/store.ts";
import { Wakeup } from "../wakeup.ts";

export interface SchedulerOptions {
  store: Store;
  sessions: SessionService;
  clock: Clock;
  events: WorkerEvents;
  /** Sessions handled per transaction. @default 500 */
  batchSize?: number;
}

const MAX_SLEEP_MS = 60_000;
const BUSY_ELSEWHERE_MS = 100;

/**
 * Moves sessions along in time: activates or refuses REQUESTED ones, expires AVAILABLE ones at
 * `expiresAt`, removes UNAVAILABLE ones after retention. One timer, set for the earliest `due_at`;
 * a commit that sets an earlier one wakes it. After a restart, everything that fell due while the
 * server was down is due at once, so it is expired and notified first thing.
 */
export class Scheduler {
  readonly #o: Required<SchedulerOptions>;
  readonly #wakeup = new Wakeup();
  readonly #backoff = new FailureBackoff();

  constructor(options: SchedulerOptions) {
    this.#o = { batchSize: 500, ...options };
    options.store.onCommit((info) => {
      if (info.earliestDueAt !== null && info.earliestDueAt <= this.#nextWake) this.#wakeup.notify();
    });
  }

  /** While busy, any new due time wakes the loop; while asleep, only one earlier than the alarm. */
  #nextWake = Number.POSITIVE_INFINITY;

  /** Handles everything due now; returns how many sessions changed. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.#o.clock.now();
      const { count, oldestDueAt } = await this.#o.sessions.processDue(now, this.#o.batchSize);
      if (count === 0) return total;
      total += count;
      this.#o.events.emit("scheduler:processed", { count, latenessMs: now - (oldestDueAt ?? now) });
      if (count < this.#o.batchSize) return total;
    }
  }

  /** Runs until `signal` aborts. A failed database call is emitted as `worker:error` and retried within seconds. */
  async run({ signal }: { signal: AbortSignal }): Promise<void> {
    const onAbort = () => this.#wakeup.notify();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        this.#nextWake = Number.POSITIVE_INFINITY;
        let changed = 0;
        let delay: number;
        try {
          changed = await this.runOnce();
          const next = await this.#o.store.nextSessionDueAt();
          this.#backoff.succeeded();
          const now = this.#o.clock.now();
          delay = next === null ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, next - now));
        } catch (error) {
          this.#o.events.emit("worker:error", { worker: "scheduler", error });
          delay = this.#backoff.failed();
        }
        const now = this.#o.clock.now();
        // Due but nothing taken: another instance holds those sessions. Its commit ends the wait
        // early; without a floor this loop would spin on the database meanwhile.
        if (changed === 0 && delay === 0) delay = BUSY_ELSEWHERE_MS;
        this.#nextWake = now + delay;
        await this.#wakeup.wait(delay);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
