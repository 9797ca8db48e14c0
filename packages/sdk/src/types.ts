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
