import type { StatusChange } from "../domain/lifecycle.ts";
import type { SessionRecord } from "../domain/types.ts";
import { uuidv7 } from "../ids.ts";
import type { OutboxEvent } from "../store/types.ts";
import { toOutboxEvent } from "./outbox-event.ts";

export const QOS_STATUS_CHANGED_V0 = "org.camaraproject.qod.v0.qos-status-changed";

/**
 * `statusInfo` for an AVAILABLE event. The seed's receiver model declares `statusInfo` as a required
 * string on every event, while CAMARA defines reasons only for UNAVAILABLE; this value fills the gap
 * without colliding with any CAMARA reason.
 */
export const AVAILABLE_STATUS_INFO = "SESSION_AVAILABLE";

/** The notification the Network-as-Code receiver model (the seed's `Notification`) validates. */
export interface NacNotification {
  id: string;
  source: string;
  type: typeof QOS_STATUS_CHANGED_V0;
  specversion: "1.0";
  datacontenttype: "application/json";
  time: string;
  event: { eventType: "QOS_STATUS_CHANGED"; eventTime: string; eventDetail: NacEventDetail };
  data: NacEventDetail;
}

export interface NacEventDetail {
  sessionId: string;
  qosStatus: StatusChange["qosStatus"];
  statusInfo: string;
}

/**
 * The `Authorization` header for a Network-as-Code webhook token. Nokia's Python SDK sends the token
 * already prefixed ("Bearer my-token") and the seed's receiver compares with exactly that, so a token
 * that has a scheme goes verbatim; a bare token gets "Bearer ". Never "Bearer Bearer …".
 */
export function webhookAuthorization(token: string): string {
  return /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+\S/.test(token) ? token : `Bearer ${token}`;
}

/** Renders a status change for a session created through /qod/v0, ready for the outbox. */
export function renderV0Notification(
  session: SessionRecord,
  change: StatusChange,
  now: number,
  publicUrl: string,
): OutboxEvent | null {
  if (session.sink === null) return null;
  const time = new Date(now).toISOString();
  const detail: NacEventDetail = {
    sessionId: session.id,
    qosStatus: change.qosStatus,
    statusInfo: change.statusInfo ?? AVAILABLE_STATUS_INFO,
  };
  const event: NacNotification = {
    id: uuidv7(now),
    source: `${publicUrl}/qod/v0/sessions/${session.id}`,
    type: QOS_STATUS_CHANGED_V0,
    specversion: "1.0",
    datacontenttype: "application/json",
    time,
    event: { eventType: "QOS_STATUS_CHANGED", eventTime: time, eventDetail: detail },
    data: detail,
  };
  return toOutboxEvent(
    { ...session, sink: session.sink },
    event,
    "application/json",
    webhookAuthorization,
    now,
  );
}
