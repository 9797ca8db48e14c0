import type { Clock } from "../clock.ts";
import type { SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type { AttemptBucket } from "../store/delivery-stats.ts";
import type { SessionEventRow } from "../store/session-events.ts";
import type { Store } from "../store/store.ts";
import type { Caller } from "./notification-service.ts";
import { owned } from "./owner.ts";
import { type FeedTiming, SessionEventFeed } from "./session-event-feed.ts";

/** The most events a timeline shows, and a stream replays after Last-Event-ID. */
export const EVENT_LIMIT = 1_000;
const MINUTE_MS = 60_000;

/** The dashboard's charts: sessions now by status, and attempts per minute over the last hour. */
export interface DeliveryStats {
  from: number;
  to: number;
  bucketSeconds: 60;
  sessions: { REQUESTED: number; AVAILABLE: number; UNAVAILABLE: number };
  deliveries: AttemptBucket[];
}

/**
 * Sessions' stories: a session's timeline, the live stream of every change (a feed shared by the
 * process's streams) and the delivery statistics. Ownership as for notifications: an event belongs to
 * its session's client; an operator (`null` caller) sees every client's.
 */
export class SessionEventService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly feed: SessionEventFeed;

  constructor(options: { store: Store; clock: Clock; feed?: Partial<FeedTiming> }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.feed = new SessionEventFeed(options.store.sessionEvents, options.feed);
  }

  /**
   * A session's events, oldest first; still answered after the session is gone, by its events.
   * @throws ApiError 404 NOT_FOUND (no such session, no events), 403 PERMISSION_DENIED.
   */
  async timeline(caller: Caller, sessionId: string): Promise<SessionEventRow[]> {
    const [session, events] = await Promise.all([
      this.#store.getSession(sessionId),
      this.#store.sessionEvents.ofSession(sessionId, EVENT_LIMIT),
    ]);
    if (session === undefined && events.length === 0) {
      throw new ApiError("NOT_FOUND", "The specified session is not found.");
    }
    if (caller !== null) {
      if (session !== undefined) owned(session, caller);
      else if (events[0]?.client_id !== caller.clientId || caller.device != null) {
        // A session that is gone cannot say which device it was for: a device-bound token is refused.
        throw new ApiError("PERMISSION_DENIED", "This session belongs to another API client.");
      }
    }
    return events;
  }

  /** The caller's events after `seq`, oldest first (at most EVENT_LIMIT): a stream's replay. */
  missed(caller: Caller, seq: number): Promise<SessionEventRow[]> {
    return this.#store.sessionEvents.after(seq, caller?.clientId ?? null, EVENT_LIMIT);
  }

  /** Whether `caller` may see `event` on a stream. */
  sees(caller: Caller, event: SessionEventRow): boolean {
    return caller === null || event.client_id === caller.clientId;
  }

  /** The session an event is about, as it is now (undefined once deleted or removed). */
  session(sessionId: string): Promise<SessionRecord | undefined> {
    return this.#store.getSession(sessionId);
  }

  /** Sessions by status now, and attempts in each of the last 60 minutes (the current one last). */
  async stats(caller: Caller): Promise<DeliveryStats> {
    wholeClient(caller);
    const to = (Math.floor(this.#clock.now() / MINUTE_MS) + 1) * MINUTE_MS;
    const from = to - 60 * MINUTE_MS;
    const clientId = caller?.clientId ?? null;
    const [byStatus, buckets] = await Promise.all([
      this.#store.deliveryStats.sessionsByStatus(clientId),
      this.#store.deliveryStats.attemptBuckets(from, to, MINUTE_MS, clientId),
    ]);
    const found = new Map(buckets.map((b) => [b.start, b]));
    const deliveries = Array.from({ length: 60 }, (_, i) => {
      const start = from + i * MINUTE_MS;
      return found.get(start) ?? { start, delivered: 0, failed: 0 };
    });
    const sessions = {
      REQUESTED: byStatus.get("REQUESTED") ?? 0,
      AVAILABLE: byStatus.get("AVAILABLE") ?? 0,
      UNAVAILABLE: byStatus.get("UNAVAILABLE") ?? 0,
    };
    return { from, to, bucketSeconds: 60, sessions, deliveries };
  }
}

/**
 * Refuses a token bound to one device what spans all of its client's sessions (the stream, the
 * statistics): the user's consent for one device does not reach the others.
 * @throws ApiError 403 PERMISSION_DENIED
 */
export function wholeClient(caller: Caller): void {
  if (caller?.device != null) {
    throw new ApiError(
      "PERMISSION_DENIED",
      "This spans every session of the API client: use its own credential, not a token bound to a device.",
    );
  }
}
