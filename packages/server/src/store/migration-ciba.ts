import type { Kysely, Migration } from "kysely";

/**
 * Migration 0010: the CIBA authentication requests (store/auth-requests.ts), in a file of its own so
 * migrations.ts stays a list; referenced there, in order.
 */
export const cibaRequests: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("ciba_requests")
      .addColumn("id_hash", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull())
      .addColumn("scopes", "text", (c) => c.notNull())
      .addColumn("device", "text", (c) => c.notNull())
      .addColumn("decision", "text", (c) => c.notNull())
      .addColumn("ready_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("interval_s", "integer", (c) => c.notNull())
      .addColumn("last_poll_at", "bigint")
      .addColumn("consumed_at", "bigint")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    // The sweep deletes by expiry.
    await db.schema
      .createIndex("ciba_requests_expires_at")
      .on("ciba_requests")
      .column("expires_at")
      .execute();
  },
};
