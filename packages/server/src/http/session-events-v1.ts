import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../service/session-service.ts";
import type { SessionEventRow } from "../store/session-events.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { BAD_SESSION_ID, errors, NO_KEY, NO_SESSION, NOT_YOURS, success } from "./docs.ts";
import { EventStreams } from "./event-stream.ts";
import { callerOf } from "./owner.ts";
import { SessionIdParams } from "./schemas.ts";
import { SessionTimeline, type TimelineEvent } from "./schemas-session-events.ts";

export interface SessionEventsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
  afterAuth?: AfterAuth | undefined;
}

const tags = ["Notifications"];
const SESSION_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/**
 * Sessions' stories, mounted at /notifications/v1 with the notifications API: a session's timeline,
 * and the live stream of every change to the caller's sessions (server-sent events) the dashboard
 * shows its sessions with. Ownership as everywhere in this API: operators see every client's.
 */
export const sessionEventsV1: FastifyPluginAsync<SessionEventsV1Options> = async (
  app,
  { sessions, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));
  const streams = new EventStreams(sessions.events);
  app.addHook("preClose", async () => {
    sessions.events.feed.stop();
    streams.closeAll();
  });

  app.get<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId/timeline",
    {
      schema: {
        operationId: "getSessionTimeline",
        tags,
        summary: "A session's timeline: its lifecycle, with reasons",
        description:
          "Every change of the session, oldest first: created, granted, refused, extended, ended (with why: DURATION_EXPIRED, NETWORK_TERMINATED, …), deleted, removed. " +
          "Still answered after the session has gone, until its events pass the delivery retention.",
        params: SessionIdParams,
        response: {
          200: success(SessionTimeline, "The session's events", {
            expired: {
              summary: "Created, granted, extended, expired",
              value: {
                sessionId: SESSION_ID,
                events: [
                  {
                    seq: 1,
                    at: "2026-06-01T12:00:00.000Z",
                    kind: "created",
                    qosStatus: "REQUESTED",
                    duration: 60,
                  },
                  {
                    seq: 2,
                    at: "2026-06-01T12:00:00.000Z",
                    kind: "granted",
                    qosStatus: "AVAILABLE",
                    duration: 60,
                  },
                  {
                    seq: 5,
                    at: "2026-06-01T12:00:30.000Z",
                    kind: "extended",
                    qosStatus: "AVAILABLE",
                    duration: 120,
                  },
                  {
                    seq: 9,
                    at: "2026-06-01T12:02:00.000Z",
                    kind: "ended",
                    qosStatus: "UNAVAILABLE",
                    statusInfo: "DURATION_EXPIRED",
                    duration: 120,
                  },
                ],
              },
            },
          }),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request) => {
      const { sessionId } = request.params;
      const events = await sessions.events.timeline(callerOf(request), sessionId);
      return { sessionId, events: events.map(toTimelineEvent) };
    },
  );

  app.get(
    "/session-events",
    {
      schema: {
        operationId: "streamSessionEvents",
        tags,
        summary: "Every change to the caller's sessions, live (server-sent events)",
        description:
          "A `text/event-stream`: each change is an event `id: <seq>`, `event: session`, `data: {seq, kind, at, sessionId, session}` where `session` is the session as listSessions shows it now (null once deleted or removed). " +
          "A comment `: ping` every 15 s keeps proxies from closing it. Send `Last-Event-ID` (the last id seen) to get the events missed since (at most 1 000) before the live ones; without it the stream starts from now. " +
          "Changes made on any instance sharing the database arrive within about a second. At most 20 streams per API client (429).",
        response: {
          200: success(Type.String(), "A text/event-stream, open until the client or the server closes it", {
            granted: {
              summary: "One event",
              value: `id: 2\nevent: session\ndata: {"seq":2,"kind":"granted","at":"2026-06-01T12:00:00.000Z","sessionId":"${SESSION_ID}","session":{"sessionId":"${SESSION_ID}","qosStatus":"AVAILABLE"}}\n\n`,
            },
          }),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "A Last-Event-ID that is not an event id",
              message: "Last-Event-ID must be the id of an event this stream sent.",
            },
            NO_KEY,
            {
              code: "TOO_MANY_REQUESTS",
              summary: "Too many streams open",
              message: "At most 20 event streams may be open per API client; close one first.",
            },
          ),
        },
      },
    },
    (request, reply) => streams.open(request, reply),
  );
};

function toTimelineEvent(row: SessionEventRow): Static<typeof TimelineEvent> {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    kind: row.kind,
    qosStatus: row.qos_status,
    ...(row.status_info === null ? {} : { statusInfo: row.status_info }),
    ...(row.duration === null ? {} : { duration: row.duration }),
    ...(row.detail === null ? {} : { detail: row.detail }),
  };
}
