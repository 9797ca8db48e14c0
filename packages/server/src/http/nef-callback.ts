import { Value } from "@sinclair/typebox/value";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import {
  type InvalidParam,
  type ProblemDetails,
  USER_PLANE_EVENTS,
  UserPlaneNotificationData,
} from "../nef/wire.ts";
import type { NetworkEventOutcome, NetworkEventSink } from "../network/adapter.ts";
import { CALLBACK_ROUTE, type CallbackUrls } from "../network/nef/callback-url.ts";
import { networkEventKind } from "../network/nef/events.ts";

export interface NefCallbackOptions {
  callbacks: CallbackUrls;
  /** The core's sink (NetworkAdapter.onEvent); null until it is set, which is a 503. */
  sink: () => NetworkEventSink | null;
}

function problem(reply: FastifyReply, body: ProblemDetails & { status: number }) {
  return reply.status(body.status).type("application/problem+json").send(body);
}

/** Drops the reports of events this version does not know: the spec admits new ones, a receiver ignores them. */
function knownReports(body: unknown): { body: unknown; dropped: number } {
  const reports = (body as { eventReports?: unknown } | null)?.eventReports;
  if (!Array.isArray(reports)) return { body, dropped: 0 };
  const known = reports.filter((r) => {
    const event = (r as { event?: unknown } | null)?.event;
    return typeof event !== "string" || (USER_PLANE_EVENTS as readonly string[]).includes(event);
  });
  return { body: { ...(body as object), eventReports: known }, dropped: reports.length - known.length };
}

/**
 * `POST /network/nef/v1/sessions/:sessionId/notifications/:secret`: where the NEF posts a session's
 * UserPlaneNotificationData. The NEF is the caller, so every answer but the 204 is a TS 29.122
 * ProblemDetails: 403 for a wrong secret, 400 (with invalidParams) for a body that is not a notification,
 * 404 for a session OpenQoD neither has nor is creating (the sink's "unknown"), 503 when the
 * event could not be committed (the NEF may send it again). 204 only after every report is committed.
 * Outside the CAMARA API: no API key (the secret in the URL is the credential), not in the OpenAPI document.
 */
export const nefCallback: FastifyPluginAsync<NefCallbackOptions> = async (app, { callbacks, sink }) => {
  // This route's errors (a body that is not JSON, …) are ProblemDetails too, not CAMARA's ErrorInfo.
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    return problem(reply, {
      status,
      title: status < 500 ? "Bad request" : "Internal error",
      detail: error.message,
    });
  });
  app.post<{ Params: { sessionId: string; secret: string } }>(
    CALLBACK_ROUTE,
    // The secret is a credential: never in the request's log line (logging.ts).
    { schema: { hide: true }, config: { redactParams: ["secret"] } },
    async (request, reply) => {
      const { sessionId, secret } = request.params;
      if (!callbacks.verify(sessionId, secret))
        return problem(reply, {
          status: 403,
          title: "Forbidden",
          detail: "This URL is not a notification destination of OpenQoD.",
        });
      const { body, dropped } = knownReports(request.body);
      if (!Value.Check(UserPlaneNotificationData, body)) {
        if (dropped > 0 && (body as { eventReports: unknown[] }).eventReports.length === 0)
          return reply.status(204).send();
        const invalidParams: InvalidParam[] = [...Value.Errors(UserPlaneNotificationData, body)]
          .slice(0, 5)
          .map((e) => ({ param: e.path === "" ? "/" : e.path, reason: e.message }));
        return problem(reply, {
          status: 400,
          title: "Bad request",
          detail: "The body is not a UserPlaneNotificationData.",
          cause: "INVALID_MSG_FORMAT",
          invalidParams: invalidParams as [InvalidParam, ...InvalidParam[]],
        });
      }
      const apply = sink();
      if (apply === null)
        return problem(reply, {
          status: 503,
          title: "Service unavailable",
          detail: "Not ready for notifications.",
        });
      for (const report of body.eventReports) {
        const kind = networkEventKind(report.event);
        if (kind === null) continue;
        let outcome: NetworkEventOutcome;
        try {
          outcome = await apply({ sessionId, ref: body.transaction, kind, detail: report.event });
        } catch (error) {
          request.log.error({ err: error, sessionId, event: report.event }, "NEF notification not committed");
          return reply.status(503).header("retry-after", "5").type("application/problem+json").send({
            status: 503,
            title: "Service unavailable",
            detail: "The event could not be committed; send it again.",
          });
        }
        // Neither a session nor a create in progress: the NEF should stop notifying (and may delete it).
        if (outcome === "unknown")
          return problem(reply, {
            status: 404,
            title: "Not found",
            detail: "No such session.",
            cause: "SUBSCRIPTION_NOT_FOUND",
          });
      }
      return reply.status(204).send();
    },
  );
};
