import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { sql } from "kysely";
import pg from "pg";
import { wholeClient } from "../src/service/session-events.ts";
import { databaseEnv, TEST_ENGINE } from "./helpers/engine.ts";
import { bearer, createHarness, type Harness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const QOD = "/quality-on-demand/v1";
const API = "/notifications/v1";
const UNKNOWN_ID = "0190a0f0-0000-7000-8000-000000000000";

interface StreamEvent {
  id: string;
  data: { seq: number; kind: string; at: string; sessionId: string; session: { qosStatus: string } | null };
}

/** A text/event-stream read with fetch streaming, as the dashboard reads it. */
class StreamReader {
  readonly events: StreamEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  readonly #controller = new AbortController();
  #buffer = "";
  #waiters: Array<() => void> = [];

  static async open(
    base: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; reader: StreamReader; body: string }> {
    const reader = new StreamReader();
    const res = await fetch(`${base}${API}/session-events`, {
      headers: { authorization: `Bearer ${SANDBOX_KEY}`, ...headers },
      signal: reader.#controller.signal,
    });
    if (res.status !== 200) return { status: res.status, reader, body: await res.text() };
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    void reader.#pump(res);
    return { status: 200, reader, body: "" };
  }

  async #pump(res: Response): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        this.#buffer += decoder.decode(chunk, { stream: true });
        let end = this.#buffer.indexOf("\n\n");
        while (end >= 0) {
          this.#take(this.#buffer.slice(0, end));
          this.#buffer = this.#buffer.slice(end + 2);
          end = this.#buffer.indexOf("\n\n");
        }
        for (const wake of this.#waiters.splice(0)) wake();
      }
    } catch {
      // Aborted by close().
    }
    this.ended = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #take(block: string): void {
    let id = "";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
      else if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("data: ")) data = line.slice(6);
    }
    if (data !== "") this.events.push({ id, data: JSON.parse(data) as StreamEvent["data"] });
  }

  /** Waits (at most `ms`) until `done` holds of what has arrived. */
  async until(done: (events: StreamEvent[]) => boolean, ms = 3_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done(this.events)) {
      if (this.ended) assert.fail("the stream ended");
      const left = deadline - Date.now();
      if (left <= 0)
        assert.fail(`not within ${ms} ms; got ${JSON.stringify(this.events.map((e) => e.data.kind))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#controller.abort();
  }
}

describe("session events: timeline, live stream, statistics", () => {
  let h: Harness;
  let receiver: TestReceiver;
  let phone = 36_721_700_000;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    h = await createHarness({ OPENQOD_RETRY_SCHEDULE: "0,1h" });
  });
  afterEach(() => h.close());

  async function create(key?: string, overrides: Record<string, unknown> = {}, on: Harness = h) {
    const res = await on.request(
      "POST",
      `${QOD}/sessions`,
      sessionBody({ device: { phoneNumber: `+${++phone}` }, duration: 60, ...overrides }),
      key === undefined ? {} : { key },
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string; qosStatus: string };
  }

  async function timeline(sessionId: string, key?: string) {
    const res = await h.request(
      "GET",
      `${API}/sessions/${sessionId}/timeline`,
      undefined,
      key === undefined ? {} : { key },
    );
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as {
      sessionId: string;
      events: Array<{ seq: number; kind: string; qosStatus: string; statusInfo?: string; duration?: number }>;
    };
  }

  async function listen(on: Harness = h): Promise<string> {
    await on.openqod.app.listen({ host: "127.0.0.1", port: 0 });
    const address = on.openqod.app.server.address();
    assert.ok(address !== null && typeof address === "object");
    return `http://127.0.0.1:${address.port}`;
  }

  test("a session's timeline tells created, granted, extended, ended (DURATION_EXPIRED), oldest first", async () => {
    const { sessionId } = await create();
    h.clock.advance(10_000);
    const extended = await h.request("POST", `${QOD}/sessions/${sessionId}/extend`, {
      requestedAdditionalDuration: 30,
    });
    assert.equal(extended.statusCode, 200, extended.body);
    h.clock.advance(90_000);
    await h.tick();
    const { events, sessionId: echoed } = await timeline(sessionId);
    assert.equal(echoed, sessionId);
    assert.deepEqual(
      events.map((e) => [e.kind, e.qosStatus, e.statusInfo ?? null, e.duration]),
      [
        ["created", "REQUESTED", null, 60],
        ["granted", "AVAILABLE", null, 60],
        ["extended", "AVAILABLE", null, 90],
        ["ended", "UNAVAILABLE", "DURATION_EXPIRED", 90],
      ],
    );
    assert.deepEqual(
      [...events.map((e) => e.seq)].sort((a, b) => a - b),
      events.map((e) => e.seq),
    );
  });

  test("a deleted session's timeline ends with deleted, and is still answered after the session is gone", async () => {
    const { sessionId } = await create();
    assert.equal((await h.request("DELETE", `${QOD}/sessions/${sessionId}`)).statusCode, 204);
    const kinds = (await timeline(sessionId)).events.map((e) => [e.kind, e.statusInfo ?? null]);
    assert.deepEqual(kinds, [
      ["created", null],
      ["granted", null],
      ["deleted", "DELETE_REQUESTED"],
    ]);
  });

  test("a token bound to one device gets 403 PERMISSION_DENIED for what spans its client: stats, the stream, a gone session's timeline", async () => {
    const { sessionId } = await create();
    const clientId = (await h.openqod.store.getSession(sessionId))?.clientId ?? "";
    assert.equal((await h.request("DELETE", `${QOD}/sessions/${sessionId}`)).statusCode, 204);
    const events = h.openqod.sessions.events;
    assert.equal(
      (await events.timeline({ clientId, device: null }, sessionId)).length,
      3,
      "the client's own credential",
    );
    const device = { key: `phoneNumber:+${phone}`, device: { phoneNumber: `+${phone}` } };
    const denied = (error: { status?: number; code?: string }) =>
      error.status === 403 && error.code === "PERMISSION_DENIED";
    await assert.rejects(events.timeline({ clientId, device }, sessionId), denied);
    await assert.rejects(events.stats({ clientId, device }), denied);
    assert.throws(() => wholeClient({ clientId, device }), denied);
    assert.doesNotThrow(() => wholeClient({ clientId, device: null }));
  });

  test("another client's session is 403 PERMISSION_DENIED, an unknown one 404 NOT_FOUND; an operator sees any", async () => {
    const other = await h.newClient("other");
    const { sessionId } = await create(other);
    const denied = await h.request("GET", `${API}/sessions/${sessionId}/timeline`);
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().code, "PERMISSION_DENIED");
    const missing = await h.request("GET", `${API}/sessions/${UNKNOWN_ID}/timeline`, undefined, {
      key: other,
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "NOT_FOUND");
    assert.equal((await timeline(sessionId, other)).events.length, 2);
  });

  test("stats count a delivered and a failed attempt in the minute they were made, every minute present", async () => {
    await create(undefined, { sink: receiver.url, sinkCredential: bearer("t"), duration: 3600 });
    await h.tick();
    receiver.respond = () => ({ status: 500 });
    h.clock.advance(60_000);
    await create(undefined, { sink: receiver.url, sinkCredential: bearer("t"), duration: 3600 });
    await h.tick();
    assert.equal(receiver.requests.length, 2);
    const res = await h.request("GET", `${API}/stats`);
    assert.equal(res.statusCode, 200, res.body);
    const stats = res.json() as {
      from: string;
      to: string;
      bucketSeconds: number;
      sessions: Record<string, number>;
      deliveries: Array<{ start: string; delivered: number; failed: number }>;
    };
    assert.equal(stats.bucketSeconds, 60);
    assert.equal(stats.deliveries.length, 60);
    assert.deepEqual(stats.sessions, { REQUESTED: 0, AVAILABLE: 2, UNAVAILABLE: 0 });
    // The clock is at 12:01:00: the current minute is the last bucket, the first attempt's the one before.
    assert.equal(stats.to, "2026-06-01T12:02:00.000Z");
    assert.equal(stats.deliveries[59]?.start, "2026-06-01T12:01:00.000Z");
    assert.deepEqual(stats.deliveries[58], { start: "2026-06-01T12:00:00.000Z", delivered: 1, failed: 0 });
    assert.deepEqual(stats.deliveries[59], { start: "2026-06-01T12:01:00.000Z", delivered: 0, failed: 1 });
    assert.equal(
      stats.deliveries.slice(0, 58).reduce((n, b) => n + b.delivered + b.failed, 0),
      0,
    );
    // Another client's sinks are not the caller's.
    const other = await h.newClient("quiet");
    const theirs = (await h.request("GET", `${API}/stats`, undefined, { key: other })).json() as typeof stats;
    assert.deepEqual(theirs.sessions, { REQUESTED: 0, AVAILABLE: 0, UNAVAILABLE: 0 });
    assert.equal(
      theirs.deliveries.reduce((n, b) => n + b.delivered + b.failed, 0),
      0,
    );
  });

  test("the stream delivers a session created through the API within the poll interval, with the session as listSessions shows it", async () => {
    const base = await listen();
    const { reader } = await StreamReader.open(base);
    try {
      const started = Date.now();
      const { sessionId } = await create();
      await reader.until((events) => events.some((e) => e.data.kind === "granted"), 2_000);
      assert.ok(Date.now() - started < 2_000);
      assert.deepEqual(
        reader.events.map((e) => [e.data.kind, e.data.sessionId]),
        [
          ["created", sessionId],
          ["granted", sessionId],
        ],
      );
      const granted = reader.events[1];
      assert.equal(granted?.id, String(granted?.data.seq));
      assert.equal(granted?.data.session?.qosStatus, "AVAILABLE");
      // Another client's sessions are not on this client's stream.
      await create(await h.newClient("someone"));
      assert.equal((await h.request("DELETE", `${QOD}/sessions/${sessionId}`)).statusCode, 204);
      await reader.until((events) => events.some((e) => e.data.kind === "deleted"));
      assert.deepEqual(
        reader.events.map((e) => e.data.kind),
        ["created", "granted", "deleted"],
      );
      assert.equal(reader.events[2]?.data.session, null);
    } finally {
      reader.close();
    }
  });

  test("Last-Event-ID replays exactly the events missed, then goes on live", async () => {
    const base = await listen();
    const first = await StreamReader.open(base);
    const a = await create();
    await first.reader.until((events) => events.length === 2);
    const lastSeen = first.reader.events[1]?.id ?? "";
    first.reader.close();
    const b = await create();
    assert.equal((await h.request("DELETE", `${QOD}/sessions/${a.sessionId}`)).statusCode, 204);
    const missed = [...(await timeline(b.sessionId)).events, ...(await timeline(a.sessionId)).events]
      .filter((e) => e.seq > Number(lastSeen))
      .sort((x, y) => x.seq - y.seq)
      .map((e) => e.seq);
    assert.equal(missed.length, 3);
    const again = await StreamReader.open(base, { "last-event-id": lastSeen });
    try {
      await again.reader.until((events) => events.length === 3);
      assert.deepEqual(
        again.reader.events.map((e) => e.data.seq),
        missed,
      );
      const c = await create();
      await again.reader.until((events) => events.length === 5);
      assert.deepEqual(
        again.reader.events.slice(3).map((e) => [e.data.kind, e.data.sessionId]),
        [
          ["created", c.sessionId],
          ["granted", c.sessionId],
        ],
      );
    } finally {
      again.reader.close();
    }
  });

  test("a Last-Event-ID that is no event id is 400 INVALID_ARGUMENT; without a key 401", async () => {
    const base = await listen();
    const bad = await StreamReader.open(base, { "last-event-id": "yesterday" });
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body) as { code: string }).code, "INVALID_ARGUMENT");
    const anonymous = await fetch(`${base}${API}/session-events`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { code: string }).code, "UNAUTHENTICATED");
  });

  test("a client may hold 20 streams open; the 21st is 429 TOO_MANY_REQUESTS, and closing one frees a place", async () => {
    const base = await listen();
    const open: StreamReader[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const stream = await StreamReader.open(base);
        assert.equal(stream.status, 200);
        open.push(stream.reader);
      }
      const refused = await StreamReader.open(base);
      assert.equal(refused.status, 429);
      assert.equal((JSON.parse(refused.body) as { code: string }).code, "TOO_MANY_REQUESTS");
      open.pop()?.close();
      const deadline = Date.now() + 3_000;
      let status = 429;
      while (status === 429 && Date.now() < deadline) {
        const retry = await StreamReader.open(base);
        status = retry.status;
        if (status === 200) open.push(retry.reader);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(status, 200);
    } finally {
      for (const reader of open) reader.close();
    }
  });

  test("closing the server ends open streams instead of waiting on them", async () => {
    const base = await listen();
    const { reader } = await StreamReader.open(base);
    const closing = h.openqod.app.close();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("app.close hung")), 5_000));
    await Promise.race([closing, timeout]);
    await reader.until(() => reader.ended).catch(() => undefined);
    assert.equal(reader.ended, true);
  });
});

