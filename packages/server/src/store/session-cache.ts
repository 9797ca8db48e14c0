import type { SessionRecord } from "../domain/types.ts";

/**
 * A bounded write-through cache of sessions, for a store that is the only writer of its database
 * (SQLite: one process). Entries are set only from committed state: after a commit for writes, and
 * from a synchronous read outside any transaction for misses. Eviction is oldest-first.
 */
export class SessionCache {
  readonly #entries = new Map<string, SessionRecord>();
  readonly #max: number;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get(id: string): SessionRecord | undefined {
    return this.#entries.get(id);
  }

  set(session: SessionRecord): void {
    if (this.#max === 0) return;
    this.#entries.delete(session.id);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(session.id, session);
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}
