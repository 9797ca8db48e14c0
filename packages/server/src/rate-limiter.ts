import { type Clock, systemClock } from "./clock.ts";

/** A sustained rate and the burst allowed above it. */
export interface RateLimit {
  /** Requests per second, sustained. */
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
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  /** Per key, the theoretical arrival time of its next request (ms). Map order = least recently touched first. */
  readonly #tat = new Map<string, number>();

  constructor(limit: RateLimit, options: { maxKeys?: number; clock?: Clock } = {}) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1))
      throw new RangeError("a rate limit needs perSecond > 0 and burst >= 1");
    this.#intervalMs = 1000 / limit.perSecond;
    this.#toleranceMs = this.#intervalMs * (limit.burst - 1);
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Counts one request of `key`.
   * @returns 0 when it may go ahead, else how long (ms) until it could.
   */
  take(key: string): number {
    const now = this.#clock.now();
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    const allowedAt = tat - this.#toleranceMs;
    if (allowedAt > now) return Math.ceil(allowedAt - now);
    this.#tat.delete(key);
    this.#tat.set(key, tat + this.#intervalMs);
    if (this.#tat.size > this.#maxKeys) {
      const oldest = this.#tat.keys().next();
      if (oldest.done !== true) this.#tat.delete(oldest.value);
    }
    return 0;
  }

  /** Forgets a key (after a success resets a failure count, say). */
  reset(key: string): void {
    this.#tat.delete(key);
  }
}
