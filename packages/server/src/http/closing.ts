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
  // Node closes only the connections idle when the server starts closing: one whose request was under
  // way would stay open, and the close wait, until its keep-alive timeout (72 s) unless its answer
  // ends it.
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
}
