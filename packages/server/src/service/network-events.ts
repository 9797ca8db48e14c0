import { activate, end, type Transition } from "../domain/lifecycle.ts";
import type { SessionRecord } from "../domain/types.ts";
import type { NetworkEvent, NetworkEventOutcome } from "../network/adapter.ts";
import type { Store } from "../store/store.ts";
import type { TransitionWriter } from "./transitions.ts";

/**
 * What a network event does to a session: a grant activates a REQUESTED one; a refusal or a
 * termination ends a live one with NETWORK_TERMINATED (CAMARA's word for both). QoS no longer (or
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
    case "REFUSED":
    case "TERMINATED":
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
      if (await tx.keepEarlyEvent(event.sessionId, JSON.stringify(event))) return "kept";
      session = await tx.getSession(event.sessionId);
      if (session === undefined) return "unknown";
    }
    const transition = eventTransition(session, event, now, deps.retentionMs);
    if (transition === null) return "ignored";
    await deps.writer.write(tx, session, transition, now);
    return "applied";
  });
}
