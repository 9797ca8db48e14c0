import type { SessionEventRepository, SessionEventRow } from "../store/session-events.ts";

/** How the feed reads session_events; the defaults suit a browser watching sessions change. */
export interface FeedTiming {
  /** Between two reads of session_events (ms). */
  pollMs: number;
  /**
   * How long a missing seq is waited for (ms). On PostgreSQL a transaction that took a smaller seq can
   * commit after one that took a larger: the gap is kept open this long before the feed passes it.
   */
  gapMs: number;
}

type Listener = (event: SessionEventRow) => void;

const READ_LIMIT = 1_000;

/**
 * One reader of session_events per server process, shared by every open stream, running only while
 * somebody listens: it reads what was appended since its cursor (on any instance, since they share the
 * database) and hands each event to every listener once, in seq order as far as commits allow.
 */
export class SessionEventFeed {
  readonly #events: SessionEventRepository;
  readonly #timing: FeedTiming;
  readonly #listeners = new Set<Listener>();
  /** Every event up to this seq has been passed on (or its gap given up). */
  #floor = 0;
  /** Seqs above the floor already passed on. */
  readonly #passed = new Set<number>();
  /** When the feed first saw the gap just above the floor (performance.now()), or null. */
  #gapSince: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #starting: Promise<void> | null = null;
  #reading = false;

  constructor(events: SessionEventRepository, timing: Partial<FeedTiming> = {}) {
    this.#events = events;
    this.#timing = { pollMs: 250, gapMs: 3_000, ...timing };
  }

  /**
   * Calls `listener` with every event appended from now on; resolves, once the feed has its starting
   * point, with a function that unsubscribes.
   */
  async subscribe(listener: Listener): Promise<() => void> {
    this.#listeners.add(listener);
    if (this.#timer === null) {
      this.#starting ??= this.#start();
      try {
        await this.#starting;
      } catch (error) {
        // A failed start is not kept: the next subscriber tries again.
        this.#starting = null;
        this.#listeners.delete(listener);
        throw error;
      }
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Stops reading (the next subscriber starts again from the then newest event). */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#starting = null;
  }

  async #start(): Promise<void> {
    this.#floor = await this.#events.lastSeq();
    this.#passed.clear();
    this.#gapSince = null;
    if (this.#listeners.size === 0) return;
    this.#timer = setInterval(() => void this.poll(), this.#timing.pollMs);
    this.#timer.unref();
  }

  /** One read: passes on what is new. Exposed so tests need not wait for the interval. */
  async poll(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      const rows = await this.#events.after(this.#floor, null, READ_LIMIT);
      for (const row of rows) {
        if (this.#passed.has(row.seq)) continue;
        this.#passed.add(row.seq);
        for (const listener of this.#listeners) listener(row);
      }
      this.#advance(rows.length === READ_LIMIT);
    } catch {
      // The next read tries again; a stream must not end because one read failed.
    } finally {
      this.#reading = false;
    }
  }

  #advance(full: boolean): void {
    for (;;) {
      while (this.#passed.delete(this.#floor + 1)) this.#floor++;
      if (this.#passed.size === 0) {
        this.#gapSince = null;
        return;
      }
      // A gap below events already passed on: an uncommitted (or rolled back) transaction's seq.
      const now = performance.now();
      this.#gapSince ??= now;
      if (!full && now - this.#gapSince < this.#timing.gapMs) return;
      this.#floor++;
      this.#gapSince = null;
    }
  }
}
