import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../errors.ts";
import type { SessionEventService } from "../service/session-events.ts";
import { wholeClient } from "../service/session-events.ts";
import type { SessionEventRow } from "../store/session-events.ts";
import { asSeenBy, callerOf } from "./owner.ts";
import { toSessionInfo } from "./session-info-v1.ts";

/** Streams one API client may hold open at once; more answer 429. */
export const MAX_STREAMS_PER_CLIENT = 20;
const PING_MS = 15_000;

/**
 * The open server-sent-event streams of one app: counted per client (the cap) and ended when the app
 * closes, so app.close() does not wait on connections that never end by themselves.
 */
export class EventStreams {
  readonly #sessions: SessionEventService;
  readonly #perClient = new Map<string, number>();
  readonly #open = new Set<() => void>();
  readonly #pingMs: number;

  constructor(sessions: SessionEventService, options: { pingMs?: number } = {}) {
    this.#sessions = sessions;
    this.#pingMs = options.pingMs ?? PING_MS;
  }

  /** Ends every open stream (the app is closing). */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }

  /**
   * Answers `request` with a stream of the caller's session events: those after `Last-Event-ID` first
   * (at most 1 000), then each as it is appended, on any instance.
   * @throws ApiError 429 TOO_MANY_REQUESTS (the client's cap), 400 INVALID_ARGUMENT (Last-Event-ID).
   */
  async open(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const clientId = request.principal.clientId;
    const open = this.#perClient.get(clientId) ?? 0;
    if (open >= MAX_STREAMS_PER_CLIENT) {
      // A refused stream's connection is not kept for another request: app.close() would wait on it.
      reply.header("connection", "close");
      throw new ApiError(
        "TOO_MANY_REQUESTS",
        `At most ${MAX_STREAMS_PER_CLIENT} event streams may be open per API client; close one first.`,
      );
    }
    const lastId = lastEventId(request.headers["last-event-id"]);
    const caller = callerOf(request);
    wholeClient(caller);
    this.#perClient.set(clientId, open + 1);
    reply.hijack();
    const res = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) res.setHeader(name, value);
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    res.write(": connected\n\n");

    let chain = Promise.resolve();
    const send = (row: SessionEventRow): void => {
      chain = chain.then(async () => {
        const session = await this.#sessions.session(row.session_id).catch(() => undefined);
        const data = {
          seq: row.seq,
          kind: row.kind,
          at: new Date(row.at).toISOString(),
          sessionId: row.session_id,
          session: session === undefined ? null : asSeenBy(request, toSessionInfo(session)),
        };
        if (!res.writableEnded)
          res.write(`id: ${row.seq}\nevent: session\ndata: ${JSON.stringify(data)}\n\n`);
      });
    };
    // Live events wait while the missed ones are read, so none is lost or sent twice in between.
    const waiting: SessionEventRow[] | null = [];
    let held: SessionEventRow[] | null = waiting;
    let unsubscribe: (() => void) | null = null;
    const ping = setInterval(() => res.write(": ping\n\n"), this.#pingMs);
    ping.unref();
    // Set up before anything is awaited: a client gone meanwhile still gives back its slot.
    const close = (): void => {
      if (!this.#open.delete(close)) return;
      clearInterval(ping);
      unsubscribe?.();
      this.#perClient.set(clientId, (this.#perClient.get(clientId) ?? 1) - 1);
      if (!res.writableEnded) res.end();
    };
    this.#open.add(close);
    res.on("close", close);

    const replayed = new Set<number>();
    try {
      const stop = await this.#sessions.feed.subscribe((row) => {
        if (!this.#sessions.sees(caller, row)) return;
        if (held !== null) held.push(row);
        else send(row);
      });
      if (!this.#open.has(close)) return stop();
      unsubscribe = stop;
      if (lastId !== null) {
        for (const row of await this.#sessions.missed(caller, lastId)) {
          replayed.add(row.seq);
          send(row);
        }
      }
    } catch {
      // The database failed us after the 200 went out: end the stream, and the client reconnects
      // with its Last-Event-ID rather than waiting on a stream that will never speak.
      close();
      return;
    }
    held = null;
    for (const row of waiting) {
      if (!replayed.has(row.seq) && (lastId === null || row.seq > lastId)) send(row);
    }
  }
}

/** The seq a reconnecting client saw last, or null (start live). @throws ApiError 400 INVALID_ARGUMENT. */
function lastEventId(value: string | string[] | undefined): number | null {
  if (value === undefined || value === "") return null;
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value)) {
    throw new ApiError("INVALID_ARGUMENT", "Last-Event-ID must be the id of an event this stream sent.");
  }
  return Number(value);
}
