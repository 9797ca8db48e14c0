import { type Clock, systemClock } from "./clock.ts";

/** A sustained rate and the burst allowed above it. */
export interface RateLimit {
  /** Requests per second, sustained (may be a fraction: 0.5 is one every 2 s). */
  perSecond: number;
  /** Requests allowed at once after a quiet spell. */
  burst: number;
}

/**
 * A keyed limiter by the generic cell rate algorithm (GCRA): one number per key (the time its bucket is
 * empty again), so a check is a map lookup and a subtraction. Keys are bounded: past `maxKeys` the key
 * touched longest ago is forgotten, which can only let that key through sooner, never block another.
 */
export class RateLimiter {
  readonly limit: Readonly<RateLimit>;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  /** Per key, the theoretical arrival time of its next request (ms). Map order = least recently touched first. */
  readonly #tat = new Map<string, number>();

  /**
   * @param options.maxKeys keys remembered at once. @default 100 000
   * @param options.clock @default the system clock
   * @throws RangeError unless perSecond > 0 and burst >= 1.
   */
  constructor(limit: RateLimit, options: { maxKeys?: number; clock?: Clock } = {}) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1))
      throw new RangeError("a rate limit needs perSecond > 0 and burst >= 1");
    this.limit = Object.freeze({ ...limit });
    this.#intervalMs = 1000 / limit.perSecond;
    this.#toleranceMs = this.#intervalMs * (limit.burst - 1);
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Counts one request of `key`. A refused request is not counted: a caller that keeps knocking is
   * let in again as soon as the rate allows, not later.
   * @returns 0 when it may go ahead, else how long (ms, at least 1) until it could.
   */
  take(key: string): number {
    const now = this.#clock.now();
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    const wait = this.#waitFor(tat, now);
    if (wait > 0) return wait;
    this.#tat.delete(key);
    this.#tat.set(key, tat + this.#intervalMs);
    if (this.#tat.size > this.#maxKeys) {
      const oldest = this.#tat.keys().next();
      if (oldest.done !== true) this.#tat.delete(oldest.value);
    }
    return 0;
  }

  /**
   * What `take(key)` would answer, without counting: to refuse a caller before doing the work whose
   * outcome (a failed authentication, say) is what gets counted.
   * @returns 0 when one more would be allowed, else the ms until it would.
   */
  peek(key: string): number {
    const now = this.#clock.now();
    return this.#waitFor(Math.max(this.#tat.get(key) ?? now, now), now);
  }

  /** Forgets a key (after a success resets a failure count, say). */
  reset(key: string): void {
    this.#tat.delete(key);
  }

  #waitFor(tat: number, now: number): number {
    const early = tat - this.#toleranceMs - now;
    return early > 0 ? Math.ceil(early) : 0;
  }
}
