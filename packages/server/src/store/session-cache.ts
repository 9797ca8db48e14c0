import type { SessionRecord } from "../domain/types.ts";
import type { CommitEffects } from "./effects.ts";

/**
 * A bounded write-through cache of sessions, for a store that is the only writer of its database
 * (SQLite: one process; only the SQLite engine has one). Entries are set only from committed state: after a commit for writes, and
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

  /** Follows a committed batch: what it wrote or deleted, or everything when it changed sessions in bulk. */
  apply(effects: CommitEffects): void {
    if (effects.sessionsStale) this.clear();
    for (const [id, session] of effects.sessions) {
      if (session === null) this.delete(id);
      else this.set(session);
    }
  }
}