describe("session events across instances (PostgreSQL)", {
  skip: TEST_ENGINE !== "postgres" && "one database shared by two instances needs PostgreSQL",
}, () => {
  let one: Harness;
  let two: Harness;
  beforeEach(async () => {
    one = await createHarness();
    two = await createHarness({
      OPENQOD_DATABASE_URL: (await databaseEnv(one.dataDir)).OPENQOD_DATABASE_URL ?? "",
    });
  });
  afterEach(async () => {
    await two.close();
    await one.close();
  });

  test("a session created on instance 1 reaches a stream on instance 2", async () => {
    await two.openqod.app.listen({ host: "127.0.0.1", port: 0 });
    const address = two.openqod.app.server.address();
    assert.ok(address !== null && typeof address === "object");
    const { reader } = await StreamReader.open(`http://127.0.0.1:${address.port}`);
    try {
      const res = await one.request(
        "POST",
        `${QOD}/sessions`,
        sessionBody({ device: { phoneNumber: "+36721799999" } }),
      );
      assert.equal(res.statusCode, 201, res.body);
      const { sessionId } = res.json() as { sessionId: string };
      await reader.until((events) => events.length === 2, 2_000);
      assert.deepEqual(
        reader.events.map((e) => [e.data.kind, e.data.sessionId]),
        [
          ["created", sessionId],
          ["granted", sessionId],
        ],
      );
    } finally {
      reader.close();
    }
  });

  test("an event whose transaction took a smaller seq but committed later still reaches the stream", async () => {
    const url = (await databaseEnv(one.dataDir)).OPENQOD_DATABASE_URL ?? "";
    const feed = one.openqod.sessions.events.feed;
    const seen: number[] = [];
    const unsubscribe = await feed.subscribe((row) => seen.push(row.seq));
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    const row = (seq: string) =>
      `insert into session_events (session_id, client_id, at, kind, qos_status) values ('${seq}', 'c', 0, 'created', 'REQUESTED') returning seq`;
    try {
      await slow.query("begin");
      const early = Number((await slow.query<{ seq: string }>(row("early"))).rows[0]?.seq);
      const late = Number(
        (await sql.raw<{ seq: number }>(row("late")).execute(one.openqod.store.db)).rows[0]?.seq,
      );
      assert.ok(early < late);
      await feed.poll();
      assert.deepEqual(seen, [late]);
      await slow.query("commit");
      await feed.poll();
      assert.deepEqual(seen, [late, early]);
    } finally {
      unsubscribe();
      await slow.end();
    }
  });
});
