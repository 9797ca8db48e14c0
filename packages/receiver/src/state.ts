/**
 * What a receiver remembers between notifications: which events it has seen (senders retry, with the
 * same id) and the newest event time per session (an older status must not overwrite a newer one).
 * In memory by default; give your own (Redis, a database) when several processes receive.
 */
export interface ReceiverState {
  /** Records (source, id) and says whether it had been seen within `ttlMs`. */
  seen(source: string, id: string, ttlMs: number): boolean | Promise<boolean>;
  /** Records `time` for the session and says whether an event newer than it was already recorded. */
  isStale(sessionId: string, time: number): boolean | Promise<boolean>;
}

/**
 * The default state: bounded maps. Remembers at most `maxEntries` events and sessions each (the
 * oldest go first), each event for the TTL given by the receiver.
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
    const key = `${source}\u0000${id}`;
    const now = Date.now();
    const until = this.#events.get(key);
    if (until !== undefined && until > now) return true;
    this.#events.delete(key);
    this.#bound(this.#events);
    this.#events.set(key, now + ttlMs);
    return false;
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
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
