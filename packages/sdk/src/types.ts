/** Public types, named as CAMARA names them where CAMARA has a name. */

export type QosStatus = "REQUESTED" | "AVAILABLE" | "UNAVAILABLE";
export type StatusInfo = "DURATION_EXPIRED" | "NETWORK_TERMINATED" | "DELETE_REQUESTED";
export type QosProfileStatus = "ACTIVE" | "INACTIVE" | "DEPRECATED";

export interface DeviceIpv4Addr {
  publicAddress: string;
  privateAddress?: string;
  publicPort?: number;
}

/** A device's identifiers; give as many as you know, the provider picks one. */
export interface DeviceIdentifiers {
  networkAccessIdentifier?: string;
  ipv4Address?: DeviceIpv4Addr;
  ipv6Address?: string;
  /** E.164; the leading "+" may be left out, spaces and brackets may not. */
  phoneNumber?: string;
}

export interface PortRange {
  from: number;
  to: number;
}

export interface PortsSpec {
  ranges?: PortRange[];
  ports?: number[];
}

export interface SinkCredential {
  credentialType: "ACCESSTOKEN";
  accessToken: string;
  accessTokenExpiresUtc: string;
  accessTokenType: "bearer";
}

export interface CreateQodSessionParams {
  /** QoS profile name, e.g. "QOS_L". */
  profile: string;
  /** The application server's IPv4 address, optionally with a prefix ("198.51.100.0/24"). */
  serviceIpv4?: string;
  serviceIpv6?: string;
  servicePorts?: PortsSpec;
  devicePorts?: PortsSpec;
  /**
   * Seconds. @default 3600 on CAMARA v1 (where it is required); left to the server on Network as Code
   * v0 (which grants 86 400).
   */
  duration?: number;
  /** Where status notifications are POSTed. CAMARA calls it `sink`; either name works. */
  notificationUrl?: string;
  /** Sent back as the notifications' bearer token ("Bearer " may be included or not). */
  notificationAuthToken?: string;
  /** When the token stops being valid (CAMARA v1 needs it). @default the session's end plus 28 hours (the retry horizon) */
  notificationAuthTokenExpiresAt?: Date;
  sink?: string;
  sinkCredential?: SinkCredential;
  signal?: AbortSignal;
}

/** What a session is, whichever API dialect reported it. */
export interface SessionData {
  id: string;
  profile: string;
  status: QosStatus;
  statusInfo: StatusInfo | undefined;
  /** Seconds. */
  duration: number;
  startedAt: Date | undefined;
  expiresAt: Date | undefined;
  device: DeviceIdentifiers;
  serviceIpv4: string | undefined;
  serviceIpv6: string | undefined;
  servicePorts: PortsSpec | undefined;
  devicePorts: PortsSpec | undefined;
  notificationUrl: string | undefined;
}

export interface QosProfile {
  name: string;
  description?: string;
  status: QosProfileStatus;
  /** Where the profile is offered: ISO 3166-1 alpha-2 country codes, each optionally with networks (PLMN ids). */
  countryAvailability?: Array<{ countryName: string; networks?: string[] }>;
  targetMinUpstreamRate?: Rate;
  maxUpstreamRate?: Rate;
  maxUpstreamBurstRate?: Rate;
  targetMinDownstreamRate?: Rate;
  maxDownstreamRate?: Rate;
  maxDownstreamBurstRate?: Rate;
  minDuration?: Duration;
  maxDuration?: Duration;
  priority?: number;
  packetDelayBudget?: Duration;
  jitter?: Duration;
  packetErrorLossRate?: number;
  l4sQueueType?: "non-l4s-queue" | "l4s-queue" | "mixed-queue";
  serviceClass?: ServiceClass;
}

/** The service classes CAMARA names: RFC 4594 traffic classes and Microsoft QOS_TRAFFIC_TYPE values. */
export type ServiceClass =
  | "microsoft_voice"
  | "microsoft_audio_video"
  | "real_time_interactive"
  | "multimedia_streaming"
  | "broadcast_video"
  | "low_latency_data"
  | "high_throughput_data"
  | "low_priority_data"
  | "standard";

export interface Rate {
  value: number;
  unit: "bps" | "kbps" | "Mbps" | "Gbps" | "Tbps";
}

