import { createServer, type Server, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createReceiver,
  type IncomingNotification,
  nodeHttpHandler,
  type QodEvent,
  type Refusal,
} from "@openqod/receiver";
import { Command, InvalidArgumentError } from "commander";
import { parsePort, parsePositive } from "../device-options.ts";
import { dim, eventLine, green, json, line, red, yellow } from "../output.ts";

/** The address could not be bound; `message` is one line a person can act on. */
export class ListenError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = "ListenError";
    this.code = code;
  }
}

/** Why `listen()` failed, in words, with the flag that fixes it. */
function bindFailure(error: unknown, host: string, port: number): ListenError {
  const code = String((error as { code?: unknown }).code ?? "");
  const where = `port ${port} on ${host}`;
  switch (code) {
    case "EADDRINUSE":
      return new ListenError(`${where} is already in use (EADDRINUSE); choose another with --port`, code);
    case "EACCES":
      return new ListenError(
        `${where} needs more privileges (EACCES); choose one above 1023 with --port`,
        code,
      );
    case "EADDRNOTAVAIL":
      return new ListenError(
        `${host} is not an address of this machine (EADDRNOTAVAIL); choose another with --host`,
        code,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ListenError(`host ${host} cannot be resolved (${code}); give an address with --host`, code);
    default:
      return new ListenError(
        `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`,
        code,
      );
  }
}

/**
 * Serves `path` with a receiver; other paths are 404, other methods 405, both reported to `onRefused`
 * like the receiver's own refusals. Resolves once listening.
 * @throws {ListenError} when the address cannot be bound (port in use, no such address, no privilege)
 */
export async function startListener(options: {
  host: string;
  port: number;
  path: string;
  tokens: string[];
  /** Standard Webhooks secrets: each request must be signed with one (see ReceiverOptions); none: unchecked. */
  webhookSecrets?: string[];
  onEvent: (event: QodEvent, request: IncomingNotification) => void;
  onRefused?: (refusal: Refusal) => void;
}): Promise<{ server: Server; url: string }> {
  const receiver = createReceiver({
    tokens: options.tokens,
    // No --webhook-secret is no signature check; the receiver refuses an empty list as a likely mistake.
    ...(options.webhookSecrets === undefined || options.webhookSecrets.length === 0
      ? {}
      : { webhookSecret: options.webhookSecrets }),
    onEvent: options.onEvent,
    ...(options.onRefused === undefined ? {} : { onRefused: options.onRefused }),
  });
  const server = createServer(nodeHttpHandler(receiver, { path: options.path }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(bindFailure(error, options.host, options.port)));
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { server, url: `http://${host}:${port}${options.path}` };
}

/**
 * Headers passed on to the app: what its own receiver checks (the token, and the Standard Webhooks
 * signature, which holds because the body is forwarded byte for byte), and CloudEvents' `ce-*` attributes.
 */
const FORWARDED = new Set([
  "authorization",
  "content-type",
  "user-agent",
  "x-correlator",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
]);

type Forwarded =
  | { ok: true; status: number; statusText: string; ms: number }
  | { ok: false; error: string; ms: number };

/** What a failed fetch says, from undici's cause chain: `fetch failed` → `connect ECONNREFUSED …`. */
function fetchFailure(error: unknown, timeoutSeconds: number): string {
  if (error instanceof Error && error.name === "TimeoutError")
    return `no answer within ${timeoutSeconds} s (--forward-timeout)`;
  let reason: unknown = error;
  while (reason instanceof Error && reason.cause instanceof Error) reason = reason.cause;
  if (reason instanceof AggregateError) reason = reason.errors[0] ?? reason;
  if (!(reason instanceof Error)) return String(reason);
  return reason.message || String((reason as { code?: unknown }).code ?? reason.name);
}

/**
 * POSTs one notification to `url` as it came: the exact body bytes and the headers in FORWARDED.
 * Never throws; redirects are answers, not followed (as OpenQoD's own dispatcher does).
 */
async function forward(
  request: IncomingNotification,
  url: string,
  timeoutSeconds: number,
): Promise<Forwarded> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || !(FORWARDED.has(name) || name.startsWith("ce-"))) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    await res.arrayBuffer();
    return {
      ok: true,
      status: res.status,
      statusText: res.statusText || (STATUS_CODES[res.status] ?? ""),
      ms: ms(),
    };
  } catch (error) {
    return { ok: false, error: fetchFailure(error, timeoutSeconds), ms: ms() };
  }
}

const clock = (at: Date) => at.toTimeString().slice(0, 8);

