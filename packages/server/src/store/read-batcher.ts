/**
 * Coalesces point reads that arrive in the same turn of the event loop into one query. Against a
 * database server every query costs a round trip and a socket write on both sides; under load, the
 * GETs parsed in one turn then cost one `where id = any(...)` instead of one query each.
 */
export class ReadBatcher<V> {
  readonly #load: (keys: string[]) => Promise<Map<string, V>>;
  readonly #max: number;
  #pending = new Map<string, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>>();
  #scheduled = false;

  /** `load` answers a batch: the value of every key found (missing keys resolve to undefined). */
  constructor(load: (keys: string[]) => Promise<Map<string, V>>, max = 256) {
    this.#load = load;
    this.#max = max;
  }

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters !== undefined) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (this.#pending.size >= this.#max) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        // After the poll phase: every request parsed in this turn has asked by then.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.size === 0) return;
    this.#pending = new Map();
    this.#load([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
      },
      (error: unknown) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
      },
    );
  }
}
