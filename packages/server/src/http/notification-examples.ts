import type { ErrorExample, Example } from "./docs.ts";
import { EXAMPLE_SESSION_ID, sessionExamples } from "./examples.ts";

/**
 * The example values of the notifications API and the sandbox controls in the OpenAPI document, on
 * the same session as the QoD examples (examples.ts).
 */

export const EXAMPLE_NOTIFICATION_ID = "0193a5b2-4c1e-7a10-9b2c-3d4e5f607182";
const sink = "https://application-server.example.com/notifications";
const available = sessionExamples.available?.value as Record<string, unknown>;

export const sessionPageExamples: Record<string, Example> = {
  more: {
    summary: "A page, with more to follow",
    value: {
      sessions: [{ ...available, sink }],
      nextCursor: Buffer.from(EXAMPLE_SESSION_ID).toString("base64url"),
    },
  },
  last: { summary: "The last page (no nextCursor)", value: { sessions: [] } },
};

const pending = {
  id: EXAMPLE_NOTIFICATION_ID,
  sessionId: EXAMPLE_SESSION_ID,
  qosStatus: "UNAVAILABLE",
  statusInfo: "DURATION_EXPIRED",
  state: "pending",
  sink,
  createdAt: "2026-06-01T13:00:00.000Z",
  nextAttemptAt: "2026-06-01T13:05:05.000Z",
  attempts: [
    {
      attemptedAt: "2026-06-01T13:00:00.012Z",
      outcome: "retry",
      statusCode: 500,
      durationMs: 14,
      error: "sink answered HTTP 500",
    },
    {
      attemptedAt: "2026-06-01T13:00:05.030Z",
      outcome: "retry",
      durationMs: 3,
      error: "ECONNREFUSED: connect ECONNREFUSED 203.0.113.9:443",
    },
  ],
};

export const notificationListExamples: Record<string, Example> = {
  retrying: {
    summary: "AVAILABLE delivered; UNAVAILABLE retrying",
    value: {
      notifications: [
        {
          id: "0193a5b2-4c1d-7e2f-8a3b-000000000001",
          sessionId: EXAMPLE_SESSION_ID,
          qosStatus: "AVAILABLE",
          state: "delivered",
          sink,
          createdAt: "2026-06-01T12:00:00.000Z",
          attempts: [
            { attemptedAt: "2026-06-01T12:00:00.010Z", outcome: "delivered", statusCode: 204, durationMs: 9 },
          ],
        },
        pending,
      ],
    },
  },
  none: { summary: "A session without a sink", value: { notifications: [] } },
};

export const redeliveredExamples: Record<string, Example> = {
  queued: {
    summary: "Due now; the attempt follows at once",
    value: { ...pending, nextAttemptAt: "2026-06-01T13:07:00.000Z" },
  },
};

export const terminatedSessionExamples: Record<string, Example> = {
  terminated: {
    summary: "Ended by the network",
    value: {
      ...available,
      duration: 600,
      expiresAt: "2026-06-01T12:10:00.000Z",
      qosStatus: "UNAVAILABLE",
      statusInfo: "NETWORK_TERMINATED",
    },
  },
};

export const expiredSessionExamples: Record<string, Example> = {
  expired: {
    summary: "Its time ran out now",
    value: {
      ...available,
      duration: 600,
      expiresAt: "2026-06-01T12:10:00.000Z",
      qosStatus: "UNAVAILABLE",
      statusInfo: "DURATION_EXPIRED",
    },
  },
};

export const ALREADY_ENDED: ErrorExample = {
  code: "CONFLICT",
  summary: "The session has already ended",
  message: `Session ${EXAMPLE_SESSION_ID} has already ended (DURATION_EXPIRED).`,
};

export const NO_NOTIFICATION: ErrorExample = {
  code: "NOT_FOUND",
  message: "The specified notification is not found.",
};

export const BAD_NOTIFICATION_ID: ErrorExample = {
  code: "INVALID_ARGUMENT",
  summary: "notificationId is not a UUID",
  message: "notificationId must be a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
};

export const TOKEN_EXPIRED: ErrorExample = {
  code: "CONFLICT",
  summary: "The sink's access token has expired",
  message: `Notification ${EXAMPLE_NOTIFICATION_ID} cannot be sent again: its access token expired at 2026-06-02T12:00:00.000Z.`,
};

