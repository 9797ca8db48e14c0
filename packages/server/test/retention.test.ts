import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { Registry } from "prom-client";
import { ManualClock } from "../src/clock.ts";
import { WorkerEvents } from "../src/events.ts";
import { OutboxSweeper } from "../src/scheduler/outbox-sweeper.ts";
import { sinkMetrics } from "../src/sink-metrics.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { Store } from "../src/store/store.ts";
import type { AttemptResult, OutboxEvent } from "../src/store/types.ts";
import { databaseEnv, dropDatabase, TEST_ENGINE } from "./helpers/engine.ts";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";
import { UNDO_AFTER_0007 } from "./helpers/undo-migrations.ts";

const HOUR = 3_600_000;
const RETENTION = 24 * HOUR;
const T0 = Date.UTC(2026, 5, 1);

/** The stored headers of every event, read with plain SQL: what a backup or a `select` would show. */
async function rawHeaders(store: Store): Promise<string[]> {
  const { rows } = await sql<{ headers: string }>`select headers from outbox order by seq`.execute(store.db);
  return rows.map((r) => r.headers);
}

describe("credentials leave an event when it settles", () => {
  let h: Harness;
  let receiver: TestReceiver;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    h = await createHarness();
  });
  afterEach(() => h.close());

  async function create(body: Record<string, unknown> = {}) {
    const res = await h.request(
      "POST",
      "/quality-on-demand/v1/sessions",
      sessionBody({ sink: receiver.url, sinkCredential: bearer("secret-sink-token"), ...body }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string };
  }

  test("a delivered event keeps no token, in the store or in the database file", async () => {
    receiver.respond = () => ({ status: 500 });
    const session = await create();
    await h.tick();
    assert.match((await rawHeaders(h.openqod.store))[0] ?? "", /secret-sink-token/, "kept while pending");

    receiver.respond = () => ({ status: 204 });
    h.clock.advance(5_000);
    await h.tick();
    assert.deepEqual(
      receiver.requests.map((r) => r.headers.authorization),
      ["Bearer secret-sink-token", "Bearer secret-sink-token"],
      "sent with it while it mattered",
    );
    const [event] = await h.openqod.store.outboxOfSession(session.sessionId);
    assert.equal(event?.state, "delivered");
    assert.equal(event?.credentialRemoved, true);
    assert.deepEqual(
      (await rawHeaders(h.openqod.store)).map((text) => JSON.parse(text)),
      [{ "content-type": "application/cloudevents+json" }],
    );
    if (TEST_ENGINE === "sqlite") {
      // Another connection on the file, as an operator's sqlite3 would read it.
      const file = new Database(join(h.dataDir, "openqod.db"), { readonly: true });
      try {
        const rows = file.prepare("select * from outbox").all();
        assert.equal(rows.length, 1);
        assert.doesNotMatch(JSON.stringify(rows), /secret-sink-token/);
      } finally {
        file.close();
      }
    }
  });

  test("redelivering a settled event takes the token again from its session", async () => {
    const session = await create();
    await h.tick();
    const [delivered] = await h.openqod.store.outboxOfSession(session.sessionId);
    assert.equal(delivered?.credentialRemoved, true);
    const res = await h.request("POST", `/notifications/v1/notifications/${delivered?.eventId}/redeliver`);
    assert.equal(res.statusCode, 202, res.body);
    await h.tick();
    assert.deepEqual(
      receiver.requests.map((r) => r.headers.authorization),
      ["Bearer secret-sink-token", "Bearer secret-sink-token"],
    );
    assert.doesNotMatch((await rawHeaders(h.openqod.store)).join(), /secret-sink-token/, "gone again");
  });

  test("once its session is removed, a settled event that had a token is 409 CONFLICT and not sent", async () => {
    const session = await create();
    await h.request("DELETE", `/quality-on-demand/v1/sessions/${session.sessionId}`);
    await h.tick();
    h.clock.advance(360_000);
    await h.tick();
    assert.equal(await h.openqod.store.getSession(session.sessionId), undefined, "removed after retention");
    const [available] = await h.openqod.store.outboxOfSession(session.sessionId);
    const sent = receiver.requests.length;
    const res = await h.request("POST", `/notifications/v1/notifications/${available?.eventId}/redeliver`);
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), {
      status: 409,
      code: "CONFLICT",
      message: `Notification ${available?.eventId} cannot be sent again: its access token was removed when it settled, and its session no longer holds one for its sink.`,
    });
    await h.tick();
    assert.equal(receiver.requests.length, sent, "nothing sent, with or without a token");
    assert.equal((await h.openqod.store.outboxEvent(available?.eventId ?? ""))?.state, "delivered");
  });

  test("a settled event that never had a token is redelivered after its session is removed", async () => {
    const session = await create({ sinkCredential: undefined });
    await h.request("DELETE", `/quality-on-demand/v1/sessions/${session.sessionId}`);
    await h.tick();
    h.clock.advance(360_000);
    await h.tick();
    const [available] = await h.openqod.store.outboxOfSession(session.sessionId);
    assert.equal(available?.credentialRemoved, false);
    const res = await h.request("POST", `/notifications/v1/notifications/${available?.eventId}/redeliver`);
    assert.equal(res.statusCode, 202, res.body);
    await h.tick();
    assert.equal(receiver.requests.length, 3);
    assert.equal(receiver.requests[2]?.headers.authorization, undefined);
  });
});

