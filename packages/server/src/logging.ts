import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import type { Config } from "./config.ts";
import { prettyLogStream } from "./log-format.ts";

/**
 * How the server logs: the logger's options (level, readable or JSON lines) and at most one line per
 * answered request.
 */

/** What `auto` means for an output: readable lines on a terminal, JSON lines for a process manager. */
export function resolveLogFormat(format: Config["logFormat"], out: { isTTY?: boolean }): "pretty" | "json" {
  if (format !== "auto") return format;
  return out.isTTY === true ? "pretty" : "json";
}

export interface LoggerTarget {
  /** Where records go: the process's stdout. */
  out: { write(text: string): unknown; isTTY?: boolean };
  /** Read for NO_COLOR (https://no-color.org): set and not empty, readable lines have no color. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The server's logger options from `logLevel` and `logFormat`. JSON lines are pino's own fast path
 * (straight to file descriptor 1); readable lines go through `prettyLogStream`, colored on a terminal.
 */
export function serverLoggerOptions(
  config: Pick<Config, "logLevel" | "logFormat">,
  target: LoggerTarget,
): FastifyServerOptions["logger"] {
  const options = { level: config.logLevel, base: { service: "openqod" } };
  if (resolveLogFormat(config.logFormat, target.out) === "json") return options;
  const noColor = target.env.NO_COLOR !== undefined && target.env.NO_COLOR !== "";
  return {
    ...options,
    stream: prettyLogStream(target.out, { color: target.out.isTTY === true && !noColor }),
  };
}

const LEVEL_VALUES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

declare module "fastify" {
  interface FastifyContextConfig {
    /** Path parameters that are credentials: `<redacted>` in the request's log line. */
    redactParams?: readonly string[];
  }
}

/**
 * A route whose path carries a credential (the NEF callback's secret) names those path parameters in its
 * `config.redactParams`; the log line shows `<redacted>` in their place.
 */
function redactParams(request: FastifyRequest, path: string): string {
  const names = (request.routeOptions.config as { redactParams?: readonly string[] } | undefined)
    ?.redactParams;
  if (names === undefined) return path;
  const params = request.params as Record<string, string | undefined>;
  let redacted = path;
  for (const name of names) {
    const value = params[name];
    if (value !== undefined && value !== "")
      redacted = redacted.replaceAll(encodeURIComponent(value), "<redacted>");
  }
  return redacted;
}

/** What the error handler answered a request with: its CAMARA code, and the error behind a 5xx. */
const errorAnswers = new WeakMap<FastifyRequest, { code: string; error?: unknown }>();

/**
 * Hands an error answer's CAMARA `code` (and, for a 5xx, the error) to that request's one log line. The
 * error handler calls it, so successful requests pay for no hook.
 */
export function noteErrorAnswer(request: FastifyRequest, code: string, error?: unknown): void {
  errorAnswers.set(request, error === undefined ? { code } : { code, error });
}

/**
 * Replaces Fastify's two lines per request ("incoming request", "request completed") with one, written
 * when the answer has been sent: 5xx at `error` (with the error), 4xx at `info`, anything else at
 * `debug`, so at the default level a successful request prints nothing. The line has `reqId`, `method`,
 * `url` (the path: a query string may carry secrets), `status`, `ms` and the CAMARA `code` of an error
 * answer; never a header or a body, so no API key and no notification token.
 *
 * Pass it as Fastify's `logController`; the error handler hands it each error answer with
 * `noteErrorAnswer`.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    const level = status >= 500 ? "error" : status >= 400 ? "info" : "debug";
    const log: FastifyBaseLogger = request.log;
    if ((LEVEL_VALUES[level] ?? 0) < (LEVEL_VALUES[log.level] ?? Number.POSITIVE_INFINITY)) return;
    const query = request.url.indexOf("?");
    const line: Record<string, unknown> = {
      method: request.method,
      url: redactParams(request, query < 0 ? request.url : request.url.slice(0, query)),
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    const answer = errorAnswers.get(request);
    if (answer !== undefined) line.code = answer.code;
    const err = error ?? answer?.error;
    if (err !== undefined) line.err = err;
    log[level](line, "request completed");
  }
}
