import { bearerChecker } from "./auth.ts";
import { parseNotification } from "./parse.ts";
import { describeRequest } from "./refusal.ts";
import { signatureCheckerFor } from "./signature.ts";
import { MemoryReceiverState, type ReceiverState } from "./state.ts";
import type { QodEvent, ReceiveResult, Refusal } from "./types.ts";

export interface ReceiverOptions {
  /**
   * Accepted tokens, with or without "Bearer ". Several let you rotate: add the new one, move senders
   * over, drop the old one. Empty accepts unauthenticated notifications (not recommended).
   */
  tokens: readonly string[];
  /**
   * Standard Webhooks secrets (`whsec_…` as OpenQoD's webhook-secrets API gives them, or base64 alone):
   * each request must then carry `webhook-id`, `webhook-timestamp` and a `webhook-signature` made with
   * one of them over the body's exact bytes (401 `missing-signature`, `bad-signature`,
   * `stale-timestamp` otherwise). Several let you rotate: list the new one beside the old until the
   * sender's grace period ends. With `tokens` too, both must pass; with `tokens: []`, the signature
   * alone authenticates. Leave it out to check no signatures.
   * @throws Error (from createReceiver) for a secret that is not base64 (an empty one included);
   *   TypeError for an empty list, which would check nothing while looking as if it did.
   */
  webhookSecret?: string | readonly string[];
  /**
   * How far `webhook-timestamp` may be from this machine's clock, either way, in seconds: an older
   * request (a replay) or one from the future is refused `stale-timestamp`. @default 300
   * @throws TypeError (from createReceiver) unless a finite number >= 0: a NaN (say,
   *   `Number(process.env.UNSET)`) would otherwise accept any timestamp and turn replay protection off.
   */
  webhookTolerance?: number;
  /**
   * Your code, called once per new, in-order event, with the request it came in (the exact body bytes
   * and headers, e.g. to store or forward them).
   */
  onEvent: (event: QodEvent, request: IncomingNotification) => void | Promise<void>;
  /**
   * Run `onEvent` before answering. An event then counts as received only once `onEvent` succeeded: its
   * failure answers 500, the event is forgotten (`ReceiverState.forget`) and the sender's retry runs
   * `onEvent` again. A duplicate arriving while the first is still in `onEvent` waits and gets its
   * outcome (204 once it succeeded, 500 if it failed), so `onEvent` runs once per event at a time. By
   * default the answer goes first and `onEvent` runs after, so a slow handler never makes the sender
   * time out, and a failure after the 204 goes to `onError`.
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
  /**
   * Called after answering each request that was not taken as an event: a missing or wrong token, a
   * body that is not JSON or not a notification, another event type, and what the adapters refuse
   * themselves (another method, path or a body too large). Never given the token. Its failure is
   * written to stderr and does not change the answer. Not given: no refusal is ever built.
   */
  onRefused?: (refusal: Refusal) => void;
}

/** The request line and headers, as adapters pass them on. Header names are lower-case, as Node gives them. */
export interface RequestHead {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** For `onRefused`. */
  method?: string | undefined;
  /** The request target (path and query), for `onRefused`, which reports the path only. */
  url?: string | undefined;
}

/** What an adapter needs from a request. */
export interface IncomingNotification extends RequestHead {
  body: string | Buffer;
}

export type Verdict = ReceiveResult & { after: () => Promise<void> };

export interface Receiver {
  /**
   * Verifies and parses one request. Answer `result.status`; then call `result.after()` (adapters do).
   * With `awaitHandler`, `onEvent` has already run when this resolves, and its failure rejects.
   */
  receive(request: IncomingNotification): Promise<Verdict>;
  /**
   * The same, without a promise when the state answers synchronously (the in-memory one does): the
   * adapters' hot path.
   */
  receiveNow(request: IncomingNotification): Verdict | Promise<Verdict>;
  /**
   * Tells `onRefused` about a request an adapter answered itself (another path or method, a body too
   * large); does nothing without the hook. Call it after answering.
   */
  refused(request: RequestHead, refusal: Pick<Refusal, "status" | "reason" | "message">): void;
}

