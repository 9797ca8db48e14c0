/** Wire and domain types named as CAMARA Quality-On-Demand 1.1.0 and QoS Profiles 1.1.0 name them. */

export type QosStatus = "REQUESTED" | "AVAILABLE" | "UNAVAILABLE";
export type EventQosStatus = Exclude<QosStatus, "REQUESTED">;
export type StatusInfo = "DURATION_EXPIRED" | "NETWORK_TERMINATED" | "DELETE_REQUESTED";
export type QosProfileStatus = "ACTIVE" | "INACTIVE" | "DEPRECATED";

export interface DeviceIpv4Addr {
  publicAddress: string;
  privateAddress?: string;
  publicPort?: number;
}

export interface Device {
  phoneNumber?: string;
  networkAccessIdentifier?: string;
  ipv4Address?: DeviceIpv4Addr;
  ipv6Address?: string;
}

export interface ApplicationServer {
  ipv4Address?: string;
  ipv6Address?: string;
}

export interface PortRange {
  from: number;
  to: number;
}

export interface PortsSpec {
  ranges?: PortRange[];
  ports?: number[];
}

export interface AccessTokenCredential {
  credentialType: "ACCESSTOKEN";
  accessToken: string;
  accessTokenExpiresUtc: string;
  accessTokenType: "bearer";
}

/** Which API created a session; its notifications use that dialect's envelope. */
export type Dialect = "v1" | "v0";

/** A session as OpenQoD stores it. Times are milliseconds since the epoch. */
export interface SessionRecord {
  id: string;
  clientId: string;
  dialect: Dialect;
  /** The one identifier chosen from the request's device, echoed as `DeviceResponse`. */
  device: Device;
  /** Canonical form of the chosen identifier; sessions of one device share it. */
  deviceKey: string;
  applicationServer: ApplicationServer;
  devicePorts: PortsSpec | null;
  applicationServerPorts: PortsSpec | null;
  qosProfile: string;
  sink: string | null;
  /** The consumer's token for the sink; never returned by the API. */
  sinkToken: string | null;
  sinkTokenExpiresAt: number | null;
  /** Granted duration in seconds: scheduled (REQUESTED), overall (AVAILABLE), effective (UNAVAILABLE). */
  duration: number;
  qosStatus: QosStatus;
  statusInfo: StatusInfo | null;
  createdAt: number;
  startedAt: number | null;
  /** AVAILABLE: scheduled end. UNAVAILABLE: when it ended. REQUESTED: null. */
  expiresAt: number | null;
  /** The next time the scheduler must look at this session (activation, expiry or removal). */
  dueAt: number | null;
  /** What the network decided for a REQUESTED session, applied at `dueAt`. */
  networkVerdict: "GRANT" | "REFUSE" | null;
}

export interface Rate {
  value: number;
  unit: "bps" | "kbps" | "Mbps" | "Gbps" | "Tbps";
}

export interface Duration {
  value: number;
  unit: "Days" | "Hours" | "Minutes" | "Seconds" | "Milliseconds" | "Microseconds" | "Nanoseconds";
}

export interface QosProfile {
  name: string;
  description?: string;
  status: QosProfileStatus;
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
  serviceClass?: string;
}
