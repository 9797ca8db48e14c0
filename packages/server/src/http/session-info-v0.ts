import type { SessionRecord } from "../domain/types.ts";
import type { Message, SessionInfoV0 } from "./schemas-v0.ts";

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * A session as the Network-as-Code dialect shows it, whichever dialect created it: times in Unix
 * seconds, the sink as `webhook.notificationUrl`, never the token.
 */
export function toSessionInfoV0(s: SessionRecord, messages: Message[] = []): SessionInfoV0 {
  const info: SessionInfoV0 = {
    sessionId: s.id,
    duration: s.duration,
    device: s.device,
    applicationServer: s.applicationServer,
    qosProfile: s.qosProfile,
    qosStatus: s.qosStatus,
  };
  if (s.devicePorts !== null) info.devicePorts = s.devicePorts;
  if (s.applicationServerPorts !== null) info.applicationServerPorts = s.applicationServerPorts;
  if (s.sink !== null) info.webhook = { notificationUrl: s.sink };
  if (s.qosStatus !== "REQUESTED") {
    if (s.startedAt !== null) info.startedAt = unixSeconds(s.startedAt);
    if (s.expiresAt !== null) info.expiresAt = unixSeconds(s.expiresAt);
  }
  if (s.statusInfo !== null) info.statusInfo = s.statusInfo;
  if (messages.length > 0) info.messages = messages;
  return info;
}
