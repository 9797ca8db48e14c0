import { activate, end, type Transition } from "../domain/lifecycle.ts";
import type { SessionRecord } from "../domain/types.ts";
import type { NetworkEvent, NetworkEventOutcome } from "../network/adapter.ts";
import type { Store } from "../store/store.ts";
import type { TransitionWriter } from "./transitions.ts";

/**
 * How early a network's termination may come and still be the session's expiry (ms): the network
 * counts the duration from its own create, a little before OpenQoD's grant.
 */
export const EXPIRY_TOLERANCE_MS = 2_000;

/**
 * What a network event does to a session: a grant activates a REQUESTED one; a refusal or a
 * termination ends a live one with NETWORK_TERMINATED (CAMARA's word for both), unless it comes as
 * the session's time runs out (then it is DURATION_EXPIRED, at expiresAt). QoS no longer (or
 * again) guaranteed changes nothing the consumer can see: CAMARA QoD has no degraded status, and the
 * reservation, still held, is restored by the network on its own. Events for ended sessions change
 * nothing (their release is already queued).
 * @returns the transition, or null when the event changes nothing.
 */
export function eventTransition(
  session: SessionRecord,
  event: NetworkEvent,
  now: number,
  retentionMs: number,
): Transition | null {
  switch (event.kind) {
    case "GRANTED":
      return session.qosStatus === "REQUESTED" ? activate(session, now) : null;
    case "TERMINATED":
      // A network that was told the duration ends the session itself when it runs out, at about the
      // time OpenQoD does: that is the expiry the consumer asked for, not a termination.
      if (
        session.qosStatus === "AVAILABLE" &&
        session.expiresAt !== null &&
        now >= session.expiresAt - EXPIRY_TOLERANCE_MS
      ) {
        return end(session, session.expiresAt, "DURATION_EXPIRED", retentionMs);
      }
      return session.qosStatus === "UNAVAILABLE"
        ? null
        : end(session, now, "NETWORK_TERMINATED", retentionMs);
    case "REFUSED":
      return session.qosStatus === "UNAVAILABLE"
        ? null
        : end(session, now, "NETWORK_TERMINATED", retentionMs);
    case "NOT_GUARANTEED":
    case "GUARANTEED":
      return null;
  }
}

/**
 * Applies one network event in its own transaction (SessionService.applyNetworkEvent). A session not
 * yet committed keeps the event with its create's guard; on PostgreSQL the guard's lock makes the
 * event wait for that create, after which the session is there.
 */
export async function applyNetworkEvent(
  deps: { store: Store; writer: TransitionWriter; retentionMs: number },
  event: NetworkEvent,
  now: number,
): Promise<NetworkEventOutcome> {
  return deps.store.write(async (tx) => {
    let session = await tx.getSession(event.sessionId);
    if (session === undefined) {
      // Only what changes a session is kept; "QoS (not) guaranteed" before the grant changes nothing.
      const changes = event.kind === "GRANTED" || event.kind === "REFUSED" || event.kind === "TERMINATED";
      const early = { json: JSON.stringify(event), ends: event.kind !== "GRANTED" };
      if (await tx.keepEarlyEvent(event.sessionId, early, changes)) return changes ? "kept" : "ignored";
      session = await tx.getSession(event.sessionId);
      if (session === undefined) return "unknown";
    }
    const transition = eventTransition(session, event, now, deps.retentionMs);
    if (transition === null) return "ignored";
    await deps.writer.write(tx, session, transition, now);
    return "applied";
  });
}
