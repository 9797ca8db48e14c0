import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { READY_TIMEOUT_MS } from "../src/http/ops.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
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
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
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

/** A TCP relay to the test PostgreSQL server that can stop passing bytes: a database that does not answer. */
class FreezableRelay {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #frozen = false;
  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: URL): Promise<FreezableRelay> {
    const server = createServer();
    const relay = new FreezableRelay(server);
    server.on("connection", (client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        relay.#sockets.add(from);
        from.on("data", (chunk) => {
          if (!relay.#frozen) to.write(chunk);
        });
        from.on("error", () => from.destroy());
        from.on("close", () => to.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return relay;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  set frozen(frozen: boolean) {
    this.#frozen = frozen;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

describe("/ready when PostgreSQL stops answering", () => {
  test(`is 503 UNAVAILABLE within ${READY_TIMEOUT_MS} ms, not a probe that never ends`, {
    timeout: 20_000,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openqod-frozen-"));
    const direct = new URL((await databaseEnv(dataDir)).OPENQOD_DATABASE_URL ?? "");
    const relay = await FreezableRelay.start(direct);
    const relayed = new URL(direct.href);
    relayed.port = String(relay.port);
    const h = await createHarness({ OPENQOD_DATABASE_URL: relayed.href }, dataDir);
    try {
      assert.equal((await h.request("GET", "/ready", undefined, { key: null })).statusCode, 200);
      relay.frozen = true;
      const started = Date.now();
      const res = await h.request("GET", "/ready", undefined, { key: null });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, "UNAVAILABLE");
      assert.ok(Date.now() - started < READY_TIMEOUT_MS + 1_000);
    } finally {
      // The frozen connections are cut, so closing the store does not wait on them.
      await relay.close();
      await h.close().catch(() => undefined);
      await dropDatabase(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
