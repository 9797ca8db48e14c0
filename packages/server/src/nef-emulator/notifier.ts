import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import type { Clock } from "../clock.ts";
import type { UserPlaneEvent, UserPlaneNotificationData } from "../nef/wire.ts";

/**
 * How one notification went: DELIVERED (2xx), REJECTED (a 4xx, not retried), FAILED (5xx or no answer
 * after every attempt) or DROPPED (lost on purpose, never sent).
 */
export type NotificationOutcome = "DELIVERED" | "REJECTED" | "FAILED" | "DROPPED";

export interface NotificationRecord {
  subscriptionId: string;
  destination: string;
  event: UserPlaneEvent;
  body: UserPlaneNotificationData;
  outcome: NotificationOutcome;
  /** The HTTP status of the last attempt; null without an answer. */
  status: number | null;
  /** Why the last attempt got no answer, e.g. "ECONNREFUSED". */
  error: string | null;
  attempts: number;
  /** Epoch ms on the emulator's clock when the notification was due. */
  at: number;
}

export interface NotifierOptions {
  clock: Clock;
  /** Attempts per notification; only 5xx answers and connection failures are retried. @default 3 */
  attempts?: number;
  /** Pause between attempts, ms (times the attempt number). @default 200 */
  retryDelayMs?: number;
  /** Per-attempt timeout, ms. @default 5000 */
  timeoutMs?: number;
  /** Records kept, the newest: an emulator left running must not grow without bound. @default 10000 */
  limit?: number;
  /** Called with each record once it is final. */
  onFinal?: (record: NotificationRecord) => void;
}

type Waiter = { match: (r: NotificationRecord) => boolean; resolve: (r: NotificationRecord) => void };

/** Sends UserPlaneNotificationData to notificationDestination and remembers each outcome. */
export class Notifier {
  readonly #options: Required<Omit<NotifierOptions, "onFinal">> & Pick<NotifierOptions, "onFinal">;
  readonly #records: NotificationRecord[] = [];
  readonly #pending = new Set<Promise<NotificationRecord>>();
  readonly #abort = new AbortController();
  #waiters: Waiter[] = [];
  #drop = 0;

  constructor(options: NotifierOptions) {
    this.#options = { attempts: 3, retryDelayMs: 200, timeoutMs: 5000, limit: 10_000, ...options };
  }

  /** Loses the next `count` notifications (each recorded as DROPPED). */
  dropNext(count: number): void {
    this.#drop += count;
  }

  /** Notifications still to be lost. */
  get dropping(): number {
    return this.#drop;
  }

  records(): NotificationRecord[] {
    return [...this.#records];
  }

  /** Sends one notification (with retries); resolves with its record once it is final. */
  send(
    subscriptionId: string,
    destination: string,
    body: UserPlaneNotificationData,
  ): Promise<NotificationRecord> {
    const record: NotificationRecord = {
      subscriptionId,
      destination,
      event: body.eventReports[0]?.event ?? "SESSION_TERMINATION",
      body,
      outcome: "DROPPED",
      status: null,
      error: null,
      attempts: 0,
      at: this.#options.clock.now(),
    };
    const done = this.#deliver(record).then(() => {
      this.#records.push(record);
      if (this.#records.length > this.#options.limit) this.#records.shift();
      this.#options.onFinal?.(record);
      const [ready, waiting] = [
        this.#waiters.filter((w) => w.match(record)),
        this.#waiters.filter((w) => !w.match(record)),
      ];
      this.#waiters = waiting;
      for (const waiter of ready) waiter.resolve(record);
      return record;
    });
    this.#pending.add(done);
    void done.finally(() => this.#pending.delete(done));
    return done;
  }

  async #deliver(record: NotificationRecord): Promise<void> {
    if (this.#drop > 0) {
      this.#drop -= 1;
      return;
    }
    if (this.#abort.signal.aborted) {
      record.outcome = "FAILED";
      record.error = "the emulator is closed";
      return;
    }
    const { attempts, retryDelayMs, timeoutMs } = this.#options;
    while (record.attempts < attempts && !this.#abort.signal.aborted) {
      if (record.attempts > 0)
        await sleep(retryDelayMs * record.attempts, undefined, { ref: false }).catch(() => {});
      record.attempts += 1;
      try {
        const answer = await request(record.destination, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(record.body),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: this.#abort.signal,
        });
        await answer.body.dump();
        record.status = answer.statusCode;
        record.error = null;
        if (answer.statusCode < 500) {
          record.outcome = answer.statusCode < 300 ? "DELIVERED" : "REJECTED";
          return;
        }
      } catch (error) {
        record.status = null;
        record.error = (error as { code?: string }).code ?? String(error);
      }
      record.outcome = "FAILED";
    }
  }

  /** Resolves once every notification under way is final. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /**
   * The first final record that matches, already there or yet to come.
   * @throws Error after `timeoutMs` (default 5000) without one
   */
  waitFor(match: (r: NotificationRecord) => boolean, timeoutMs = 5000): Promise<NotificationRecord> {
    const found = this.#records.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Forgets the records and any notifications still to be lost. */
  reset(): void {
    this.#records.length = 0;
    this.#drop = 0;
  }

  /** Stops retries and aborts deliveries under way. */
  close(): void {
    this.#abort.abort();
  }
}
