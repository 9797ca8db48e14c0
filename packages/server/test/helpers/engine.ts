import { createHash } from "node:crypto";
import pg from "pg";

/**
 * The engine this test run uses. test/run.ts runs the suite once per engine: OPENQOD_TEST_ENGINE
 * is "postgres" on the PostgreSQL pass, with OPENQOD_TEST_DATABASE_URL pointing at the server.
 */
export const TEST_ENGINE: "sqlite" | "postgres" =
  process.env.OPENQOD_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";

function adminUrl(): string {
  const url = process.env.OPENQOD_TEST_DATABASE_URL;
  if (!url) throw new Error("OPENQOD_TEST_ENGINE=postgres needs OPENQOD_TEST_DATABASE_URL");
  return url;
}

/** One database per data folder, so a test that restarts a server on its folder finds its data again. */
function databaseName(dataDir: string): string {
  return `openqod_t_${createHash("sha256").update(dataDir).digest("hex").slice(0, 16)}`;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The settings that put a server with data folder `dataDir` on this run's engine: nothing for
 * SQLite; for PostgreSQL, OPENQOD_DATABASE_URL of a database of its own (created if missing).
 */
export async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  if (TEST_ENGINE === "sqlite") return {};
  const name = databaseName(dataDir);
  await withAdmin(async (client) => {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (rowCount === 0) await client.query(`create database ${name}`);
  });
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { OPENQOD_DATABASE_URL: url.href };
}

/** Drops the database `databaseEnv(dataDir)` made (PostgreSQL only; SQLite's file goes with the folder). */
export async function dropDatabase(dataDir: string): Promise<void> {
  if (TEST_ENGINE === "sqlite") return;
  await withAdmin((client) => client.query(`drop database if exists ${databaseName(dataDir)} with (force)`));
}
