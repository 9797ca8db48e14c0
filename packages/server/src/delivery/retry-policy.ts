/**
 * Default delivery schedule: the first attempt at once, then retries 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h after each failure (eight attempts over about 28 hours).
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

export interface RetryPolicy {
  /** Entry 0 is the first attempt (always at once); entry n is the wait (ms) after n failed attempts. */
  scheduleMs: readonly number[];
  /** Each wait is spread by ±jitter (a fraction), so a receiver's backlog does not come back in one burst. @default 0.1 */
  jitter: number;
}

/**
 * The most a receiver's `Retry-After` can hold an event back (ms): one hour. A receiver asking for longer
 * is more likely broken (a date years ahead, seconds sent as milliseconds) than down for maintenance,
 * and bearer tokens commonly live about an hour: waiting longer would mostly let the event expire
 * unsent. The schedule's own later waits (2 h, 5 h, 10 h) still apply.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * When to try again after `attempts` failed attempts, or null when the schedule is used up.
 * `retryAfterMs` (from a 429/503 `Retry-After`) is a floor, capped at MAX_RETRY_AFTER_MS: never sooner
 * than the receiver asked, up to an hour. `random` is injectable so tests can pin the jitter.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempts: number,
  now: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const base = policy.scheduleMs[attempts];
  if (base === undefined) return null;
  const spread = base * policy.jitter * (2 * random() - 1);
  const wait = Math.max(Math.round(base + spread), Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return now + wait;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; null when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
