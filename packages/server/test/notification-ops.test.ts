import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { ALL_SCOPES, OPERATOR_SCOPE } from "../src/auth/scopes.ts";
import { recover } from "../src/service/recovery.ts";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const QOD = "/quality-on-demand/v1";
const API = "/notifications/v1";
/** The retry schedule's second step: sessions (an hour long) are still AVAILABLE after it. */
const RETRY = 60_000;

interface NotificationJson {
  id: string;
  state: string;
  nextAttemptAt?: string;
  lastError?: string;
  attempts: Array<{ outcome: string; statusCode?: number; responseExcerpt?: string; probe?: true }>;
}

interface SinkJson {
  origin: string;
  state: string;
  pausedBy?: string;
  consecutiveFailures: number;
  lastSuccessAt?: string;
  recentAttempts: number;
  recentSuccessRate?: number;
  backlog: number;
}

describe("notifications API: operators, filters, states, recovery and sinks (manual clock)", () => {
  let h: Harness;
  let receiver: TestReceiver;
  let phone = 36_721_700_000;
  let operator: string;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    // Two attempts in all (at once, then after a minute): a failing receiver fails the event quickly.
    h = await createHarness({ OPENQOD_RETRY_SCHEDULE: "0,1m" });
    operator = (
      await h.openqod.apiKeys.create("ops", h.clock.now(), { scopes: [...ALL_SCOPES, OPERATOR_SCOPE] })
    ).key;
  });
  afterEach(() => h.close());

  async function create(key?: string, overrides: Record<string, unknown> = {}) {
    const res = await h.request(
      "POST",
      `${QOD}/sessions`,
      sessionBody({
        device: { phoneNumber: `+${++phone}` },
        sink: receiver.url,
        sinkCredential: bearer("secret-sink-token"),
        ...overrides,
      }),
      key === undefined ? {} : { key },
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string };
  }

  async function notificationsOf(sessionId: string, key?: string): Promise<NotificationJson[]> {
    const res = await h.request("GET", `${API}/sessions/${sessionId}/notifications`, undefined, {
      ...(key === undefined ? {} : { key }),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.doesNotMatch(res.body, /secret-sink-token/, "the sink's token is never shown");
    return (res.json() as { notifications: NotificationJson[] }).notifications;
  }

  const ids = (body: { sessions: Array<{ sessionId: string }> }) => body.sessions.map((s) => s.sessionId);

  /** Sessions whose first notification failed both attempts (the receiver answering 500). */
  async function failedSessions(count: number, key?: string): Promise<string[]> {
    receiver.respond = () => ({ status: 500 });
    const made: string[] = [];
    for (let i = 0; i < count; i++) made.push((await create(key)).sessionId);
    await h.tick();
    h.clock.advance(RETRY);
    await h.tick();
    for (const id of made) assert.equal((await notificationsOf(id, key))[0]?.state, "failed");
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    return made;
  }

  describe("the operator role", () => {
    test("an operator lists every client's sessions, or one client's; a client only its own, and 403 for another's", async () => {
      const aliceKey = await h.newClient("alice");
      const bob = await h.openqod.apiKeys.create("bob", h.clock.now());
      const a = await create(aliceKey);
      const b = await create(bob.key);

      const all = await h.request("GET", `${API}/sessions`, undefined, { key: operator });
      assert.equal(all.statusCode, 200, all.body);
      assert.deepEqual(ids(all.json()).sort(), [a.sessionId, b.sessionId].sort());

      const onlyBob = await h.request("GET", `${API}/sessions?clientId=${bob.clientId}`, undefined, {
        key: operator,
      });
      assert.deepEqual(ids(onlyBob.json()), [b.sessionId]);

      const mine = await h.request("GET", `${API}/sessions`, undefined, { key: aliceKey });
      assert.deepEqual(ids(mine.json()), [a.sessionId]);
      const ownId = await h.request("GET", `${API}/sessions?clientId=${bob.clientId}`, undefined, {
        key: bob.key,
      });
      assert.deepEqual(ids(ownId.json()), [b.sessionId], "a client may name itself");

      const theirs = await h.request("GET", `${API}/sessions?clientId=${bob.clientId}`, undefined, {
        key: aliceKey,
      });
      assert.equal(theirs.statusCode, 403);
      assert.deepEqual(theirs.json(), {
        status: 403,
        code: "PERMISSION_DENIED",
        message: "Only an operator may list another API client's sessions.",
      });
    });

    test("an operator reads and redelivers another client's notifications; another client gets 403", async () => {
      const aliceKey = await h.newClient("alice");
      const bobKey = await h.newClient("bob");
      const session = await create(aliceKey);
      await h.tick();
      const [n] = await notificationsOf(session.sessionId, operator);
      assert.equal(n?.state, "delivered");

      const denied = await h.request("GET", `${API}/sessions/${session.sessionId}/notifications`, undefined, {
        key: bobKey,
      });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, "PERMISSION_DENIED");

      const again = await h.request("POST", `${API}/notifications/${n?.id}/redeliver`, undefined, {
        key: operator,
      });
      assert.equal(again.statusCode, 202, again.body);
      await h.tick();
      assert.deepEqual(
        receiver.events.map((e) => e.id),
        [n?.id, n?.id],
      );
    });
  });

  describe("GET /sessions filters", () => {
    test("by device, by creation time, and both with status", async () => {
      const first = await create(undefined, { device: { phoneNumber: "+3672170000001" } });
      h.clock.advance(60_000);
      const middle = new Date(h.clock.now()).toISOString();
      const v4 = await create(undefined, {
        device: { ipv4Address: { publicAddress: "203.0.113.7", privateAddress: "10.0.0.1" } },
      });
      const v6 = await create(undefined, { device: { ipv6Address: "2001:db8::1" } });
      h.clock.advance(60_000);
      const last = await create();

      const get = async (query: string) => {
        const res = await h.request("GET", `${API}/sessions?${query}`);
        assert.equal(res.statusCode, 200, res.body);
        return ids(res.json());
      };
      assert.deepEqual(await get("phoneNumber=%2B3672170000001"), [first.sessionId]);
      assert.deepEqual(await get("ipv4Address=203.0.113.7"), [v4.sessionId], "any private address or port");
      assert.deepEqual(await get("ipv4Address=203.0.113.8"), []);
      assert.deepEqual(await get("ipv6Address=2001:0db8:0:0:0:0:0:1"), [v6.sessionId], "any spelling");
      assert.deepEqual(
        await get(`createdAfter=${middle}`),
        [v4.sessionId, v6.sessionId, last.sessionId].sort(),
      );
      assert.deepEqual(await get(`createdBefore=${middle}`), [first.sessionId]);
      const end = new Date(h.clock.now()).toISOString();
      assert.deepEqual(
        await get(`createdAfter=${middle}&createdBefore=${end}&status=AVAILABLE`),
        [v4.sessionId, v6.sessionId].sort(),
      );
    });

    for (const [query, message] of [
      [
        "createdAfter=yesterday",
        'createdAfter must be an RFC 3339 date-time such as 2026-06-01T12:00:00Z; got "yesterday".',
      ],
      [
        "createdBefore=2026-06-01",
        'createdBefore must be an RFC 3339 date-time such as 2026-06-01T12:00:00Z; got "2026-06-01".',
      ],
      [
        "phoneNumber=123",
        'phoneNumber must be in E.164 form with a leading +, such as +123456789; got "123".',
      ],
      ["ipv4Address=2001:db8::1", 'ipv4Address must be an IPv4 address (the public one); got "2001:db8::1".'],
      ["ipv6Address=1.2.3.4", 'ipv6Address must be an IPv6 address; got "1.2.3.4".'],
      [
        "ipv6Address=2001:db8::1&ipv4Address=1.2.3.4",
        "Filter by one device identifier at a time; got ipv4Address and ipv6Address.",
      ],
    ] as const) {
      test(`?${query} is 400 INVALID_ARGUMENT`, async () => {
        const res = await h.request("GET", `${API}/sessions?${query}`);
        assert.equal(res.statusCode, 400);
        assert.deepEqual(res.json(), { status: 400, code: "INVALID_ARGUMENT", message });
      });
    }
  });

  describe("notification states and attempts", () => {
    test("an attempt shows the start of the answer, at most 512 bytes, the credential sent blanked", async () => {
      // An httpbin-style receiver that echoes the request's Authorization header back.
      receiver.respond = (r) => ({
        status: 500,
        body: `you sent ${r.headers.authorization} ${"x".repeat(2_000)}`,
      });
      const session = await create();
      await h.tick();
      const [n] = await notificationsOf(session.sessionId);
      const excerpt = n?.attempts[0]?.responseExcerpt ?? "";
      assert.ok(excerpt.startsWith("you sent [redacted] xxx"), excerpt);
      assert.equal(
        Buffer.byteLength(excerpt, "utf8"),
        512,
        "the credential blanked, then the first 512 bytes of that",
      );
      assert.equal(n?.attempts[0]?.probe, undefined, "not a probe");
      assert.equal(n?.lastError, "sink answered HTTP 500");
    });

    test("an attempt recorded as a paused sink's probe says so; others do not", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create();
      await h.tick();
      const [n] = await notificationsOf(session.sessionId);
      // The breaker's probe is recorded by the dispatcher (helper A's side); here the row as it writes it.
      await h.openqod.store.db
        .insertInto("delivery_attempts")
        .values({
          event_id: n?.id ?? "",
          attempted_at: h.clock.now(),
          duration_ms: 3,
          status_code: 503,
          outcome: "retry",
          error: "sink answered HTTP 503",
          sink_origin: new URL(receiver.url).origin,
          response_excerpt: null,
          probe: 1,
        })
        .execute();
      const [after] = await notificationsOf(session.sessionId);
      assert.deepEqual(
        after?.attempts.map((a) => [a.statusCode, a.probe]),
        [
          [500, undefined],
          [503, true],
        ],
      );
    });

    test("a notification whose access token expired before delivery is expired, and says why", async () => {
      receiver.respond = () => ({ status: 500 });
      const expires = new Date(h.clock.now() + RETRY / 2).toISOString();
      const session = await create(undefined, { sinkCredential: bearer("secret-sink-token", expires) });
      await h.tick();
      h.clock.advance(RETRY);
      await h.tick();
      const [n] = await notificationsOf(session.sessionId);
      assert.equal(n?.state, "expired");
      assert.equal(n?.lastError, "access token expired before delivery");
      assert.equal(n?.nextAttemptAt, undefined);
      assert.equal(n?.attempts.length, 1, "nothing more was sent");
    });

    test("a pending notification of a paused sink is paused, and pending again once resumed", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create();
      await h.tick();
      const origin = new URL(receiver.url).origin;
      const paused = await h.request("POST", `${API}/sinks/pause`, { origin }, { key: operator });
      assert.equal(paused.statusCode, 200, paused.body);
      const [n] = await notificationsOf(session.sessionId);
      assert.equal(n?.state, "paused");
      assert.equal(n?.nextAttemptAt, new Date(h.clock.now() + RETRY).toISOString(), "it keeps its place");

      const resumed = await h.request("POST", `${API}/sinks/resume`, { origin }, { key: operator });
      assert.equal(resumed.statusCode, 200, resumed.body);
      const [after] = await notificationsOf(session.sessionId);
      assert.equal(after?.state, "pending");
      assert.equal(after?.nextAttemptAt, new Date(h.clock.now()).toISOString(), "its backlog is due now");
    });
  });

  describe("POST /recover", () => {
    test("after an outage, each failed notification is delivered once, and a second call sends none again", async () => {
      const since = new Date(h.clock.now()).toISOString();
      const sessions = await failedSessions(3);
      const origin = new URL(receiver.url).origin;
      assert.equal((await h.openqod.store.sink(origin))?.pausedBy, "breaker", "six failures in a row");

      const first = await h.request("POST", `${API}/recover`, { sink: receiver.url, since });
      assert.equal(first.statusCode, 202, first.body);
      assert.deepEqual(first.json(), { recovered: 3, alreadyPending: 0, skipped: 0, more: false });
      const twice = await h.request("POST", `${API}/recover`, { sink: receiver.url, since });
      assert.deepEqual(
        twice.json(),
        { recovered: 0, alreadyPending: 3, skipped: 0, more: false },
        "called again before they went: still one each, due now",
      );

      // Recovering probes the paused sink now, not after its backoff: the probe resumes it, the rest follow.
      await h.tick();
      const sent = receiver.events.map((e) => e.data.sessionId).sort();
      assert.deepEqual(sent, [...sessions].sort(), "each once");
      assert.equal((await h.openqod.store.sink(origin))?.pausedBy, null);
      const third = await h.request("POST", `${API}/recover`, { sink: receiver.url, since });
      assert.deepEqual(third.json(), { recovered: 0, alreadyPending: 0, skipped: 0, more: false });
      h.clock.advance(10 * RETRY);
      await h.tick();
      assert.equal(receiver.requests.length, 3, "delivered ones are never sent again by recover");
      for (const id of sessions) {
        const [n] = await notificationsOf(id);
        assert.equal(n?.state, "delivered");
        assert.equal(n?.attempts.length, 3);
      }
      assert.ok(
        receiver.requests.every((r) => r.headers.authorization === "Bearer secret-sink-token"),
        "sent with the credential settling had removed",
      );
    });

    test("redelivering a notification of a breaker-paused sink probes it now, and the sink resumes", async () => {
      const [sessionId] = await failedSessions(3);
      const origin = new URL(receiver.url).origin;
      const paused = await h.openqod.store.sink(origin);
      assert.equal(paused?.pausedBy, "breaker");
      assert.ok((paused?.probeAt ?? 0) > h.clock.now(), "its probe is some seconds away");
      const [n] = await notificationsOf(sessionId ?? "");
      const res = await h.request("POST", `${API}/notifications/${n?.id}/redeliver`);
      assert.equal(res.statusCode, 202, res.body);
      await h.tick();
      assert.deepEqual(
        receiver.events.map((e) => e.data.sessionId),
        [sessionId],
      );
      assert.equal((await h.openqod.store.sink(origin))?.pausedBy, null);
    });

    test("only the caller's notifications, within the window; an operator recovers everyone's by origin", async () => {
      const aliceKey = await h.newClient("alice");
      const bobKey = await h.newClient("bob");
      const since = new Date(h.clock.now()).toISOString();
      await failedSessions(1, aliceKey);
      const [bobs] = await failedSessions(1, bobKey);

      const alice = await h.request(
        "POST",
        `${API}/recover`,
        { sink: receiver.url, since },
        { key: aliceKey },
      );
      assert.deepEqual(alice.json(), { recovered: 1, alreadyPending: 0, skipped: 0, more: false });
      const later = {
        since: new Date(h.clock.now()).toISOString(),
        until: new Date(h.clock.now() + RETRY).toISOString(),
      };
      const none = await h.request(
        "POST",
        `${API}/recover`,
        { sink: receiver.url, ...later },
        { key: bobKey },
      );
      assert.deepEqual(
        none.json(),
        { recovered: 0, alreadyPending: 0, skipped: 0, more: false },
        "created before since",
      );
      const otherPath = await h.request(
        "POST",
        `${API}/recover`,
        { sink: `${new URL(receiver.url).origin}/elsewhere`, since },
        { key: bobKey },
      );
      assert.equal(otherPath.json().recovered, 0, "another sink URL of the origin");

      const origin = new URL(receiver.url).origin;
      const all = await h.request("POST", `${API}/recover`, { origin, since }, { key: operator });
      assert.deepEqual(all.json(), { recovered: 1, alreadyPending: 1, skipped: 0, more: false });
      await h.tick();
      assert.equal(receiver.requests.length, 2);
      assert.ok(receiver.events.some((e) => e.data.sessionId === bobs));
    });

    test("beyond one call's batch: following nextCursor recovers the rest, each once, even when all share one creation time", async () => {
      // No clock advance: all five are created in the same millisecond, more than a batch of them.
      const since = h.clock.now();
      receiver.respond = () => ({ status: 500 });
      for (let i = 0; i < 5; i++) await create();
      await h.tick();
      h.clock.advance(RETRY);
      await h.tick();
      receiver.requests.length = 0;
      receiver.respond = () => ({ status: 204 });

      // The batch of 1000 made small, on the real store: the same code path as the API's.
      const deps = { store: h.openqod.store, clock: h.clock, batch: 2 };
      const request = { sink: receiver.url, since };
      const pages = [];
      let page = await recover(deps, null, request);
      pages.push(page);
      for (let n = 0; page.more && n < 5; n++) {
        page = await recover(deps, null, { ...request, cursor: page.nextCursor ?? "" });
        pages.push(page);
      }
      assert.deepEqual(
        pages.map((p) => [p.recovered, p.more]),
        [
          [2, true],
          [2, true],
          [1, false],
        ],
      );
      assert.match(pages[0]?.nextCursor ?? "", /^[A-Za-z0-9_-]+$/, "opaque, base64url");
      assert.equal(page.nextCursor, undefined, "no cursor once there is no more");
      await h.tick();
      assert.equal(new Set(receiver.events.map((e) => e.id)).size, 5);
      assert.equal(receiver.requests.length, 5, "each once");
    });

    test("over HTTP: more and nextCursor, the cursor goes on; a cursor the API did not give is 400", async () => {
      const since = new Date(h.clock.now()).toISOString();
      await failedSessions(3);
      const origin = new URL(receiver.url).origin;
      const deps = { store: h.openqod.store, clock: h.clock, batch: 2 };
      const first = await recover(deps, null, { origin, since: Date.parse(since) });
      assert.equal(first.more, true);
      const next = await h.request(
        "POST",
        `${API}/recover`,
        { origin, since, cursor: first.nextCursor },
        { key: operator },
      );
      assert.equal(next.statusCode, 202, next.body);
      assert.deepEqual(next.json(), { recovered: 1, alreadyPending: 0, skipped: 0, more: false });
      for (const cursor of ["not a cursor", "eA", Buffer.from("12.x").toString("base64url"), ""]) {
        const res = await h.request("POST", `${API}/recover`, { origin, since, cursor }, { key: operator });
        assert.equal(res.statusCode, 400, `${cursor}: ${res.body}`);
        assert.deepEqual(res.json(), {
          status: 400,
          code: "INVALID_ARGUMENT",
          message: "cursor must be a nextCursor of an earlier recovery, unchanged.",
        });
      }
    });

    test("a notification whose access token has expired is skipped and not sent", async () => {
      const since = new Date(h.clock.now()).toISOString();
      receiver.respond = () => ({ status: 500 });
      await create(undefined, {
        sinkCredential: bearer("secret-sink-token", new Date(h.clock.now() + RETRY / 2).toISOString()),
      });
      await h.tick();
      h.clock.advance(RETRY);
      await h.tick();
      receiver.requests.length = 0;
      const res = await h.request("POST", `${API}/recover`, { sink: receiver.url, since });
      assert.deepEqual(res.json(), { recovered: 0, alreadyPending: 0, skipped: 1, more: false });
      await h.tick();
      assert.equal(receiver.requests.length, 0);
    });

    for (const [name, body, message] of [
      [
        "a window over 7 days",
        { sink: "http://127.0.0.1:1/n", since: "2026-05-01T00:00:00Z", until: "2026-05-08T00:00:01Z" },
        "The window from since to until is at most 7 days: recover a longer outage in several calls.",
      ],
      [
        "until before since",
        { sink: "http://127.0.0.1:1/n", since: "2026-05-02T00:00:00Z", until: "2026-05-01T00:00:00Z" },
        "until must be after since.",
      ],
      [
        "since over 7 days ago with until defaulting to now",
        { sink: "http://127.0.0.1:1/n", since: "2026-05-20T00:00:00Z" },
        "The window from since to until is at most 7 days: recover a longer outage in several calls.",
      ],
      [
        "neither sink nor origin",
        { since: "2026-06-01T00:00:00Z" },
        "Name exactly one of sink (a sink URL, as the notifications show it) and origin (scheme://host[:port]).",
      ],
      [
        "an origin with a path",
        { origin: "http://127.0.0.1:1/n", since: "2026-06-01T00:00:00Z" },
        'origin must be an http or https origin, scheme://host[:port] with no path, such as https://receiver.example:8443; got "http://127.0.0.1:1/n".',
      ],
      [
        "a sink that is no URL",
        { sink: "receiver", since: "2026-06-01T00:00:00Z" },
        'sink must be an http or https URL; got "receiver".',
      ],
    ] as const) {
      test(`${name} is 400 INVALID_ARGUMENT`, async () => {
        const res = await h.request("POST", `${API}/recover`, body);
        assert.equal(res.statusCode, 400);
        assert.deepEqual(res.json(), { status: 400, code: "INVALID_ARGUMENT", message });
      });
    }
  });

  describe("sinks", () => {
    test("a client sees the health of the origins its notifications go to, never another client's", async () => {
      const aliceKey = await h.newClient("alice");
      const bobKey = await h.newClient("bob");
      receiver.respond = () => ({ status: 500 });
      await create(aliceKey);
      await h.tick();
      await create(bobKey, { sink: "http://127.0.0.1:9/elsewhere" });

      const res = await h.request("GET", `${API}/sinks`, undefined, { key: aliceKey });
      assert.equal(res.statusCode, 200, res.body);
      const sinks = res.json().sinks as SinkJson[];
      assert.deepEqual(
        sinks.map((s) => s.origin),
        [new URL(receiver.url).origin],
      );
      assert.equal(sinks[0]?.state, "active");
      assert.equal(sinks[0]?.recentAttempts, 1);
      assert.equal(sinks[0]?.recentSuccessRate, 0);
      assert.equal(sinks[0]?.backlog, 1);
      assert.equal(sinks[0]?.consecutiveFailures, 1);
      assert.equal(sinks[0]?.lastSuccessAt, undefined);

      // One success: the rate, the last success and the failure count follow.
      receiver.respond = () => ({ status: 204 });
      h.clock.advance(RETRY);
      await h.tick();
      const healed = (await h.request("GET", `${API}/sinks`, undefined, { key: aliceKey })).json()
        .sinks as SinkJson[];
      assert.equal(healed[0]?.recentAttempts, 2);
      assert.equal(healed[0]?.recentSuccessRate, 0.5);
      assert.equal(healed[0]?.consecutiveFailures, 0);
      assert.equal(healed[0]?.lastSuccessAt, new Date(h.clock.now()).toISOString());
      assert.equal(healed[0]?.backlog, 0);

      const all = await h.request("GET", `${API}/sinks`, undefined, { key: operator });
      assert.deepEqual(
        (all.json().sinks as SinkJson[]).map((s) => s.origin).sort(),
        [new URL(receiver.url).origin, "http://127.0.0.1:9"].sort(),
      );
    });

    test("a token bound to one device does not see the client's sinks: 403 PERMISSION_DENIED", async () => {
      receiver.respond = () => ({ status: 500 });
      const clientId = (await h.openqod.store.getSession((await create()).sessionId))?.clientId ?? "";
      await h.tick();
      const own = await h.openqod.sessions.notifications.sinks({ clientId, device: null });
      assert.equal(own.length, 1, "the client's own credential sees its sink");
      const device = { key: "phoneNumber:+36721601234567", device: { phoneNumber: "+36721601234567" } };
      await assert.rejects(
        h.openqod.sessions.notifications.sinks({ clientId, device }),
        (error: { status?: number; code?: string; message?: string }) =>
          error.status === 403 &&
          error.code === "PERMISSION_DENIED" &&
          error.message ===
            "Sinks belong to the whole API client: use its own credential, not a token bound to a device.",
      );
    });

    test("pausing and resuming need the operator scope: 403 PERMISSION_DENIED otherwise", async () => {
      const origin = new URL(receiver.url).origin;
      for (const path of ["pause", "resume"]) {
        const res = await h.request("POST", `${API}/sinks/${path}`, { origin });
        assert.equal(res.statusCode, 403);
        assert.deepEqual(res.json(), {
          status: 403,
          code: "PERMISSION_DENIED",
          message: "This operation needs the scope openqod:operator, which the credential does not carry.",
        });
      }
      assert.equal((await h.openqod.store.sink(origin))?.pausedBy, undefined, "nothing paused");
    });

    test("resuming an origin that failed but was never paused changes nothing: 200 with its state, its retry kept", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create();
      await h.tick(); // one failed attempt: the origin has a record, active, its retry a minute out
      const origin = new URL(receiver.url).origin;
      const [before] = await notificationsOf(session.sessionId);
      assert.equal(before?.state, "pending");
      assert.ok(before?.nextAttemptAt !== undefined && Date.parse(before.nextAttemptAt) > h.clock.now());
      for (let i = 0; i < 2; i++) {
        const res = await h.request("POST", `${API}/sinks/resume`, { origin }, { key: operator });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().state, "active");
        assert.equal(res.json().consecutiveFailures, 1, "its failures are not forgotten");
      }
      const [after] = await notificationsOf(session.sessionId);
      assert.equal(after?.nextAttemptAt, before?.nextAttemptAt, "its next attempt is unchanged");
      await h.tick();
      assert.equal(receiver.requests.length, 1, "nothing sent ahead of its retry");
    });

    test("an operator pauses an origin, and resuming sends its backlog at once; resuming an unknown one is 404", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create();
      await h.tick();
      const origin = new URL(receiver.url).origin;
      const paused = await h.request(
        "POST",
        `${API}/sinks/pause`,
        { origin: `${origin}/` },
        { key: operator },
      );
      assert.equal(paused.statusCode, 200, paused.body);
      assert.equal(paused.json().state, "paused");
      assert.equal(paused.json().pausedBy, "operator");
      assert.equal(paused.json().backlog, 1);

      receiver.respond = () => ({ status: 204 });
      const resumed = await h.request("POST", `${API}/sinks/resume`, { origin }, { key: operator });
      assert.equal(resumed.statusCode, 200, resumed.body);
      assert.equal(resumed.json().state, "active");
      await h.tick();
      assert.equal(receiver.requests.length, 2, "sent at once, not an hour later");
      assert.equal((await notificationsOf(session.sessionId))[0]?.state, "delivered");

      const unknown = await h.request(
        "POST",
        `${API}/sinks/resume`,
        { origin: "https://never.example" },
        { key: operator },
      );
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(unknown.json(), {
        status: 404,
        code: "NOT_FOUND",
        message:
          "The sink https://never.example has never failed nor been paused: there is nothing to resume.",
      });
      const bad = await h.request(
        "POST",
        `${API}/sinks/pause`,
        { origin: "ftp://x.example" },
        { key: operator },
      );
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, "INVALID_ARGUMENT");
    });
  });
});
