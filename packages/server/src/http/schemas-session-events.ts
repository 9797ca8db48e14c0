import { Type } from "@sinclair/typebox";

/**
 * The sessions' stories (`/notifications/v1`, no CAMARA counterpart): a session's timeline and the
 * delivery statistics the dashboard charts. Response schemas list every field.
 */

export const SessionEventKind = Type.Union(
  [
    Type.Literal("created"),
    Type.Literal("granted"),
    Type.Literal("refused"),
    Type.Literal("extended"),
    Type.Literal("ended"),
    Type.Literal("deleted"),
    Type.Literal("removed"),
  ],
  {
    description:
      "created (requested), granted (AVAILABLE), refused (REQUESTED → UNAVAILABLE), extended (duration is the new one), " +
      "ended (AVAILABLE → UNAVAILABLE, statusInfo says why), deleted (by DELETE), removed (gone after the retention of ended sessions).",
  },
);

export const TimelineEvent = Type.Object({
  seq: Type.Integer({ description: "The event's place in the server's stream of events (its SSE id)." }),
  at: Type.String({ format: "date-time" }),
  kind: SessionEventKind,
  qosStatus: Type.String({ description: "The session's status after the event." }),
  statusInfo: Type.Optional(
    Type.String({ description: "Why it ended: DURATION_EXPIRED, NETWORK_TERMINATED, DELETE_REQUESTED." }),
  ),
  duration: Type.Optional(Type.Integer({ description: "The session's duration after the event (s)." })),
  detail: Type.Optional(Type.String()),
});

export const SessionTimeline = Type.Object({
  sessionId: Type.String({ format: "uuid" }),
  events: Type.Array(TimelineEvent, { description: "Oldest first." }),
});

export const DeliveryBucket = Type.Object({
  start: Type.String({ format: "date-time", description: "The minute's start." }),
  delivered: Type.Integer({ description: "Attempts the sink answered 2xx." }),
  failed: Type.Integer({ description: "Every other attempt (an error status, a timeout, no connection)." }),
});

export const DeliveryStats = Type.Object({
  from: Type.String({ format: "date-time" }),
  to: Type.String({ format: "date-time" }),
  bucketSeconds: Type.Literal(60),
  sessions: Type.Object(
    { REQUESTED: Type.Integer(), AVAILABLE: Type.Integer(), UNAVAILABLE: Type.Integer() },
    { description: "The sessions there are now, by status." },
  ),
  deliveries: Type.Array(DeliveryBucket, {
    description: "60 one-minute buckets, oldest first, the current minute last.",
  }),
});
