import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.ts";

/**
 * While the server closes, a request that still arrives (on a busy keep-alive connection) is a CAMARA
 * `503 UNAVAILABLE`; Fastify's own 503 (`return503OnClosing`) has a body of another shape. Fastify adds
 * `Connection: close`, so the client moves on to another instance.
 */
export function installClosingAnswer(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async () => {
    if (closing) throw new ApiError("UNAVAILABLE", "The server is shutting down; retry the request.");
  });
}
