import { bearerChecker } from "./auth.ts";
import { parseNotification } from "./parse.ts";
import { MemoryReceiverState, type ReceiverState } from "./state.ts";
import type { QodEvent, ReceiveResult } from "./types.ts";

export interface ReceiverOptions {
  /**
   * Accepted tokens, with or without "Bearer ". Several let you rotate: add the new one, move senders
   * over, drop the old one. Empty accepts unauthenticated notifications (not recommended).
   */
  tokens: readonly string[];
  /** Your code, called once per new, in-order event. */
  onEvent: (event: QodEvent) => void | Promise<void>;
  /**
   * Run `onEvent` before answering (its failure then answers 500 and the sender retries). By default
   * the answer goes first and `onEvent` runs after, so a slow handler never makes the sender time out.
   * @default false
   */
  awaitHandler?: boolean;
  /** Remembered events and per-session times. @default in memory */
  state?: ReceiverState;
  /** How long an event id is remembered; covers OpenQoD's 28-hour retry horizon. @default 30 hours (ms) */
  dedupeTtlMs?: number;
  /** Called for what is answered but not handed to `onEvent` (unknown event types, duplicates, stale). */
  onSkipped?: (result: Exclude<ReceiveResult, { kind: "event" } | { kind: "rejected" }>) => void;
  /** Called when `onEvent` throws after the answer was sent. @default logs to stderr */
  onError?: (error: unknown, event: QodEvent) => void;
}

/** What an adapter needs from a request. Header names are lower-case, as Node gives them. */
export interface IncomingNotification {
  body: string | Buffer;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type Verdict = ReceiveResult & { after: () => Promise<void> };

export interface Receiver {
  /**
   * Verifies and parses one request. Answer `result.status`; then call `result.after()` (adapters do).
   * With `awaitHandler`, `onEvent` has already run when this resolves.
   */
  receive(request: IncomingNotification): Promise<Verdict>;
  /**
   * The same, without a promise when the state answers synchronously (the in-memory one does): the
   * adapters' hot path.
   */
  receiveNow(request: IncomingNotification): Verdict | Promise<Verdict>;
}

const header = (headers: IncomingNotification["headers"], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const nothing = async () => {};

/**
 * The framework-free core: given the raw body and headers, a verdict and a typed event. Bad token →
 * 401 (no detail), not JSON → 415, malformed → 400, unknown event type → 204 and skipped, a retry of
 * an event already received → 204 and skipped, an event older than the session's newest → 204 and skipped.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const state = options.state ?? new MemoryReceiverState();
  const authorized = bearerChecker(options.tokens);
  const ttl = options.dedupeTtlMs ?? 30 * 3_600_000;
  const onError =
    options.onError ??
    ((error: unknown, event: QodEvent) =>
      process.stderr.write(`@openqod/receiver: handler failed for event ${event.id}: ${String(error)}\n`));
  function receiveNow(request: IncomingNotification): Verdict | Promise<Verdict> {
    if (options.tokens.length > 0 && !authorized(header(request.headers, "authorization"))) {
      return { kind: "rejected", status: 401, reason: "missing or wrong bearer token", after: nothing };
    }
    const parsed = parseNotification(request.body, header(request.headers, "content-type"));
    if (parsed.kind === "rejected") return { ...parsed, after: nothing };
    if (parsed.kind === "ignored") return skipped({ status: 204, kind: "ignored", reason: parsed.reason });
    const { event } = parsed;
    const seen = state.seen(event.source, event.id, ttl);
    return typeof seen === "boolean" ? afterSeen(event, seen) : seen.then((s) => afterSeen(event, s));
  }

  function afterSeen(event: QodEvent, seen: boolean): Verdict | Promise<Verdict> {
    if (seen) return skipped({ status: 204, kind: "duplicate", event });
    const time = Date.parse(event.time);
    const stale = Number.isNaN(time) ? false : state.isStale(event.sessionId, time);
    return typeof stale === "boolean" ? afterStale(event, stale) : stale.then((s) => afterStale(event, s));
  }

  function afterStale(event: QodEvent, stale: boolean): Verdict | Promise<Verdict> {
    if (stale) return skipped({ status: 204, kind: "stale", event });
    if (options.awaitHandler) {
      return Promise.resolve(options.onEvent(event)).then(() => ({
        status: 204,
        kind: "event",
        event,
        after: nothing,
      }));
    }
    return {
      status: 204,
      kind: "event",
      event,
      after: async () => {
        try {
          await options.onEvent(event);
        } catch (error) {
          onError(error, event);
        }
      },
    };
  }

  function skipped(result: Extract<ReceiveResult, { kind: "duplicate" | "stale" | "ignored" }>): Verdict {
    options.onSkipped?.(result);
    return { ...result, after: nothing };
  }

  return {
    receiveNow,
    receive: async (request) => receiveNow(request),
  };
}
