import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../service/session-service.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";
import {
  BAD_ORIGIN,
  BAD_WINDOW,
  NO_SINK,
  NOT_OPERATOR,
  pausedSinkExamples,
  recoverExamples,
  recoverRequestExamples,
  resumedSinkExamples,
  sinkListExamples,
  sinkOriginExamples,
} from "./notification-examples.ts";
import { callerOf } from "./owner.ts";
import { RecoverRequest, RecoverResult, Sink, SinkList, SinkOriginBody } from "./schemas-notifications.ts";
import { parseTime } from "./session-list-query.ts";

export interface NotificationOpsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["Notifications"];

/**
 * The delivery operations of /notifications/v1: recovering what a sink missed, and each sink origin's
 * health, paused and resumed by operators. Beside notifications-v1.ts, under the same prefix.
 */
export const notificationOpsV1: FastifyPluginAsync<NotificationOpsV1Options> = async (
  app,
  { sessions, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));
  const notifications = sessions.notifications;

  app.post<{ Body: Static<typeof RecoverRequest> }>(
    "/recover",
    {
      schema: {
        operationId: "recoverNotifications",
        tags,
        summary: "Send again everything a sink missed between two times",
        description:
          "Every notification of the caller's sessions (an operator's: every client's) to one sink (`sink`, its URL as the notifications show it) " +
          "or one origin (`origin`) that was never delivered, created in [since, until): failed and expired ones become pending again with a fresh retry schedule, " +
          "pending ones (waiting to retry, or paused) become due now; each session's go in order. Delivered ones are never sent again, and ones whose access token has expired are skipped. " +
          "The window is at most 7 days (`until` defaults to now). One call takes at most 1000, oldest first; while `more` is true, send the same request again with `cursor` = `nextCursor`; a cursor that is not one this API gave is 400. " +
          "Idempotent: a second call finds the first one's notifications pending or delivered, so each is sent once. On a paused sink they wait for it to resume.",
        body: withExamples(RecoverRequest, recoverRequestExamples),
        response: {
          202: success(RecoverResult, "What was made due now", recoverExamples),
          ...errors(
            BAD_WINDOW,
            {
              code: "INVALID_ARGUMENT",
              summary: "Neither or both of sink and origin",
              message:
                "Name exactly one of sink (a sink URL, as the notifications show it) and origin (scheme://host[:port]).",
            },
            {
              code: "INVALID_ARGUMENT",
              summary: "A cursor the API did not give",
              message: "cursor must be a nextCursor of an earlier recovery, unchanged.",
            },
            NO_KEY,
            NOT_JSON,
          ),
        },
      },
    },
    async (request, reply) => {
      const { sink, origin, since, until, cursor } = request.body;
      const outcome = await notifications.recover(callerOf(request), {
        ...(sink === undefined ? {} : { sink }),
        ...(origin === undefined ? {} : { origin }),
        since: parseTime("since", since),
        ...(until === undefined ? {} : { until: parseTime("until", until) }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return reply.status(202).send(outcome);
    },
  );

  app.get(
    "/sinks",
    {
      schema: {
        operationId: "listSinks",
        tags,
        summary: "The health of each sink origin the caller's notifications go to",
        description:
          "Per sink origin (scheme://host[:port], what fails and pauses together), by origin, at most 500: whether it is active or paused (by its circuit breaker, or by an operator), " +
          "its next probe, its consecutive failures since its last success, its last success and failure, the share of its newest 100 attempts delivered, and the caller's backlog of pending notifications to it. " +
          "An operator sees every origin; a client those its own notifications go to (health is the origin's, across clients; the backlog is the caller's). " +
          "A token bound to one device gets 403: sinks are the whole client's.",
        response: {
          200: success(SinkList, "The sinks, by origin", sinkListExamples),
          ...errors(NO_KEY, {
            code: "PERMISSION_DENIED",
            summary: "A token bound to a device",
            message:
              "Sinks belong to the whole API client: use its own credential, not a token bound to a device.",
          }),
        },
      },
    },
    async (request) => ({ sinks: await notifications.sinks(callerOf(request)) }),
  );

  app.post<{ Body: Static<typeof SinkOriginBody> }>(
    "/sinks/pause",
    {
      schema: {
        operationId: "pauseSink",
        tags,
        summary: "Pause a sink origin by hand (operators)",
        description:
          "Nothing is attempted at the origin, not even a circuit breaker's probe, until an operator resumes it; its notifications stay queued in order " +
          "(they still expire with their access token, or past the retry horizon). An origin not yet seen may be paused ahead. Needs the scope openqod:operator.",
        body: withExamples(SinkOriginBody, sinkOriginExamples),
        response: {
          200: success(Sink, "The sink, paused", pausedSinkExamples),
          ...errors(BAD_ORIGIN, NO_KEY, NOT_OPERATOR, NOT_JSON),
        },
      },
    },
    async (request) => notifications.pauseSink(callerOf(request), request.body.origin),
  );

  app.post<{ Body: Static<typeof SinkOriginBody> }>(
    "/sinks/resume",
    {
      schema: {
        operationId: "resumeSink",
        tags,
        summary: "Resume a paused sink origin (operators)",
        description:
          "Resumes an origin paused by hand or by its circuit breaker: its failures are forgotten and its whole backlog is due now, sent at once, each session's in order. " +
          "An origin that is active already is left as it is (its failures and retry times too) and answered with its state: resuming twice is harmless. " +
          "404 NOT_FOUND for an origin with no record (it never failed nor was paused, or not within the delivery retention). Needs the scope openqod:operator.",
        body: withExamples(SinkOriginBody, sinkOriginExamples),
        response: {
          200: success(Sink, "The sink, active", resumedSinkExamples),
          ...errors(BAD_ORIGIN, NO_KEY, NOT_OPERATOR, NO_SINK, NOT_JSON),
        },
      },
    },
    async (request) => notifications.resumeSink(callerOf(request), request.body.origin),
  );
};
