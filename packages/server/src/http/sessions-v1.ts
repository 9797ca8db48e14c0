import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../service/session-service.ts";
import { type Authenticator, requireAuth } from "./auth.ts";
import {
  CreateSession,
  ExtendSessionDuration,
  errorResponses,
  RetrieveSessionsInput,
  SessionIdParams,
  SessionInfo,
} from "./schemas.ts";
import { toSessionInfo } from "./session-info-v1.ts";

export interface SessionsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
}

const tags = ["QoS Sessions"];

/** CAMARA Quality-On-Demand 1.1.0, mounted at /quality-on-demand/v1. */
export const sessionsV1: FastifyPluginAsync<SessionsV1Options> = async (app, { sessions, authenticator }) => {
  app.addHook("preHandler", requireAuth(authenticator));

  app.post<{ Body: Static<typeof CreateSession> }>(
    "/sessions",
    {
      schema: {
        operationId: "createSession",
        tags,
        body: CreateSession,
        response: { 201: SessionInfo, ...errorResponses(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (request, reply) => {
      const session = await sessions.create(request.principal.clientId, request.body, "v1");
      return reply.status(201).send(toSessionInfo(session));
    },
  );

  app.get<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        operationId: "getSession",
        tags,
        params: SessionIdParams,
        response: { 200: SessionInfo, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      toSessionInfo(await sessions.get(request.principal.clientId, request.params.sessionId)),
  );

  app.delete<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        operationId: "deleteSession",
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
        operationId: "extendQosSessionDuration",
        tags,
        params: SessionIdParams,
        body: ExtendSessionDuration,
        response: { 200: SessionInfo, ...errorResponses(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) =>
      toSessionInfo(
        await sessions.extend(
          request.principal.clientId,
          request.params.sessionId,
          request.body.requestedAdditionalDuration,
        ),
      ),
  );

  app.post<{ Body: Static<typeof RetrieveSessionsInput> }>(
    "/retrieve-sessions",
    {
      schema: {
        operationId: "retrieveSessionsByDevice",
        tags,
        body: RetrieveSessionsInput,
        response: { 200: Type.Array(SessionInfo), ...errorResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (request) => {
      const found = await sessions.retrieve(request.principal.clientId, request.body.device);
      return found.map(toSessionInfo);
    },
  );
};
