import { Type } from "@sinclair/typebox";
import { SessionInfo } from "./schemas.ts";

/**
 * The OpenQoD notifications API (`/notifications/v1`, no CAMARA counterpart): the caller's sessions of
 * every device, each session's notifications with every delivery attempt, and redelivery now.
 * Response schemas list every field, so nothing else (the sink's token) can be serialised.
 */

export const NotificationState = Type.Union(
  [
    Type.Literal("pending"),
    Type.Literal("delivered"),
    Type.Literal("failed"),
    Type.Literal("expired"),
    Type.Literal("paused"),
  ],
  {
    description:
      "pending: will be attempted (again). paused: pending, but its sink is paused (by its circuit breaker or an operator); it keeps its place and goes out when the sink resumes. " +
      "delivered: the sink answered 2xx. failed: will not be attempted again (retries used up, or the sink answered 410). " +
      "expired: never delivered and no longer attempted: its access token expired, or it outlived the retry horizon while its sink was paused (`lastError` says which).",
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
  responseExcerpt: Type.Optional(
    Type.String({
      description:
        "The start of the sink's answer (at most 512 bytes as UTF-8), with the credential sent blanked out as [redacted]; absent when the answer had no body.",
    }),
  ),
  probe: Type.Optional(
    Type.Literal(true, {
      description:
        "true when the attempt was a paused sink's probe: its success resumed the sink; its failure kept it paused without using up a retry.",
    }),
  ),
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
  lastError: Type.Optional(
    Type.String({ description: "Why its last attempt failed, or why it settled without one (expired)." }),
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
    phoneNumber: Type.Optional(
      Type.String({
        description: "Only this device's sessions, by phone number (E.164, leading +).",
        examples: ["+123456789"],
      }),
    ),
    ipv4Address: Type.Optional(
      Type.String({
        description:
          "Only sessions of devices with this public IPv4 address, whatever their private address or port.",
        examples: ["203.0.113.7"],
      }),
    ),
    ipv6Address: Type.Optional(
      Type.String({
        description: "Only this device's sessions, by IPv6 address.",
        examples: ["2001:db8::1"],
      }),
    ),
    createdAfter: Type.Optional(
      Type.String({
        description: "Only sessions created at or after this time (RFC 3339).",
        examples: ["2026-06-01T00:00:00Z"],
      }),
    ),
    createdBefore: Type.Optional(
      Type.String({
        description: "Only sessions created before this time (RFC 3339).",
        examples: ["2026-06-02T00:00:00Z"],
      }),
    ),
    clientId: Type.Optional(
      Type.String({
        description:
          "Only this API client's sessions. For operators (`openqod:operator`); any other caller may name only itself (else 403).",
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

export const RecoverRequest = Type.Object(
  {
    sink: Type.Optional(
      Type.String({
        description: "The sink URL, as the notifications show it (no query); or give `origin`.",
      }),
    ),
    origin: Type.Optional(
      Type.String({ description: "Every sink of this origin, scheme://host[:port]; or give `sink`." }),
    ),
    since: Type.String({ format: "date-time", description: "Notifications created at or after this time." }),
    until: Type.Optional(
      Type.String({
        format: "date-time",
        description: "Notifications created before this time; at most 7 days after `since`. Default: now.",
      }),
    ),
    cursor: Type.Optional(
      Type.String({
        description:
          "The `nextCursor` of the previous answer, with the same sink or origin, `since` and `until`: goes on after what that call took.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const RecoverResult = Type.Object({
  recovered: Type.Integer({ description: "Failed or expired notifications made pending again, due now." }),
  alreadyPending: Type.Integer({
    description: "Pending notifications (waiting to retry, or paused) made due now.",
  }),
  skipped: Type.Integer({
    description:
      "Not sent: the access token has expired, or settling removed it and the session no longer holds one for the sink.",
  }),
  more: Type.Boolean({
    description: "More than 1000 matched: call again with the same request and `cursor` = `nextCursor`.",
  }),
  nextCursor: Type.Optional(
    Type.String({ description: "Opaque (base64url); present while `more` is true." }),
  ),
});

export const Sink = Type.Object({
  origin: Type.String({
    description: "scheme://host[:port]: the unit that fails, pauses and resumes together.",
  }),
  state: Type.Union([Type.Literal("active"), Type.Literal("paused")]),
  pausedBy: Type.Optional(
    Type.Union([Type.Literal("breaker"), Type.Literal("operator")], {
      description:
        "breaker: after sustained failure; probed and resumed by itself. operator: by hand; resumed by hand only.",
    }),
  ),
  pausedAt: Type.Optional(Type.String({ format: "date-time" })),
  nextProbeAt: Type.Optional(
    Type.String({ format: "date-time", description: "When a breaker-paused sink is next probed." }),
  ),
  consecutiveFailures: Type.Integer({ description: "Failed attempts since its last success." }),
  failingSince: Type.Optional(Type.String({ format: "date-time" })),
  lastSuccessAt: Type.Optional(Type.String({ format: "date-time" })),
  lastFailureAt: Type.Optional(Type.String({ format: "date-time" })),
  recentAttempts: Type.Integer({ description: "How many of its newest 100 attempts there are." }),
  recentSuccessRate: Type.Optional(
    Type.Number({ description: "The share of those delivered, 0 to 1; absent with no attempts." }),
  ),
  backlog: Type.Integer({
    description: "The caller's pending notifications to it (an operator's: everyone's).",
  }),
});

export const SinkList = Type.Object({ sinks: Type.Array(Sink) });

export const SinkOriginBody = Type.Object(
  { origin: Type.String({ description: "The sink origin, scheme://host[:port]." }) },
  { additionalProperties: false },
);
