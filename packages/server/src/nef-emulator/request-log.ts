import type { FastifyInstance } from "fastify";
import type { Clock } from "../clock.ts";

/** One request the NEF received; credentials are reduced to their scheme. */
export interface RequestRecord {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** "Bearer <redacted>", "Basic <redacted>", or null without an Authorization header. */
  authorization: string | null;
  contentType: string | null;
  /** The body: parsed JSON when it is JSON, the text otherwise, null without one. */
  body: unknown;
  /** The answer's status; null when none was sent (an injected connection drop, a client gone). */
  status: number | null;
  /** Epoch ms on the emulator's clock. */
  at: number;
}

function redact(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const scheme = authorization.split(" ")[0] ?? "";
  return `${scheme} <redacted>`;
}

function bodyOf(raw: unknown): unknown {
  if (typeof raw !== "string" || raw === "") return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Records every request outside `excludePrefix` (the control surface) in `into`, oldest first. */
export function installRequestLog(
  app: FastifyInstance,
  options: {
    clock: Clock;
    excludePrefix: string;
    into: RequestRecord[];
    /** How many records to keep, the newest: an emulator left running must not grow without bound. */
    limit: number;
    /** Called once each request is answered (not for one whose connection was dropped). */
    onAnswered?: (record: RequestRecord) => void;
  },
): void {
  const records = new WeakMap<object, RequestRecord>();
  app.addHook("onRequest", async (request) => {
    if (request.url.startsWith(options.excludePrefix)) return;
    const record: RequestRecord = {
      method: request.method,
      url: request.url,
      authorization: redact(request.headers.authorization),
      contentType: request.headers["content-type"] ?? null,
      body: null,
      status: null,
      at: options.clock.now(),
    };
    records.set(request, record);
    options.into.push(record);
    if (options.into.length > options.limit) options.into.shift();
  });
  app.addHook("preHandler", async (request) => {
    const record = records.get(request);
    if (record !== undefined) record.body = bodyOf(request.body);
  });
  app.addHook("onResponse", async (request, reply) => {
    const record = records.get(request);
    if (record === undefined) return;
    record.status = reply.statusCode;
    options.onAnswered?.(record);
  });
}
