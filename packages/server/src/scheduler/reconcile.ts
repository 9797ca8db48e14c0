import type { Clock } from "../clock.ts";
import type { NetworkAdapter } from "../network/adapter.ts";
import type { SessionService } from "../service/session-service.ts";
import type { Store } from "../store/store.ts";

/** What one reconciliation found and did. */
export interface ReconcileReport {
  /** Reservations the network held for no live session: their releases are queued. */
  orphaned: number;
  /** Live sessions the network no longer held: ended UNAVAILABLE / NETWORK_TERMINATED, notified. */
  lost: number;
}

/**
 * Makes the network and the sessions agree, whatever happened while nobody watched (a crash, a lost
 * release, a network that dropped a reservation):
 * - a reservation without a live session, and without a command under way for it (a create in
 *   progress, a release already queued), gets a release;
 * - a session that was live before the network listed its reservations, is still live after, and is
 *   not among them, has lost its reservation: it ends as the network terminated it.
 * The reads are ordered so that a create committing meanwhile is never taken for either: live sessions
 * first, then the network's list, then the commands, then the live sessions again.
 * @returns null when the network cannot list its reservations (then nothing is done).
 */
export async function reconcile(deps: {
  store: Store;
  network: NetworkAdapter;
  sessions: SessionService;
  clock: Clock;
}): Promise<ReconcileReport | null> {
  const { store, network, sessions, clock } = deps;
  const liveBefore = new Set((await store.liveReservations()).map((r) => r.sessionId));
  const reservations = await network.reservations();
  if (reservations === null) return null;
  const inProgress = await store.networkCommandSessions();
  const liveAfter = new Set((await store.liveReservations()).map((r) => r.sessionId));
  const held = new Set(reservations.map((r) => r.sessionId));

  // In one order on every instance: two reconciling at once take the rows' locks in the same order.
  const orphans = reservations
    .filter((r) => !liveAfter.has(r.sessionId) && !inProgress.has(r.sessionId))
    .sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
  if (orphans.length > 0) {
    const now = clock.now();
    await store.write(async (tx) => {
      for (const orphan of orphans) await tx.queueRelease(orphan.sessionId, orphan.ref, now);
    });
  }
  let lost = 0;
  for (const sessionId of liveBefore) {
    if (held.has(sessionId) || !liveAfter.has(sessionId)) continue;
    const outcome = await sessions.applyNetworkEvent({
      sessionId,
      ref: null,
      kind: "TERMINATED",
      detail: "reconciliation: the network no longer holds this session",
    });
    if (outcome === "applied") lost++;
  }
  return { orphaned: orphans.length, lost };
}
