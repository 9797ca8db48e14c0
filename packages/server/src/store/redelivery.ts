import { type Kysely, type Selectable, sql } from "kysely";
import type { CredentialSql } from "./credentials.ts";
import { OUTBOX_CHANGED } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import { PENDING, toOutboxRow } from "./outbox.ts";
import type { Database, OutboxTable } from "./schema.ts";
import { probeNowIn } from "./sinks.ts";
import type { OutboxRow } from "./types.ts";

/** What a redelivery is asked to do. */
export interface RedeliveryRequest {
  /** When it is due (ms): now. */
  now: number;
  /**
   * The `Authorization` header to send again when settling removed the event's own (see
   * OutboxRow.credentialRemoved): the session's, for the same sink. Without it such an event is left
   * settled: it is never sent without the credential its sink expects. @default null
   */
  authorization?: string | null;
}

/**
 * Redelivery: an operator or an event's owner makes it due now; the dispatcher (woken by the commit,
 * on every instance) attempts it at once.
 */
export class OutboxRedelivery {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;
  readonly #credentials: CredentialSql;

  constructor(options: { db: Kysely<Database>; commit: Commit; credentials: CredentialSql }) {
    this.#db = options.db;
    this.#commit = options.commit;
    this.#credentials = options.credentials;
  }

  /**
   * A settled event (delivered, failed, gone, expired) becomes pending again with a fresh retry
   * schedule, keeping its id, bytes and attempt history; if settling removed its credential, only
   * with `authorization` (which it then carries until it settles again). A pending one keeps its place
   * in its session's order, so the session's earlier pending events are made due now too: they go
   * first, then it. One that a dispatcher holds right now is left to that attempt.
   * @returns the event as it now is (still settled when it was refused), or undefined when there is none.
   */
  now(eventId: string, request: RedeliveryRequest): Promise<OutboxRow | undefined> {
    const db = this.#db;
    const { now } = request;
    const authorization = request.authorization ?? null;
    return this.#commit(async (unit) => {
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
        .where("event_id", "=", eventId)
        .where("state", "<>", "pending");
      const [reopened] = await unit.write<{ seq: number }>(
        (authorization === null
          ? reopen.where("credential_removed", "=", 0)
          : reopen.set({
              headers: sql<string>`case when credential_removed = 1 then ${this.#credentials.withAuthorization(authorization)} else headers end`,
              credential_removed: 0,
            })
        )
          .returning(["seq"])
          .compile(),
        OUTBOX_CHANGED,
      );
      if (reopened === undefined) {
        // Conditional on the state, so an attempt recorded meanwhile by another instance is not undone.
        const [pending] = await unit.query<{ seq: number; session_id: string }>(
          db
            .selectFrom("outbox")
            .select(["seq", "session_id"])
            .where("event_id", "=", eventId)
            .where("state", "=", PENDING)
            .compile(),
        );
        if (pending !== undefined) {
          await unit.write(
            db
              .updateTable("outbox")
              .set({ next_attempt_at: now })
              .where("session_id", "=", pending.session_id)
              .where("state", "=", PENDING)
              .where("seq", "<=", pending.seq)
              .where("next_attempt_at", ">", now)
              .compile(),
            OUTBOX_CHANGED,
          );
        }
      }
      const [current] = await unit.query<Selectable<OutboxTable>>(
        db.selectFrom("outbox").selectAll().where("event_id", "=", eventId).compile(),
      );
      // Asked for again: a breaker-paused sink is probed now, not at the end of its backoff.
      if (current?.state === "pending" && current.sink_origin !== null) {
        await probeNowIn(unit, db, current.sink_origin, now);
      }
      return current === undefined ? undefined : toOutboxRow(current);
    });
  }
}
