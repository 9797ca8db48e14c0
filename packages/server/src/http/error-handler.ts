import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OAUTH_PREFIX } from "../auth/discovery.ts";
import { asOAuthErrorInfo } from "../auth/oauth-error.ts";
import { ApiError, type ErrorCode, type ErrorInfo } from "../errors.ts";
import { noteErrorAnswer } from "../logging.ts";
import { usableCorrelator } from "./correlator.ts";
import { MAX_PARAM_LENGTH } from "./limits.ts";
import { describeValidation, type ValidationIssue } from "./validation-messages.ts";

/** The registry's code for a 4xx that Fastify or a plugin raised with a bare `statusCode`. */
const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  408: "REQUEST_TIMEOUT",
  413: "CONTENT_TOO_LARGE",
  414: "URI_TOO_LONG",
  415: "UNSUPPORTED_MEDIA_TYPE",
  431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
};

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
      return new ApiError("CONTENT_TOO_LARGE").toInfo();
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError(
        "INVALID_ARGUMENT",
        "The request body's length differs from its Content-Length.",
      ).toInfo();
    case "FST_ERR_BAD_URL":
      return new ApiError(
        "INVALID_ARGUMENT",
        "The URL path is not valid: a % must start an escape of two hex digits that decodes to UTF-8.",
      ).toInfo();
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new ApiError(
        "URI_TOO_LONG",
        `A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`,
      ).toInfo();
  }
  if (error instanceof SyntaxError) {
    return new ApiError("INVALID_ARGUMENT", `The request body is not valid JSON: ${error.message}`).toInfo();
  }
  // Plugins (the static files of /docs) raise http-errors: their status stands, their words do not.
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = CODE_OF_STATUS[status];
    return code === undefined ? new ApiError("INVALID_ARGUMENT").toInfo() : new ApiError(code).toInfo();
  }
  return new ApiError("INTERNAL").toInfo();
}

/**
 * Fastify's `frameworkErrors`: what its router rejects before any hook runs (a broken percent-escape,
 * an over-long path parameter). The correlator hook has not run either, so a usable one is echoed here.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const info = toErrorInfo(error);
  const correlator = usableCorrelator(request.headers["x-correlator"]);
  if (correlator !== undefined) reply.header("x-correlator", correlator);
  noteErrorAnswer(request, info.code);
  return reply.status(info.status).send(info);
}

/** Installs the one error handler, and the CAMARA 404 for unknown routes and 405 for known ones. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const camara = toErrorInfo(error);
    const info = request.url.startsWith(OAUTH_PREFIX) ? asOAuthErrorInfo(camara) : camara;
    // Logged in the request's one line, not here.
    noteErrorAnswer(request, info.code, info.status >= 500 ? error : undefined);
    if (error instanceof ApiError) reply.headers(error.headers);
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
  // The message names the path, but not all 16 KiB of one.
  const named = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  if (allowed.length > 0 && !allowed.includes(request.method)) {
    const info = new ApiError(
      "METHOD_NOT_ALLOWED",
      `${request.method} is not allowed on ${named}; use ${allowed.join(", ")}.`,
    ).toInfo();
    noteErrorAnswer(request, info.code);
    return reply.status(405).header("allow", allowed.join(", ")).send(info);
  }
  const info = new ApiError("NOT_FOUND", `No route ${request.method} ${named}.`).toInfo();
  noteErrorAnswer(request, info.code);
  return reply.status(404).send(info);
}
