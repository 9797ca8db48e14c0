import type { ColumnDefinitionBuilder } from "kysely";
import type { EngineKind } from "./engine.ts";

/**
 * An auto-numbered primary key: SQLite's `integer primary key autoincrement`, PostgreSQL's identity
 * column (bigint: an outbox outlives 2^31 events). The same schema, in each engine's words.
 */
export function serialKey(engine: EngineKind) {
  const postgres = engine === "postgres";
  return {
    type: postgres ? ("bigint" as const) : ("integer" as const),
    build: (c: ColumnDefinitionBuilder) =>
      postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
  };
}
