/**
 * What a receiver remembers between notifications: which events it has seen (senders retry, with the
 * same id) and the newest event time per session (an older status must not overwrite a newer one).
 * In memory by default; give your own (Redis, a database) when several processes receive.
 */
export interface ReceiverState {
  /** Records (source, id) and says whether it had been seen within `ttlMs`. */
  seen(source: string, id: string, ttlMs: number): boolean | Promise<boolean>;
  /**
   * Undoes `seen` for an event whose handler failed (with `awaitHandler`), so that the sender's retry
   * runs the handler again. Optional only for states written before it existed: without it such a retry
   * is answered as a duplicate and the event is lost (the receiver warns once on stderr).
   */
  forget?(source: string, id: string): void | Promise<void>;
  /** Records `time` for the session and says whether an event newer than it was already recorded. */
  isStale(sessionId: string, time: number): boolean | Promise<boolean>;
}

const eventKey = (source: string, id: string) => `${source}\u0000${id}`;

/**
 * The default state: bounded maps. Remembers at most `maxEntries` events and sessions each (when
 * full, the oldest tenth goes), each event for the TTL given by the receiver.
 */
export class MemoryReceiverState implements ReceiverState {
  readonly #events = new Map<string, number>();
  readonly #sessions = new Map<string, number>();
  readonly #max: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? 100_000;
  }

  // Synchronous on purpose: the receiver awaits only states that need it.
  seen(source: string, id: string, ttlMs: number): boolean {
    const key = eventKey(source, id);
    const now = Date.now();
    const until = this.#events.get(key);
    if (until !== undefined && until > now) return true;
    this.#events.delete(key);
    this.#bound(this.#events);
    this.#events.set(key, now + ttlMs);
    return false;
  }

  forget(source: string, id: string): void {
    this.#events.delete(eventKey(source, id));
  }

  isStale(sessionId: string, time: number): boolean {
    const newest = this.#sessions.get(sessionId);
    if (newest !== undefined && newest > time) return true;
    this.#sessions.delete(sessionId);
    this.#bound(this.#sessions);
    this.#sessions.set(sessionId, time);
    return false;
  }

  #bound(map: Map<string, number>): void {
    if (map.size < this.#max) return;
    // A tenth at once, not one per insert: a Map keeps deleted entries as holes until it rehashes, and
    // `keys().next()` walks past every hole at the front, so evicting one at a time cost ~10 µs per
    // event once full (measured at 10^5 entries); a batch walks them once per tenth.
    let evict = Math.max(1, Math.ceil(this.#max / 10));
    for (const key of map.keys()) {
      map.delete(key);
      if (--evict === 0) break;
    }
  }
}
