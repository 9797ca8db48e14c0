import type { EventQosStatus, StatusInfo } from "../domain/types.ts";
import { sinkOrigin } from "../store/outbox-claim.ts";
import type { DeliveryAttemptRow, DeliveryState, OutboxRow } from "../store/types.ts";

/**
 * Where a notification stands. pending: it will be attempted (again). paused: pending on a paused
 * sink origin (breaker or operator), keeping its place. delivered: a 2xx came back. failed: it will
 * not be attempted again — retries used up or the sink answered 410. expired: never delivered, and
 * no longer attempted: its access token expired, or it outlived the retry horizon (`lastError`).
 */
export type NotificationState = "pending" | "paused" | "delivered" | "failed" | "expired";

/** How one attempt went: delivered (2xx), retry (failed, tried again later), gone (410), failed (the last retry). */
export type AttemptOutcome = "delivered" | "retry" | "gone" | "failed";

/** One delivery attempt, as the notifications API shows it. Times are RFC 3339. */
export interface DeliveryAttempt {
  attemptedAt: string;
  outcome: AttemptOutcome;
  /** The sink's HTTP status; absent when no answer came (connection error, timeout). */
  statusCode?: number;
  durationMs: number;
  error?: string;
  /** The start of the answer's body, bounded, the credential sent blanked (delivery/excerpt.ts). */
  responseExcerpt?: string;
  /** Present (true) only on a paused sink's probe. */
  probe?: true;
}

/**
 * A notification of a session's status change and its delivery, as the notifications API (and the
 * operator's `deliveries`) show it. Never carries the Authorization header or the token.
 */
export interface Notification {
  /** The CloudEvent id, the same on every attempt. */
  id: string;
  sessionId: string;
  qosStatus: EventQosStatus;
  statusInfo?: StatusInfo;
  state: NotificationState;
  /** The sink URL without credentials, query or fragment. */
  sink: string;
  createdAt: string;
  /** When a pending notification is next attempted. */
  nextAttemptAt?: string;
  /** Why the last attempt failed, or why it settled without one. */
  lastError?: string;
  attempts: DeliveryAttempt[];
}

const STATE: Record<DeliveryState, NotificationState> = {
  pending: "pending",
  delivered: "delivered",
  failed: "failed",
  gone: "failed",
  expired: "expired",
};

const OUTCOMES = new Set<string>(["delivered", "retry", "gone", "failed"]);
const STATUS_INFOS = new Set<string>(["DURATION_EXPIRED", "NETWORK_TERMINATED", "DELETE_REQUESTED"]);

const iso = (ms: number) => new Date(ms).toISOString();

/** The sink as it may be shown: credentials, query and fragment can hold secrets. */
export function redactSink(sink: string): string {
  try {
    const url = new URL(sink);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/** A pending event's origin is paused: it shows as "paused". */
export function isPausedAt(row: OutboxRow, pausedOrigins: ReadonlySet<string>): boolean {
  return row.state === "pending" && pausedOrigins.has(sinkOrigin(row.sink));
}

/**
 * The API view of an outbox event and its attempts (`attempts` may hold other events' too), given
 * the sink origins paused now. Both envelopes (CloudEvents v1, Network-as-Code v0) carry
 * `data.qosStatus` and `data.statusInfo`; v0's `SESSION_AVAILABLE` is no CAMARA reason and is left out.
 */
export function toNotification(
  row: OutboxRow,
  attempts: readonly DeliveryAttemptRow[],
  pausedOrigins: ReadonlySet<string> = new Set(),
): Notification {
  const data = (JSON.parse(row.body) as { data?: { qosStatus?: EventQosStatus; statusInfo?: string } }).data;
  const state = isPausedAt(row, pausedOrigins) ? "paused" : STATE[row.state];
  const statusInfo =
    data?.statusInfo !== undefined && STATUS_INFOS.has(data.statusInfo)
      ? (data.statusInfo as StatusInfo)
      : undefined;
  return {
    id: row.eventId,
    sessionId: row.sessionId,
    qosStatus: data?.qosStatus ?? "UNAVAILABLE",
    ...(statusInfo === undefined ? {} : { statusInfo }),
    state,
    sink: redactSink(row.sink),
    createdAt: iso(row.createdAt),
    ...(row.state === "pending" ? { nextAttemptAt: iso(row.nextAttemptAt) } : {}),
    ...(row.lastError === null ? {} : { lastError: row.lastError }),
    attempts: attempts
      .filter((a) => a.eventId === row.eventId)
      .map((a) => ({
        attemptedAt: iso(a.attemptedAt),
        outcome: OUTCOMES.has(a.outcome) ? (a.outcome as AttemptOutcome) : "retry",
        ...(a.statusCode === null ? {} : { statusCode: a.statusCode }),
        durationMs: a.durationMs,
        ...(a.error === null ? {} : { error: a.error }),
        ...(a.responseExcerpt === null ? {} : { responseExcerpt: a.responseExcerpt }),
        ...(a.probe ? { probe: true as const } : {}),
      })),
  };
}
