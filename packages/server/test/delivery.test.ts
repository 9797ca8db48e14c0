import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const BASE = "/quality-on-demand/v1";

describe("notification delivery", () => {
  let h: Harness;
  let receiver: TestReceiver;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    // No jitter spread with random() = 0.5, so the schedule is exact: 0, 5 s, 5 min, ...
    h = await createHarness();
  });
  afterEach(() => h.close());

  async function create(overrides: Record<string, unknown> = {}) {
    const res = await h.request(
      "POST",
      `${BASE}/sessions`,
      sessionBody({ sink: receiver.url, sinkCredential: bearer("tok"), ...overrides }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  }

  async function outbox(sessionId: string) {
    return h.openqod.store.outboxOfSession(sessionId);
  }

  /** Each event's stored headers, as the database holds them. */
  async function storedHeaders(sessionId: string) {
    const rows = await h.openqod.store.db
      .selectFrom("outbox")
      .select("headers")
      .where("session_id", "=", sessionId)
      .orderBy("seq")
      .execute();
    return rows.map((r) => JSON.parse(r.headers) as Record<string, string>);
  }

  /** The token left every event of the session when it settled, and the store says so. */
  async function assertNoCredential(sessionId: string) {
    for (const headers of await storedHeaders(sessionId)) assert.equal(headers.authorization, undefined);
    assert.ok((await outbox(sessionId)).every((e) => e.credentialRemoved));
  }

  test("retries on the schedule with the same event id until the receiver is back", async () => {
    receiver.respond = () => ({ status: 500 });
    const session = await create();
    await h.tick();
    h.clock.advance(4_999);
    await h.tick();
    assert.equal(receiver.requests.length, 1, "the second attempt waits 5 s");
    h.clock.advance(1);
    await h.tick();
    assert.equal(receiver.requests.length, 2);
    receiver.respond = () => ({ status: 200 });
    h.clock.advance(300_000);
    await h.tick();
    assert.equal(receiver.requests.length, 3);
    const ids = new Set(receiver.events.map((e) => e.id));
    assert.equal(ids.size, 1, "every retry carries the same CloudEvent id");
    const [event] = await outbox(session.sessionId);
    assert.equal(event?.state, "delivered");
    assert.equal(event?.attempts, 3);
    await assertNoCredential(session.sessionId);
    const attempts = await h.openqod.store.attemptsOf(event!.eventId);
    assert.deepEqual(
      attempts.map((a) => [a.outcome, a.statusCode]),
      [
        ["retry", 500],
        ["retry", 500],
        ["delivered", 200],
      ],
    );
  });

  test("a receiver that is down for hours receives every event once it is back, in order", async () => {
    receiver.respond = () => ({ status: 503 });
    const session = await create({ duration: 600 });
    await h.request("POST", `${BASE}/sessions/${session.sessionId}/extend`, {
      requestedAdditionalDuration: 60,
    });
    await h.tick();
    for (const step of [5_000, 300_000, 1_800_000]) {
      h.clock.advance(step);
      await h.tick();
    }
    // The session expired meanwhile; its UNAVAILABLE waits behind the undelivered AVAILABLE.
    assert.ok(receiver.events.every((e) => e.data.qosStatus === "AVAILABLE"));
    receiver.respond = () => ({ status: 204 });
    h.clock.advance(7_200_000);
    await h.tick();
    await h.tick();
    const delivered = receiver.requests
      .filter((_, i) => i >= 4)
      .map((r) => (r.json as { data: { qosStatus: string } }).data.qosStatus);
    assert.deepEqual(delivered, ["AVAILABLE", "UNAVAILABLE"]);
    assert.deepEqual(
      (await outbox(session.sessionId)).map((e) => e.state),
      ["delivered", "delivered"],
    );
  });

  test("a session's next event is not sent before the previous one is settled", async () => {
    receiver.respond = () => ({ status: 500 });
    const session = await create();
    await h.request("DELETE", `${BASE}/sessions/${session.sessionId}`);
    await h.tick();
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.events[0]?.data.qosStatus, "AVAILABLE");
  });

  test("429 and 503 wait at least Retry-After", async () => {
    receiver.respond = () => ({ status: 429, headers: { "retry-after": "120" } });
    await create();
    await h.tick();
    h.clock.advance(119_000);
    await h.tick();
    assert.equal(receiver.requests.length, 1, "5 s schedule, but the receiver asked for 120 s");
    receiver.respond = () => ({ status: 204 });
    h.clock.advance(1_000);
    await h.tick();
    assert.equal(receiver.requests.length, 2);
  });

  test("a Retry-After beyond an hour holds the event back one hour, no longer", async () => {
    receiver.respond = () => ({ status: 503, headers: { "retry-after": String(30 * 86_400) } });
    const session = await create();
    await h.tick();
    const attemptedAt = h.clock.now();
    const [event] = await outbox(session.sessionId);
    assert.equal(event?.state, "pending");
    assert.equal(event?.nextAttemptAt, attemptedAt + 3_600_000);
    h.clock.advance(3_600_000);
    receiver.respond = () => ({ status: 204 });
    await h.tick();
    assert.equal(receiver.events[1]?.id, event?.eventId, "retried after exactly one hour");
    assert.equal((await outbox(session.sessionId))[0]?.state, "delivered");
  });

  test("410 Gone stops delivery to that sink", async () => {
    receiver.respond = () => ({ status: 410 });
    const session = await create();
    await h.request("DELETE", `${BASE}/sessions/${session.sessionId}`);
    await h.tick();
    h.clock.advance(86_400_000);
    await h.tick();
    assert.equal(receiver.requests.length, 1);
    assert.deepEqual(
      (await outbox(session.sessionId)).map((e) => e.state),
      ["gone", "gone"],
    );
    // The second one never went out: it was settled with the first, its token removed with it.
    await assertNoCredential(session.sessionId);
  });

  test("redirects are not followed; they count as failures", async () => {
    receiver.respond = (r) =>
      r.url === "/elsewhere" ? { status: 204 } : { status: 302, headers: { location: "/elsewhere" } };
    const session = await create();
    await h.tick();
    assert.deepEqual(
      receiver.requests.map((r) => r.url),
      ["/notifications"],
    );
    const [event] = await outbox(session.sessionId);
    assert.equal(event?.state, "pending");
    assert.match(event?.lastError ?? "", /302/);
    assert.equal(
      (await storedHeaders(session.sessionId))[0]?.authorization,
      "Bearer tok",
      "kept for the retry",
    );
  });

  test("nothing is sent after accessTokenExpiresUtc", async () => {
    receiver.respond = () => ({ status: 500 });
    const expires = new Date(h.clock.now() + 60_000).toISOString();
    const session = await create({ sinkCredential: bearer("short", expires) });
    await h.tick();
    h.clock.advance(5_000);
    await h.tick();
    h.clock.advance(300_000);
    await h.tick();
    assert.equal(receiver.requests.length, 2);
    const [event] = await outbox(session.sessionId);
    assert.equal(event?.state, "expired");
    await assertNoCredential(session.sessionId);
  });

  test("after the last scheduled attempt the event is failed and kept for operators", async () => {
    await h.close();
    // The whole schedule, attempt by attempt: the sink's circuit breaker (sink-breaker.test.ts) off.
    h = await createHarness({ OPENQOD_SINK_BREAKER_FAILURES: "0" });
    receiver.respond = () => ({ status: 500 });
    const session = await create();
    for (let i = 0; i < 10; i++) {
      await h.tick();
      h.clock.advance(36_000_000);
    }
    // The session expired meanwhile; its UNAVAILABLE event only went out once AVAILABLE had failed.
    const statuses = receiver.events.map((e) => e.data.qosStatus);
    assert.deepEqual(statuses.slice(0, 8), new Array(8).fill("AVAILABLE"));
    assert.ok(statuses.slice(8).every((s) => s === "UNAVAILABLE"));
    const [event] = await outbox(session.sessionId);
    assert.equal(event?.state, "failed");
    assert.equal(event?.credentialRemoved, true);
    assert.equal((await storedHeaders(session.sessionId))[0]?.authorization, undefined);
    assert.equal((await h.openqod.store.attemptsOf(event!.eventId)).length, 8);
  });

  test("an attempt that takes longer than the timeout is recorded as a failure", async () => {
    await h.close();
    h = await createHarness({ OPENQOD_DELIVERY_TIMEOUT: "300ms" });
    receiver.respond = () => "hang";
    const session = await create();
    await h.tick();
    const [event] = await outbox(session.sessionId);
    assert.equal(event?.state, "pending");
    const [attempt] = await h.openqod.store.attemptsOf(event!.eventId);
    assert.equal(attempt?.outcome, "retry");
    assert.equal(attempt?.statusCode, null);
    assert.ok(attempt?.error !== null);
  });
});
