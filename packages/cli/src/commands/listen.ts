import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, nodeHttpHandler, type QodEvent } from "@openqod/receiver";
import { Command } from "commander";
import { parsePort } from "../device-options.ts";
import { dim, eventLine, json, line } from "../output.ts";

/** Serves `path` with a receiver; other paths get 404. Resolves once listening. */
export async function startListener(options: {
  host: string;
  port: number;
  path: string;
  tokens: string[];
  onEvent: (event: QodEvent) => void;
}): Promise<{ server: Server; url: string }> {
  const handler = nodeHttpHandler(createReceiver({ tokens: options.tokens, onEvent: options.onEvent }));
  const server = createServer((req, res) => {
    if ((req.url ?? "").split("?")[0] !== options.path) {
      res.writeHead(404).end();
      return;
    }
    void handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { server, url: `http://${host}:${port}${options.path}` };
}

export function listenCommand(): Command {
  return new Command("listen")
    .description("receive QoD notifications and print each one (Ctrl-C to stop)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", parsePort, 8080)
    .option("--path <path>", "notification path", "/qod")
    .option(
      "--token <token>",
      "accepted bearer token (repeat for several)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--json", "print JSON lines")
    .action(async (flags: { host: string; port: number; path: string; token: string[]; json?: boolean }) => {
      const asJson = flags.json;
      const { url } = await startListener({
        host: flags.host,
        port: flags.port,
        path: flags.path,
        tokens: flags.token,
        onEvent: (event) => {
          if (asJson) {
            const { original: _original, ...rest } = event;
            json(rest);
          } else line(eventLine(event));
        },
      });
      if (!asJson) line(dim(`listening on ${url}${flags.token.length === 0 ? " (no token required)" : ""}`));
      else process.stderr.write(`listening on ${url}\n`);
      await new Promise<void>(() => {});
    });
}
