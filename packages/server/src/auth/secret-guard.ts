import { type Clock, systemClock } from "../clock.ts";

/** Consecutive failures of one client_id before its secret is refused for a while. */
export const GUARD_THRESHOLD = 5;
/** The first hold (ms), doubled with every further failure. */
export const GUARD_FIRST_HOLD_MS = 1_000;
/** The longest hold (ms). */
export const GUARD_MAX_HOLD_MS = 15 * 60_000;

interface Failures {
  count: number;
  /** Until when (ms) the client's secret is refused, right or wrong. */
  heldUntil: number;
}

/**
 * A brute-force guard on client secrets, per client_id and per instance (a guess costs a request to
 * one instance, and the secrets are 256 random bits: the guard is for weak secrets set by hand and
 * for noise, not the secrets' only defence). After GUARD_THRESHOLD consecutive failures the client's
 * secret authentication is refused, even with the right secret, for GUARD_FIRST_HOLD_MS doubling with
 * each further failure up to GUARD_MAX_HOLD_MS; a success resets it. Requests refused while held do
 * not count. At most `maxClients` ids are tracked; past that the one failing longest ago is forgotten.
 */
export class SecretGuard {
  readonly #failures = new Map<string, Failures>();
  readonly #clock: Clock;
  readonly #maxClients: number;

  constructor(options: { clock?: Clock; maxClients?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#maxClients = options.maxClients ?? 100_000;
  }

  /** @returns 0 when the client may try its secret now, else the ms until it may. */
  heldFor(clientId: string): number {
    const failures = this.#failures.get(clientId);
    if (failures === undefined) return 0;
    return Math.max(0, failures.heldUntil - this.#clock.now());
  }

  failed(clientId: string): void {
    const count = (this.#failures.get(clientId)?.count ?? 0) + 1;
    const hold =
      count < GUARD_THRESHOLD
        ? 0
        : Math.min(GUARD_FIRST_HOLD_MS * 2 ** (count - GUARD_THRESHOLD), GUARD_MAX_HOLD_MS);
    this.#failures.delete(clientId);
    this.#failures.set(clientId, { count, heldUntil: this.#clock.now() + hold });
    if (this.#failures.size > this.#maxClients) {
      const oldest = this.#failures.keys().next();
      if (oldest.done !== true) this.#failures.delete(oldest.value);
    }
  }

  succeeded(clientId: string): void {
    this.#failures.delete(clientId);
  }
}