export const networkEventRequestExamples: Record<string, Example> = {
  notGuaranteed: {
    summary: "The network can no longer guarantee the QoS",
    value: { kind: "NOT_GUARANTEED" },
  },
  guaranteed: { summary: "The network guarantees it again", value: { kind: "GUARANTEED" } },
  granted: { summary: "The network grants a REQUESTED session", value: { kind: "GRANTED" } },
  terminated: { summary: "The network ends the session", value: { kind: "TERMINATED" } },
};

export const networkEventExamples: Record<string, Example> = {
  available: { summary: "Granted, or still AVAILABLE (NOT_GUARANTEED, GUARANTEED)", value: available },
  ...terminatedSessionExamples,
};

const origin = "https://application-server.example.com";

export const recoverRequestExamples: Record<string, Example> = {
  sink: {
    summary: "A sink's notifications since an outage began",
    value: { sink, since: "2026-06-01T09:00:00Z", until: "2026-06-01T13:00:00Z" },
  },
  origin: { summary: "Every sink of an origin, until now", value: { origin, since: "2026-06-01T09:00:00Z" } },
  next: {
    summary: "The next 1000, after an answer with more: true",
    value: {
      sink,
      since: "2026-06-01T09:00:00Z",
      until: "2026-06-01T13:00:00Z",
      cursor: "MTc4MDMwNDQwMDAwMC40MjE3",
    },
  },
};

export const recoverExamples: Record<string, Example> = {
  recovered: {
    summary: "Failed ones sent again, pending ones due now",
    value: { recovered: 12, alreadyPending: 3, skipped: 1, more: false },
  },
  more: {
    summary: "The first 1000 of more: call again with the cursor",
    value: {
      recovered: 990,
      alreadyPending: 10,
      skipped: 0,
      more: true,
      nextCursor: "MTc4MDMwNDQwMDAwMC40MjE3",
    },
  },
};

const pausedSink = {
  origin,
  state: "paused",
  pausedBy: "breaker",
  pausedAt: "2026-06-01T13:02:00.000Z",
  nextProbeAt: "2026-06-01T13:02:20.000Z",
  consecutiveFailures: 7,
  failingSince: "2026-06-01T13:00:00.012Z",
  lastSuccessAt: "2026-06-01T12:59:41.200Z",
  lastFailureAt: "2026-06-01T13:02:00.004Z",
  recentAttempts: 100,
  recentSuccessRate: 0.93,
  backlog: 4,
};

export const sinkListExamples: Record<string, Example> = {
  paused: { summary: "A sink paused by its circuit breaker", value: { sinks: [pausedSink] } },
};

export const sinkOriginExamples: Record<string, Example> = {
  origin: { summary: "A sink origin", value: { origin } },
};

const { nextProbeAt: _byHandIsNotProbed, ...byHand } = pausedSink;

export const pausedSinkExamples: Record<string, Example> = {
  paused: { summary: "Paused by an operator", value: { ...byHand, pausedBy: "operator" } },
};

export const resumedSinkExamples: Record<string, Example> = {
  resumed: {
    summary: "Active again; its backlog is due now",
    value: {
      origin,
      state: "active",
      consecutiveFailures: 0,
      recentAttempts: 100,
      recentSuccessRate: 0.93,
      backlog: 4,
    },
  },
};

export const BAD_WINDOW: ErrorExample = {
  code: "INVALID_ARGUMENT",
  summary: "A window over 7 days",
  message: "The window from since to until is at most 7 days: recover a longer outage in several calls.",
};

export const BAD_ORIGIN: ErrorExample = {
  code: "INVALID_ARGUMENT",
  summary: "Not an origin",
  message:
    'origin must be an http or https origin, scheme://host[:port] with no path, such as https://receiver.example:8443; got "https://a.example/x".',
};

export const NOT_OPERATOR: ErrorExample = {
  code: "PERMISSION_DENIED",
  message: "This operation needs the scope openqod:operator, which the credential does not carry.",
};

export const NO_SINK: ErrorExample = {
  code: "NOT_FOUND",
  message:
    "The sink https://application-server.example.com has never failed nor been paused: there is nothing to resume.",
};
