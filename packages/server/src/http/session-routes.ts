import { type Static, type TSchema, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { SessionRecord } from "../domain/types.ts";
import type { ExtensionPolicy, SessionService } from "../service/session-service.ts";
import {
  BAD_SESSION_ID,
  type ErrorExample,
  type Example,
  errors,
  NO_KEY,
  NO_SESSION,
  NOT_JSON,
  NOT_YOURS,
  success,
  withExamples,
} from "./docs.ts";
import { extendExamples, retrieveSessionsExamples } from "./examples.ts";
import { asSeenBy } from "./owner.ts";
import { ExtendSessionDuration, RetrieveSessionsInput, SessionIdParams } from "./schemas.ts";

/** What an operation says about itself in the OpenAPI document. */
export interface OperationDocs {
  summary: string;
  description: string;
  operationId: string;
}

/**
 * How one dialect shows a session to the operations both dialects share: its response schema, the
 * renderer that fills it, and each operation's documentation and examples.
 */
export interface SessionDialect<Info extends TSchema> {
  tags: string[];
  sessionInfo: Info;
  render(session: SessionRecord): Static<Info>;
  get: OperationDocs & { examples: Record<string, Example> };
  delete: OperationDocs;
  extend: OperationDocs & { examples: Record<string, Example>; policy?: ExtensionPolicy };
  retrieve: OperationDocs & { examples: Record<string, Example>; errors: ErrorExample[] };
}

/** The errors an extension answers, in either dialect. A function: each route gets its own schemas. */
const extendErrors = () =>
  errors(
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
  );

/**
 * Registers read, delete, extend and find-by-device of sessions, which both dialects shape alike:
 * same paths, parameters, bodies and status codes. What differs comes in `dialect`: how a session is
 * rendered, the documentation and examples, the find's error examples and the extension policy.
 * Call it after the dialect's create, so the OpenAPI document lists the operations in that order.
 */
export function sessionRoutes<Info extends TSchema>(
  app: FastifyInstance,
  sessions: SessionService,
  dialect: SessionDialect<Info>,
): void {
  const { tags, sessionInfo, render } = dialect;
  const docs = ({ summary, description, operationId }: OperationDocs) => ({
    summary,
    description,
    operationId,
    tags,
  });

  app.get<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        ...docs(dialect.get),
        params: SessionIdParams,
        response: {
          200: success(sessionInfo, "The session", dialect.get.examples),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request) => asSeenBy(request, render(await sessions.get(request.owner, request.params.sessionId))),
  );

  app.delete<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId",
    {
      schema: {
        ...docs(dialect.delete),
        params: SessionIdParams,
        response: {
          204: Type.Null({ "x-response-description": "Deleted" }),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION),
        },
      },
    },
    async (request, reply) => {
      await sessions.delete(request.owner, request.params.sessionId);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: Static<typeof SessionIdParams>; Body: Static<typeof ExtendSessionDuration> }>(
    "/sessions/:sessionId/extend",
    {
      schema: {
        ...docs(dialect.extend),
        params: SessionIdParams,
        body: withExamples(ExtendSessionDuration, extendExamples),
        response: {
          200: success(
            sessionInfo,
            "The session, with its new duration and expiresAt",
            dialect.extend.examples,
          ),
          ...extendErrors(),
        },
      },
    },
    async (request) =>
      asSeenBy(
        request,
        render(
          await sessions.extend(
            request.owner,
            request.params.sessionId,
            request.body.requestedAdditionalDuration,
            dialect.extend.policy,
          ),
        ),
      ),
  );

  app.post<{ Body: Static<typeof RetrieveSessionsInput> }>(
    "/retrieve-sessions",
    {
      schema: {
        ...docs(dialect.retrieve),
        body: withExamples(RetrieveSessionsInput, retrieveSessionsExamples),
        response: {
          200: success(
            Type.Array(sessionInfo),
            "The device's sessions; none is []",
            dialect.retrieve.examples,
          ),
          ...errors(...dialect.retrieve.errors),
        },
      },
    },
    async (request) =>
      (await sessions.retrieve(request.owner, request.body.device)).map((s) => asSeenBy(request, render(s))),
  );
}
