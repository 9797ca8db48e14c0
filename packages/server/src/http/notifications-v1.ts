import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { QosStatus } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
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
import { asSeenBy } from "./owner.ts";
import { SessionIdParams } from "./schemas.ts";
import {
  NotificationIdParams,
  NotificationList,
  Notification as NotificationSchema,
  SessionList,
  SessionListQuery,
} from "./schemas-notifications.ts";
import { toSessionInfo } from "./session-info-v1.ts";

export interface NotificationsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["Notifications"];
const STATUSES: readonly QosStatus[] = ["REQUESTED", "AVAILABLE", "UNAVAILABLE"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** @default page size */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

/** The cursor is the last session id of a page, base64url-encoded so callers treat it as opaque. */
const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url");

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!UUID.test(id)) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      "cursor is not one this API returned: pass the nextCursor of the previous page, or leave it out to start again.",
    );
  }
  return id;
}

function parseQuery(query: Static<typeof SessionListQuery>): {
  status?: QosStatus;
  afterId?: string;
  limit: number;
} {
  const parsed: { status?: QosStatus; afterId?: string; limit: number } = { limit: DEFAULT_LIMIT };
  if (query.status !== undefined) {
    const status = STATUSES.find((s) => s === query.status);
    if (status === undefined) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `status must be one of ${STATUSES.join(", ")}; got "${query.status}".`,
      );
    }
    parsed.status = status;
  }
  if (query.limit !== undefined) {
    const limit = /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `limit must be a whole number from 1 to ${MAX_LIMIT}; got "${query.limit}".`,
      );
    }
    parsed.limit = limit;
  }
  if (query.cursor !== undefined) parsed.afterId = decodeCursor(query.cursor);
  return parsed;
}

/**
 * OpenQoD's notifications API, mounted at /notifications/v1 (CAMARA has none): what an API client
 * needs to see and repair its webhook deliveries. Every operation sees only the caller's own sessions.
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
            NO_KEY,
          ),
        },
      },
    },
    async (request) => {
      const query = parseQuery(request.query);
      const page = await sessions.list(request.owner, query);
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
          "Each status-change notification of the session, oldest first, with its delivery state (pending, delivered, failed), " +
          "its next attempt if pending, and every attempt (time, outcome, HTTP status or error, duration). " +
          "Still answered after the session itself has been removed. Never shows the sink's token.",
        params: SessionIdParams,
        response: {
          200: success(NotificationList, "The session's notifications", notificationListExamples),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request) => ({
      notifications: await sessions.notifications.ofSession(request.owner, request.params.sessionId),
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
        request.owner,
        request.params.notificationId,
      );
      return reply.status(202).send(notification);
    },
  );
};
