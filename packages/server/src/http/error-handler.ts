import type { FastifyError, FastifyInstance } from "fastify";
import { ApiError, type ErrorInfo } from "../errors.ts";
import { noteServerError } from "../logging.ts";

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** A message a person can act on, from the first schema violation: where, and what is wrong. */
function describeValidation(issues: readonly ValidationIssue[], context: string | undefined): string {
  const issue = issues[0];
  if (issue === undefined) return "The request is invalid.";
  const where = `${context ?? "body"}${issue.instancePath.replaceAll("/", ".")}`;
  switch (issue.keyword) {
    case "additionalProperties":
      return `${where}: unknown property "${String(issue.params.additionalProperty)}".`;
    case "required":
      return `${where}: missing required property "${String(issue.params.missingProperty)}".`;
    case "format":
      return `${where} must be a valid ${String(issue.params.format)}.`;
    default:
      return `${where} ${issue.message ?? "is invalid"}.`;
  }
}

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

/** Installs the one error handler and the CAMARA 404 for unknown routes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const info = toErrorInfo(error);
    // Logged in the request's one line, not here.
    if (info.status >= 500) noteServerError(request, error);
    return reply.status(info.status).send(info);
  });
  app.setNotFoundHandler((request, reply) => {
    const info = new ApiError(
      "NOT_FOUND",
      `No route ${request.method} ${request.url.split("?")[0]}.`,
    ).toInfo();
    return reply.status(404).send(info);
  });
}
