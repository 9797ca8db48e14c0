import type { Static } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { NetworkSimulator } from "../network/simulator.ts";
import type { SessionService } from "../service/session-service.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { BAD_SESSION_ID, errors, NO_KEY, NO_SESSION, NOT_YOURS, success } from "./docs.ts";
import { ALREADY_ENDED, expiredSessionExamples } from "./notification-examples.ts";
import { asSeenBy } from "./owner.ts";
import { type SandboxDevicesOptions, sandboxDeviceRoutes } from "./sandbox-devices.ts";
import { sandboxNetworkRoutes } from "./sandbox-network.ts";
import { SessionIdParams, SessionInfo } from "./schemas.ts";
import { toSessionInfo } from "./session-info-v1.ts";

export interface SandboxOptions {
  sessions: SessionService;
  authenticator: Authenticator;
  /** The per-client rate limit (http/rate-limits.ts). */
  afterAuth?: AfterAuth | undefined;
  /** The simulated network, whose moves are mounted too; null in front of a real network (then only network-terminate). */
  simulator: NetworkSimulator | null;
  /** Each client's device rules (/sandbox/v1/devices); served only with the simulator. */
  devices?: SandboxDevicesOptions | null | undefined;
}

/**
 * Simulator controls, only in the sandbox, mounted at /sandbox/v1: make the network do what a real
 * network does on its own, so consumers can test how they handle it.
 */
export const sandboxRoutes: FastifyPluginAsync<SandboxOptions> = async (
  app,
  { sessions, authenticator, afterAuth, simulator, devices },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));
  await app.register(sandboxNetworkRoutes, { sessions, simulator });
  if (simulator !== null && devices != null) {
    // The session owner's own rules come first in what the simulated network answers.
    simulator.useClientRules((clientId) => devices.devices.rulesOf(clientId));
    await app.register(sandboxDeviceRoutes, devices);
  }

  app.post<{ Params: Static<typeof SessionIdParams> }>(
    "/sessions/:sessionId/expire",
    {
      schema: {
        operationId: "simulateSessionExpiry",
        tags: ["Sandbox"],
        summary: "The session's time runs out now: UNAVAILABLE / DURATION_EXPIRED, notified",
        description:
          "Ends the session at once as if its duration had run out: the same notification as a real expiry, " +
          "and the session stays readable for the retention period. 409 CONFLICT if it has already ended.",
        params: SessionIdParams,
        response: {
          200: success(SessionInfo, "The session, ended", expiredSessionExamples),
          ...errors(BAD_SESSION_ID, NO_KEY, NOT_YOURS, NO_SESSION, ALREADY_ENDED),
        },
      },
    },
    async (request) =>
      asSeenBy(request, toSessionInfo(await sessions.expireNow(request.owner, request.params.sessionId))),
  );
};
