import type { FastifyInstance } from "fastify";

/** Methods whose body carries the request; an empty JSON body there is still a 400. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "QUERY"]);

/**
 * Fastify's JSON parser, lenient where clients are sloppy and no harm follows: a DELETE (or OPTIONS) that
 * says `Content-Type: application/json` with an empty body is served as if it had no body. Prototype
 * poisoning (`__proto__`, `constructor.prototype`) stays an error, as with Fastify's default.
 */
export function installJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "" && !BODY_METHODS.has(request.method)) {
      done(null, undefined);
      return;
    }
    parseJson(request, body.toString(), done);
  });
}
