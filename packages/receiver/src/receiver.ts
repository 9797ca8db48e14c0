import { checkBearer } from "./auth.ts";
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

export interface Receiver {
  /**
   * Verifies and parses one request. Answer `result.status`; then call `result.after()` (adapters do).
   * With `awaitHandler`, `onEvent` has already run when this resolves.
   */
  receive(request: IncomingNotification): Promise<ReceiveResult & { after: () => Promise<void> }>;
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
  const ttl = options.dedupeTtlMs ?? 30 * 3_600_000;
  const onError =
    options.onError ??
    ((error: unknown, event: QodEvent) =>
      process.stderr.write(`@openqod/receiver: handler failed for event ${event.id}: ${String(error)}\n`));
  return {
    async receive(request) {
      if (
        options.tokens.length > 0 &&
        !checkBearer(header(request.headers, "authorization"), options.tokens)
      ) {
        return { kind: "rejected", status: 401, reason: "missing or wrong bearer token", after: nothing };
      }
      const parsed = parseNotification(request.body, header(request.headers, "content-type"));
      if (parsed.kind === "rejected") return { ...parsed, after: nothing };
      if (parsed.kind === "ignored") {
        const result = { status: 204 as const, kind: "ignored" as const, reason: parsed.reason };
        options.onSkipped?.(result);
        return { ...result, after: nothing };
      }
      const { event } = parsed;
      if (await state.seen(event.source, event.id, ttl)) {
        const result = { status: 204 as const, kind: "duplicate" as const, event };
        options.onSkipped?.(result);
        return { ...result, after: nothing };
      }
      const time = Date.parse(event.time);
      if (!Number.isNaN(time) && (await state.isStale(event.sessionId, time))) {
        const result = { status: 204 as const, kind: "stale" as const, event };
        options.onSkipped?.(result);
        return { ...result, after: nothing };
      }
      const result = { status: 204 as const, kind: "event" as const, event };
      if (options.awaitHandler) {
        await options.onEvent(event);
        return { ...result, after: nothing };
      }
      return {
        ...result,
        after: async () => {
          try {
            await options.onEvent(event);
          } catch (error) {
            onError(error, event);
          }
        },
      };
    },
  };
}
