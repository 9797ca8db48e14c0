import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../service/session-service.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { BAD_SESSION_ID, errors, NO_KEY, NO_SESSION, NOT_YOURS, success } from "./docs.ts";
import {
  BAD_NOTIFICATION_ID,
  NO_NOTIFICATION,
  notificationListExamples,
  redeliveredExamples,
  sessionPageExamples,
  TOKEN_EXPIRED,
} from "./notification-examples.ts";
import { asSeenBy, callerOf } from "./owner.ts";
import { SessionIdParams } from "./schemas.ts";
import {
  NotificationIdParams,
  NotificationList,
  Notification as NotificationSchema,
  SessionList,
  SessionListQuery,
} from "./schemas-notifications.ts";
import { toSessionInfo } from "./session-info-v1.ts";
import { encodeCursor, parseSessionListQuery } from "./session-list-query.ts";

export interface NotificationsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["Notifications"];
/**
 * OpenQoD's notifications API, mounted at /notifications/v1 (CAMARA has none): what an API client
 * needs to see and repair its webhook deliveries. Every operation sees only the caller's own sessions;
 * an operator (`openqod:operator`) sees every client's. Recovery and sinks: notification-ops-v1.ts.
 */
export const notificationsV1: FastifyPluginAsync<NotificationsV1Options> = async (
  app,
  { sessions, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

  app.get<{ Querystring: Static<typeof SessionListQuery> }>(
    "/sessions",
    {
      schema: {
        operationId: "listSessions",
        tags,
        summary: "The caller's sessions, of every device",
        description:
          "Every session of the calling API client, whatever its device, oldest first (by id; ids are UUIDv7, ordered by creation), in pages. " +
          "An operator (scope openqod:operator) sees every client's, or one client's with `clientId`. " +
          "Filter by status, by one device identifier (phoneNumber, ipv4Address: the public address, ipv6Address) and by creation time (createdAfter inclusive, createdBefore exclusive). " +
          "Ended sessions are listed until they are removed (360 s after they end, by default). Follow `nextCursor` until it is absent.",
        querystring: SessionListQuery,
        response: {
          200: success(SessionList, "A page of the caller's sessions", sessionPageExamples),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "An unknown status",
              message: 'status must be one of REQUESTED, AVAILABLE, UNAVAILABLE; got "ENDED".',
            },
            {
              code: "INVALID_ARGUMENT",
              summary: "A limit out of range",
              message: 'limit must be a whole number from 1 to 100; got "500".',
            },
            {
              code: "INVALID_ARGUMENT",
              summary: "A time that is not RFC 3339",
              message:
                'createdAfter must be an RFC 3339 date-time such as 2026-06-01T12:00:00Z; got "yesterday".',
            },
            NO_KEY,
            {
              code: "PERMISSION_DENIED",
              summary: "Another client's sessions, asked by a client",
              message: "Only an operator may list another API client's sessions.",
            },
          ),
        },
      },
    },
    async (request) => {
      const query = parseSessionListQuery(request.query);
      const page = await sessions.list(callerOf(request), query);
      const last = page.sessions.at(-1);
      return {
        sessions: page.sessions.map((s) => asSeenBy(request, toSessionInfo(s))),
        ...(page.more && last !== undefined ? { nextCursor: encodeCursor(last.id) } : {}),
      };
    },
  );

  app.get<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId/notifications",
    {
      schema: {
        operationId: "listSessionNotifications",
        tags,
        summary: "A session's notifications and every delivery attempt",
        description:
          "Each status-change notification of the session, oldest first, with its delivery state (pending, paused, delivered, failed, expired), " +
          "its next attempt if pending, why its last attempt failed, and every attempt (time, outcome, HTTP status or error, duration, " +
          "the first 512 bytes of the answer with the credential sent blanked, and whether it was a paused sink's probe). " +
          "Still answered after the session itself has been removed. Never shows the sink's token.",
        params: SessionIdParams,
        response: {
          200: success(NotificationList, "The session's notifications", notificationListExamples),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request) => ({
      notifications: await sessions.notifications.ofSession(callerOf(request), request.params.sessionId),
    }),
  );

  app.post<{ Params: Static<typeof NotificationIdParams> }>(
    "/notifications/:notificationId/redeliver",
    {
      schema: {
        operationId: "redeliverNotification",
        tags,
        summary: "Attempt a notification again, now",
        description:
          "Makes the notification due now; the server attempts it at once, with the same id and body, and records the attempt like any other. " +
          "Pending: attempted now (after the session's earlier pending notifications, which are made due too, so the order holds). " +
          "Failed or delivered: sent again, with a fresh retry schedule. " +
          "409 CONFLICT when the sink's access token has expired (nothing may be sent with it).",
        params: NotificationIdParams,
        response: {
          202: success(NotificationSchema, "The notification, due now", redeliveredExamples),
          ...errors(BAD_NOTIFICATION_ID, NO_KEY, NOT_YOURS, NO_NOTIFICATION, TOKEN_EXPIRED),
        },
      },
    },
    async (request, reply) => {
      const notification = await sessions.notifications.redeliver(
        callerOf(request),
        request.params.notificationId,
      );
      return reply.status(202).send(notification);
    },
  );
};
