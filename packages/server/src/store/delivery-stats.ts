import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";

/** Attempts of one bucket of time: `start` is the bucket's first ms. */
export interface AttemptBucket {
  start: number;
  delivered: number;
  failed: number;
}

/** The reads behind the dashboard's charts: sessions by status, attempts per bucket of time. */
export class DeliveryStatsReads {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** How many sessions `clientId` has (every client's when null) in each status. */
  async sessionsByStatus(clientId: string | null): Promise<Map<string, number>> {
    let query = this.#db
      .selectFrom("sessions")
      .select(["qos_status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("qos_status");
    if (clientId !== null) query = query.where("client_id", "=", clientId);
    const rows = await query.execute();
    return new Map(rows.map((r) => [r.qos_status, Number(r.n)]));
  }

  /**
   * Attempts made in [from, to) to `clientId`'s sinks (every client's when null), by bucket of
   * `bucketMs`; only buckets with attempts are returned. Probes of a paused sink count like attempts.
   */
  async attemptBuckets(
    from: number,
    to: number,
    bucketMs: number,
    clientId: string | null,
  ): Promise<AttemptBucket[]> {
    const bucket = sql<number>`(a.attempted_at - ${from}) / ${bucketMs}`;
    let query = this.#db
      .selectFrom("delivery_attempts as a")
      .select([
        sql<number>`cast(${bucket} as integer)`.as("bucket"),
        sql<number>`sum(case when a.outcome = 'delivered' then 1 else 0 end)`.as("delivered"),
        sql<number>`sum(case when a.outcome = 'delivered' then 0 else 1 end)`.as("failed"),
      ])
      .where("a.attempted_at", ">=", from)
      .where("a.attempted_at", "<", to)
      .groupBy(sql`1`);
    if (clientId !== null) {
      query = query.innerJoin("outbox as o", "o.event_id", "a.event_id").where("o.client_id", "=", clientId);
    }
    const rows = await query.execute();
    return rows.map((r) => ({
      start: from + Number(r.bucket) * bucketMs,
      delivered: Number(r.delivered),
      failed: Number(r.failed),
    }));
  }
}
