/**
 * SQL that takes a database back to the schema before migration 0008, for the tests of older migrations
 * (they run them again on the schema they were written for). The same words on both engines; one
 * statement per entry. Newest first: a migration added later goes at the top.
 */
export const UNDO_AFTER_0007: readonly string[] = [
  "drop table sandbox_devices",
  "drop table session_events",
  "delete from openqod_migrations where name = '0012_dashboard'",
  "drop table webhook_secrets",
  "alter table outbox drop column requeued_at",
  "drop index delivery_attempts_origin",
  ...["sink_origin", "response_excerpt", "probe"].map(
    (column) => `alter table delivery_attempts drop column ${column}`,
  ),
  "drop table sinks",
  "delete from openqod_migrations where name = '0011_delivery_operations'",
  "drop table ciba_requests",
  "delete from openqod_migrations where name = '0010_ciba_requests'",
  "drop table assertion_jtis",
  "drop table signing_keys",
  "delete from openqod_migrations where name = '0009_signing_keys'",
  ...["secret_hash", "scopes", "jwks", "jwks_uri", "reinstated_at"].map(
    (column) => `alter table clients drop column ${column}`,
  ),
  "delete from openqod_migrations where name = '0008_client_credentials'",
];