describe("the server's outbox sweeper", () => {
  test("starts with the workers and deletes what settled OPENQOD_DELIVERY_RETENTION ago", async () => {
    const receiver = await TestReceiver.start();
    const h = await createHarness({ OPENQOD_DELIVERY_RETENTION: "1h" });
    try {
      const res = await h.request(
        "POST",
        "/quality-on-demand/v1/sessions",
        sessionBody({ sink: receiver.url, duration: 7200 }),
      );
      assert.equal(res.statusCode, 201, res.body);
      const { sessionId } = res.json() as { sessionId: string };
      await h.tick();
      const [delivered] = await h.openqod.store.outboxOfSession(sessionId);
      assert.equal(delivered?.state, "delivered");
      h.clock.advance(3_600_001);
      const swept = once(h.openqod.events, "retention:swept");
      // Its first sweep runs at start.
      h.openqod.startWorkers();
      assert.deepEqual(await swept, [{ events: 1, attempts: 1 }]);
      assert.deepEqual(await h.openqod.store.outboxOfSession(sessionId), []);
      assert.equal(
        (await h.openqod.store.getSession(sessionId))?.qosStatus,
        "AVAILABLE",
        "sessions are not its business",
      );
    } finally {
      await h.close();
      await receiver.close();
    }
  });
});

/** The stores this run tests: SQLite, or PostgreSQL. */
async function openStoreIn(dir: string): Promise<Store> {
  if (TEST_ENGINE === "postgres") {
    const url = (await databaseEnv(dir)).OPENQOD_DATABASE_URL;
    assert.ok(url);
    return openPostgresStore(url, { poolSize: 4 });
  }
  return openSqliteStore(join(dir, "openqod.db"));
}

function event(id: string, createdAt: number): OutboxEvent {
  return {
    eventId: id,
    sessionId: `s-${id}`,
    sink: "https://sink.example/notifications",
    headers: { "content-type": "application/cloudevents+json", authorization: "Bearer t" },
    body: "{}",
    tokenExpiresAt: null,
    createdAt,
  };
}

function attempt(id: string, at: number, state: AttemptResult["state"]): AttemptResult {
  return {
    eventId: id,
    sink: "https://sink.example/notifications",
    origin: "https://sink.example",
    responseExcerpt: null,
    probe: false,
    attemptedAt: at,
    durationMs: 1,
    statusCode: state === "delivered" ? 204 : 500,
    error: state === "delivered" ? null : "sink answered HTTP 500",
    outcome: state === "pending" ? "retry" : state,
    state,
    nextAttemptAt: state === "pending" ? at + HOUR : null,
  };
}

