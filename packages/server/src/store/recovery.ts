import type { Kysely, Selectable } from "kysely";
import type { CredentialSql } from "./credentials.ts";
import { OUTBOX_CHANGED } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import { PENDING, toOutboxRow } from "./outbox.ts";
import type { Database, OutboxTable } from "./schema.ts";
import { probeNowIn } from "./sinks.ts";
import type { OutboxRow } from "./types.ts";

/** Which events a recovery looks at: one sink origin's, created in [since, until) (ms). */
export interface RecoveryScope {
  origin: string;
  /** Only this client's; every client's when absent (an operator's recovery). */
  clientId?: string;
  since: number;
  until: number;
  /** Only events after this one in (created_at, seq) order: where the previous page ended. */
  after?: RecoveryPosition;
  /** At most this many, oldest first. */
  limit: number;
}

/** An event's place in the order recovery reads candidates in. */
export interface RecoveryPosition {
  createdAt: number;
  seq: number;
}

/** One event to recover and the `Authorization` it regains when settling removed its own (else null). */
export interface RecoveryItem {
  eventId: string;
  sessionId: string;
  authorization: string | null;
}

/** The states recovery takes back: not delivered, and not refused by the sink itself (410, "gone"). */
const RECOVERABLE = ["pending", "failed", "expired"] as const;
const SETTLED_RECOVERABLE = ["failed", "expired"] as const;

/**
 * Recovery: every event of a sink origin that was never delivered, made due now in one transaction,
 * so the dispatcher (woken by the commit, on every instance) sends them at once, each session's in order.
 */
export class OutboxRecovery {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;
  readonly #credentials: CredentialSql;

  constructor(options: { db: Kysely<Database>; commit: Commit; credentials: CredentialSql }) {
    this.#db = options.db;
    this.#commit = options.commit;
    this.#credentials = options.credentials;
  }

  /**
   * The undelivered events in `scope` (pending, failed or expired), oldest first by creation then
   * seq, after `scope.after` when given, up to `scope.limit`. Read through outbox_pending_origin for pending ones; settled ones of an
   * origin are few, as the sweeper deletes them after OPENQOD_DELIVERY_RETENTION.
   */
  async candidates(scope: RecoveryScope): Promise<Array<OutboxRow & RecoveryPosition>> {
    let query = this.#db
      .selectFrom("outbox")
      .selectAll()
      .where("sink_origin", "=", scope.origin)
      .where("state", "in", [...RECOVERABLE])
      .where("created_at", ">=", scope.since)
      .where("created_at", "<", scope.until);
    if (scope.clientId !== undefined) query = query.where("client_id", "=", scope.clientId);
    const after = scope.after;
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb("created_at", ">", after.createdAt),
          eb.and([eb("created_at", "=", after.createdAt), eb("seq", ">", after.seq)]),
        ]),
      );
    }
    const rows = await query.orderBy("created_at").orderBy("seq").limit(scope.limit).execute();
    return rows.map((r) => ({ ...toOutboxRow(r), seq: Number(r.seq) }));
  }

  /**
   * In one transaction: each settled item becomes pending again with a fresh retry schedule (with its
   * `authorization` back when settling removed its own; without one such an event stays settled), and
   * every pending event of the items' sessions up to the last item becomes due now, so a session's
   * earlier pending events still go first. A breaker-paused `origin` is probed now (probeNowIn).
   * Conditional on the state, so an attempt another instance recorded meanwhile (a delivery) is not
   * undone, and calling it twice sends nothing twice.
   * @returns the ids reopened.
   */
  apply(origin: string, items: readonly RecoveryItem[], now: number): Promise<Set<string>> {
    const db = this.#db;
    return this.#commit(async (unit) => {
      await probeNowIn(unit, db, origin, now);
      const reopened = new Set<string>();
      const byAuthorization = new Map<string | null, string[]>();
      for (const item of items) {
        const ids = byAuthorization.get(item.authorization) ?? [];
        ids.push(item.eventId);
        byAuthorization.set(item.authorization, ids);
      }
      for (const [authorization, ids] of byAuthorization) {
        const reopen = db
          .updateTable("outbox")
          .set({
            state: "pending",
            attempts: 0,
            next_attempt_at: now,
            lease_until: null,
            settled_at: null,
            requeued_at: now,
          })
          .where("event_id", "in", ids)
          .where("state", "in", [...SETTLED_RECOVERABLE]);
        const rows = await unit.write<{ event_id: string }>(
          (authorization === null
            ? reopen.where("credential_removed", "=", 0)
            : reopen.set({
                headers: this.#credentials.withAuthorization(authorization),
                credential_removed: 0,
              })
          )
            .returning(["event_id"])
            .compile(),
          OUTBOX_CHANGED,
        );
        for (const r of rows) reopened.add(r.event_id);
      }
      const sessions = [...new Set(items.map((i) => i.sessionId))];
      for (const sessionId of sessions) {
        const ids = items.filter((i) => i.sessionId === sessionId).map((i) => i.eventId);
        const [last] = await unit.query<Pick<Selectable<OutboxTable>, "seq">>(
          db
            .selectFrom("outbox")
            .select("seq")
            .where("event_id", "in", ids)
            .orderBy("seq", "desc")
            .limit(1)
            .compile(),
        );
        if (last === undefined) continue;
        await unit.write(
          db
            .updateTable("outbox")
            .set({ next_attempt_at: now })
            .where("session_id", "=", sessionId)
            .where("state", "=", PENDING)
            .where("seq", "<=", Number(last.seq))
            .where("next_attempt_at", ">", now)
            .compile(),
          OUTBOX_CHANGED,
        );
      }
      return reopened;
    });
  }
}
