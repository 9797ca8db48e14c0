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
