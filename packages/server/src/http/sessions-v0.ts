import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import type { SessionService } from "../service/session-service.ts";
import { type Authenticator, requireAuth } from "./auth.ts";
import { ExtendSessionDuration, errorResponses, RetrieveSessionsInput, SessionIdParams } from "./schemas.ts";
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
        operationId: "createSessionV0",
        tags,
        body: CreateSessionV0,
        response: { 201: SessionInfoV0, ...errorResponses(400, 401, 403, 404, 409, 415, 422) },
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
        operationId: "getSessionV0",
        tags,
        params: SessionIdParams,
        response: { 200: SessionInfoV0, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      toSessionInfoV0(await sessions.get(request.principal.clientId, request.params.sessionId)),
  );

  app.delete<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        operationId: "deleteSessionV0",
        tags,
        params: SessionIdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
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
        operationId: "extendSessionV0",
        tags,
        params: SessionIdParams,
        body: ExtendSessionDuration,
        response: { 200: SessionInfoV0, ...errorResponses(400, 401, 403, 404, 409, 415) },
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
        operationId: "retrieveSessionsV0",
        tags,
        body: RetrieveSessionsInput,
        response: { 200: Type.Array(SessionInfoV0), ...errorResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request) =>
      (await sessions.retrieve(request.principal.clientId, request.body.device)).map((s) =>
        toSessionInfoV0(s),
      ),
  );
};
