/**
 * Time as the SDK sees it. Give your own (`ClientOptions.clock`) to make retries instant in tests or
 * to run them on a virtual clock; the per-attempt timeout (`timeoutMs`) stays a real timer whatever
 * the clock, so a hung request always ends.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`: for Retry-After dates and access-token lifetimes. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds: the wait between attempts. When the call's signal aborts, the SDK
   * stops waiting whether or not this honours `signal` (the default clears its timer).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const cancel = () => clearTimeout(timer);
      const timer = setTimeout(() => {
        // A call's signal outlives many waits: leave no listener behind on it.
        signal?.removeEventListener("abort", cancel);
        resolve();
      }, ms);
      signal?.addEventListener("abort", cancel, { once: true });
    }),
};

/**
 * `promise`, or a rejection with the signal's reason as soon as it aborts. Only the caller stops
 * waiting: the work behind `promise` goes on (and may serve other callers).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
