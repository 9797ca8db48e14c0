import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { DEFAULT_BREAKER, probeDelayMs } from "../src/store/sink-breaker.ts";
import { TEST_ENGINE } from "./helpers/engine.ts";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const BASE = "/quality-on-demand/v1";
const HOUR = 3_600_000;

describe("the circuit breaker per sink origin", () => {
  let h: Harness;
  let receiver: TestReceiver;
  let origin: string;
  before(async () => {
    receiver = await TestReceiver.start();
    origin = `http://127.0.0.1:${receiver.port}`;
  });
  after(() => receiver.close());
  afterEach(() => h.close());

  async function start(env: Record<string, string> = {}) {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    // random() = 0.5 (the harness): no jitter, so retry and probe times are exact.
    h = await createHarness(env);
  }

  async function create(n: number, credential = bearer("tok")) {
    const res = await h.request(
      "POST",
      `${BASE}/sessions`,
      sessionBody({
        device: { phoneNumber: `+3672160123${4560 + n}` },
        sink: receiver.url,
        sinkCredential: credential,
      }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { sessionId: string }).sessionId;
  }

  /** Every attempt recorded, oldest first, with whether it was a probe. */
  async function attempts() {
    return h.openqod.store.db
      .selectFrom("delivery_attempts")
      .select(["event_id", "attempted_at", "probe", "status_code"])
      .orderBy("id")
      .execute();
  }

  async function metric(line: string): Promise<number | undefined> {
    const res = await h.request("GET", "/metrics");
    const found = res.body.split("\n").find((l) => l.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.split(" ").at(-1));
  }

  test("a receiver down for hours is paused, probed on the backoff only, and gets every notification in order the moment a probe gets through", async () => {
    // The default threshold and probe times; retries 5 s then 5 h apart, so the backlog is not yet due
    // by its own schedule when the receiver comes back.
    await start({ OPENQOD_RETRY_SCHEDULE: "0,5s,5h,5h" });
    receiver.respond = () => ({ status: 500 });
    const sessions: string[] = [];
    for (let i = 0; i < 4; i++) sessions.push(await create(i));
    for (const id of sessions) {
      assert.equal((await h.request("DELETE", `${BASE}/sessions/${id}`)).statusCode, 204);
    }
    await h.tick();
    h.clock.advance(5_000);
    await h.tick();
    // 4 first attempts and 4 retries: the 5th failure in a row paused the origin.
    assert.equal(receiver.requests.length, 8);
    const paused = await h.openqod.store.sink(origin);
    assert.equal(paused?.pausedBy, "breaker");
    assert.equal(paused?.consecutiveFailures, 8);
    const pausedAt = h.clock.now();
    assert.equal(paused?.probeAt, pausedAt + 5_000);

    // The first probes, each alone, 5 s after the pause, then 10, 20, 40 and 60 s (the cap) apart.
    const probeTimes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const next = (await h.openqod.store.sink(origin))?.probeAt;
      assert.ok(next !== undefined && next !== null);
      h.clock.set(next - 1);
      await h.tick();
      assert.equal(receiver.requests.length, 8 + i, "nothing goes out before the probe's time");
      h.clock.set(next);
      await h.tick();
      assert.equal(receiver.requests.length, 9 + i, "one probe, alone");
      probeTimes.push(next);
    }
    assert.deepEqual(
      probeTimes.map((t, i) => t - (probeTimes[i - 1] ?? pausedAt)),
      [5_000, 10_000, 20_000, 40_000, 60_000, 60_000],
    );
    // Two hours more, a tick every minute: one probe a minute and nothing else.
    for (let i = 0; i < 120; i++) {
      h.clock.advance(60_000);
      await h.tick();
    }
    assert.equal(receiver.requests.length, 14 + 120);
    const afterPause = (await attempts()).slice(8);
    assert.equal(afterPause.length, 126);
    assert.ok(afterPause.every((a) => Number(a.probe) === 1));
    assert.equal(
      new Set(afterPause.map((a) => Number(a.attempted_at))).size,
      126,
      "never two probes at once",
    );
    // A failed probe uses up nothing of its event's retry schedule.
    for (const id of sessions) {
      assert.deepEqual(
        (await h.openqod.store.outboxOfSession(id)).map((e) => [e.state, e.attempts]),
        [
          ["pending", 2],
          ["pending", 0],
        ],
      );
    }

    receiver.respond = () => ({ status: 204 });
    receiver.requests.length = 0;
    const back = (await h.openqod.store.sink(origin))?.probeAt ?? 0;
    h.clock.set(back);
    await h.tick();
    // The probe got through and the backlog drained in the same tick: no event waited for its schedule.
    assert.equal(receiver.requests.length, 8);
    for (const id of sessions) {
      const received = receiver.events.filter((e) => e.data.sessionId === id).map((e) => e.data.qosStatus);
      assert.deepEqual(received, ["AVAILABLE", "UNAVAILABLE"]);
      assert.deepEqual(
        (await h.openqod.store.outboxOfSession(id)).map((e) => e.state),
        ["delivered", "delivered"],
      );
    }
    const resumed = await h.openqod.store.sink(origin);
    assert.equal(resumed?.pausedBy, null);
    assert.equal(resumed?.consecutiveFailures, 0);
    assert.equal(await metric('openqod_sink_breaker_transitions_total{to="paused",by="breaker"}'), 1);
    assert.equal(await metric('openqod_sink_breaker_transitions_total{to="resumed",by="probe"}'), 1);
    assert.equal(await metric(`openqod_sink_attempts_total{origin="${origin}",outcome="probe_retry"}`), 126);
    assert.equal(await metric(`openqod_sink_attempts_total{origin="${origin}",outcome="delivered"}`), 7);
  });

  test("an operator's pause stops every attempt, probes too, and a resume sends the backlog at once", async () => {
    await start({ OPENQOD_RETRY_SCHEDULE: "0,3h" });
    receiver.respond = () => ({ status: 500 });
    const first = await create(0);
    await h.tick();
    assert.equal(receiver.requests.length, 1);
    await h.openqod.store.pauseSink(origin, h.clock.now());
    receiver.respond = () => ({ status: 204 });
    h.clock.advance(30 * 60_000);
    // Due at once, but its sink is paused.
    const second = await create(1);
    assert.equal(await metric('openqod_notifications_backlog{state="paused"}'), 2);
    assert.equal(await metric('openqod_sinks_paused{by="operator"}'), 1);
    for (let i = 0; i < 90; i++) {
      h.clock.advance(60_000);
      await h.tick();
    }
    assert.equal(receiver.requests.length, 1, "no attempt and no probe while an operator holds it");
    // The first event's retry is due 3 h after its first attempt, an hour from now: it does not wait.
    assert.ok(((await h.openqod.store.outboxOfSession(first))[0]?.nextAttemptAt ?? 0) > h.clock.now());
    await h.openqod.store.resumeSink(origin, h.clock.now());
    await h.tick();
    // Both AVAILABLE, and the UNAVAILABLE each session's end queued meanwhile (they last an hour).
    assert.equal(receiver.requests.length, 5);
    for (const id of [first, second]) {
      assert.deepEqual(
        (await h.openqod.store.outboxOfSession(id)).map((e) => e.state),
        ["delivered", "delivered"],
      );
    }
    assert.equal(await metric('openqod_sink_breaker_transitions_total{to="paused",by="operator"}'), 1);
    assert.equal(await metric('openqod_sink_breaker_transitions_total{to="resumed",by="operator"}'), 1);
    assert.equal(await metric('openqod_notifications_backlog{state="paused"}'), 0);
  });

  test("a breaker-paused sink paused again by an operator is no longer probed", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "1" });
    receiver.respond = () => ({ status: 500 });
    await create(0);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker");
    await h.openqod.store.pauseSink(origin, h.clock.now());
    for (let i = 0; i < 10; i++) {
      h.clock.advance(60_000);
      await h.tick();
    }
    assert.equal(receiver.requests.length, 1);
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "operator");
  });

  test("while paused, an event whose token expires and one older than the retry horizon expire without an attempt", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "1" });
    receiver.respond = () => ({ status: 500 });
    const expiring = await create(0, bearer("short", new Date(h.clock.now() + HOUR).toISOString()));
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker");
    const createdAt = h.clock.now();
    const lasting = await create(1);
    // The operator holds it: no probe settles anything, only the sweep does.
    await h.openqod.store.pauseSink(origin, h.clock.now());
    h.clock.advance(HOUR);
    await h.tick();
    const [gone] = await h.openqod.store.outboxOfSession(expiring);
    assert.equal(gone?.state, "expired");
    assert.equal(gone?.lastError, "access token expired while the sink was paused");
    assert.equal(gone?.attempts, 1, "no attempt beyond the one that paused it");
    assert.equal(gone?.credentialRemoved, true);
    assert.equal((await h.openqod.store.outboxOfSession(lasting))[0]?.state, "pending");
    // The default schedule spans 27 h 35 min 5 s (99 305 s); an event kept longer than that expires.
    h.clock.set(createdAt + 99_305_000 - 1_000);
    await h.tick();
    assert.equal((await h.openqod.store.outboxOfSession(lasting))[0]?.state, "pending");
    // Past the sweep's interval (the probe interval, 5 s) too.
    h.clock.advance(6_000);
    await h.tick();
    const [old] = await h.openqod.store.outboxOfSession(lasting);
    assert.equal(old?.state, "expired");
    assert.equal(old?.lastError, "older than the retry horizon while the sink was paused");
    assert.equal(old?.attempts, 0);
    assert.equal(receiver.requests.length, 1);
  });

  test("a success starts the count again: N-1 failures, a success and N-1 failures do not pause", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "3" });
    receiver.respond = () => ({ status: 500 });
    await create(0);
    await h.tick();
    h.clock.advance(5_000);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.consecutiveFailures, 2);
    receiver.respond = () => ({ status: 204 });
    h.clock.advance(300_000);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.consecutiveFailures, 0);
    receiver.respond = () => ({ status: 500 });
    await create(1);
    await h.tick();
    h.clock.advance(5_000);
    await h.tick();
    const sink = await h.openqod.store.sink(origin);
    assert.equal(sink?.consecutiveFailures, 2);
    assert.equal(sink?.pausedBy, null);
    // The third in a row does.
    h.clock.advance(300_000);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker");
  });

  test("with the threshold 0 the breaker never pauses: the whole retry schedule is attempted", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "0", OPENQOD_RETRY_SCHEDULE: "0,1s,1s,1s,1s,1s,1s,1s" });
    receiver.respond = () => ({ status: 500 });
    const id = await create(0);
    await h.tick();
    for (let i = 0; i < 7; i++) {
      h.clock.advance(1_000);
      await h.tick();
    }
    assert.equal(receiver.requests.length, 8);
    assert.equal((await h.openqod.store.outboxOfSession(id))[0]?.state, "failed");
    const sink = await h.openqod.store.sink(origin);
    assert.equal(sink?.consecutiveFailures, 8);
    assert.equal(sink?.pausedBy, null);
  });

  test("a 410 on a probe settles the sink's events as gone and resumes it", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "1" });
    receiver.respond = () => ({ status: 500 });
    const id = await create(0);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker");
    receiver.respond = () => ({ status: 410 });
    h.clock.advance(5_000);
    await h.tick();
    assert.equal(receiver.requests.length, 2);
    assert.equal((await h.openqod.store.outboxOfSession(id))[0]?.state, "gone");
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, null);
  });
  test("recovering a breaker-paused sink's notifications past the retry horizon delivers them all: they do not expire again at once", async () => {
    // A horizon of one minute: the outage outlasts it, so every notification has expired while paused.
    await start({ OPENQOD_RETRY_SCHEDULE: "0,1m" });
    receiver.respond = () => ({ status: 500 });
    const since = new Date(h.clock.now()).toISOString();
    for (let n = 0; n < 6; n++) await create(n);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker");
    for (let i = 0; i < 5; i++) {
      h.clock.advance(61_000);
      await h.tick();
    }
    const states = async () =>
      (await h.openqod.store.db.selectFrom("outbox").select("state").execute()).map((r) => r.state);
    assert.deepEqual(await states(), Array(6).fill("expired"));
    receiver.respond = () => ({ status: 204 });
    receiver.requests.length = 0;
    // Past the sweep's interval: the sweep runs before the claim that follows the recovery.
    h.clock.advance(6_000);
    const res = await h.request("POST", "/notifications/v1/recover", { origin, since });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.json().recovered, 6);
    await h.tick();
    assert.equal(receiver.requests.length, 6, "the probe goes at once, resumes the sink, the rest follow");
    assert.deepEqual(await states(), Array(6).fill("delivered"));
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, null);
  });

  test("an idle server with no paused sink commits nothing as it sweeps, so no dispatcher is woken", async () => {
    await start();
    await create(0);
    await h.tick();
    let changes = 0;
    h.openqod.store.onCommit((info) => {
      if (info.outboxChanged) changes++;
    });
    for (let i = 0; i < 3; i++) {
      h.clock.advance(6_000);
      await h.tick();
    }
    assert.equal(changes, 0);
  });

  test("a probe whose token has expired is settled unsent and the sink is probed again at once with the next event", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "1" });
    receiver.respond = () => ({ status: 500 });
    const short = await create(0, bearer("short", new Date(h.clock.now() + 2_000).toISOString()));
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker");
    const next = await create(1);
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    // The probe time: the first event (its token now expired) is the probe and cannot be sent.
    h.clock.advance(5_000);
    await h.tick();
    assert.equal((await h.openqod.store.outboxOfSession(short))[0]?.state, "expired");
    // Not a lease (30 s) later: the next event probes at once, and the sink resumes.
    assert.deepEqual(
      receiver.events.map((e) => e.data.sessionId),
      [next],
    );
    assert.equal((await h.openqod.store.sink(origin))?.pausedBy, null);
  });

  test("a failure on OpenQoD's side (its signing secrets unreadable) is retried but never counts against the sink", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "1" });
    const rotated = await h.request("POST", "/notifications/v1/webhook-secrets/rotate");
    assert.equal(rotated.statusCode, 200, rotated.body);
    const store = h.openqod.store;
    const read = store.webhookSecrets.bind(store);
    store.webhookSecrets = async () => {
      throw new Error("database unavailable");
    };
    const id = await create(0);
    await h.tick();
    const [attempt] = await store.attemptsOfSession(id);
    assert.equal(attempt?.outcome, "retry");
    assert.equal(receiver.requests.length, 0, "nothing left unsigned");
    const sink = await store.sink(origin);
    assert.equal(sink?.pausedBy ?? null, null, "one failure would pause it, had it been the sink's");
    assert.equal(sink?.consecutiveFailures ?? 0, 0);
    store.webhookSecrets = read;
    h.clock.advance(5_000);
    await h.tick();
    assert.equal(receiver.requests.length, 1);
  });

  test("on PostgreSQL a success waits for a failure that holds its sink's row, and still starts the count again", {
    skip: TEST_ENGINE === "postgres" ? false : "row locks are PostgreSQL's (SQLite has one writer)",
  }, async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "3" });
    receiver.respond = () => ({ status: 500 });
    await create(0);
    await h.tick();
    assert.equal((await h.openqod.store.sink(origin))?.consecutiveFailures, 1);
    receiver.respond = () => ({ status: 204 });
    h.clock.advance(5_000);
    let delivered: Promise<void> | undefined;
    // Another transaction (a failure being recorded elsewhere) holds the origin's row meanwhile.
    await h.openqod.store.db.transaction().execute(async (trx) => {
      await trx.selectFrom("sinks").select("origin").where("origin", "=", origin).forUpdate().execute();
      delivered = h.tick();
      await new Promise((r) => setTimeout(r, 300));
    });
    await delivered;
    assert.equal(receiver.requests.length, 2);
    assert.equal((await h.openqod.store.sink(origin))?.consecutiveFailures, 0);
  });

  test("a paused origin wakes the dispatcher only for its probe, and two claims at once take the probe once", async () => {
    await start({ OPENQOD_SINK_BREAKER_FAILURES: "1", OPENQOD_RETRY_SCHEDULE: "0,1s,1s" });
    receiver.respond = () => ({ status: 500 });
    await create(0);
    await h.tick();
    const probeAt = (await h.openqod.store.sink(origin))?.probeAt;
    assert.equal(probeAt, h.clock.now() + 5_000);
    // The probe's time, not the event's own retry 1 s from now.
    assert.equal(await h.openqod.store.nextDeliveryAt(), probeAt);
    h.clock.set(probeAt ?? 0);
    const store = h.openqod.store;
    const claims = await Promise.all([
      store.claimDeliveries(h.clock.now(), 10, 30_000),
      store.claimDeliveries(h.clock.now(), 10, 30_000),
    ]);
    const probes = claims.flat();
    assert.equal(probes.length, 1);
    assert.equal(probes[0]?.probe, true);
    // Moved a lease ahead while the probe is in flight.
    assert.equal((await store.sink(origin))?.probeAt, h.clock.now() + 30_000);
    assert.equal(await store.nextDeliveryAt(), h.clock.now() + 30_000);
    await store.pauseSink(origin, h.clock.now());
    assert.equal(await store.nextDeliveryAt(), null, "an operator's pause wakes nobody");
  });
});

describe("the probe backoff", () => {
  test("doubles from the interval to the cap, spread by at most a tenth either way", () => {
    const exact = [0, 1, 2, 3, 4, 5, 40].map((n) => probeDelayMs(DEFAULT_BREAKER, n, () => 0.5));
    assert.deepEqual(exact, [5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
    assert.equal(
      probeDelayMs(DEFAULT_BREAKER, 0, () => 0),
      4_500,
    );
    assert.equal(
      probeDelayMs(DEFAULT_BREAKER, 5, () => 1),
      66_000,
    );
  });
});
