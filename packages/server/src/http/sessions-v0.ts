import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import type { SessionService } from "../service/session-service.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { type ErrorExample, errors, NO_KEY, NOT_JSON, success, withExamples } from "./docs.ts";
import {
  createdSessionV0Examples,
  createSessionV0Examples,
  extendedSessionV0Examples,
  sessionListV0Examples,
  sessionV0Examples,
} from "./examples.ts";
import { defaultDurationV0, V0_EXTENSION_POLICY, V0_MAX_DURATION } from "./limits-v0.ts";
import { asSeenBy } from "./owner.ts";
import { CreateSessionV0, type Message, SessionInfoV0 } from "./schemas-v0.ts";
import { toSessionInfoV0 } from "./session-info-v0.ts";
import { sessionRoutes } from "./session-routes.ts";

export interface SessionsV0Options {
  sessions: SessionService;
  profiles: ProfileCatalogue;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
}

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
  { sessions, profiles, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

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
        const chosen = defaultDurationV0(profiles, rest.qosProfile);
        granted = chosen.duration;
        messages.push(chosen.message);
      }
      const session = await sessions.create(
        request.owner,
        {
          ...rest,
          duration: granted,
          ...(webhook === undefined ? {} : { sink: webhook.notificationUrl }),
          ...(webhook?.notificationAuthToken === undefined
            ? {}
            : { sinkToken: webhook.notificationAuthToken }),
        },
        "v0",
        { maxDuration: V0_MAX_DURATION },
      );
      return reply.status(201).send(asSeenBy(request, toSessionInfoV0(session, messages)));
    },
  );

  sessionRoutes(app, sessions, {
    tags,
    sessionInfo: SessionInfoV0,
    render: (session) => toSessionInfoV0(session),
    get: {
      summary: "Read a QoS session (Network as Code)",
      description: "The session in the v0 dialect, whichever dialect created it; times in Unix seconds.",
      operationId: "getSessionV0",
      examples: sessionV0Examples,
    },
    delete: {
      summary: "Delete a QoS session (Network as Code)",
      description:
        "Ends the session, as v1 does: an `AVAILABLE` session is notified as `UNAVAILABLE` / `DELETE_REQUESTED`.",
      operationId: "deleteSessionV0",
    },
    extend: {
      summary: "Extend a QoS session (Network as Code)",
      description:
        "Adds `requestedAdditionalDuration` seconds to an `AVAILABLE` session, capped so that it ends at most a day after it started.",
      operationId: "extendSessionV0",
      examples: extendedSessionV0Examples,
      policy: V0_EXTENSION_POLICY,
    },
    retrieve: {
      summary: "Find a device's QoS sessions (Network as Code)",
      description: "The caller's sessions of one device, in the v0 dialect.",
      operationId: "retrieveSessionsV0",
      examples: sessionListV0Examples,
      errors: [
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
      ],
    },
  });
};
