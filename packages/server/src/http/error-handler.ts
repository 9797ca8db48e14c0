import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, type ErrorInfo } from "../errors.ts";
import { noteErrorAnswer } from "../logging.ts";
import { describeValidation, type ValidationIssue } from "./validation-messages.ts";

/** Maps anything thrown while handling a request to a CAMARA `{status, code, message}`. */
export function toErrorInfo(error: FastifyError | ApiError | Error): ErrorInfo {
  if (error instanceof ApiError) return error.toInfo();
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return new ApiError(
      "INVALID_ARGUMENT",
      describeValidation(fastifyError.validation as ValidationIssue[], fastifyError.validationContext),
    ).toInfo();
  }
  switch (fastifyError.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("UNSUPPORTED_MEDIA_TYPE").toInfo();
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError(
        "INVALID_ARGUMENT",
        "The request body is empty; a JSON object is expected.",
      ).toInfo();
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError(
        "INVALID_ARGUMENT",
        `The request body is not valid JSON: ${fastifyError.message}`,
      ).toInfo();
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("INVALID_ARGUMENT", "The request body is larger than 64 KiB.").toInfo();
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return new ApiError("INVALID_ARGUMENT", `The request body is not valid JSON: ${error.message}`).toInfo();
  }
  return new ApiError("INTERNAL").toInfo();
}

/** Installs the one error handler, and the CAMARA 404 for unknown routes and 405 for known ones. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const info = toErrorInfo(error);
    // Logged in the request's one line, not here.
    noteErrorAnswer(request, info.code, info.status >= 500 ? error : undefined);
    return reply.status(info.status).send(info);
  });
  app.setNotFoundHandler((request, reply) => notFound(app, request, reply));
}

/** The order of methods in `Allow`: the common ones first, the rest as Fastify lists them. */
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * The methods the router serves on this concrete path, in METHOD_ORDER. `findRoute` matches a path
 * as a request does (parameters, wildcards), so `/sessions/abc` finds `/sessions/:sessionId`.
 */
function allowedMethods(app: FastifyInstance, path: string): string[] {
  const rank = (m: string) => {
    const i = METHOD_ORDER.indexOf(m);
    return i === -1 ? METHOD_ORDER.length : i;
  };
  return app.supportedMethods
    .filter((method) => app.findRoute({ method, url: path }) !== null)
    .sort((a, b) => rank(a) - rank(b));
}

/**
 * An unknown path is a CAMARA 404; a known path asked with another method is a 405 with `Allow`.
 * A route that matches the request's own method and still ends here (a static file that is not
 * there) is a 404 too.
 */
function notFound(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split("?")[0] ?? "/";
  const allowed = allowedMethods(app, path);
  if (allowed.length > 0 && !allowed.includes(request.method)) {
    const info = new ApiError(
      "METHOD_NOT_ALLOWED",
      `${request.method} is not allowed on ${path}; use ${allowed.join(", ")}.`,
    ).toInfo();
    noteErrorAnswer(request, info.code);
    return reply.status(405).header("allow", allowed.join(", ")).send(info);
  }
  const info = new ApiError("NOT_FOUND", `No route ${request.method} ${path}.`).toInfo();
  noteErrorAnswer(request, info.code);
  return reply.status(404).send(info);
}
