import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import Database from "better-sqlite3";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { OutboxEvent } from "../src/store/types.ts";
import { databaseEnv, dropDatabase, TEST_ENGINE } from "./helpers/engine.ts";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";
import { UNDO_AFTER_0007 } from "./helpers/undo-migrations.ts";

const BASE = "/quality-on-demand/v1";

/** A sink that accepts connections, reads what comes and never answers: a receiver that hangs. */
class HungSink {
  readonly sockets = new Set<Socket>();
  /** Requests started (one per `POST` line seen). */
  requests = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<HungSink> {
    let sink: HungSink | undefined;
    const server = createServer((socket) => {
      sink!.sockets.add(socket);
      socket.on("data", (chunk: Buffer) => {
        sink!.requests += chunk.toString("latin1").split("POST /").length - 1;
      });
      socket.on("close", () => sink!.sockets.delete(socket));
    });
    sink = new HungSink(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return sink;
  }

  get url(): string {
    const address = this.#server.address();
    assert.ok(address !== null && typeof address === "object");
    return `http://127.0.0.1:${address.port}/hooks`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function event(eventId: string, sink: string, createdAt: number): OutboxEvent {
  return {
    eventId,
    sessionId: `s-${eventId}`,
    sink,
    headers: {},
    body: "{}",
    tokenExpiresAt: null,
    createdAt,
  };
}

describe("per-sink delivery cap", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(() => h.close());

  test("a claim takes at most the cap of one sink origin and fills up with the others, oldest first", async () => {
    await h.openqod.store.write(async (tx) => {
      // Same origin however written: the default port and the path do not matter.
      for (let i = 0; i < 30; i++) {
        await tx.enqueue(event(`a${i}`, i % 2 ? "https://a.example/x" : "https://a.example:443/y", 10 + i));
      }
      for (let i = 0; i < 5; i++) await tx.enqueue(event(`b${i}`, "https://b.example:8443/n", 100 + i));
    });
    const store = h.openqod.store;
    const first = await store.claimDeliveries(1_000, 10, 60_000, { perOrigin: 4, inFlight: new Map() });
    assert.deepEqual(
      first.map((d) => [d.eventId, d.origin]),
      [
        ["a0", "https://a.example"],
        ["a1", "https://a.example"],
        ["a2", "https://a.example"],
        ["a3", "https://a.example"],
        ["b0", "https://b.example:8443"],
        ["b1", "https://b.example:8443"],
        ["b2", "https://b.example:8443"],
        ["b3", "https://b.example:8443"],
      ],
    );
    const full = new Map([
      ["https://a.example", 4],
      ["https://b.example:8443", 4],
    ]);
    assert.deepEqual(
      await store.claimDeliveries(1_000, 10, 60_000, { perOrigin: 4, inFlight: full }),
      [],
      "a full origin gets nothing more, however much of it is due",
    );
    const oneFree = new Map([
      ["https://a.example", 3],
      ["https://b.example:8443", 4],
    ]);
    const next = await store.claimDeliveries(1_000, 10, 60_000, { perOrigin: 4, inFlight: oneFree });
    assert.deepEqual(
      next.map((d) => d.eventId),
      ["a4"],
    );
    assert.equal(
      await store.nextDeliveryAt([...full.keys()]),
      61_000,
      "only full origins have events due: the next time is when a lease runs out",
    );
    assert.equal(await store.nextDeliveryAt(["https://a.example"]), 104, "b4 is due (since 104)");
    assert.equal(await store.nextDeliveryAt(), 15, "a5 is due (since 15)");
  });
});

describe("migration 0005", { skip: TEST_ENGINE !== "sqlite" }, () => {
  test("gives the events already in the outbox the origin of their sink", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openqod-origin-"));
    const file = join(dir, "openqod.db");
    try {
      const before = await openSqliteStore(file, { sessionCacheEntries: 0 });
      await before.write(async (tx) => {
        await tx.enqueue(event("old", "https://old.example:443/hook", 10));
      });
      await before.close();
      // Back to the schema before 0005 (so before 0006 too), with an event written then.
      const raw = new Database(file);
      for (const statement of UNDO_AFTER_0007) raw.exec(statement);
      raw.exec(`drop table network_commands; alter table sessions drop column network_ref;
        delete from openqod_migrations where name = '0007_network';
        drop index outbox_settled; alter table outbox drop column credential_removed;
        drop index outbox_pending_origin; alter table outbox drop column sink_origin;
        delete from openqod_migrations where name in ('0005_outbox_sink_origin', '0006_outbox_retention')`);
      raw.close();
      const after = await openSqliteStore(file, { sessionCacheEntries: 0 });
      try {
        const [claimed] = await after.claimDeliveries(1_000, 10, 60_000);
        assert.equal(claimed?.eventId, "old");
        assert.equal(claimed?.origin, "https://old.example");
      } finally {
        await after.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("per-sink delivery cap with several instances", { skip: TEST_ENGINE !== "postgres" }, () => {
  test("two instances claiming at once never take the same event; each holds the cap (it is per instance)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openqod-fair-"));
    const url = (await databaseEnv(dir)).OPENQOD_DATABASE_URL;
    assert.ok(url);
    const a = await openPostgresStore(url, { poolSize: 4 });
    const b = await openPostgresStore(url, { poolSize: 4 });
    try {
      await a.write(async (tx) => {
        for (let i = 0; i < 30; i++) await tx.enqueue(event(`a${i}`, "https://a.example/n", 10 + i));
      });
      const fair = { perOrigin: 4, inFlight: new Map<string, number>() };
      const [fromA, fromB] = await Promise.all([
        a.claimDeliveries(1_000, 10, 60_000, fair),
        b.claimDeliveries(1_000, 10, 60_000, fair),
      ]);
      const ids = [...fromA, ...fromB].map((d) => d.eventId);
      assert.equal(new Set(ids).size, ids.length, "no event claimed twice");
      assert.equal(fromA.length, 4);
      assert.equal(fromB.length, 4);
      assert.deepEqual(ids.sort(), ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"]);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });
});

describe("a sink that never answers", () => {
  let h: Harness;
  let hung: HungSink;
  let healthy: TestReceiver;
  before(async () => {
    healthy = await TestReceiver.start();
  });
  after(() => healthy.close());
  beforeEach(async () => {
    hung = await HungSink.start();
    // The default 10 s attempt timeout: long enough that a stall behind the hung sink shows.
    h = await createHarness();
  });
  afterEach(async () => {
    // Closing the hung sink's connections ends the attempts stuck on it, so closing the server is quick.
    await hung.close();
    await h.close();
  });

  async function createSessions(count: number, sink: string, first: number): Promise<void> {
    for (let i = first; i < first + count; i++) {
      const res = await h.request(
        "POST",
        `${BASE}/sessions`,
        sessionBody({
          device: { phoneNumber: `+3670${String(1_000_000 + i)}` },
          sink,
          sinkCredential: bearer("tok"),
        }),
      );
      assert.equal(res.statusCode, 201, res.body);
    }
  }

  test("holds only its share of the delivery slots; another sink's events arrive within a second or two", async () => {
    await createSessions(300, hung.url, 0);
    await createSessions(20, healthy.url, 300);
    // Every session's first notification is due before the dispatcher starts: 300 for the hung sink first.
    await h.openqod.scheduler.runOnce();
    const started = Date.now();
    h.openqod.startWorkers();
    // Before the cap, the claim took the 64 oldest, all for the hung sink: nothing else for 10 s.
    await healthy.waitFor(20, 4_000);
    const elapsed = Date.now() - started;
    console.log(`# healthy sink served in ${elapsed} ms`);
    assert.ok(elapsed < 4_000, `healthy sink served in ${elapsed} ms`);
    // Its attempts connect meanwhile; give the last of them a moment, then none beyond the cap.
    for (let waited = 0; hung.requests < 48 && waited < 2_000; waited += 20) await delay(20);
    assert.equal(hung.requests, 48, "the hung sink holds its 48 slots (the default cap: 3/4 of 64), no more");
  });
});
