import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import { ApiError } from "../errors.ts";

/**
 * A readiness probe is answered within this time (ms) even when the database hangs (a lost network, a
 * frozen server): it then counts as not ready, instead of piling up probes that never end.
 */
export const READY_TIMEOUT_MS = 2_000;

export interface OpsOptions {
  metrics: Registry;
  /** Resolves when the server can serve requests (the database answers). */
  ready: () => Promise<boolean>;
}

/** Liveness, readiness, Prometheus metrics and the OpenAPI document; no authentication. */
export const opsRoutes: FastifyPluginAsync<OpsOptions> = async (app, { metrics, ready }) => {
  app.get("/health", { schema: { hide: true } }, async () => ({ status: "UP" }));
  app.get("/ready", { schema: { hide: true } }, async (_request, reply) => {
    if (!(await answeredWithin(READY_TIMEOUT_MS, ready))) {
      throw new ApiError("UNAVAILABLE", "Not ready: the database does not answer or the server is stopping.");
    }
    return reply.send({ status: "READY" });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
};

/** Whether `ready` resolved true within `ms`; false when it rejected or took longer. */
async function answeredWithin(ms: number, ready: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([ready().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
