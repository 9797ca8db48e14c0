import { Type } from "@sinclair/typebox";
import { SessionInfo } from "./schemas.ts";

/**
 * The OpenQoD notifications API (`/notifications/v1`, no CAMARA counterpart): the caller's sessions of
 * every device, each session's notifications with every delivery attempt, and redelivery now.
 * Response schemas list every field, so nothing else (the sink's token) can be serialised.
 */

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

export const Notification = Type.Object({
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
});

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
  notificationId: Type.String({ format: "uuid", description: "The notification's id (its CloudEvent id)." }),
});
