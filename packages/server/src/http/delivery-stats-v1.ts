import type { FastifyPluginAsync } from "fastify";
import type { SessionService } from "../service/session-service.ts";
import { type AfterAuth, type Authenticator, requireAuth } from "./auth.ts";
import { errors, NO_KEY, success } from "./docs.ts";
import { callerOf } from "./owner.ts";
import { DeliveryStats } from "./schemas-session-events.ts";

export interface DeliveryStatsV1Options {
  sessions: SessionService;
  authenticator: Authenticator;
  afterAuth?: AfterAuth | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR_START = Date.parse("2026-06-01T11:01:00.000Z");

/** What the dashboard charts, mounted at /notifications/v1: sessions by status, deliveries per minute. */
export const deliveryStatsV1: FastifyPluginAsync<DeliveryStatsV1Options> = async (
  app,
  { sessions, authenticator, afterAuth },
) => {
  app.addHook("onRequest", requireAuth(authenticator, afterAuth));

  app.get(
    "/stats",
    {
      schema: {
        operationId: "getDeliveryStats",
        tags: ["Notifications"],
        summary: "Sessions by status, and deliveries per minute over the last hour",
        description:
          "The caller's sessions now, by status, and the delivery attempts to its sinks in each of the last 60 minutes (the current minute last; every minute present, zeros included): " +
          "`delivered` counts attempts the sink answered 2xx, `failed` every other attempt. An operator sees every client's.",
        response: {
          200: success(DeliveryStats, "The caller's statistics", {
            quiet: {
              summary: "A quiet hour: one delivery, one failure",
              value: {
                from: iso(HOUR_START),
                to: iso(HOUR_START + 3_600_000),
                bucketSeconds: 60,
                sessions: { REQUESTED: 0, AVAILABLE: 1, UNAVAILABLE: 1 },
                deliveries: Array.from({ length: 60 }, (_, i) => ({
                  start: iso(HOUR_START + i * 60_000),
                  delivered: i === 59 ? 1 : 0,
                  failed: i === 58 ? 1 : 0,
                })),
              },
            },
          }),
          ...errors(NO_KEY),
        },
      },
    },
    async (request) => {
      const stats = await sessions.events.stats(callerOf(request));
      return {
        ...stats,
        from: iso(stats.from),
        to: iso(stats.to),
        deliveries: stats.deliveries.map((b) => ({ ...b, start: iso(b.start) })),
      };
    },
  );
};