export interface Duration {
  value: number;
  unit: "Days" | "Hours" | "Minutes" | "Seconds" | "Milliseconds" | "Microseconds" | "Nanoseconds";
}

export interface QosProfileFilter {
  name?: string;
  status?: QosProfileStatus;
  device?: DeviceIdentifiers;
  signal?: AbortSignal;
}

/** Which of your sessions `client.sessions.list` returns (an OpenQoD extension). */
export interface ListSessionsParams {
  /** Only sessions in this status. */
  status?: QosStatus;
  /** Sessions per page, 1 to 100. @default 50 (the server's) */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Only this device's sessions: a phone number, an IPv6 address, or an IPv4 public address (any private address or port). */
  device?: { phoneNumber: string } | { ipv4Address: string } | { ipv6Address: string };
  /** Only sessions created at or after this time (RFC 3339, or a Date). */
  createdAfter?: string | Date;
  /** Only sessions created before this time. */
  createdBefore?: string | Date;
  /** Only this API client's sessions: for operators (`openqod:operator`); others may name only themselves. */
  clientId?: string;
  signal?: AbortSignal;
}

/**
 * Where a notification stands. pending: it will be attempted (again). paused: pending, but its sink
 * is paused (circuit breaker or operator); it keeps its place. delivered: the sink answered 2xx.
 * failed: it will not be attempted again (retries used up, or 410 from the sink). expired: never
 * delivered and no longer attempted (its token expired, or it outlived the retry horizon).
 */
export type NotificationState = "pending" | "paused" | "delivered" | "failed" | "expired";

/** delivered (2xx), retry (failed; tried again later), gone (410), failed (the last retry). */
export type AttemptOutcome = "delivered" | "retry" | "gone" | "failed";

/** One delivery attempt of a notification. Times are RFC 3339 strings, as the server sent them. */
export interface DeliveryAttempt {
  attemptedAt: string;
  outcome: AttemptOutcome;
  /** The sink's HTTP status; absent when no answer came. */
  statusCode?: number;
  /** Milliseconds. */
  durationMs: number;
  error?: string;
  /** The start of the sink's answer (at most 512 bytes), the credential sent blanked as [redacted]. */
  responseExcerpt?: string;
  /** Present on a paused sink's probe. */
  probe?: true;
}

/** A status-change notification of one of your sessions and its delivery (an OpenQoD extension). */
export interface Notification {
  /** The CloudEvent id, the same on every attempt: what receivers deduplicate by. */
  id: string;
  sessionId: string;
  qosStatus: "AVAILABLE" | "UNAVAILABLE";
  statusInfo?: StatusInfo;
  state: NotificationState;
  /** The sink URL, without credentials, query or fragment. */
  sink: string;
  createdAt: string;
  /** When a pending notification is next attempted. */
  nextAttemptAt?: string;
  /** Why the last attempt failed, or why it settled without one. */
  lastError?: string;
  attempts: DeliveryAttempt[];
}

/** What `notifications.recover` is asked: one sink's (URL as notifications show it) or one origin's. */
export interface RecoverRequest {
  sink?: string;
  /** scheme://host[:port] */
  origin?: string;
  /** RFC 3339: notifications created at or after it. */
  since: string;
  /** RFC 3339, exclusive, at most 7 days after `since`. @default now */
  until?: string;
  /** The previous answer's `nextCursor`, with the same sink or origin, `since` and `until`. */
  cursor?: string;
}

/** What a recovery did (see `notifications.recover`). */
export interface RecoverResult {
  recovered: number;
  alreadyPending: number;
  skipped: number;
  /** More than one call's 1000 matched: call again with the same request and `cursor` = `nextCursor`. */
  more: boolean;
  /** Opaque; present while `more` is true. */
  nextCursor?: string;
}

/** A sink origin's health and circuit breaker (an OpenQoD extension). Times are RFC 3339. */
export interface Sink {
  origin: string;
  state: "active" | "paused";
  pausedBy?: "breaker" | "operator";
  pausedAt?: string;
  nextProbeAt?: string;
  consecutiveFailures: number;
  failingSince?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  /** How many of its newest 100 attempts there are, and the share of them delivered (0 to 1). */
  recentAttempts: number;
  recentSuccessRate?: number;
  /** Your pending notifications to it (an operator's: everyone's). */
  backlog: number;
}
