/**
 * The shapes the dashboard reads from OpenQoD's public APIs (CAMARA QoD v1, /notifications/v1,
 * /sandbox/v1, /admin/v1), as the server's OpenAPI document states them. Only the fields shown.
 */

export type QosStatus = "REQUESTED" | "AVAILABLE" | "UNAVAILABLE";

export interface Device {
  phoneNumber?: string;
  networkAccessIdentifier?: string;
  ipv4Address?: { publicAddress: string; privateAddress?: string; publicPort?: number };
  ipv6Address?: string;
}

export interface PortsSpec {
  ranges?: { from: number; to: number }[];
  ports?: number[];
}

export interface SessionInfo {
  sessionId: string;
  device?: Device;
  applicationServer: { ipv4Address?: string; ipv6Address?: string };
  devicePorts?: PortsSpec;
  applicationServerPorts?: PortsSpec;
  qosProfile: string;
  sink?: string;
  duration: number;
  qosStatus: QosStatus;
  statusInfo?: string;
  startedAt?: string;
  expiresAt?: string;
}

export interface SessionList {
  sessions: SessionInfo[];
  nextCursor?: string;
}

export type NotificationState = "pending" | "paused" | "delivered" | "failed" | "expired";

export interface DeliveryAttempt {
  attemptedAt: string;
  outcome: string;
  statusCode?: number;
  durationMs: number;
  error?: string;
  responseExcerpt?: string;
  probe?: boolean;
}

export interface Notification {
  id: string;
  sessionId: string;
  qosStatus: "AVAILABLE" | "UNAVAILABLE";
  statusInfo?: string;
  state: NotificationState;
  sink: string;
  createdAt: string;
  nextAttemptAt?: string;
  lastError?: string;
  attempts: DeliveryAttempt[];
}

export interface TimelineEvent {
  seq: number;
  at: string;
  kind: string;
  qosStatus: QosStatus;
  statusInfo?: string;
  duration?: number;
  detail?: string;
}

/** One event of GET /notifications/v1/session-events. */
export interface SessionEvent {
  seq: number;
  kind: string;
  at: string;
  sessionId: string;
  session: SessionInfo | null;
}

export interface Sink {
  origin: string;
  state: "active" | "paused";
  pausedBy?: "breaker" | "operator";
  nextProbeAt?: string;
  consecutiveFailures: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  /** The share of its newest 100 attempts delivered, 0 to 1. */
  recentSuccessRate?: number;
  backlog?: number;
}

export interface DeliveryStats {
  from: string;
  to: string;
  bucketSeconds: number;
  sessions: Partial<Record<QosStatus, number>>;
  deliveries: { start: string; delivered: number; failed: number }[];
}

export type DeviceOutcome = "GRANT" | "REFUSE" | "NOT_FOUND" | "SERVICE_NOT_APPLICABLE" | "PENDING";

export interface DeviceRule {
  id?: string;
  device: Device;
  outcome: DeviceOutcome;
  activationDelayMs?: number;
  createdAt?: string;
}

export interface DeviceRules {
  devices: DeviceRule[];
  testDevices: DeviceRule[];
}

export interface ApiClient {
  clientId: string;
  name: string;
  scopes: string[] | null;
  createdAt: string;
  revokedAt?: string;
}

export interface IssuedCredentials {
  clientId: string;
  name: string;
  apiKey?: string;
  clientSecret?: string;
  scopes?: string[] | null;
}

export interface QosProfile {
  name: string;
  status?: string;
  maxDuration?: { value: number; unit: string };
}

/** CAMARA's error body. */
export interface ErrorInfo {
  status: number;
  code: string;
  message: string;
}
