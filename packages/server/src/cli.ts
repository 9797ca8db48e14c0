import { ConfigError, loadConfig } from "./config.ts";
import { serverLoggerOptions } from "./logging.ts";
import { nefAttemptLine } from "./network/nef/attempt-log.ts";
import { createOpenQod } from "./openqod.ts";
import { quickstart } from "./quickstart.ts";
import { DatabaseStartError } from "./store/database-start-error.ts";

/** A start that failed for a reason the operator can fix (the port is taken): one line, exit 1. */
class StartError extends Error {
  override name = "StartError";
}

/**
 * `openqod serve [flags]` (and this package's src/main.ts): serves until SIGTERM/SIGINT. Exits the
 * process itself: 0 done, 1 failed, 2 invalid configuration.
 */
export function runServerCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`openqod: ${error.message}\n`);
        process.exit(2);
      }
      if (error instanceof DatabaseStartError || error instanceof StartError) {
        process.stderr.write(`openqod: ${error.message}\n`);
        process.exit(1);
      }
      process.stderr.write(
        `openqod: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

async function main(argv: string[]): Promise<number> {
  const args = argv[0] === "serve" ? argv.slice(1) : argv;
  const config = loadConfig(args, process.env);
  const openqod = await createOpenQod({
    config,
    logger: serverLoggerOptions(config, { out: process.stdout, env: process.env }),
  });
  const log = openqod.app.log;
  // One line per attempt: `error` is the sender's one-line reason, never a stack.
  openqod.events.on("delivery:attempt", (e) =>
    log[e.outcome === "delivered" ? "debug" : "warn"](
      {
        sessionId: e.sessionId,
        eventId: e.eventId,
        // Without the query string, which may carry a token.
        sink: e.sink.split("?")[0],
        status: e.statusCode,
        error: e.error,
        ...(e.probe ? { probe: true } : {}),
        ms: e.durationMs,
      },
      `notification ${e.outcome}`,
    ),
  );
  openqod.events.on("sink:breaker", (e) =>
    log[e.to === "paused" ? "warn" : "info"](
      { origin: e.origin, by: e.by, consecutiveFailures: e.consecutiveFailures },
      `sink ${e.to}`,
    ),
  );
  openqod.events.on("worker:error", (e) => log.error({ err: e.error, worker: e.worker }, "worker error"));
  openqod.events.on("nef:request", (attempt) => {
    const line = nefAttemptLine(attempt);
    log[line.level](line.fields, line.message);
  });
  openqod.events.on("network:release", (e) => {
    if (e.error !== null) {
      log.warn({ sessionId: e.sessionId, attempts: e.attempts, error: e.error }, "network release failed");
    }
  });
  openqod.events.on("network:event", (e) => log.info(e, "network event"));
  openqod.events.on("network:reconciled", (e) => {
    if (e.orphaned + e.lost > 0) log.warn(e, "reconciled with the network");
  });

  try {
    await openqod.app.listen({ host: config.host, port: config.port });
    openqod.startWorkers();
  } catch (error) {
    // The store (and the data folder's lock) is released even if closing fails; the start's failure is the news.
    await openqod.close().catch((closeError: unknown) => log.error({ err: closeError }, "close failed"));
    throw listenFailure(error, config.host, config.port);
  }
  if (config.sandbox && openqod.sandboxKey !== null) {
    const client = openqod.sandboxClient;
    const oauth =
      openqod.authorizationServer !== null && client !== null && client.secret !== null
        ? { clientId: client.clientId, secret: client.secret }
        : null;
    process.stdout.write(quickstart(config.publicUrl, openqod.sandboxKey, config.dataDir, oauth));
  }

  const stop = (signal: string) => {
    log.info({ signal }, "shutting down: no new requests, finishing in-flight work");
    openqod.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return -1;
}

/** A failed listen in words: which address, and what to change. */
function listenFailure(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === "EADDRINUSE") {
    return new StartError(
      `port ${port} on ${host} is already in use (EADDRINUSE): stop what holds it, or choose another with --port or OPENQOD_PORT`,
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "EACCES") {
    return new StartError(
      `cannot listen on ${host}:${port} (${code}): use an address of this machine (--host, OPENQOD_HOST) and a port you may open (--port, OPENQOD_PORT)`,
    );
  }
  return error;
}
