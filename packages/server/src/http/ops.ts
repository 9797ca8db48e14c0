import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import { ApiError } from "../errors.ts";

export interface OpsOptions {
  metrics: Registry;
  /** Resolves when the server can serve requests (the database answers). */
  ready: () => Promise<boolean>;
}

/** Liveness, readiness, Prometheus metrics and the OpenAPI document; no authentication. */
export const opsRoutes: FastifyPluginAsync<OpsOptions> = async (app, { metrics, ready }) => {
  app.get("/health", { schema: { hide: true } }, async () => ({ status: "UP" }));
  app.get("/ready", { schema: { hide: true } }, async (_request, reply) => {
    if (!(await ready().catch(() => false))) {
      throw new ApiError("UNAVAILABLE", "Not ready: the database does not answer or the server is stopping.");
    }
    return reply.send({ status: "READY" });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
};
