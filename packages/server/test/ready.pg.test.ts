import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createHarness, type Harness } from "./helpers/harness.ts";

/** A superuser connection to the test server. */
async function connectAsAdmin(): Promise<pg.Client> {
  const url = process.env.OPENQOD_TEST_DATABASE_URL;
  assert.ok(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

describe("/ready on PostgreSQL", () => {
  let h: Harness;
  let admin: pg.Client;
  let database: string;
  before(async () => {
    h = await createHarness();
    admin = await connectAsAdmin();
    const [row] = await h.openqod.store.db
      .selectNoFrom((eb) => eb.fn<string>("current_database").as("name"))
      .execute();
    database = row?.name ?? "";
    assert.ok(database.startsWith("openqod_t_"));
  });
  after(async () => {
    await admin.query(`alter database ${database} allow_connections true`);
    await admin.end();
    await h.close();
  });

  test("answers at once while another client holds an exclusive lock on the sessions table", async () => {
    const url = new URL(process.env.OPENQOD_TEST_DATABASE_URL ?? "");
    url.pathname = `/${database}`;
    const locker = new pg.Client({ connectionString: url.href });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table sessions in access exclusive mode");
      const started = Date.now();
      const res = await h.request("GET", "/ready", undefined, { key: null });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(Date.now() - started < 2_000, "not held up by the lock");
    } finally {
      await locker.query("rollback").catch(() => undefined);
      await locker.end();
    }
  });

  test("is 503 UNAVAILABLE while the database refuses connections, and READY again once it takes them", async () => {
    await admin.query(`alter database ${database} allow_connections false`);
    // The pool's connections only: the LISTEN connection reconnects on its own (pg-listener.ts).
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query <> 'listen openqod_work'",
      [database],
    );
    const down = await h.request("GET", "/ready", undefined, { key: null });
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().code, "UNAVAILABLE");
    await admin.query(`alter database ${database} allow_connections true`);
    // Connections the database dropped may still be in the pool: each probe that meets one fails and drops it.
    let up = await h.request("GET", "/ready", undefined, { key: null });
    for (let probe = 0; probe < 50 && up.statusCode !== 200; probe++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      up = await h.request("GET", "/ready", undefined, { key: null });
    }
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual(up.json(), { status: "READY" });
  });
});
