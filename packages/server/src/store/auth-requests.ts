import { type Kysely, type Selectable, sql } from "kysely";
import type { Device } from "../domain/types.ts";
import type { CibaRequestsTable, Database } from "./schema.ts";

/** A CIBA authentication request as stored (times in ms since the epoch). */
export interface AuthRequestRecord {
  /** SHA-256 (hex) of the auth_req_id. */
  idHash: string;
  clientId: string;
  scopes: string[];
  device: Device;
  decision: "ALLOW" | "DENY";
  /** When the decision becomes visible to the polls (the consent's delay). */
  readyAt: number;
  expiresAt: number;
  /** Seconds the client must wait between polls. */
  intervalS: number;
  lastPollAt: number | null;
  consumedAt: number | null;
  createdAt: number;
}

/** How long an expired request is kept, so a late poll is told `expired_token` rather than "unknown" (ms). */
export const EXPIRED_GRACE_MS = 3_600_000;

/**
 * The CIBA requests, shared by every instance on the database. Each write is one statement whose
 * WHERE clause is its own guard, so two instances answering the same auth_req_id at once cannot both
 * pass a poll's interval or both issue its token.
 */
export class AuthRequestRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Stores a new request, and sweeps those that expired more than EXPIRED_GRACE_MS before `now`. */
  async insert(record: Omit<AuthRequestRecord, "lastPollAt" | "consumedAt">): Promise<void> {
    await this.#db
      .deleteFrom("ciba_requests")
      .where("expires_at", "<", record.createdAt - EXPIRED_GRACE_MS)
      .execute();
    await this.#db
      .insertInto("ciba_requests")
      .values({
        id_hash: record.idHash,
        client_id: record.clientId,
        scopes: record.scopes.join(" "),
        device: JSON.stringify(record.device),
        decision: record.decision,
        ready_at: record.readyAt,
        expires_at: record.expiresAt,
        interval_s: record.intervalS,
        last_poll_at: null,
        consumed_at: null,
        created_at: record.createdAt,
      })
      .execute();
  }

  async find(idHash: string): Promise<AuthRequestRecord | undefined> {
    const row = await this.#db
      .selectFrom("ciba_requests")
      .selectAll()
      .where("id_hash", "=", idHash)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Records a poll at `now` if the interval since the last one has passed.
   * @returns false when the client polled too fast (the poll is not recorded).
   */
  async recordPoll(idHash: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("ciba_requests")
      .set({ last_poll_at: now })
      .where("id_hash", "=", idHash)
      .where((eb) =>
        eb.or([eb("last_poll_at", "is", null), eb(sql<number>`last_poll_at + interval_s * 1000`, "<=", now)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** CIBA §11 (RFC 8628 §3.5): a client told slow_down waits 5 s longer from now on. */
  async slowDown(idHash: string, now: number): Promise<void> {
    await this.#db
      .updateTable("ciba_requests")
      .set((eb) => ({ interval_s: eb("interval_s", "+", 5), last_poll_at: now }))
      .where("id_hash", "=", idHash)
      .execute();
  }

  /**
   * Marks the request's token issued.
   * @returns false when it already was (by this instance or another): the caller must not issue one.
   */
  async consume(idHash: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("ciba_requests")
      .set({ consumed_at: now })
      .where("id_hash", "=", idHash)
      .where("consumed_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toRecord(row: Selectable<CibaRequestsTable>): AuthRequestRecord {
  return {
    idHash: row.id_hash,
    clientId: row.client_id,
    scopes: row.scopes === "" ? [] : row.scopes.split(" "),
    device: JSON.parse(row.device) as Device,
    decision: row.decision,
    readyAt: Number(row.ready_at),
    expiresAt: Number(row.expires_at),
    intervalS: Number(row.interval_s),
    lastPollAt: row.last_poll_at === null ? null : Number(row.last_poll_at),
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
    createdAt: Number(row.created_at),
  };
}
