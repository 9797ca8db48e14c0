import type { Generated } from "kysely";

/** Table types for Kysely. Times are integers: milliseconds since the Unix epoch. */
export interface Database {
  clients: ClientsTable;
  sessions: SessionsTable;
  outbox: OutboxTable;
  delivery_attempts: DeliveryAttemptsTable;
  network_commands: NetworkCommandsTable;
  signing_keys: SigningKeysTable;
  ciba_requests: CibaRequestsTable;
  assertion_jtis: AssertionJtisTable;
  sinks: SinksTable;
  webhook_secrets: WebhookSecretsTable;
  session_events: SessionEventsTable;
  sandbox_devices: SandboxDevicesTable;
}

export interface ClientsTable {
  id: string;
  name: string;
  /** SHA-256 of the API key; the key itself is never stored. */
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** SHA-256 of the OAuth2 client secret; null = none issued. */
  secret_hash: string | null;
  /** The scopes the client may use, space-separated; null = every scope. */
  scopes: string | null;
  /** The client's public keys for private_key_jwt, a JWKS as JSON. */
  jwks: string | null;
  /** Where the client publishes that JWKS instead. */
  jwks_uri: string | null;
  /** When the revoked client was given a credential again (ms); tokens issued before are not accepted. */
  reinstated_at: number | null;
}

export interface SessionsTable {
  id: string;
  client_id: string;
  dialect: string;
  device: string;
  device_key: string;
  application_server: string;
  device_ports: string | null;
  application_server_ports: string | null;
  qos_profile: string;
  sink: string | null;
  sink_token: string | null;
  sink_token_expires_at: number | null;
  duration: number;
  qos_status: string;
  status_info: string | null;
  created_at: number;
  started_at: number | null;
  expires_at: number | null;
  due_at: number | null;
  network_verdict: string | null;
  /** The network's reference for the session's reservation (migration 0007). */
  network_ref: string | null;
}

/** One notification to deliver; written in the same transaction as the state change it announces. */
export interface OutboxTable {
  seq: Generated<number>;
  event_id: string;
  session_id: string;
  sink: string;
  /** The sink's origin (scheme://host[:port]), which the per-sink delivery cap counts (migration 0006). */
  sink_origin: string | null;
  /** JSON object of the HTTP headers to send (content type, authorization). */
  headers: string;
  body: string;
  token_expires_at: number | null;
  state: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  created_at: number;
  settled_at: number | null;
  last_error: string | null;
  /** The API client that owns the session (migration 0004); null for older events of removed sessions. */
  client_id: string | null;
  /**
   * 1 once settling took the `authorization` header out of `headers` (migration 0006), 0 when there
   * was none or it is back for a redelivery.
   */
  credential_removed: Generated<number>;
  /** When a redelivery or recovery last queued it again after it settled (migration 0011), else null. */
  requeued_at: number | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  event_id: string;
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  outcome: string;
  error: string | null;
  /** The sink origin it went to (migration 0011; older attempts take their event's). */
  sink_origin: string | null;
  /** The start of the sink's answer, bounded and without the credential sent (migration 0011). */
  response_excerpt: string | null;
  /** 1 when a paused sink's probe (migration 0011). */
  probe: Generated<number>;
}

/**
 * A release the network owes (migration 0007): due now for an ended session, or at the deadline of a
 * create in progress, which deletes the row when its session commits.
 */
export interface NetworkCommandsTable {
  session_id: string;
  /** "guard" (a create in progress) or "release" (owed now, or being retried). */
  kind: string;
  ref: string | null;
  due_at: number;
  /** Claims so far: a guard claimed once is firing, and its create may no longer commit. */
  attempts: Generated<number>;
  last_error: string | null;
  /** JSON NetworkEvent that arrived while the session was being created. */
  early_event: string | null;
  created_at: number;
}

/**
 * A token signing key of the authorization server (migration 0009): ES256 key pairs as JWK JSON.
 * `active` is 1 for the one that signs, null once retired (it still verifies until its tokens expired).
 */
export interface SigningKeysTable {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  active: number | null;
  created_at: number;
  retired_at: number | null;
}

/**
 * A CIBA authentication request (migration 0010), in the database so that any instance answers its
 * polls. Keyed by the SHA-256 of its auth_req_id: the id itself is a bearer secret and never stored.
 */
export interface CibaRequestsTable {
  id_hash: string;
  client_id: string;
  /** Space-separated. */
  scopes: string;
  /** JSON CAMARA Device the token will be bound to. */
  device: string;
  /** The consent the device's user gave, known from the start, and visible once `ready_at` is reached. */
  decision: "ALLOW" | "DENY";
  ready_at: number;
  expires_at: number;
  /** Seconds between polls; grows by 5 with every slow_down. */
  interval_s: number;
  last_poll_at: number | null;
  /** When its token was issued; a request gives one token only. */
  consumed_at: number | null;
  created_at: number;
}

/** A private_key_jwt assertion's `jti`, kept until the assertion's `exp` (migration 0009). */
export interface AssertionJtisTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

/**
 * A sink origin's health and circuit breaker (migration 0011): a row once it has failed or been paused.
 * `paused_by` null: attempts go out; "breaker": paused after sustained failure, probed at `probe_at`;
 * "operator": paused by hand, until resumed by hand.
 */
export interface SinksTable {
  origin: string;
  paused_by: string | null;
  paused_at: number | null;
  /** Failed attempts since its last success, across every instance. */
  consecutive_failures: Generated<number>;
  /** The first of those failures. */
  failing_since: number | null;
  /** When a breaker-paused sink is next probed. */
  probe_at: number | null;
  /** Probes failed since it was paused: the probe backoff's step. */
  probe_failures: Generated<number>;
  last_success_at: number | null;
  last_failure_at: number | null;
  updated_at: number;
}

/**
 * A client's Standard Webhooks signing secret (migration 0011), `whsec_` and base64. Every secret not
 * yet retired signs: after a rotation, old and new both sign until the old one's `retires_at`.
 */
export interface WebhookSecretsTable {
  id: string;
  client_id: string;
  secret: string;
  created_at: number;
  /** null: the current secret. */
  retires_at: number | null;
}

/** One step of a session's story (migration 0012), written with the change it tells of. */
export interface SessionEventsTable {
  seq: Generated<number>;
  session_id: string;
  client_id: string;
  at: number;
  kind: "created" | "granted" | "refused" | "extended" | "ended" | "deleted" | "removed";
  qos_status: string;
  status_info: string | null;
  /** The session's duration after the change (s). */
  duration: number | null;
  /** Why, in words, when the status does not say it (e.g. the network's refusal). */
  detail: string | null;
}

/** One rule of a client's own sandbox device registry (migration 0012). */
export interface SandboxDevicesTable {
  id: string;
  client_id: string;
  identifier_kind: "phoneNumber" | "networkAccessIdentifier" | "ipv4Address" | "ipv6Address";
  identifier: string;
  outcome: "GRANT" | "REFUSE" | "NOT_FOUND" | "SERVICE_NOT_APPLICABLE" | "PENDING";
  activation_delay_ms: number | null;
  created_at: number;
}
