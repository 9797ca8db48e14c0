import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../service/session-service.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { type ErrorExample, errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";
import {
  createSessionExamples,
  endedSessionExamples,
  extendedSessionExamples,
  sessionExamples,
  sessionListExamples,
} from "./examples.ts";
import { asSeenBy } from "./owner.ts";
import { CreateSession, SessionInfo } from "./schemas.ts";
import { toSessionInfo } from "./session-info-v1.ts";
import { sessionRoutes } from "./session-routes.ts";

export interface SessionsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

const tags = ["QoS Sessions"];

const BAD_PHONE: ErrorExample = {
  code: "INVALID_ARGUMENT",
  summary: "A field breaks the schema",
  message:
    "device.phoneNumber must be a phone number in E.164 format: a + and 5 to 15 digits, the first not 0, e.g. +36721601234567",
};
const NO_DEVICE: ErrorExample = {
  code: "MISSING_IDENTIFIER",
  message: "The device cannot be identified: provide a `device` object.",
};
const UNKNOWN_DEVICE: ErrorExample = "IDENTIFIER_NOT_FOUND";

/** CAMARA Quality-On-Demand 1.1.0, mounted at /quality-on-demand/v1. */
export const sessionsV1: FastifyPluginAsync<SessionsV1Options> = async (
  app,
  { sessions, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

  app.post<{ Body: Static<typeof CreateSession> }>(
    "/sessions",
    {
      schema: {
        summary: "Create a QoS session",
        description:
          "Asks the network for `qosProfile` on the flow between `device` and `applicationServer` (optionally narrowed to ports) for `duration` seconds. In the sandbox the network grants at once, so the answer is `AVAILABLE`; otherwise it may be `REQUESTED` until the network decides. Each status change is POSTed to `sink`, if given, as a CloudEvent with `Authorization: Bearer <sinkCredential.accessToken>`. A flow that overlaps another session of the same device and client is a 409.",
        operationId: "createSession",
        tags,
        body: withExamples(CreateSession, createSessionExamples),
        response: {
          201: success(SessionInfo, "The session, with its id", sessionExamples),
          ...errors(
            BAD_PHONE,
            {
              code: "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
              message:
                "The requested duration (90000 s) is out of the allowed range for QoS profile QOS_L: 1 to 86400 s.",
            },
            { code: "INVALID_SINK", message: 'sink must use https://; got "http://example.com/notify".' },
            NO_KEY,
            UNKNOWN_DEVICE,
            {
              code: "CONFLICT",
              message:
                "Conflict with an existing session for the same device: session 3fa85f64-5717-4562-b3fc-2c963f66afa6 (AVAILABLE) covers an overlapping flow. Delete it first.",
            },
            NOT_JSON,
            NO_DEVICE,
            {
              code: "UNSUPPORTED_IDENTIFIER",
              message:
                "networkAccessIdentifier is not supported on its own: add phoneNumber, ipv4Address or ipv6Address.",
            },
          ),
        },
      },
    },
    async (request, reply) => {
      const session = await sessions.create(request.owner, request.body, "v1");
      return reply.status(201).send(asSeenBy(request, toSessionInfo(session)));
    },
  );

  sessionRoutes(app, sessions, {
    tags,
    sessionInfo: SessionInfo,
    render: toSessionInfo,
    get: {
      summary: "Read a QoS session",
      description:
        "The session's current status, its effective `duration` and `expiresAt`. An ended session (`UNAVAILABLE`, with `statusInfo`) stays readable for the retention period, then is removed.",
      operationId: "getSession",
      examples: endedSessionExamples,
    },
    delete: {
      summary: "Delete a QoS session",
      description:
        "Ends the session and releases it in the network. An `AVAILABLE` session is notified as `UNAVAILABLE` / `DELETE_REQUESTED`; an ended one goes silently.",
      operationId: "deleteSession",
    },
    extend: {
      summary: "Extend a QoS session",
      description:
        "Adds `requestedAdditionalDuration` seconds to an `AVAILABLE` session. The overall duration is capped at the profile's `maxDuration`: beyond it the session is extended to the maximum, not refused.",
      operationId: "extendQosSessionDuration",
      examples: extendedSessionExamples,
    },
    retrieve: {
      summary: "Find a device's QoS sessions",
      description:
        "The caller's sessions of one device, matched on the identifier OpenQoD chooses (`phoneNumber`, else `ipv4Address`, else `ipv6Address`). Sessions of other API clients are never listed.",
      operationId: "retrieveSessionsByDevice",
      examples: sessionListExamples,
      errors: [BAD_PHONE, NO_KEY, UNKNOWN_DEVICE, NOT_JSON, NO_DEVICE],
    },
  });
};
