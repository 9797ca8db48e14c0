import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { CONTROL_PATH, controlRoutes } from "./control-routes.ts";
import type { NefEmulator } from "./emulator.ts";
import { nefRoutes } from "./nef-routes.ts";
import { oauthRoutes } from "./oauth-routes.ts";
import { NefProblem } from "./problem.ts";
import { installRequestLog, type RequestRecord } from "./request-log.ts";

export interface EmulatorAppDeps {
  emulator: NefEmulator;
  /** Where the request log goes. */
  requests: RequestRecord[];
  logLimit: number;
  onRequest?: (record: RequestRecord) => void;
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/**
 * The emulator's HTTP application: the TS 29.122 routes, the token endpoint (with OAuth2 clients),
 * the controls, an outage switch in front of all but the controls, and every error as ProblemDetails.
 */
export function buildEmulatorApp(deps: EmulatorAppDeps): FastifyInstance {
  const { emulator } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    ...(deps.tls === undefined ? {} : { https: deps.tls }),
  }) as unknown as FastifyInstance;
  // The routes judge media types and parse JSON themselves, to answer as a NEF does (415, 400).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  installRequestLog(app, {
    clock: emulator.clock,
    excludePrefix: CONTROL_PATH,
    into: deps.requests,
    limit: deps.logLimit,
    ...(deps.onRequest === undefined ? {} : { onAnswered: deps.onRequest }),
  });
  app.addHook("onRequest", async (request, reply) => {
    const outage = emulator.network.outage;
    if (outage === null || request.url.startsWith(CONTROL_PATH)) return;
    if (outage.mode === "destroy") {
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    throw new NefProblem(503, "the NEF is unavailable", {
      cause: "NF_CONGESTION",
      headers: { "retry-after": String(outage.retryAfterSeconds ?? 1) },
    });
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    // Fastify's own errors (413 body too large, …) keep their status; anything else is a 500.
    const problem =
      error instanceof NefProblem
        ? error
        : new NefProblem(
            error.statusCode ?? 500,
            error.statusCode === undefined ? "internal error" : error.message,
          );
    return reply
      .code(problem.status)
      .headers(problem.headers)
      .type("application/problem+json")
      .send(problem.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = new NefProblem(404, `no resource ${request.method} ${request.url}`, {
      cause: "RESOURCE_URI_STRUCTURE_NOT_FOUND",
    });
    return reply.code(404).type("application/problem+json").send(problem.body);
  });
  nefRoutes(app, emulator.network, emulator.credentials);
  if (emulator.credentials.issuing) oauthRoutes(app, emulator.credentials);
  controlRoutes(app, emulator);
  return app;
}
