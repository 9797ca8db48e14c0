import type { StatusChange } from "../domain/lifecycle.ts";
import type { SessionRecord } from "../domain/types.ts";
import { uuidv7 } from "../ids.ts";
import type { OutboxEvent } from "../store/types.ts";
import { toOutboxEvent } from "./outbox-event.ts";
import { bearerAuthorization } from "./sink-authorization.ts";

export const QOS_STATUS_CHANGED_V1 = "org.camaraproject.quality-on-demand.v1.qos-status-changed";

/** The CloudEvent 1.0 that CAMARA QoD v1 sends on a status change (structured mode). */
export interface QosStatusChangedEvent {
  id: string;
  source: string;
  type: typeof QOS_STATUS_CHANGED_V1;
  specversion: "1.0";
  datacontenttype: "application/json";
  time: string;
  data: StatusChange & { sessionId: string };
}

/**
 * Renders the notification for a session's status change, ready for the outbox. `source` is the
 * session's URL under `publicUrl`; the event `id` is fixed here so every retry carries the same one.
 */
export function renderV1Notification(
  session: SessionRecord,
  change: StatusChange,
  now: number,
  publicUrl: string,
): OutboxEvent | null {
  if (session.sink === null) return null;
  const event: QosStatusChangedEvent = {
    id: uuidv7(),
    source: `${publicUrl}/quality-on-demand/v1/sessions/${session.id}`,
    type: QOS_STATUS_CHANGED_V1,
    specversion: "1.0",
    datacontenttype: "application/json",
    time: new Date(now).toISOString(),
    data: { sessionId: session.id, ...change },
  };
  return toOutboxEvent(
    { ...session, sink: session.sink },
    event,
    "application/cloudevents+json",
    bearerAuthorization,
    now,
  );
}
