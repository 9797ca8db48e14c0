import { ApiError } from "../errors.ts";
import type { EventQosStatus, SessionRecord, StatusInfo } from "./types.ts";

/** A change of a session's status that its consumer must be told about. */
export interface StatusChange {
  qosStatus: EventQosStatus;
  statusInfo?: StatusInfo;
}

/** A session after a transition, with the notification the transition owes (if any). */
export interface Transition {
  session: SessionRecord;
  change: StatusChange | null;
}

/**
 * Checks a requested duration against the profile's limits.
 * @throws ApiError 400 QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE.
 */
export function checkDuration(
  requested: number,
  limits: { min: number; max: number },
  profile: string,
): number {
  if (requested < limits.min || requested > limits.max) {
    throw new ApiError(
      "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
      `The requested duration (${requested} s) is out of the allowed range for QoS profile ${profile}: ${limits.min} to ${limits.max} s.`,
    );
  }
  return requested;
}

/** REQUESTED → AVAILABLE: the boost starts now and lasts `duration` seconds. */
export function activate(session: SessionRecord, now: number): Transition {
  const expiresAt = now + session.duration * 1000;
  return {
    session: {
      ...session,
      qosStatus: "AVAILABLE",
      statusInfo: null,
      startedAt: now,
      expiresAt,
      dueAt: expiresAt,
    },
    change: { qosStatus: "AVAILABLE" },
  };
}

/**
 * Ends a session: AVAILABLE or REQUESTED → UNAVAILABLE at `endedAt`. The session is kept until
 * `endedAt + retentionMs` so that consumers who poll instead of listening can still read why it ended.
 * `duration` becomes the effective duration since `startedAt`, as the spec defines for UNAVAILABLE.
 */
export function end(
  session: SessionRecord,
  endedAt: number,
  reason: StatusInfo,
  retentionMs: number,
): Transition {
  const duration =
    session.startedAt === null
      ? session.duration
      : Math.max(1, Math.round((endedAt - session.startedAt) / 1000));
  return {
    session: {
      ...session,
      qosStatus: "UNAVAILABLE",
      statusInfo: reason,
      duration,
      expiresAt: endedAt,
      dueAt: endedAt + retentionMs,
      networkVerdict: null,
    },
    change: { qosStatus: "UNAVAILABLE", statusInfo: reason },
  };
}

/**
 * Adds `additional` seconds to an AVAILABLE session, capped so the overall duration never exceeds
 * `maxDuration` (the spec's rule: the cap applies silently, it is not an error).
 * @throws ApiError 409 QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED unless the session is AVAILABLE.
 */
export function extend(session: SessionRecord, additional: number, maxDuration: number): SessionRecord {
  if (session.qosStatus !== "AVAILABLE" || session.startedAt === null) {
    throw new ApiError(
      "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
      `Extending the session duration is not allowed in the current state (${session.qosStatus}). The session must be in the AVAILABLE state.`,
    );
  }
  const duration = Math.max(session.duration, Math.min(session.duration + additional, maxDuration));
  const expiresAt = session.startedAt + duration * 1000;
  return { ...session, duration, expiresAt, dueAt: expiresAt };
}

/**
 * What the scheduler does with a session whose `dueAt` has come: activate or refuse a REQUESTED one
 * (refused too when the network has not answered by the grant timeout),
 * expire an AVAILABLE one (at its scheduled end, however late the scheduler runs), or remove an
 * UNAVAILABLE one whose retention is over (`"remove"`).
 */
export function whenDue(session: SessionRecord, now: number, retentionMs: number): Transition | "remove" {
  switch (session.qosStatus) {
    case "REQUESTED":
      // No verdict: the network never said (the grant timeout), which is a refusal too.
      return session.networkVerdict === "GRANT"
        ? activate(session, now)
        : end(session, now, "NETWORK_TERMINATED", retentionMs);
    case "AVAILABLE":
      return end(session, session.expiresAt ?? now, "DURATION_EXPIRED", retentionMs);
    case "UNAVAILABLE":
      return "remove";
  }
}
