import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

/** How an origin's recent attempts went: the newest `window` of them at most. */
export interface RecentAttempts {
  attempts: number;
  delivered: number;
  /** The newest delivered attempt among them (ms), or null. */
  lastDeliveredAt: number | null;
}

/** The reads behind per-sink health: which origins a client sends to, their attempts and backlog. */
export class SinkHealthReads {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * The origins `clientId`'s events go to (every client's, and every origin with a breaker row,
   * when undefined), by origin, at most `limit`.
   */
  async origins(clientId: string | undefined, limit: number): Promise<string[]> {
    let events = this.#db
      .selectFrom("outbox")
      .select("sink_origin as origin")
      .where("sink_origin", "is not", null)
      .distinct();
    if (clientId !== undefined) events = events.where("client_id", "=", clientId);
    const rows =
      clientId === undefined
        ? await this.#db
            .selectFrom(events.union(this.#db.selectFrom("sinks").select("origin")).as("o"))
            .select("o.origin")
            .orderBy("o.origin")
            .limit(limit)
            .execute()
        : await events.orderBy("sink_origin").limit(limit).execute();
    return rows.flatMap((r) => (r.origin === null ? [] : [r.origin]));
  }

  /** The newest `window` attempts at `origin` (any client's: health is the sink's), through delivery_attempts_origin. */
  async recent(origin: string, window: number): Promise<RecentAttempts> {
    const newest = this.#db
      .selectFrom("delivery_attempts")
      .select(["outcome", "attempted_at"])
      .where("sink_origin", "=", origin)
      .orderBy("id", "desc")
      .limit(window)
      .as("a");
    const row = await this.#db
      .selectFrom(newest)
      .select([
        (eb) => eb.fn.countAll<number>().as("attempts"),
        sql<number>`coalesce(sum(case when a.outcome = 'delivered' then 1 else 0 end), 0)`.as("delivered"),
        sql<number | string | null>`max(case when a.outcome = 'delivered' then a.attempted_at end)`.as(
          "last_delivered_at",
        ),
      ])
      .executeTakeFirstOrThrow();
    return {
      attempts: Number(row.attempts),
      delivered: Number(row.delivered),
      lastDeliveredAt: row.last_delivered_at === null ? null : Number(row.last_delivered_at),
    };
  }

  /** How many events of `origin` are pending (only `clientId`'s when given). */
  async backlog(origin: string, clientId: string | undefined): Promise<number> {
    let query = this.#db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("sink_origin", "=", origin)
      .where("state", "=", "pending");
    if (clientId !== undefined) query = query.where("client_id", "=", clientId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }
}
