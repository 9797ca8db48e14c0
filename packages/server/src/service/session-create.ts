import type { Clock } from "../clock.ts";
import { type Flow, flowsOverlap, parseFlow } from "../domain/flow.ts";
import { activate } from "../domain/lifecycle.ts";
import type { Device, SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type {
  CreateOutcome,
  NetworkAdapter,
  NetworkEvent,
  NetworkSessionRequest,
} from "../network/adapter.ts";
import type { GuardState, Store, WriteTx } from "../store/store.ts";
import { eventTransition } from "./network-events.ts";
import type { TransitionWriter } from "./transitions.ts";

/**
 * How long a create may be in the network's hands before its guard releases whatever the network
 * made of it (ms): the adapter's own bound, and a margin. The guard is for a server that died meanwhile
 * (on SQLite a restart fires it at once: no create outlives its server).
 */
export function createGuardMs(network: NetworkAdapter): number {
  return (network.createTimeoutMs ?? 50_000) + 10_000;
}

export interface ProvisionDeps {
  store: Store;
  clock: Clock;
  network: NetworkAdapter;
  writer: TransitionWriter;
  retentionMs: number;
  /** How long a session may stay REQUESTED waiting for the network's word (ms). */
  grantTimeoutMs: number;
}

/**
 * Asks the network for a validated session and stores it, so that whatever instant the server dies
 * the network keeps nothing without a session:
 * 1. one transaction checks conflicts and writes a guard: a release of this session, due at a deadline;
 * 2. the network creates the reservation;
 * 3. one transaction checks conflicts again, inserts the session and deletes the guard.
 * A refusal, a conflict or a failed commit brings the release forward to now; a timeout, an outage or a
 * crash leaves the guard to fire at its deadline. A network in this process takes no guard (see below).
 * @throws ApiError 409 CONFLICT, the adapter's errors, 503 UNAVAILABLE for anything else of the network.
 */
export async function provisionSession(
  deps: ProvisionDeps,
  requested: SessionRecord,
  flow: Flow,
  identifiers: Device = requested.device,
): Promise<SessionRecord> {
  const { store, network, clock } = deps;
  const { id } = requested;
  // A network in this process dies in the same crash as the create and is rebuilt from the committed
  // sessions (restore), so nothing of it can outlive an uncommitted create: it needs no guard, and
  // the default sandbox keeps one transaction per create.
  const guarded = network.inProcess !== true;
  if (guarded) {
    await store.write(async (tx) => {
      await checkConflicts(tx, requested, flow);
      const now = clock.now();
      await tx.guardCreate(id, now + createGuardMs(network), now);
    });
  }
  const request: NetworkSessionRequest = {
    sessionId: id,
    clientId: requested.clientId,
    device: { device: requested.device, key: requested.deviceKey },
    identifiers,
    flow,
    qosProfile: requested.qosProfile,
    duration: requested.duration,
  };
  let outcome: CreateOutcome;
  try {
    outcome = await network.create(request);
  } catch (error) {
    const failure = asApiError(error);
    // A refusal is the network's last word: release at once (it holds nothing; this confirms it). A
    // timeout or an outage is not: the network may still create it, so the guard waits for its
    // deadline, and reconciliation catches anything later still.
    if (!guarded || failure.code !== "UNAVAILABLE") await releaseNow(store, id, null, clock.now());
    throw failure;
  }
  // The session's times count from the network's answer, however long it took.
  const now = clock.now();
  try {
    return await store.write(async (tx) => {
      const guard: GuardState = guarded ? await tx.takeGuard(id) : { state: "waiting", earlyEvent: null };
      if (guard.state === "firing") {
        throw new ApiError("UNAVAILABLE", "The network took too long to create the session; try again.", {
          headers: { "retry-after": "5" },
        });
      }
      await checkConflicts(tx, requested, flow);
      return insertGranted(tx, deps, requested, outcome, guard.earlyEvent, now);
    });
  } catch (error) {
    await releaseNow(store, id, outcome.ref, now);
    throw error;
  }
}

async function insertGranted(
  tx: WriteTx,
  deps: ProvisionDeps,
  requested: SessionRecord,
  outcome: CreateOutcome,
  earlyEvent: string | null,
  now: number,
): Promise<SessionRecord> {
  const session: SessionRecord = { ...requested, networkRef: outcome.ref };
  let inserted: SessionRecord;
  if (outcome.state === "GRANTED") {
    const transition = activate(session, now);
    await deps.writer.write(tx, null, transition, now);
    inserted = transition.session;
  } else {
    const decided =
      outcome.state === "REFUSED" ? { verdict: "REFUSE" as const, afterMs: 0 } : (outcome.scheduled ?? null);
    inserted = {
      ...session,
      networkVerdict: decided?.verdict ?? null,
      dueAt: now + (decided?.afterMs ?? deps.grantTimeoutMs),
    };
    await tx.insertSession(inserted);
    await deps.writer.tell(tx, null, inserted, now);
  }
  if (earlyEvent === null) return inserted;
  // The network spoke before the session committed (a NEF's notification racing its own 201).
  const transition = eventTransition(inserted, JSON.parse(earlyEvent) as NetworkEvent, now, deps.retentionMs);
  if (transition === null) return inserted;
  await deps.writer.write(tx, inserted, transition, now);
  return transition.session;
}

/** 409 CONFLICT when another session of the same client and device covers an overlapping flow. */
async function checkConflicts(tx: WriteTx, requested: SessionRecord, flow: Flow): Promise<void> {
  for (const other of await tx.deviceSessionsLocked(requested.clientId, requested.deviceKey)) {
    if (other.id === requested.id) continue;
    const otherFlow = parseFlow(other.applicationServer, other.devicePorts, other.applicationServerPorts);
    if (flowsOverlap(flow, otherFlow)) {
      throw new ApiError(
        "CONFLICT",
        `Conflict with an existing session for the same device: session ${other.id} (${other.qosStatus}) covers an overlapping flow. Delete it first.`,
      );
    }
  }
}

/** Brings the guard's release forward; if even that fails, the guard still fires at its deadline. */
async function releaseNow(store: Store, id: string, ref: string | null, now: number): Promise<void> {
  await store
    .write(async (tx) => {
      // A commit whose acknowledgement was lost (PostgreSQL) did commit: its session keeps its reservation.
      if ((await tx.getSession(id)) === undefined) await tx.queueRelease(id, ref, now);
    })
    .catch(() => undefined);
}

/** The network's errors the client may see as they are; anything else is the network being unavailable. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Its words stay in the logs: they may name the network's addresses.
  return new ApiError("UNAVAILABLE", "The network is unavailable; try again later.", {
    headers: { "retry-after": "5" },
  });
}
