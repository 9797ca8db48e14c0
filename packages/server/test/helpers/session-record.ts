import type { SessionRecord } from "../../src/domain/types.ts";

/** An AVAILABLE session record as the store keeps it, due to expire at 60 001 ms, for store-level tests. */
export function sessionRecord(id: string, clientId = "c1"): SessionRecord {
  return {
    id,
    clientId,
    dialect: "v1",
    device: { phoneNumber: "+3670123456" },
    deviceKey: `tel:${id}`,
    applicationServer: { ipv4Address: "198.51.100.1" },
    devicePorts: null,
    applicationServerPorts: null,
    qosProfile: "QOS_E",
    sink: null,
    sinkToken: null,
    sinkTokenExpiresAt: null,
    duration: 60,
    qosStatus: "AVAILABLE",
    statusInfo: null,
    createdAt: 1,
    startedAt: 1,
    expiresAt: 60_001,
    // Due: a commit that writes it brings the scheduler news, so commit listeners hear of it.
    dueAt: 60_001,
    networkVerdict: null,
    networkRef: null,
  };
}
