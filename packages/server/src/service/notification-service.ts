import type { Clock } from "../clock.ts";
import { sinkAuthorization } from "../delivery/sink-authorization.ts";
import { ApiError } from "../errors.ts";
import { sinkOrigin } from "../store/outbox-claim.ts";
import type { Store } from "../store/store.ts";
import type { OutboxRow } from "../store/types.ts";
import { type Notification, toNotification } from "./notification.ts";
import { type Owner, owned } from "./owner.ts";
import { type RecoveryOutcome, type RecoveryRequest, recover } from "./recovery.ts";
import { listSinks, pauseSink, resumeSink, type SinkHealth } from "./sink-health.ts";

/**
 * Who asks: an API client (sees and redelivers the notifications of its own sessions only, and with a
 * device-bound token only that device's) or an operator (`null`: every client's, from the admin functions).
 */
export type Caller = Owner | null;

/**
 * Notifications and their delivery attempts, and redelivery now. Ownership is checked here, so the
 * API and the operator functions share one rule: an event belongs to its session's client.
 */
export class NotificationService {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(options: { store: Store; clock: Clock }) {
    this.#store = options.store;
    this.#clock = options.clock;
  }

  /**
   * A session's notifications, oldest first, each with every attempt. A session that still exists is
   * checked like any session read; one already removed (360 s after it ended) is known by its events.
   * @throws ApiError 404 NOT_FOUND, 403 PERMISSION_DENIED (another client's session).
   */
  async ofSession(caller: Caller, sessionId: string): Promise<Notification[]> {
    const [session, rows] = await Promise.all([
      caller === null ? undefined : this.#store.getSession(sessionId),
      this.#store.outboxOfSession(sessionId),
    ]);
    if (caller !== null) {
      if (session !== undefined) owned(session, caller);
      else {
        const owner = rows[0]?.clientId ?? null;
        // Events of a removed session written before their owner was recorded are for operators only;
        // so are they for a device-bound token, which cannot show the removed session was its device's.
        if (owner === null || caller.device !== null) throw notFound("session");
        if (owner !== caller.clientId) throw permissionDenied();
      }
    }
    if (rows.length === 0) return [];
    const [attempts, paused] = await Promise.all([
      this.#store.attemptsOfSession(sessionId),
      this.#pausedOrigins(rows),
    ]);
    return rows.map((row) => toNotification(row, attempts, paused));
  }

  /** One notification by its id. @throws ApiError 404 NOT_FOUND, 403 PERMISSION_DENIED. */
  async get(caller: Caller, notificationId: string): Promise<Notification> {
    const row = await this.#owned(caller, await this.#store.outboxEvent(notificationId));
    const [attempts, paused] = await Promise.all([
      this.#store.attemptsOf(row.eventId),
      this.#pausedOrigins([row]),
    ]);
    return toNotification(row, attempts, paused);
  }

  /**
   * Makes a notification due now; the dispatcher attempts it at once and records the attempt like any
   * other. Pending: attempted now (after its session's earlier pending events, which are made due too).
   * Failed or delivered: sent again with the same id and bytes and a fresh retry schedule — a receiver
   * that answered 2xx and then lost the event can have it again. Settling removed the event's access
   * token, so a settled one that had a token takes it again from its session, for the same sink; once
   * the session is removed (OPENQOD_RETENTION after it ended) or has forgotten its sink (410), it is
   * refused: it is never sent without the credential its sink expects.
   * @throws ApiError 404 NOT_FOUND, 403 PERMISSION_DENIED, 409 CONFLICT when its access token has expired
   *   or is no longer held (nothing may be sent with it, or without it).
   */
  async redeliver(caller: Caller, notificationId: string): Promise<Notification> {
    const row = await this.#owned(caller, await this.#store.outboxEvent(notificationId));
    const now = this.#clock.now();
    if (row.tokenExpiresAt !== null && now >= row.tokenExpiresAt) {
      throw new ApiError(
        "CONFLICT",
        `Notification ${notificationId} cannot be sent again: its access token expired at ${new Date(row.tokenExpiresAt).toISOString()}.`,
      );
    }
    // Looked up even for a pending event: it may settle (and lose its token) before the redelivery commits.
    const session = await this.#store.getSession(row.sessionId);
    const authorization = session?.sink === row.sink ? sinkAuthorization(session) : null;
    const updated = await this.#store.redeliverNow(notificationId, { now, authorization });
    if (updated === undefined) throw notFound("notification");
    if (updated.credentialRemoved) {
      throw new ApiError(
        "CONFLICT",
        `Notification ${notificationId} cannot be sent again: its access token was removed when it settled, and its session no longer holds one for its sink.`,
      );
    }
    const [attempts, paused] = await Promise.all([
      this.#store.attemptsOf(notificationId),
      this.#pausedOrigins([updated]),
    ]);
    return toNotification(updated, attempts, paused);
  }

  /** See recovery.ts recover. */
  recover(caller: Caller, request: RecoveryRequest): Promise<RecoveryOutcome> {
    return recover({ store: this.#store, clock: this.#clock }, caller, request);
  }

  /** See sink-health.ts listSinks. */
  sinks(caller: Caller): Promise<SinkHealth[]> {
    return listSinks({ store: this.#store, clock: this.#clock }, caller);
  }

  /** See sink-health.ts pauseSink. */
  pauseSink(caller: Caller, origin: string): Promise<SinkHealth> {
    return pauseSink({ store: this.#store, clock: this.#clock }, caller, origin);
  }

  /** See sink-health.ts resumeSink. */
  resumeSink(caller: Caller, origin: string): Promise<SinkHealth> {
    return resumeSink({ store: this.#store, clock: this.#clock }, caller, origin);
  }

  /** Which of the pending `rows`' sink origins are paused now. */
  async #pausedOrigins(rows: readonly OutboxRow[]): Promise<Set<string>> {
    const origins = new Set(rows.filter((r) => r.state === "pending").map((r) => sinkOrigin(r.sink)));
    if (origins.size === 0) return origins;
    const sinks = await this.#store.sinks([...origins]);
    return new Set(sinks.filter((s) => s.pausedBy !== null).map((s) => s.origin));
  }

  async #owned(caller: Caller, row: OutboxRow | undefined): Promise<OutboxRow> {
    if (row === undefined || (caller !== null && row.clientId === null)) throw notFound("notification");
    if (caller !== null && row.clientId !== caller.clientId) throw permissionDenied();
    if (caller?.device != null) {
      // Only a session still there says which device a notification was for.
      const session = await this.#store.getSession(row.sessionId);
      if (session === undefined) throw notFound("notification");
      owned(session, caller);
    }
    return row;
  }
}

const notFound = (what: "session" | "notification") =>
  new ApiError("NOT_FOUND", `The specified ${what} is not found.`);

const permissionDenied = () =>
  new ApiError("PERMISSION_DENIED", "This session belongs to another API client.");