describe("outbox retention", () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let events: WorkerEvents;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "openqod-retention-"));
    store = await openStoreIn(dir);
    clock = new ManualClock(T0);
    events = new WorkerEvents();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await dropDatabase(dir);
  });

  async function enqueue(ids: readonly string[], createdAt: number) {
    await store.write(async (tx) => {
      for (const id of ids) await tx.enqueue(event(id, createdAt));
    });
  }

  const count = async (table: "outbox" | "delivery_attempts") =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test("settled events older than the period go with their attempts; pending and recent ones stay", async () => {
    await enqueue(["delivered-old", "failed-old", "expired-old", "pending-old", "delivered-new"], T0);
    await store.recordAttempt(attempt("delivered-old", T0, "pending"));
    await store.recordAttempt(attempt("delivered-old", T0 + HOUR, "delivered"));
    await store.recordAttempt(attempt("failed-old", T0 + HOUR, "failed"));
    await store.settleUnsent("expired-old", "expired", T0 + HOUR, "access token expired before delivery");
    await store.recordAttempt(attempt("pending-old", T0, "pending"));
    await store.recordAttempt(attempt("delivered-new", T0 + 2 * HOUR, "delivered"));

    const sweeper = new OutboxSweeper({ store, clock, events, retentionMs: RETENTION });
    clock.set(T0 + HOUR + RETENTION);
    assert.deepEqual(await sweeper.runOnce(), { events: 0, attempts: 0 }, "exactly the period: kept");
    clock.advance(1);
    assert.deepEqual(await sweeper.runOnce(), { events: 3, attempts: 3 });

    for (const gone of ["delivered-old", "failed-old", "expired-old"]) {
      assert.equal(await store.outboxEvent(gone), undefined, gone);
      assert.deepEqual(await store.attemptsOf(gone), [], `${gone}'s attempts`);
    }
    assert.equal((await store.outboxEvent("pending-old"))?.state, "pending", "pending is never deleted");
    assert.equal((await store.attemptsOf("pending-old")).length, 1);
    assert.equal((await store.outboxEvent("delivered-new"))?.state, "delivered");
    assert.equal((await store.attemptsOf("delivered-new")).length, 1);
    assert.equal(await count("outbox"), 2);
    assert.equal(await count("delivery_attempts"), 2);
    assert.deepEqual(await sweeper.runOnce(), { events: 0, attempts: 0 }, "a second sweep finds nothing");
  });

  test("deletes in bounded batches, one transaction each, until nothing is left", async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `e${i}`);
    await enqueue(ids, T0);
    for (const id of ids) await store.recordAttempt(attempt(id, T0, "delivered"));
    const batches: number[] = [];
    events.on("retention:swept", (swept) => batches.push(swept.events));
    const sweeper = new OutboxSweeper({ store, clock, events, retentionMs: RETENTION, batchSize: 10 });
    clock.set(T0 + RETENTION + 1);
    assert.deepEqual(await sweeper.runOnce(), { events: 25, attempts: 25 });
    assert.deepEqual(batches, [10, 10, 5]);
    assert.equal(await count("outbox"), 0);
    assert.equal(await count("delivery_attempts"), 0);
  });

  test("a sweep is bounded in batches; the next one goes on", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `e${i}`);
    await enqueue(ids, T0);
    for (const id of ids) await store.recordAttempt(attempt(id, T0, "failed"));
    const options = { store, clock, events, retentionMs: RETENTION, batchSize: 5, maxBatches: 2 };
    const sweeper = new OutboxSweeper(options);
    clock.set(T0 + RETENTION + 1);
    assert.equal((await sweeper.runOnce()).events, 10);
    assert.equal((await sweeper.runOnce()).events, 2);
  });

  async function sinkRow(origin: string, updatedAt: number, pausedBy: string | null = null) {
    await store.db
      .insertInto("sinks")
      .values({
        origin,
        paused_by: pausedBy,
        paused_at: pausedBy === null ? null : updatedAt,
        consecutive_failures: 1,
        failing_since: updatedAt,
        probe_at: null,
        last_success_at: null,
        last_failure_at: updatedAt,
        updated_at: updatedAt,
      })
      .execute();
  }

  const sinkOrigins = async () =>
    (await store.db.selectFrom("sinks").select("origin").orderBy("origin").execute()).map((r) => r.origin);

  test("records of active sinks unchanged for the period go, in bounded batches; paused and recent ones stay", async () => {
    for (let i = 0; i < 7; i++) await sinkRow(`https://idle-${i}.example`, T0);
    await sinkRow("https://breaker.example", T0, "breaker");
    await sinkRow("https://operator.example", T0, "operator");
    await sinkRow("https://recent.example", T0 + HOUR);
    const sweeper = new OutboxSweeper({ store, clock, events, retentionMs: RETENTION, batchSize: 3 });
    clock.set(T0 + RETENTION);
    await sweeper.runOnce();
    assert.equal((await sinkOrigins()).length, 10, "exactly the period: kept");
    clock.advance(1);
    await sweeper.runOnce();
    assert.deepEqual(await sinkOrigins(), [
      "https://breaker.example",
      "https://operator.example",
      "https://recent.example",
    ]);
    clock.set(T0 + HOUR + RETENTION + 1);
    await sweeper.runOnce();
    assert.deepEqual(await sinkOrigins(), ["https://breaker.example", "https://operator.example"]);
  });

  test("openqod_sinks_paused counts in the database, by who paused, without reading the rows", async () => {
    for (let i = 0; i < 3; i++) await sinkRow(`https://b-${i}.example`, T0, "breaker");
    await sinkRow("https://o.example", T0, "operator");
    for (let i = 0; i < 2; i++) await sinkRow(`https://a-${i}.example`, T0);
    const registry = new Registry();
    sinkMetrics(registry, store, events);
    // Every row read into memory at each scrape would grow with the table: the gauge must not list them.
    store.sinks = () => Promise.reject(new Error("the gauge read every sink row"));
    const text = await registry.metrics();
    assert.match(text, /^openqod_sinks_paused\{by="breaker"\} 3$/m);
    assert.match(text, /^openqod_sinks_paused\{by="operator"\} 1$/m);
  });

  test("the sweeper reports a database error and sweeps again after retryMs", async () => {
    await enqueue(["old"], T0);
    await store.recordAttempt(attempt("old", T0, "delivered"));
    clock.set(T0 + RETENTION + 1);
    await sql`alter table delivery_attempts rename to delivery_attempts_away`.execute(store.db);
    const sweeper = new OutboxSweeper({ store, clock, events, retentionMs: RETENTION, retryMs: 20 });
    const abort = new AbortController();
    const failed = once(events, "worker:error");
    const running = sweeper.run({ signal: abort.signal });
    try {
      const [report] = (await failed) as [{ worker: string; error: unknown }];
      assert.equal(report.worker, "retention");
      assert.match(String(report.error), /delivery_attempts/);
      assert.equal(await count("outbox"), 1, "the failed batch deleted nothing");
      const swept = once(events, "retention:swept");
      await sql`alter table delivery_attempts_away rename to delivery_attempts`.execute(store.db);
      assert.deepEqual(await swept, [{ events: 1, attempts: 1 }]);
    } finally {
      abort.abort();
      await running;
    }
    assert.equal(await count("outbox"), 0);
  });

  test("migration 0006 takes the token out of events settled before it, and only those", async () => {
    await enqueue(["settled-before", "pending"], T0);
    // What code before 0006 left: a settled event still holding its Authorization header.
    await sql`update outbox set state = 'delivered', settled_at = ${T0} where event_id = 'settled-before'`.execute(
      store.db,
    );
    // Migrations after 0006 are undone first, so that 0006 runs again on the schema it was written for.
    for (const statement of UNDO_AFTER_0007) await sql.raw(statement).execute(store.db);
    await sql`drop table network_commands`.execute(store.db);
    await sql`alter table sessions drop column network_ref`.execute(store.db);
    await sql`delete from openqod_migrations where name = '0007_network'`.execute(store.db);
    await sql`drop index outbox_settled`.execute(store.db);
    await sql`alter table outbox drop column credential_removed`.execute(store.db);
    await sql`delete from openqod_migrations where name = '0006_outbox_retention'`.execute(store.db);
    assert.match((await rawHeaders(store)).join(), /Bearer t.*Bearer t/);
    await store.close();
    store = await openStoreIn(dir);

    const [settled, pending] = (await rawHeaders(store)).map((text) => JSON.parse(text));
    assert.deepEqual(settled, { "content-type": "application/cloudevents+json" });
    assert.equal(pending.authorization, "Bearer t", "still to be sent with it");
    assert.equal((await store.outboxEvent("settled-before"))?.credentialRemoved, true);
    assert.equal((await store.outboxEvent("pending"))?.credentialRemoved, false);
  });

  test("instances sweeping one database at once delete each event once and never fail", {
    skip: TEST_ENGINE !== "postgres" && "many instances share PostgreSQL only",
  }, async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `e${i}`);
    await enqueue(ids, T0);
    for (const id of ids) await store.recordAttempt(attempt(id, T0, "delivered"));
    const others = await Promise.all([openStoreIn(dir), openStoreIn(dir)]);
    try {
      clock.set(T0 + RETENTION + 1);
      const errors: unknown[] = [];
      events.on("worker:error", (e) => errors.push(e.error));
      const sweepers = [store, ...others].map(
        (s) => new OutboxSweeper({ store: s, clock, events, retentionMs: RETENTION, batchSize: 7 }),
      );
      const swept = await Promise.all(sweepers.map((s) => s.runOnce()));
      assert.deepEqual(errors, []);
      assert.equal(
        swept.reduce((n, s) => n + s.events, 0),
        300,
      );
      assert.equal(
        swept.reduce((n, s) => n + s.attempts, 0),
        300,
      );
      assert.equal(await count("outbox"), 0);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });
});