const header = (headers: IncomingNotification["headers"], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const nothing = async () => {};

const hookFailed = (error: unknown) =>
  process.stderr.write(`@openqod/receiver: onRefused failed: ${String(error)}\n`);

/** The 401's reason and message: nothing sent, another scheme, or a token that matches none. */
function unauthorized(authorization: string | undefined): Pick<Refusal, "status" | "reason" | "message"> {
  if (authorization === undefined || authorization.trim() === "")
    return { status: 401, reason: "missing-token", message: "no Authorization header" };
  if (!/^Bearer\s/i.test(authorization.trim()))
    return { status: 401, reason: "wrong-token", message: "the Authorization header is not a Bearer token" };
  return {
    status: 401,
    reason: "wrong-token",
    message: "the bearer token matches none of the accepted tokens",
  };
}

/**
 * The framework-free core: given the raw body and headers, a verdict and a typed event. Bad token or
 * (with `webhookSecret`) signature → 401 (no detail), not JSON → 415, malformed → 400, unknown event type → 204 and skipped, a retry of
 * an event already received → 204 and skipped, an event older than the session's newest → 204 and skipped.
 * The first four are also reported to `onRefused`.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const state = options.state ?? new MemoryReceiverState();
  const authorized = bearerChecker(options.tokens);
  const signed = signatureCheckerFor(options.webhookSecret, options.webhookTolerance);
  const ttl = options.dedupeTtlMs ?? 30 * 3_600_000;
  const onError =
    options.onError ??
    ((error: unknown, event: QodEvent) =>
      process.stderr.write(`@openqod/receiver: handler failed for event ${event.id}: ${String(error)}\n`));
  if (options.awaitHandler && state.forget === undefined)
    process.stderr.write(
      "@openqod/receiver: the state has no forget(): with awaitHandler, a retry after a failed handler will be answered as a duplicate\n",
    );
  /** With `awaitHandler`: events in their handler now, by source and id, and how each will end. */
  const handling = new Map<string, Promise<Verdict>>();

  function receiveNow(request: IncomingNotification): Verdict | Promise<Verdict> {
    if (options.tokens.length > 0) {
      const authorization = header(request.headers, "authorization");
      if (!authorized(authorization)) {
        return {
          kind: "rejected",
          status: 401,
          reason: "missing or wrong bearer token",
          after: reportLater(request, () => unauthorized(authorization)),
        };
      }
    }
    const problem = signed?.(request.headers, request.body) ?? null;
    if (problem !== null) {
      return {
        kind: "rejected",
        status: 401,
        reason: "missing, stale or wrong webhook signature",
        after: reportLater(request, () => ({ status: 401, ...problem })),
      };
    }
    const parsed = parseNotification(request.body, header(request.headers, "content-type"));
    if (parsed.kind === "rejected") {
      return {
        ...parsed,
        after: reportLater(request, () => ({
          status: parsed.status,
          reason: parsed.status === 415 ? "not-json" : "malformed",
          message: parsed.reason,
        })),
      };
    }
    if (parsed.kind === "ignored") {
      return {
        ...skipped({ status: 204, kind: "ignored", reason: parsed.reason }),
        after: reportLater(request, () => ({
          status: 204,
          reason: "unsupported-type",
          message: `${parsed.reason} is not a QoD status change`,
        })),
      };
    }
    const { event } = parsed;
    if (options.awaitHandler) return handleOnce(request, event);
    const seen = state.seen(event.source, event.id, ttl);
    return typeof seen === "boolean"
      ? afterSeen(request, event, seen)
      : seen.then((s) => afterSeen(request, event, s));
  }

  function afterSeen(
    request: IncomingNotification,
    event: QodEvent,
    seen: boolean,
  ): Verdict | Promise<Verdict> {
    if (seen) return skipped({ status: 204, kind: "duplicate", event });
    const time = Date.parse(event.time);
    const stale = Number.isNaN(time) ? false : state.isStale(event.sessionId, time);
    return typeof stale === "boolean"
      ? afterStale(request, event, stale)
      : stale.then((s) => afterStale(request, event, s));
  }

  function afterStale(
    request: IncomingNotification,
    event: QodEvent,
    stale: boolean,
  ): Verdict | Promise<Verdict> {
    if (stale) return skipped({ status: 204, kind: "stale", event });
    return {
      status: 204,
      kind: "event",
      event,
      after: async () => {
        try {
          await options.onEvent(event, request);
        } catch (error) {
          onError(error, event);
        }
      },
    };
  }

  /**
   * Registered before anything is awaited, so that a duplicate of an event still in its handler is
   * never acknowledged ahead of it: it waits and shares the outcome.
   */
  function handleOnce(request: IncomingNotification, event: QodEvent): Promise<Verdict> {
    const key = `${event.source}\u0000${event.id}`;
    const running = handling.get(key);
    if (running !== undefined) return running.then(() => skipped({ status: 204, kind: "duplicate", event }));
    const outcome = handleAwaited(request, event).finally(() => handling.delete(key));
    handling.set(key, outcome);
    return outcome;
  }

  async function handleAwaited(request: IncomingNotification, event: QodEvent): Promise<Verdict> {
    if (await state.seen(event.source, event.id, ttl))
      return skipped({ status: 204, kind: "duplicate", event });
    const time = Date.parse(event.time);
    if (!Number.isNaN(time) && (await state.isStale(event.sessionId, time)))
      return skipped({ status: 204, kind: "stale", event });
    try {
      await options.onEvent(event, request);
    } catch (error) {
      // Not received after all: the sender gets a 5xx, and its retry must not be taken for a duplicate.
      try {
        await state.forget?.(event.source, event.id);
      } catch (forgetError) {
        throw new AggregateError(
          [error, forgetError],
          `the handler failed and the state could not forget event ${event.id}`,
        );
      }
      throw error;
    }
    return { status: 204, kind: "event", event, after: nothing };
  }

  function skipped(result: Extract<ReceiveResult, { kind: "duplicate" | "stale" | "ignored" }>): Verdict {
    options.onSkipped?.(result);
    return { ...result, after: nothing };
  }

  /** Calls `onRefused`, which must neither throw into an adapter nor leave a rejected promise behind. */
  function refused(request: RequestHead, refusal: Pick<Refusal, "status" | "reason" | "message">): void {
    const hook = options.onRefused;
    if (hook === undefined) return;
    try {
      // Typed to return nothing, but an async hook is assignable: its rejection is caught too.
      const returned: unknown = hook({ ...refusal, ...describeRequest(request) });
      if (returned instanceof Promise) returned.catch(hookFailed);
    } catch (error) {
      hookFailed(error);
    }
  }

  /** An `after()` that reports the refusal once the answer is out; `nothing` without the hook. */
  function reportLater(
    request: RequestHead,
    refusal: () => Pick<Refusal, "status" | "reason" | "message">,
  ): () => Promise<void> {
    if (options.onRefused === undefined) return nothing;
    return async () => refused(request, refusal());
  }

  return {
    receiveNow,
    receive: async (request) => receiveNow(request),
    refused,
  };
}
