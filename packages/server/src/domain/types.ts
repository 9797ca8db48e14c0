/**
 * The domain's types. The wire types (devices, servers, ports, statuses, QoS profiles) are the
 * schemas' own (wire/), so what the domain handles is exactly what the API validates and sends;
 * the rest is how OpenQoD keeps a session.
 */
import type { ApplicationServer, Device, PortsSpec } from "../wire/common.ts";
import type { QosStatus, StatusInfo } from "../wire/quality-on-demand.ts";

export type {
  ApplicationServer,
  Device,
  DeviceIpv4Addr,
  PortRange,
  PortsSpec,
} from "../wire/common.ts";
export type { Duration, QosProfile, QosProfileStatus, Rate } from "../wire/qos-profiles.ts";
export type { AccessTokenCredential, QosStatus, StatusInfo } from "../wire/quality-on-demand.ts";

export type EventQosStatus = Exclude<QosStatus, "REQUESTED">;

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
  /** The network's reference for the session's reservation (a NEF subscription's URL). */
  networkRef: string | null;
}
