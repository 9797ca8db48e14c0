import { Type } from "@sinclair/typebox";
import { SessionInfo } from "./schemas.ts";

/**
 * The OpenQoD notifications API (`/notifications/v1`, no CAMARA counterpart): the caller's sessions of
 * every device, each session's notifications with every delivery attempt, and redelivery now.
 * Response schemas list every field, so nothing else (the sink's token) can be serialised.
 */

const SESSION_ID = "0193a5b2-4c1d-7e2f-8a3b-4c5d6e7f8091";
const NOTIFICATION_ID = "0193a5b2-4c1e-7a10-9b2c-3d4e5f607182";

export const NotificationState = Type.Union(
  [Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")],
  {
    description:
      "pending: will be attempted (again). delivered: the sink answered 2xx. failed: will not be attempted again (retries used up, the sink answered 410, or the access token expired first).",
  },
);

export const DeliveryAttempt = Type.Object({
  attemptedAt: Type.String({ format: "date-time" }),
  outcome: Type.Union(
    [Type.Literal("delivered"), Type.Literal("retry"), Type.Literal("gone"), Type.Literal("failed")],
    {
      description: "delivered (2xx), retry (failed; tried again later), gone (410), failed (the last retry)",
    },
  ),
  statusCode: Type.Optional(
    Type.Integer({ description: "The sink's HTTP status; absent when no answer came." }),
  ),
  durationMs: Type.Integer({ description: "How long the attempt took, in milliseconds." }),
  error: Type.Optional(Type.String()),
});

export const Notification = Type.Object(
  {
    id: Type.String({ description: "The CloudEvent id, the same on every attempt." }),
    sessionId: Type.String({ format: "uuid" }),
    qosStatus: Type.Union([Type.Literal("AVAILABLE"), Type.Literal("UNAVAILABLE")]),
    statusInfo: Type.Optional(
      Type.Union([
        Type.Literal("DURATION_EXPIRED"),
        Type.Literal("NETWORK_TERMINATED"),
        Type.Literal("DELETE_REQUESTED"),
      ]),
    ),
    state: NotificationState,
    sink: Type.String({ description: "The sink URL, without credentials, query or fragment." }),
    createdAt: Type.String({ format: "date-time" }),
    nextAttemptAt: Type.Optional(
      Type.String({ format: "date-time", description: "When a pending notification is next attempted." }),
    ),
    attempts: Type.Array(DeliveryAttempt),
  },
  {
    examples: [
      {
        id: NOTIFICATION_ID,
        sessionId: SESSION_ID,
        qosStatus: "UNAVAILABLE",
        statusInfo: "DURATION_EXPIRED",
        state: "pending",
        sink: "https://app.example.com/qod",
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
        ],
      },
    ],
  },
);

export const SessionList = Type.Object({
  sessions: Type.Array(SessionInfo),
  nextCursor: Type.Optional(
    Type.String({ description: "Pass as `cursor` for the next page; absent on the last page." }),
  ),
});

export const SessionListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.String({
        description: "Only sessions in this status: REQUESTED, AVAILABLE or UNAVAILABLE.",
        examples: ["AVAILABLE"],
      }),
    ),
    limit: Type.Optional(
      Type.String({ description: "Sessions per page, 1 to 100.", default: "50", examples: ["50"] }),
    ),
    cursor: Type.Optional(Type.String({ description: "The `nextCursor` of the previous page; opaque." })),
  },
  { additionalProperties: false },
);

export const NotificationList = Type.Object({ notifications: Type.Array(Notification) });

export const NotificationIdParams = Type.Object({
  notificationId: Type.String({ format: "uuid", examples: [NOTIFICATION_ID] }),
});

export const EXAMPLE_SESSION_ID = SESSION_ID;
