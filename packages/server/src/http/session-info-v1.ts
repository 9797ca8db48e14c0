import type { SessionRecord } from "../domain/types.ts";
import type { SessionInfo } from "./schemas.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A session as CAMARA QoD v1 shows it. `startedAt`/`expiresAt` are absent while REQUESTED; for an
 * UNAVAILABLE session `expiresAt` is when it ended. The sink credential is never shown.
 */
export function toSessionInfo(s: SessionRecord): SessionInfo {
  const info: SessionInfo = {
    device: s.device,
    applicationServer: s.applicationServer,
    qosProfile: s.qosProfile,
    sessionId: s.id,
    duration: s.duration,
    qosStatus: s.qosStatus,
  };
  if (s.devicePorts !== null) info.devicePorts = s.devicePorts;
  if (s.applicationServerPorts !== null) info.applicationServerPorts = s.applicationServerPorts;
  if (s.sink !== null) info.sink = s.sink;
  if (s.qosStatus !== "REQUESTED") {
    if (s.startedAt !== null) info.startedAt = iso(s.startedAt);
    if (s.expiresAt !== null) info.expiresAt = iso(s.expiresAt);
  }
  if (s.statusInfo !== null) info.statusInfo = s.statusInfo;
  return info;
}
