import type { AttemptResult, ClaimedDelivery } from "../store/types.ts";
import { nextAttemptAt, type RetryPolicy } from "./retry-policy.ts";

/** What one attempt got: the sink's answer, or the error that kept it from answering. */
export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  retryAfterMs: number | null;
  /** When the attempt ended and started (ms). */
  now: number;
  startedAt: number;
  durationMs: number;
  responseExcerpt: string | null;
  /** It failed on OpenQoD's side before anything was sent (see AttemptResult.local). */
  local: boolean;
}

/**
 * What an attempt makes of its event: delivered (2xx), gone (410: nothing more goes to that sink),
 * or a failure, retried on the schedule until it is used up. A failed probe keeps the event where it
 * was in its schedule: the sink failed, not the event.
 */
export function verdict(
  d: ClaimedDelivery,
  r: AttemptOutcome,
  policy: RetryPolicy,
  random: () => number,
): AttemptResult {
  const base = {
    eventId: d.eventId,
    sink: d.sink,
    origin: d.origin,
    responseExcerpt: r.responseExcerpt,
    probe: d.probe,
    attemptedAt: r.startedAt,
    durationMs: r.durationMs,
    statusCode: r.statusCode,
    ...(r.local ? { local: true } : {}),
  };
  if (r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300) {
    return { ...base, error: null, outcome: "delivered", state: "delivered", nextAttemptAt: null };
  }
  if (r.statusCode === 410) {
    return { ...base, error: "sink answered 410 Gone", outcome: "gone", state: "gone", nextAttemptAt: null };
  }
  const error = r.error ?? `sink answered HTTP ${r.statusCode}`;
  if (d.probe) return { ...base, error, outcome: "retry", state: "pending", nextAttemptAt: null };
  const next = nextAttemptAt(policy, d.attempts + 1, r.now, r.retryAfterMs, random);
  if (next === null) return { ...base, error, outcome: "failed", state: "failed", nextAttemptAt: null };
  return { ...base, error, outcome: "retry", state: "pending", nextAttemptAt: next };
}
