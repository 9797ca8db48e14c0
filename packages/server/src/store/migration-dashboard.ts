import type { Kysely, Migration } from "kysely";
import type { EngineKind } from "./engine.ts";
import { serialKey } from "./serial-key.ts";

/**
 * Migration 0012: what the dashboard reads. `session_events` is the append-only story of every session
 * (created, granted, refused, extended, ended with its reason, deleted, removed), written in the same
 * transaction as the change it tells of: a session's timeline, and the live stream that every instance
 * reads by `seq` (so a change made on one instance reaches browsers connected to another).
 * `sandbox_devices` is each client's own device registry in the sandbox (what the simulated network
 * answers for a device), checked before the devices file. In a file of its own so migrations.ts stays a
 * list; referenced there, in order.
 */
export function dashboardMigration(engine: EngineKind): Migration {
  const serial = serialKey(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("session_events")
        .addColumn("seq", serial.type, serial.build)
        .addColumn("session_id", "text", (c) => c.notNull())
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        /** created · granted · refused · extended · ended · deleted · removed */
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("qos_status", "text", (c) => c.notNull())
        .addColumn("status_info", "text")
        .addColumn("duration", "integer")
        .addColumn("detail", "text")
        .execute();
      // A session's timeline, and a client's stream from where it left off.
      await db.schema
        .createIndex("session_events_session")
        .on("session_events")
        .columns(["session_id", "seq"])
        .execute();
      await db.schema
        .createIndex("session_events_client")
        .on("session_events")
        .columns(["client_id", "seq"])
        .execute();
      // The retention sweep.
      await db.schema.createIndex("session_events_at").on("session_events").column("at").execute();

      await db.schema
        .createTable("sandbox_devices")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) => c.notNull())
        /** phoneNumber · networkAccessIdentifier · ipv4Address · ipv6Address */
        .addColumn("identifier_kind", "text", (c) => c.notNull())
        .addColumn("identifier", "text", (c) => c.notNull())
        /** GRANT · REFUSE · NOT_FOUND · SERVICE_NOT_APPLICABLE · PENDING (network/device-registry.ts) */
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("activation_delay_ms", "integer")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      // One rule per device identifier and client: setting it again replaces it.
      await db.schema
        .createIndex("sandbox_devices_identifier")
        .on("sandbox_devices")
        .columns(["client_id", "identifier_kind", "identifier"])
        .unique()
        .execute();
    },
  };
}
