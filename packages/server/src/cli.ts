import { runAdmin } from "./admin.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { serverLoggerOptions } from "./logging.ts";
import { createOpenQod } from "./openqod.ts";
import { quickstart } from "./quickstart.ts";
import { DatabaseStartError } from "./store/database-start-error.ts";

/**
 * `openqod-server [serve] [flags]` serves until SIGTERM/SIGINT; `openqod-server clients|deliveries …`
 * administers. Exits the process itself: 0 done, 1 failed, 2 invalid configuration or usage.
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
      if (error instanceof DatabaseStartError) {
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
  if (argv[0] === "clients" || argv[0] === "deliveries") return runAdmin(argv, process.env);
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
        ms: e.durationMs,
      },
      `notification ${e.outcome}`,
    ),
  );
  openqod.events.on("worker:error", (e) => log.error({ err: e.error, worker: e.worker }, "worker error"));

  await openqod.app.listen({ host: config.host, port: config.port });
  openqod.startWorkers();
  if (config.sandbox && openqod.sandboxKey !== null) {
    process.stdout.write(quickstart(config.publicUrl, openqod.sandboxKey, config.dataDir));
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: no new requests, finishing in-flight work");
    await openqod.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  return -1;
}
