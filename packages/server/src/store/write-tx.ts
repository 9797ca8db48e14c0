import type { SessionRecord } from "../domain/types.ts";
import type { GuardState, NetworkCommandRepository } from "./network-commands.ts";
import type { OutboxRepository } from "./outbox.ts";
import type { NewSessionEvent, SessionEventRepository } from "./session-events.ts";
import type { SessionRepository } from "./sessions.ts";
import type { OutboxEvent } from "./types.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/**
 * The writes (and locking reads) one unit of work of the services may do; all of them commit together
 * or not at all (Store.write). Each write records its own effect on the session cache and the workers.
 */
export class WriteTx {
  readonly #unit: UnitOfWork;
  readonly #sessions: SessionRepository;
  readonly #outbox: OutboxRepository;
  readonly #network: NetworkCommandRepository;
  readonly #events: SessionEventRepository;

  constructor(
    unit: UnitOfWork,
    repositories: {
      sessions: SessionRepository;
      outbox: OutboxRepository;
      network: NetworkCommandRepository;
      events: SessionEventRepository;
    },
  ) {
    this.#unit = unit;
    this.#sessions = repositories.sessions;
    this.#outbox = repositories.outbox;
    this.#network = repositories.network;
    this.#events = repositories.events;
  }

  /** The session, locked against other instances' writes until this unit's transaction ends. */
  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#sessions.lockedById(this.#unit, id);
  }

  /** Up to `limit` sessions due at `now`, oldest first, claimed for this transaction. */
  dueSessions(now: number, limit: number): Promise<SessionRecord[]> {
    return this.#sessions.due(this.#unit, now, limit);
  }

  /**
   * The device's sessions, oldest first, read under a lock on (client, device) that holds until this
   * transaction ends: creates for one device take turns, so a conflict check cannot miss a session
   * another instance is creating.
   */
  deviceSessionsLocked(clientId: string, deviceKey: string): Promise<SessionRecord[]> {
    return this.#sessions.ofDeviceLocked(this.#unit, clientId, deviceKey);
  }

  insertSession(session: SessionRecord): Promise<void> {
    return this.#sessions.insert(this.#unit, session);
  }

  /** Many sessions in one statement (seeding): at most about 1 000, for the engines' parameter limits. */
  insertSessions(sessions: readonly SessionRecord[]): Promise<void> {
    return this.#sessions.insertMany(this.#unit, sessions);
  }

  updateSession(session: SessionRecord): Promise<void> {
    return this.#sessions.update(this.#unit, session);
  }

  deleteSession(id: string): Promise<void> {
    return this.#sessions.delete(this.#unit, id);
  }

  /** Queues a notification; `clientId` owns it (the session's client), so only they see it over the API. */
  enqueue(event: OutboxEvent, clientId: string | null = null): Promise<void> {
    return this.#outbox.enqueue(this.#unit, event, clientId);
  }

  /** Appends a line of a session's story (session_events), committed with the change it tells of. */
  recordSessionEvent(event: NewSessionEvent): Promise<void> {
    return this.#events.append(this.#unit, event);
  }

  // ---- commands to the network (network-commands.ts) ------------------------------------------------

  /** Releases the session's reservation at `deadline` unless takeGuard() runs first (a create in progress). */
  guardCreate(sessionId: string, deadline: number, now: number): Promise<void> {
    return this.#network.guard(this.#unit, sessionId, deadline, now);
  }

  /** Ends a create's guard as its session commits; "firing" means the create must fail. */
  takeGuard(sessionId: string): Promise<GuardState> {
    return this.#network.takeGuard(this.#unit, sessionId);
  }

  /** Queues the release of the session's reservation, retried until the network confirms. */
  queueRelease(sessionId: string, ref: string | null, now: number): Promise<void> {
    return this.#network.queueRelease(this.#unit, sessionId, ref, now);
  }

  /**
   * Keeps a network event (`keep`) for a session still being created, an end over a grant.
   * @returns false when no create of that session is under way.
   */
  keepEarlyEvent(sessionId: string, event: { json: string; ends: boolean }, keep: boolean): Promise<boolean> {
    return this.#network.keepEarlyEvent(this.#unit, sessionId, event, keep);
  }
}
