import { type Static, Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type { NetworkSimulator, SimulatedEventKind } from "../network/simulator.ts";
import type { Owner } from "../service/owner.ts";
import type { SessionService } from "../service/session-service.ts";
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
  ALREADY_ENDED,
  networkEventExamples,
  networkEventRequestExamples,
  terminatedSessionExamples,
} from "./notification-examples.ts";
import { asSeenBy } from "./owner.ts";
import { SessionIdParams, SessionInfo } from "./schemas.ts";
import { toSessionInfo } from "./session-info-v1.ts";

export interface SandboxNetworkOptions {
  sessions: SessionService;
  /** null in front of a real network: only network-terminate is mounted, and OpenQoD ends the session itself. */
  simulator: NetworkSimulator | null;
}

const KINDS: readonly SimulatedEventKind[] = [
  "GRANTED",
  "REFUSED",
  "NOT_GUARANTEED",
  "GUARANTEED",
  "TERMINATED",
];

const NetworkEventRequest = Type.Object(
  {
    kind: Type.Union(
      KINDS.map((k) => Type.Literal(k)),
      {
        description:
          "What the network reports: GRANTED (a REQUESTED session becomes AVAILABLE), REFUSED or TERMINATED (UNAVAILABLE / NETWORK_TERMINATED), NOT_GUARANTEED or GUARANTEED (the session stays AVAILABLE: CAMARA has no degraded status).",
      },
    ),
  },
  { additionalProperties: false },
);

const NOT_HELD: ErrorExample = {
  code: "CONFLICT",
  summary: "The network holds nothing for the session",
  message: "The network holds no reservation for session 3fa85f64-5717-4562-b3fc-2c963f66afa6.",
};

/**
 * The simulated network's own moves, mounted in the sandbox beside the other controls: it sends an
 * event for a session (the same path a real network's notification takes into OpenQoD), or loses a
 * reservation without a word, which only a reconcile notices. In front of a real network only
 * network-terminate stays, so the sandbox's clients keep it.
 */
export const sandboxNetworkRoutes: FastifyPluginAsync<SandboxNetworkOptions> = async (
  app,
  { sessions, simulator },
) => {
  /** The caller's session, still live. @throws ApiError 404, 403, 409 CONFLICT once it has ended. */
  async function live(owner: Owner, sessionId: string): Promise<SessionRecord> {
    const session = await sessions.get(owner, sessionId);
    if (session.qosStatus === "UNAVAILABLE") {
      throw new ApiError("CONFLICT", `Session ${sessionId} has already ended (${session.statusInfo}).`);
    }
    return session;
  }

  async function send(
    simulated: NetworkSimulator,
    owner: Owner,
    sessionId: string,
    kind: SimulatedEventKind,
  ): Promise<SessionRecord> {
    await live(owner, sessionId);
    await simulated.inject(sessionId, kind);
    return sessions.get(owner, sessionId);
  }

  app.post<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId/network-terminate",
    {
      schema: {
        operationId: "simulateNetworkTermination",
        tags: ["Sandbox"],
        summary: "The network terminates the session: UNAVAILABLE / NETWORK_TERMINATED, notified",
        description:
          "The simulated network reports the session TERMINATED, as a real network may on its own: OpenQoD ends it " +
          "UNAVAILABLE / NETWORK_TERMINATED, notified, releases it in the network, and keeps it readable for the retention " +
          "period. The same as `network-events` with `TERMINATED`; in front of a real network, OpenQoD ends it itself " +
          "(and releases it there). 409 CONFLICT if it has already ended.",
        params: SessionIdParams,
        response: {
          200: success(SessionInfo, "The session, ended", terminatedSessionExamples),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION, ALREADY_ENDED, NOT_HELD),
        },
      },
    },
    async (request) => {
      const { owner } = request;
      const { sessionId } = request.params;
      const ended =
        simulator === null
          ? await sessions.networkTerminate(owner, sessionId)
          : await send(simulator, owner, sessionId, "TERMINATED");
      return asSeenBy(request, toSessionInfo(ended));
    },
  );
  if (simulator === null) return;

  app.post<{ Params: Static<typeof SessionIdParams>; Body: Static<typeof NetworkEventRequest> }>(
    "/sessions/:sessionId/network-events",
    {
      schema: {
        operationId: "simulateNetworkEvent",
        tags: ["Sandbox"],
        summary: "The network reports an event for the session",
        description:
          "The simulated network sends `kind` for the session through the path a real network's notification takes, and " +
          "answers once OpenQoD has applied it: `GRANTED` makes a `REQUESTED` session `AVAILABLE` (notified); `REFUSED` " +
          "and `TERMINATED` end it `UNAVAILABLE` / `NETWORK_TERMINATED` (notified); `NOT_GUARANTEED` and `GUARANTEED` " +
          "leave it `AVAILABLE` and are not notified (CAMARA has no degraded status). 409 CONFLICT once the session " +
          "has ended, or when the network no longer holds it (see `network-loss`).",
        params: SessionIdParams,
        body: withExamples(NetworkEventRequest, networkEventRequestExamples),
        response: {
          200: success(SessionInfo, "The session, after the event", networkEventExamples),
          ...errors(
            {
              code: "INVALID_ARGUMENT",
              summary: "Not an event kind",
              message: "kind must be one of GRANTED, REFUSED, NOT_GUARANTEED, GUARANTEED or TERMINATED",
            },
            NO_KEY,
            NOT_YOURS,
            NO_SESSION,
            ALREADY_ENDED,
            NOT_HELD,
            NOT_JSON,
          ),
        },
      },
    },
    async (request) =>
      asSeenBy(
        request,
        toSessionInfo(await send(simulator, request.owner, request.params.sessionId, request.body.kind)),
      ),
  );

  app.post<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId/network-loss",
    {
      schema: {
        operationId: "simulateNetworkLoss",
        tags: ["Sandbox"],
        summary: "The network loses the session's reservation, silently",
        description:
          "The simulated network forgets what it holds for the session and tells nobody, as a real network that lost " +
          "state: the session reads as before until OpenQoD's periodic reconcile finds it without a reservation and " +
          "ends it `UNAVAILABLE` / `NETWORK_TERMINATED`, notified. 409 CONFLICT once the session has ended, or when " +
          "the network holds nothing for it already.",
        params: SessionIdParams,
        response: {
          204: Type.Null({ "x-response-description": "Lost; nobody was told" }),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION, ALREADY_ENDED, NOT_HELD),
        },
      },
    },
    async (request, reply) => {
      const { sessionId } = request.params;
      await live(request.owner, sessionId);
      if (!simulator.drop(sessionId)) {
        throw new ApiError("CONFLICT", `The network holds no reservation for session ${sessionId}.`);
      }
      return reply.status(204).send();
    },
  );
};
