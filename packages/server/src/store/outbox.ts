/**
 * The outbox: notifications waiting to be delivered, claimed, redelivered and read back. Its claim and
 * next-due statements each have a SQLite and a PostgreSQL variant, kept side by side so they cannot drift.
 */
import { type Kysely, type Selectable, sql } from "kysely";
import { BOOKKEEPING, OUTBOX_CHANGED } from "./effects.ts";
import type { Commit } from "./group-commit.ts";
import { NamedQuery, placeholderRow } from "./named-query.ts";
import {
  type ClaimDialect,
  type ClaimRequest,
  claimCandidates,
  nextDeliveryAt,
  POSTGRES_CLAIM,
  SQLITE_CLAIM,
  sinkOrigin,
  withinCap,
} from "./outbox-claim.ts";
import type { Database, OutboxTable } from "./schema.ts";
import { claimProbesIn } from "./sink-probes.ts";
import type { ClaimedDelivery, DeliveryState, OutboxEvent, OutboxRow } from "./types.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/** The state of an event still to be delivered, as an SQL literal (see the partial index outbox_pending). */
export const PENDING = sql.lit("pending");

/** The claim's engine differences (outbox-claim.ts). */
export interface OutboxEngineStatements {
  readonly dialect: ClaimDialect;
}

const CLAIMED = [
  "seq",
  "event_id",
  "session_id",
  "sink",
  "sink_origin",
  "headers",
  "body",
  "token_expires_at",
  "attempts",
  "created_at",
  "client_id",
] as const;

/** SQLite's variant (sqlite.ts): one writer at a time, so nothing is locked. */
export function sqliteOutboxStatements(): OutboxEngineStatements {
  return { dialect: SQLITE_CLAIM };
}

/**
 * PostgreSQL's variant (postgres.ts): rows another instance is claiming right now are skipped. (The
 * claim used to turn sorting off to force an index walk; the per-origin claim walks its index anyway,
 * and with sorting off its cost estimate crossed the JIT threshold: 0.5 ms became 700 ms.)
 */
export function postgresOutboxStatements(): OutboxEngineStatements {
  return { dialect: POSTGRES_CLAIM };
}

type ClaimRow = Pick<Selectable<OutboxTable>, (typeof CLAIMED)[number]>;

/**
 * The outbox: notifications queued in the transaction of the change they announce, claimed by
 * dispatchers under a lease, settled by their attempts (delivery-attempts.ts), made due again on request.
 */
export class OutboxRepository {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;
  readonly #engine: OutboxEngineStatements;
  readonly #insert: NamedQuery<OutboxColumn>;

  constructor(db: Kysely<Database>, commit: Commit, engine: OutboxEngineStatements) {
    this.#db = db;
    this.#commit = commit;
    this.#engine = engine;
    this.#insert = NamedQuery.build<OutboxColumn>((p) =>
      db
        .insertInto("outbox")
        .values(placeholderRow(p, outboxRow(SAMPLE_EVENT, null)))
        .compile(),
    );
  }

  /** Queues a notification in `unit`; `clientId` owns it (the session's client), so only they see it. */
  async enqueue(unit: UnitOfWork, event: OutboxEvent, clientId: string | null): Promise<void> {
    await unit.write(this.#insert.bind(outboxRow(event, clientId)), OUTBOX_CHANGED);
  }

  /**
   * Claims up to `limit` due events for `leaseMs`, at most `perOrigin` in flight per sink origin. An
   * event is due when its time has come, no dispatcher holds an unexpired lease on it, and no earlier
   * event of the same session is still pending: a session's next event never overtakes its previous one.
   * Costs one index seek per origin with pending events, plus the rows it takes. Paused origins are
   * left out, but for a breaker-paused one's probe when it is due (sink-probes.ts): one event, alone.
   */
  claim(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    const db = this.#db;
    return this.#commit(
      async (unit) => {
        const probes = new Set(await claimProbesIn(unit, db, this.#engine.dialect, request));
        const candidates = await unit.query<{ seq: number | string; sink_origin: string }>(
          claimCandidates(db, this.#engine.dialect, request),
        );
        const rest = { ...request, limit: request.limit - probes.size };
        const chosen = [...probes, ...withinCap(candidates, rest).map((c) => Number(c.seq))];
        if (chosen.length === 0) return [];
        const rows = await unit.write<ClaimRow>(
          db
            .updateTable("outbox")
            .set({ lease_until: request.now + request.leaseMs })
            .where("seq", "in", chosen)
            .returning(CLAIMED)
            .compile(),
          BOOKKEEPING,
        );
        // Oldest first, as they were chosen (RETURNING promises no order).
        rows.sort((a, b) => Number(a.seq) - Number(b.seq));
        return rows.map((r) => ({
          seq: Number(r.seq),
          eventId: r.event_id,
          sessionId: r.session_id,
          sink: r.sink,
          origin: r.sink_origin ?? sinkOrigin(r.sink),
          headers: JSON.parse(r.headers) as Record<string, string>,
          body: r.body,
          tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
          attempts: Number(r.attempts),
          createdAt: Number(r.created_at),
          clientId: r.client_id,
          probe: probes.has(Number(r.seq)),
        }));
      },
      { bookkeeping: true },
    );
  }

  /** See nextDeliveryAt in outbox-claim.ts. */
  nextDeliveryAt(full: readonly string[] = []): Promise<number | null> {
    return nextDeliveryAt(this.#db, this.#engine.dialect, full);
  }

  /** A session's events, oldest first. */
  async ofSession(sessionId: string): Promise<OutboxRow[]> {
    const rows = await this.#db
      .selectFrom("outbox")
      .selectAll()
      .where("session_id", "=", sessionId)
      .orderBy("seq")
      .execute();
    return rows.map(toOutboxRow);
  }

  /** One event by its id (the CloudEvent id). */
  async byEventId(eventId: string): Promise<OutboxRow | undefined> {
    const row = await this.#db
      .selectFrom("outbox")
      .selectAll()
      .where("event_id", "=", eventId)
      .executeTakeFirst();
    return row === undefined ? undefined : toOutboxRow(row);
  }
}

function outboxRow(event: OutboxEvent, clientId: string | null) {
  return {
    event_id: event.eventId,
    session_id: event.sessionId,
    sink: event.sink,
    sink_origin: sinkOrigin(event.sink),
    headers: JSON.stringify(event.headers),
    body: event.body,
    token_expires_at: event.tokenExpiresAt,
    state: "pending",
    attempts: 0,
    next_attempt_at: event.createdAt,
    lease_until: null,
    created_at: event.createdAt,
    settled_at: null,
    last_error: null,
    client_id: clientId,
  };
}

type OutboxColumn = keyof ReturnType<typeof outboxRow>;

const SAMPLE_EVENT: OutboxEvent = {
  eventId: "",
  sessionId: "",
  sink: "",
  headers: {},
  body: "",
  tokenExpiresAt: null,
  createdAt: 0,
};

export function toOutboxRow(r: Selectable<OutboxTable>): OutboxRow {
  return {
    eventId: r.event_id,
    sessionId: r.session_id,
    clientId: r.client_id,
    sink: r.sink,
    body: r.body,
    tokenExpiresAt: r.token_expires_at === null ? null : Number(r.token_expires_at),
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
    settledAt: r.settled_at === null ? null : Number(r.settled_at),
    lastError: r.last_error,
    credentialRemoved: Number(r.credential_removed) === 1,
  };
}
