/** A QoD status change, whichever envelope it came in. */
export interface QodEvent {
  /** The event id; with `source`, what a sender keeps the same on every retry. */
  id: string;
  source: string;
  /** When the change happened (RFC 3339), from the envelope. */
  time: string;
  sessionId: string;
  qosStatus: "AVAILABLE" | "UNAVAILABLE" | "REQUESTED";
  statusInfo?: string;
  /** Which envelope: CAMARA CloudEvent, the Network-as-Code envelope of the seed, or the legacy event object. */
  format: "cloudevent" | "nac" | "legacy";
  /** The CloudEvent `type`, or "QOS_STATUS_CHANGED" for the legacy shape. */
  type: string;
  /** The parsed body as received. */
  original: unknown;
}

/** Why a request was not accepted, and what to answer. Rejections carry no detail for the sender. */
export interface Rejection {
  status: 400 | 401 | 415;
  /** For your logs only. */
  reason: string;
}

/** The outcome of one request: what to answer, and what (if anything) to hand to your code. */
export type ReceiveResult =
  | { status: 204; kind: "event"; event: QodEvent }
  | { status: 204; kind: "duplicate" | "stale"; event: QodEvent }
  | { status: 204; kind: "ignored"; reason: string }
  | ({ kind: "rejected" } & Rejection);

/**
 * Why a request was not taken as an event. Answered with:
 * `missing-token`, `wrong-token`, and with `webhookSecret` `missing-signature` (a `webhook-*` header
 * absent), `bad-signature` (none matches), `stale-timestamp` (outside `webhookTolerance`) 401 · `not-json` 415 · `malformed` 400 · `unsupported-type` 204 (another
 * event type; 2xx so the sender stops) · `method-not-allowed` 405 · `too-large` 413 · `unknown-path` 404
 * (the last three come from the adapters: node:http refuses them before the receiver sees the request).
 */
export type RefusalReason =
  | "missing-token"
  | "wrong-token"
  | "missing-signature"
  | "bad-signature"
  | "stale-timestamp"
  | "not-json"
  | "malformed"
  | "unsupported-type"
  | "method-not-allowed"
  | "too-large"
  | "unknown-path";

/**
 * The request headers worth logging for a refusal, each cut to 200 characters. `authorization` is only
 * ever its scheme and a masked credential, `Bearer my-t…(12 chars)`: at most 4 leading characters and
 * never more than a third of it, then its length; a value without a known scheme is masked whole.
 */
export interface RefusalHeaders {
  "content-type"?: string;
  "content-length"?: string;
  "user-agent"?: string;
  "x-correlator"?: string;
  /** Standard Webhooks: which message, and when it was signed (the signature itself is not kept). */
  "webhook-id"?: string;
  "webhook-timestamp"?: string;
  authorization?: string;
}

/** A request the receiver (or its adapter) did not accept as an event, as given to `onRefused`. */
export interface Refusal {
  /** What was answered. */
  status: 204 | 400 | 401 | 404 | 405 | 413 | 415;
  reason: RefusalReason;
  /** Why, in words, for a person; never the token. The method and path are in their own fields. */
  message: string;
  /** When the adapter passed them on (all three built-in adapters do). */
  method?: string;
  /** Without the query string, which may carry credentials. */
  path?: string;
  headers: RefusalHeaders;
}