/** `12:00:01  401 wrong-token  POST /qod  <message>  authorization: Bearer my-t…(12 chars)` */
function refusalLine(r: Refusal, at: Date): string {
  const status = r.status === 204 ? yellow(String(r.status)) : red(String(r.status));
  const authorization =
    r.headers.authorization === undefined ? "" : `  authorization: ${r.headers.authorization}`;
  return `${dim(clock(at))}  ${status} ${r.reason}  ${r.method ?? "?"} ${r.path ?? "?"}  ${r.message}${authorization}`;
}

function forwardLine(result: Forwarded, event: QodEvent): string {
  const what = result.ok
    ? `${result.status >= 200 && result.status < 300 ? green(String(result.status)) : red(String(result.status))} ${result.statusText} ${result.ms} ms`
    : red(`failed: ${result.error}`);
  return `  → ${what}  ${dim(`(${event.id})`)}`;
}

const parseForwardUrl = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("an http:// or https:// URL, e.g. http://127.0.0.1:3000/webhook");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError("an http:// or https:// URL, e.g. http://127.0.0.1:3000/webhook");
  return url.href;
};

interface ListenFlags {
  host: string;
  port: number;
  path: string;
  token: string[];
  webhookSecret: string[];
  json?: boolean;
  forwardTo?: string;
  forwardTimeout: number;
}

export function listenCommand(): Command {
  return new Command("listen")
    .description("receive QoD notifications and print each one, and each refused request (Ctrl-C to stop)")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", parsePort, 8080)
    .option(
      "--path <path>",
      "notification path; other paths are answered 404",
      (v: string) => (v.startsWith("/") ? v : `/${v}`),
      "/qod",
    )
    .option(
      "--token <token>",
      "accepted bearer token (repeat for several)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      "--webhook-secret <secret>",
      "require a Standard Webhooks signature made with this secret (whsec_…; repeat for several); with --token, both must pass",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--json", 'print JSON lines (refusals have "refused": true)')
    .option(
      "--forward-to <url>",
      "also POST each accepted notification (same body and headers) to your app, one at a time, and print its answer; the sender is answered 204 whatever the app says",
      parseForwardUrl,
    )
    .option("--forward-timeout <seconds>", "how long to wait for your app's answer", parsePositive, 10)
    .action(async (flags: ListenFlags) => {
      const asJson = flags.json === true;
      const { forwardTo, forwardTimeout } = flags;
      // Forwards run one after another, in arrival order, so the app sees a session's changes in order.
      let forwarding = Promise.resolve();
      const onEvent = (event: QodEvent, request: IncomingNotification) => {
        if (asJson) {
          const { original: _original, ...rest } = event;
          json(rest);
        } else line(eventLine(event));
        if (forwardTo === undefined) return;
        forwarding = forwarding.then(async () => {
          const result = await forward(request, forwardTo, forwardTimeout);
          if (!asJson) return line(forwardLine(result, event));
          const { ok, ...rest } = result;
          json({ forwarded: ok, id: event.id, sessionId: event.sessionId, url: forwardTo, ...rest });
        });
      };
      const onRefused = (refusal: Refusal) => {
        const at = new Date();
        if (asJson) json({ refused: true, time: at.toISOString(), ...refusal });
        else line(refusalLine(refusal, at));
      };
      let url: string;
      try {
        ({ url } = await startListener({
          host: flags.host,
          port: flags.port,
          path: flags.path,
          tokens: flags.token,
          webhookSecrets: flags.webhookSecret,
          onEvent,
          onRefused,
        }));
      } catch (error) {
        if (!(error instanceof ListenError)) {
          // A --webhook-secret that is not base64: the receiver says so before anything listens.
          if (error instanceof Error && error.message.startsWith("webhookSecret:")) {
            process.stderr.write(`${red("error")}: --webhook-secret: expected whsec_ and base64\n`);
            process.exitCode = 2;
            return;
          }
          throw error;
        }
        process.stderr.write(`${red("error")}: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const signed = flags.webhookSecret.length > 0;
      const open =
        flags.token.length > 0
          ? signed
            ? " (token and signature required)"
            : ""
          : signed
            ? " (signature required)"
            : " (no token required)";
      const forwardNote =
        forwardTo === undefined ? [] : [`forwarding to ${forwardTo} (timeout ${forwardTimeout} s)`];
      if (asJson)
        for (const note of [`listening on ${url}${open}`, ...forwardNote]) process.stderr.write(`${note}\n`);
      else for (const note of [`listening on ${url}${open}`, ...forwardNote]) line(dim(note));
      await new Promise<void>(() => {});
    });
}
