import { type Kysely, type Migration, sql } from "kysely";

/**
 * Migration 0011: delivery you can operate. Each sink origin's health and circuit breaker (`sinks`,
 * store/sinks.ts), what each attempt got back (a bounded excerpt of the answer), which attempt was a
 * breaker's probe, the origin an attempt went to (per-sink health reads it by origin), and each
 * client's webhook signing secrets (`webhook_secrets`: Standard Webhooks, rotated with a grace period).
 * In a file of its own so migrations.ts stays a list; referenced there, in order.
 */
export const deliveryOperations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("sinks")
      .addColumn("origin", "text", (c) => c.primaryKey())
      .addColumn("paused_by", "text")
      .addColumn("paused_at", "bigint")
      .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("failing_since", "bigint")
      .addColumn("probe_at", "bigint")
      .addColumn("probe_failures", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("last_success_at", "bigint")
      .addColumn("last_failure_at", "bigint")
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();

    for (const column of ["sink_origin", "response_excerpt"]) {
      await db.schema.alterTable("delivery_attempts").addColumn(column, "text").execute();
    }
    await db.schema
      .alterTable("delivery_attempts")
      .addColumn("probe", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    // Attempts made before this migration take their event's origin.
    await sql`update delivery_attempts set sink_origin =
      (select o.sink_origin from outbox o where o.event_id = delivery_attempts.event_id)`.execute(db);
    // A sink's recent attempts, newest first: its health.
    await db.schema
      .createIndex("delivery_attempts_origin")
      .on("delivery_attempts")
      .columns(["sink_origin", "id"])
      .execute();

    // When a redelivery or a recovery queued a settled event again: a paused sink's retry horizon counts
    // from then, not from its creation, so what was just asked for again does not expire at once.
    await db.schema.alterTable("outbox").addColumn("requeued_at", "bigint").execute();

    await db.schema
      .createTable("webhook_secrets")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull())
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("retires_at", "bigint")
      .execute();
    await db.schema.createIndex("webhook_secrets_client").on("webhook_secrets").column("client_id").execute();
    // One current secret per client, kept by the database: of two rotations at once, the second's insert
    // finds the first's and does nothing, and it tries again on top of it (store/webhook-secrets.ts).
    await db.schema
      .createIndex("webhook_secrets_current")
      .on("webhook_secrets")
      .column("client_id")
      .unique()
      .where(sql.ref("retires_at"), "is", null)
      .execute();
  },
};
