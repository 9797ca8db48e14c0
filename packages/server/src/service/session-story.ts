import type { SessionRecord } from "../domain/types.ts";
import type { NewSessionEvent } from "../store/session-events.ts";

export type SessionEventKind = NewSessionEvent["kind"];

/** One line of a session's story, about `session` as it is after the change. */
export function storyLine(
  session: SessionRecord,
  kind: SessionEventKind,
  now: number,
  detail: string | null = null,
): NewSessionEvent {
  return {
    session_id: session.id,
    client_id: session.clientId,
    at: now,
    kind,
    qos_status: session.qosStatus,
    status_info: session.statusInfo,
    duration: session.duration,
    detail,
  };
}

/**
 * What a change of a session (`before` → `after`; `before` null for an insert) adds to its story. A
 * session inserted already granted tells both its creation and its grant, so every timeline starts
 * with "created". A change the story does not tell (a reschedule, a stored verdict) adds nothing.
 */
export function storyOf(before: SessionRecord | null, after: SessionRecord, now: number): NewSessionEvent[] {
  if (before === null) {
    const requested = asRequested(after);
    const created = storyLine(requested, "created", now);
    return after.qosStatus === "REQUESTED" ? [created] : [created, ...storyOf(requested, after, now)];
  }
  if (before.qosStatus === after.qosStatus) {
    return after.qosStatus === "AVAILABLE" && after.duration > before.duration
      ? [storyLine(after, "extended", now)]
      : [];
  }
  if (after.qosStatus === "AVAILABLE") return [storyLine(after, "granted", now)];
  if (after.qosStatus !== "UNAVAILABLE") return [];
  return [storyLine(after, before.qosStatus === "REQUESTED" ? "refused" : "ended", now)];
}

function asRequested(session: SessionRecord): SessionRecord {
  return { ...session, qosStatus: "REQUESTED", statusInfo: null };
}
