// Over 300 lines: the schema's history, one numbered migration after another, only ever appended.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { EngineKind } from "./engine.ts";
import { cibaRequests } from "./migration-ciba.ts";
import { dashboardMigration } from "./migration-dashboard.ts";
import { deliveryOperations } from "./migration-delivery-ops.ts";
import { sinkOrigin } from "./outbox-claim.ts";
import { serialKey } from "./serial-key.ts";

/**
 * Numbered migrations, applied in order at start, in the words of the engine they run on. Only ever
 * append: a released migration is never edited. Times are bigint so PostgreSQL can hold milliseconds
 * since the epoch.
 */
const migrations = (engine: EngineKind): Record<string, Migration> => ({
  "0001_initial": {
    async up(db: Kysely<unknown>) {
      const serial = serialKey(engine);
      await db.schema
        .createTable("clients")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("key_hash", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("revoked_at", "bigint")
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) => c.notNull().references("clients.id"))
        .addColumn("dialect", "text", (c) => c.notNull())
        .addColumn("device", "text", (c) => c.notNull())
        .addColumn("device_key", "text", (c) => c.notNull())
        .addColumn("application_server", "text", (c) => c.notNull())
        .addColumn("device_ports", "text")
        .addColumn("application_server_ports", "text")
        .addColumn("qos_profile", "text", (c) => c.notNull())
        .addColumn("sink", "text")
        .addColumn("sink_token", "text")
        .addColumn("sink_token_expires_at", "bigint")
        .addColumn("duration", "integer", (c) => c.notNull())
        .addColumn("qos_status", "text", (c) => c.notNull())
        .addColumn("status_info", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("started_at", "bigint")
        .addColumn("expires_at", "bigint")
        .addColumn("due_at", "bigint")
        .addColumn("network_verdict", "text")
        .execute();
      // Conflict checks and /retrieve-sessions look sessions up by owner and device.
      await db.schema
        .createIndex("sessions_device")
        .on("sessions")
        .columns(["client_id", "device_key"])
        .execute();
      // The scheduler's only query: what is due next.
      await db.schema.createIndex("sessions_due").on("sessions").column("due_at").execute();

      await db.schema
        .createTable("outbox")
        .addColumn("seq", serial.type, serial.build)
        .addColumn("event_id", "text", (c) => c.notNull().unique())
        .addColumn("session_id", "text", (c) => c.notNull())
        .addColumn("sink", "text", (c) => c.notNull())
        .addColumn("headers", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("token_expires_at", "bigint")
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("lease_until", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("settled_at", "bigint")
        .addColumn("last_error", "text")
        .execute();
      await db.schema.createIndex("outbox_due").on("outbox").columns(["state", "next_attempt_at"]).execute();
      // Per-session ordering looks for an earlier unsettled event of the same session.
      await db.schema.createIndex("outbox_session").on("outbox").columns(["session_id", "seq"]).execute();

      await db.schema
        .createTable("delivery_attempts")
        .addColumn("id", serial.type, serial.build)
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("attempted_at", "bigint", (c) => c.notNull())
        .addColumn("duration_ms", "integer", (c) => c.notNull())
        .addColumn("status_code", "integer")
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
      await db.schema
        .createIndex("delivery_attempts_event")
        .on("delivery_attempts")
        .column("event_id")
        .execute();
    },
  },
  /**
   * Claims and the next-due query read pending events in (next_attempt_at, seq) order and stop after a
   * few rows; with (state, next_attempt_at) they sorted every pending row first, so each claim cost as
   * much as the backlog was long (29 ms of PostgreSQL CPU for 64 of 6 000 pending events).
   */
  "0002_pending_outbox_order": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex("outbox_pending")
        .on("outbox")
        .columns(["next_attempt_at", "seq"])
        .where(sql.ref("state"), "=", sql.lit("pending"))
        .execute();
      // The few leased events, by lease end: when the next one may be taken over.
      await db.schema
        .createIndex("outbox_leased")
        .on("outbox")
        .column("lease_until")
        .where((eb) =>
          eb.and([eb(sql.ref("state"), "=", sql.lit("pending")), eb(sql.ref("lease_until"), "is not", null)]),
        )
        .execute();
      await db.schema.dropIndex("outbox_due").execute();
    },
  },
  /**
   * PostgreSQL only: a create checks the device's sessions for conflicts under a lock on (client, device),
   * so two instances cannot both pass. Taking the lock and reading in one call saves a round trip; the
   * read is a separate statement inside the function, so (READ COMMITTED) it sees every session
   * committed while it waited for the lock.
   */
  "0003_device_sessions_locked": {
    async up(db: Kysely<unknown>) {
      if (engine !== "postgres") return;
      await sql`
        create function openqod_device_sessions(p_client text, p_device text) returns setof sessions
        language plpgsql volatile as $$
        begin
          perform pg_advisory_xact_lock(hashtextextended(p_client || '|' || p_device, 0));
          return query select * from sessions where client_id = p_client and device_key = p_device
            order by created_at;
        end $$`.execute(db);
    },
  },
  /**
   * Who owns a notification, on the event itself: a session is removed 360 s after it ends, while its
   * notifications stay (a failed one settles after the ~28 h retry horizon), and the notifications API
   * shows them only to their owner. Events written before this migration take their session's owner;
   * those whose session is already gone keep null and are visible to operators only.
   */
  "0004_outbox_client": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("outbox").addColumn("client_id", "text").execute();
      await sql`update outbox set client_id = (select s.client_id from sessions s where s.id = outbox.session_id)`.execute(
        db,
      );
    },
  },
  /**
   * Each event's sink origin (scheme://host[:port]), and pending events by origin then due order: the
   * dispatcher caps its attempts in flight per origin, so one hung sink holds only its share of the
   * slots, and claims step from origin to origin through this index instead of reading past a full
   * origin's backlog. Existing events take the origin of their sink, one update per distinct sink.
   */
  "0005_outbox_sink_origin": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("outbox").addColumn("sink_origin", "text").execute();
      const { rows } = await sql<{ sink: string }>`select distinct sink from outbox`.execute(db);
      for (const { sink } of rows) {
        await sql`update outbox set sink_origin = ${sinkOrigin(sink)} where sink = ${sink}`.execute(db);
      }
      await db.schema
        .createIndex("outbox_pending_origin")
        .on("outbox")
        .columns(["sink_origin", "next_attempt_at", "seq"])
        .where(sql.ref("state"), "=", sql.lit("pending"))
        .execute();
    },
  },
  /**
   * Retention: settled events no longer keep the consumer's token (settling removes it and sets
   * credential_removed, so a redelivery knows one is missing), and settled events are deleted after
   * OPENQOD_DELIVERY_RETENTION, oldest settled first, through the partial index on settled_at (null
   * while pending: the index holds only what the sweeper may ever delete). Events settled before this
   * migration lose their token here.
   */
  "0006_outbox_retention": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("outbox")
        .addColumn("credential_removed", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      const scrub =
        engine === "postgres"
          ? sql`update outbox set headers = (headers::jsonb - 'authorization')::text, credential_removed = 1
              where state <> 'pending' and headers::jsonb ? 'authorization'`
          : sql`update outbox set headers = json_remove(headers, '$.authorization'), credential_removed = 1
              where state <> 'pending' and json_extract(headers, '$.authorization') is not null`;
      await scrub.execute(db);
      await db.schema
        .createIndex("outbox_settled")
        .on("outbox")
        .column("settled_at")
        .where(sql.ref("settled_at"), "is not", null)
        .execute();
    },
  },
  /**
   * The network's side of a session: its reservation's reference (a NEF subscription's URL), and the
   * commands to the network that must happen even if the server dies: a release, due now when a
   * session ended, or in the future as the guard of a create in progress (cancelled when the session
   * commits). A network event that arrives before its session committed waits in `early_event`.
   */
  "0007_network": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("sessions").addColumn("network_ref", "text").execute();
      await db.schema
        .createTable("network_commands")
        .addColumn("session_id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("ref", "text")
        .addColumn("due_at", "bigint", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("last_error", "text")
        .addColumn("early_event", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("network_commands_due").on("network_commands").column("due_at").execute();
    },
  },
  // OAuth2 client credentials (auth/): a secret's hash, the scopes a client may ask for (null = every
  // scope, which is what clients made before had), and the public keys of private_key_jwt.
  "0008_client_credentials": {
    async up(db: Kysely<unknown>) {
      for (const column of ["secret_hash", "scopes", "jwks", "jwks_uri"]) {
        await db.schema.alterTable("clients").addColumn(column, "text").execute();
      }
      // When a revoked client was last given a credential again: what was issued before stays dead.
      await db.schema.alterTable("clients").addColumn("reinstated_at", "bigint").execute();
    },
  },
  // The authorization server's shared state: its token signing keys, and the ids of the client
  // assertions used (so each is accepted once by all instances). `active` is 1 for the one
  // key that signs and null for retired ones: a unique index on it (NULLs are distinct in both engines)
  // lets instances that start or rotate together insert-if-none, and never leaves two signing keys.
  "0009_signing_keys": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("signing_keys")
        .addColumn("kid", "text", (c) => c.primaryKey())
        .addColumn("private_jwk", "text", (c) => c.notNull())
        .addColumn("public_jwk", "text", (c) => c.notNull())
        .addColumn("active", "integer")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("retired_at", "bigint")
        .execute();
      await db.schema
        .createIndex("signing_keys_one_active")
        .on("signing_keys")
        .column("active")
        .unique()
        .execute();
      // The jti of every private_key_jwt assertion used, until its exp: a replay to any instance is refused.
      await db.schema
        .createTable("assertion_jtis")
        .addColumn("client_id", "text", (c) => c.notNull())
        .addColumn("jti", "text", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("assertion_jtis_pk", ["client_id", "jti"])
        .execute();
      await db.schema
        .createIndex("assertion_jtis_expiry")
        .on("assertion_jtis")
        .column("expires_at")
        .execute();
    },
  },
  "0010_ciba_requests": cibaRequests,
  "0011_delivery_operations": deliveryOperations,
  "0012_dashboard": dashboardMigration(engine),
});

/**
 * Brings the database to the latest schema. Kysely's migrator holds a lock while it runs (on
 * PostgreSQL an advisory lock, in the same transaction as the migrations), so instances starting
 * together apply each migration once and none starts on a half-migrated schema.
 * @throws Error naming the migration that failed.
 */
export async function migrateToLatest(db: Kysely<unknown>, engine: EngineKind): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(engine) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: "openqod_migrations",
    migrationLockTableName: "openqod_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(
      `database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
