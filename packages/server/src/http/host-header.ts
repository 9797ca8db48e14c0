import type { FastifyInstance } from "fastify";
import { ApiError } from "../errors.ts";

/**
 * An HTTP/1.1 request without `Host` is a 400 (RFC 9112 §3.2). Node would answer it itself, with an
 * empty body; app.ts turns that off (`requireHostHeader: false`) so the answer is CAMARA's.
 */
export function installHostCheck(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (request.raw.httpVersion === "1.1" && request.headers.host === undefined) {
      throw new ApiError("INVALID_ARGUMENT", "An HTTP/1.1 request must carry a Host header.");
    }
  });
}
