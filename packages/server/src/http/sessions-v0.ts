import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import type { SessionService } from "../service/session-service.ts";
import { type Authenticator, requireAuth } from "./auth.ts";
import {
  BAD_SESSION_ID,
  type ErrorExample,
  errors,
  NO_KEY,
  NO_SESSION,
  NOT_JSON,
  NOT_YOURS,
  success,
  withExamples,
} from "./docs.ts";
import {
  createdSessionV0Examples,
  createSessionV0Examples,
  extendExamples,
  extendedSessionV0Examples,
  retrieveSessionsExamples,
  sessionListV0Examples,
  sessionV0Examples,
} from "./examples.ts";
import { ExtendSessionDuration, RetrieveSessionsInput, SessionIdParams } from "./schemas.ts";
import { CreateSessionV0, type Message, SessionInfoV0 } from "./schemas-v0.ts";
import { toSessionInfoV0 } from "./session-info-v0.ts";

export interface SessionsV0Options {
  sessions: SessionService;
  profiles: ProfileCatalogue;
  authenticator: Authenticator;
}

/** Network-as-Code sessions last at most a day, and that is also the default. */
const V0_MAX_DURATION = 86_400;
const tags = ["QoS Sessions (Network as Code v0)"];

const BAD_URL: ErrorExample = {
  code: "INVALID_ARGUMENT",
  summary: "A field breaks the schema",
  message: "webhook.notificationUrl must be an absolute URL, e.g. https://app.example.com/notifications",
};
const NO_DEVICE: ErrorExample = {
  code: "MISSING_IDENTIFIER",
  message: "The device cannot be identified: provide a `device` object.",
};

/**
 * The Network-as-Code QoD dialect (CAMARA QoD v0.10 bodies), mounted at /qod/v0. Same store, rules
 * and errors as v1: a session is one session whichever dialect created it.
 */
export const sessionsV0: FastifyPluginAsync<SessionsV0Options> = async (
  app,
  { sessions, profiles, authenticator },
) => {
  app.addHook("preHandler", requireAuth(authenticator));

  app.post<{ Body: Static<typeof CreateSessionV0> }>(
    "/sessions",
    {
      schema: {
        summary: "Create a QoS session (Network as Code)",
        description:
          "The v1 create in the v0.10 body Network-as-Code SDKs send: `webhook.notificationUrl` and a plain `notificationAuthToken` instead of `sink`/`sinkCredential`, times in Unix seconds. Without `duration` the session lasts the profile's maximum, at most a day, and `messages` says so. Same rules and errors as v1.",
        operationId: "createSessionV0",
        tags,
        body: withExamples(CreateSessionV0, createSessionV0Examples),
        response: {
          201: success(SessionInfoV0, "The session, with its id", createdSessionV0Examples),
          ...errors(
            BAD_URL,
            {
              code: "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
              message:
                "The requested duration (90000 s) is out of the allowed range for QoS profile QOS_L: 1 to 86400 s.",
            },
            NO_KEY,
            "IDENTIFIER_NOT_FOUND",
            {
              code: "CONFLICT",
              message:
                "Conflict with an existing session for the same device: session 3fa85f64-5717-4562-b3fc-2c963f66afa6 (AVAILABLE) covers an overlapping flow. Delete it first.",
            },
            NOT_JSON,
            NO_DEVICE,
          ),
        },
      },
    },
    async (request, reply) => {
      const { webhook, duration, ...rest } = request.body;
      const messages: Message[] = [];
      let granted = duration;
      if (granted === undefined) {
        const profile = profiles.get(rest.qosProfile);
        granted = Math.min(V0_MAX_DURATION, profile ? profiles.durationLimits(profile).max : V0_MAX_DURATION);
        messages.push({
          severity: "INFO",
          description: `No duration was given: the session lasts ${granted} s.`,
        });
      }
      const session = await sessions.create(
        request.principal.clientId,
        {
          ...rest,
          duration: granted,
          ...(webhook === undefined ? {} : { sink: webhook.notificationUrl }),
          ...(webhook?.notificationAuthToken === undefined
            ? {}
            : { webhookToken: webhook.notificationAuthToken }),
        },
        "v0",
        { maxDuration: V0_MAX_DURATION },
      );
      return reply.status(201).send(toSessionInfoV0(session, messages));
    },
  );

  app.get<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        summary: "Read a QoS session (Network as Code)",
        description: "The session in the v0 dialect, whichever dialect created it; times in Unix seconds.",
        operationId: "getSessionV0",
        tags,
        params: SessionIdParams,
        response: {
          200: success(SessionInfoV0, "The session", sessionV0Examples),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request) =>
      toSessionInfoV0(await sessions.get(request.principal.clientId, request.params.sessionId)),
  );

  app.delete<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        summary: "Delete a QoS session (Network as Code)",
        description:
          "Ends the session, as v1 does: an `AVAILABLE` session is notified as `UNAVAILABLE` / `DELETE_REQUESTED`.",
        operationId: "deleteSessionV0",
        tags,
        params: SessionIdParams,
        response: {
          204: Type.Null({ "x-response-description": "Deleted" }),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request, reply) => {
      await sessions.delete(request.principal.clientId, request.params.sessionId);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: Static<typeof SessionIdParams>; Body: Static<typeof ExtendSessionDuration> }>(
    "/sessions/:sessionId/extend",
    {
      schema: {
        summary: "Extend a QoS session (Network as Code)",
        description:
          "Adds `requestedAdditionalDuration` seconds to an `AVAILABLE` session, capped so that it ends at most a day after it started.",
        operationId: "extendSessionV0",
        tags,
        params: SessionIdParams,
        body: withExamples(ExtendSessionDuration, extendExamples),
        response: {
          200: success(
            SessionInfoV0,
            "The session, with its new duration and expiresAt",
            extendedSessionV0Examples,
          ),
          ...errors(
            {
              code: "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
              message: "requestedAdditionalDuration must be at least 1 second; got 0.",
            },
            NO_KEY,
            NOT_YOURS,
            NO_SESSION,
            {
              code: "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
              message:
                "Extending the session duration is not allowed in the current state (UNAVAILABLE). The session must be in the AVAILABLE state.",
            },
            NOT_JSON,
          ),
        },
      },
    },
    async (request) =>
      toSessionInfoV0(
        await sessions.extend(
          request.principal.clientId,
          request.params.sessionId,
          request.body.requestedAdditionalDuration,
          "remaining-day",
        ),
      ),
  );

  app.post<{ Body: Static<typeof RetrieveSessionsInput> }>(
    "/retrieve-sessions",
    {
      schema: {
        summary: "Find a device's QoS sessions (Network as Code)",
        description: "The caller's sessions of one device, in the v0 dialect.",
        operationId: "retrieveSessionsV0",
        tags,
        body: withExamples(RetrieveSessionsInput, retrieveSessionsExamples),
        response: {
          200: success(Type.Array(SessionInfoV0), "The device's sessions; none is []", sessionListV0Examples),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "A field breaks the schema",
              message:
                "device: give at least one of phoneNumber, ipv4Address, ipv6Address or networkAccessIdentifier",
            },
            NO_KEY,
            "IDENTIFIER_NOT_FOUND",
            NOT_JSON,
            NO_DEVICE,
          ),
        },
      },
    },
    async (request) =>
      (await sessions.retrieve(request.principal.clientId, request.body.device)).map((s) =>
        toSessionInfoV0(s),
      ),
  );
};
