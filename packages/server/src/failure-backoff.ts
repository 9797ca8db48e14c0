/** The first wait after a worker loop's database call failed (ms). */
export const FIRST_FAILURE_WAIT_MS = 1_000;
/** The longest wait between retries of a failing database (ms): a restarted database is used within it. */
export const MAX_FAILURE_WAIT_MS = 5_000;

/**
 * How long a worker loop waits after a failed database call before it tries again: 1 s, doubling up to
 * 5 s while the failures go on, back to 1 s after a success. Short enough that a database back from a
 * restart is used within seconds, long enough not to flood the log and the database while it is down.
 */
export class FailureBackoff {
  #next = FIRST_FAILURE_WAIT_MS;

  /** Records a failure; returns how long to wait (ms). */
  failed(): number {
    const wait = this.#next;
    this.#next = Math.min(MAX_FAILURE_WAIT_MS, wait * 2);
    return wait;
  }

  succeeded(): void {
    this.#next = FIRST_FAILURE_WAIT_MS;
  }
}
