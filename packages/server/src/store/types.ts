/** A notification waiting in the outbox, rendered once so every retry sends the same bytes and `id`. */
export interface OutboxEvent {
  eventId: string;
  sessionId: string;
  sink: string;
  headers: Record<string, string>;
  body: string;
  /** After this instant (ms) the consumer's token is expired and nothing more is sent. */
  tokenExpiresAt: number | null;
  createdAt: number;
}

/**
 * pending: to be sent (again). delivered: a 2xx came back. failed: every retry was used.
 * gone: the sink answered 410. expired: the consumer's token expired before delivery.
 */
export type DeliveryState = "pending" | "delivered" | "failed" | "gone" | "expired";

/** An outbox row claimed by a dispatcher for one attempt. */
export interface ClaimedDelivery extends OutboxEvent {
  seq: number;
  /** The sink's origin (scheme://host[:port]): attempts in flight are capped per origin. */
  origin: string;
  attempts: number;
  /** The session's API client (whose webhook secrets sign it); null for old events of removed sessions. */
  clientId: string | null;
  /** Claimed as a paused sink's probe: its outcome resumes the sink or keeps it paused. */
  probe: boolean;
}

/** How one delivery attempt went, and what becomes of the event. */
export interface AttemptResult {
  eventId: string;
  sink: string;
  /** The sink's origin (see ClaimedDelivery.origin). */
  origin: string;
  /** The start of the answer's body, bounded, with the credential sent blanked; null when none came. */
  responseExcerpt: string | null;
  /** The attempt was a paused sink's probe. */
  probe: boolean;
  /**
   * It failed on OpenQoD's side before anything was sent (e.g. its signing secrets could not be
   * read): it is retried like any failure, but says nothing about the sink and its breaker.
   */
  local?: boolean;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** The outcome of this attempt, recorded for operators ("delivered", "retry", "gone", ...). */
  outcome: string;
  state: DeliveryState;
  /** When state is "pending": the next attempt's time. */
  nextAttemptAt: number | null;
}

export interface DeliveryAttemptRow {
  eventId: string;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  outcome: string;
  error: string | null;
  responseExcerpt: string | null;
  probe: boolean;
}

export interface OutboxRow {
  eventId: string;
  sessionId: string;
  /** The session's API client; null for events written before migration 0004 whose session was gone. */
  clientId: string | null;
  sink: string;
  /** The notification as sent (JSON). */
  body: string;
  /** After this instant (ms) nothing more is sent. */
  tokenExpiresAt: number | null;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  settledAt: number | null;
  lastError: string | null;
  /**
   * Settling removed the consumer's credential: a redelivery needs it back from the session
   * (Store.redeliverNow's `authorization`), or it is refused.
   */
  credentialRemoved: boolean;
}

/** Which sessions to list, after `afterId` (exclusive), oldest first by id. */
export interface SessionPageQuery {
  /** Only this client's sessions; every client's when absent (an operator's view). */
  clientId?: string;
  /** Only this device's sessions (a device-bound token's, or a filter; both when both are given). */
  deviceKeys?: readonly string[];
  /** Only sessions whose device key starts so (an IPv4 device by its public address alone). */
  deviceKeyPrefix?: string;
  /** Created at or after this instant (ms). */
  createdAfter?: number;
  /** Created before this instant (ms). */
  createdBefore?: number;
  status?: "REQUESTED" | "AVAILABLE" | "UNAVAILABLE";
  afterId?: string;
  limit: number;
}

/** An API client as operators see it: never a key or a secret, only whether one is set. */
export interface ClientRecord {
  id: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  /** The scopes it may use; null = every scope OpenQoD has. */
  scopes: string[] | null;
  /** Whether it has an OAuth2 client secret. */
  hasSecret: boolean;
  /** Its private_key_jwt keys: a JWKS it registered, or the URL it publishes one at. */
  jwks: JwksDocument | null;
  jwksUri: string | null;
}

/** A JSON Web Key Set as a client registers it (RFC 7517 §5); its keys are checked when used. */
export interface JwksDocument {
  keys: Record<string, unknown>[];
}

/** What the token endpoint needs to authenticate a client: its record and its secret's hash. */
export interface ClientCredentialsRecord extends ClientRecord {
  secretHash: string | null;
  /** When a revoked client was given a credential again (ms): nothing issued before counts. */
  reinstatedAt: number | null;
}

/** A new client's row: the API key's and the secret's hashes, never the values. */
export interface NewClient {
  id: string;
  name: string;
  keyHash: string;
  createdAt: number;
  secretHash?: string | null;
  scopes?: string[] | null;
  jwks?: JwksDocument | null;
  jwksUri?: string | null;
}
