import type { Selectable } from "kysely";
import type {
  ApplicationServer,
  Device,
  Dialect,
  PortsSpec,
  QosStatus,
  SessionRecord,
  StatusInfo,
} from "../domain/types.ts";
import type { SessionsTable } from "./schema.ts";

/** Maps between SessionRecord and its row. JSON columns hold the wire objects as given. */
export function sessionToRow(s: SessionRecord): SessionsTable {
  return {
    id: s.id,
    client_id: s.clientId,
    dialect: s.dialect,
    device: JSON.stringify(s.device),
    device_key: s.deviceKey,
    application_server: JSON.stringify(s.applicationServer),
    device_ports: s.devicePorts === null ? null : JSON.stringify(s.devicePorts),
    application_server_ports:
      s.applicationServerPorts === null ? null : JSON.stringify(s.applicationServerPorts),
    qos_profile: s.qosProfile,
    sink: s.sink,
    sink_token: s.sinkToken,
    sink_token_expires_at: s.sinkTokenExpiresAt,
    duration: s.duration,
    qos_status: s.qosStatus,
    status_info: s.statusInfo,
    created_at: s.createdAt,
    started_at: s.startedAt,
    expires_at: s.expiresAt,
    due_at: s.dueAt,
    network_verdict: s.networkVerdict,
    network_ref: s.networkRef,
  };
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function rowToSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    id: r.id,
    clientId: r.client_id,
    dialect: r.dialect as Dialect,
    device: JSON.parse(r.device) as Device,
    deviceKey: r.device_key,
    applicationServer: JSON.parse(r.application_server) as ApplicationServer,
    devicePorts: r.device_ports === null ? null : (JSON.parse(r.device_ports) as PortsSpec),
    applicationServerPorts:
      r.application_server_ports === null ? null : (JSON.parse(r.application_server_ports) as PortsSpec),
    qosProfile: r.qos_profile,
    sink: r.sink,
    sinkToken: r.sink_token,
    sinkTokenExpiresAt: num(r.sink_token_expires_at),
    duration: Number(r.duration),
    qosStatus: r.qos_status as QosStatus,
    statusInfo: r.status_info as StatusInfo | null,
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    expiresAt: num(r.expires_at),
    dueAt: num(r.due_at),
    networkVerdict: r.network_verdict as SessionRecord["networkVerdict"],
    networkRef: r.network_ref,
  };
}
