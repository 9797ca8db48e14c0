import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const QOD = "/quality-on-demand/v1";
const API = "/notifications/v1";
const UNKNOWN_ID = "0190a0f0-0000-7000-8000-000000000000";

interface NotificationJson {
  id: string;
  sessionId: string;
  qosStatus: string;
  statusInfo?: string;
  state: string;
  sink: string;
  createdAt: string;
  nextAttemptAt?: string;
  attempts: Array<{
    attemptedAt: string;
    outcome: string;
    statusCode?: number;
    durationMs: number;
    error?: string;
  }>;
}

describe("notifications API /notifications/v1 (manual clock)", () => {
  let h: Harness;
  let receiver: TestReceiver;
  let phone = 36_721_600_000;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
    // Two attempts in all (at once, then after an hour): a failing receiver fails the event quickly.
    h = await createHarness({ OPENQOD_RETRY_SCHEDULE: "0,1h" });
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
    return res.json() as { sessionId: string; qosStatus: string };
  }

  async function notificationsOf(sessionId: string, key?: string): Promise<NotificationJson[]> {
    const res = await h.request(
      "GET",
      `${API}/sessions/${sessionId}/notifications`,
      undefined,
      key === undefined ? {} : { key },
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.doesNotMatch(res.body, /secret-sink-token/, "the sink's token is never shown");
    return (res.json() as { notifications: NotificationJson[] }).notifications;
  }

  describe("GET /sessions", () => {
    test("lists every session of the caller, of every device, oldest first, in pages that follow nextCursor", async () => {
      const key = await h.newClient("pager");
      const other = await h.newClient("other");
      const mine: string[] = [];
      for (let i = 0; i < 120; i++) {
        mine.push((await create(key, { sink: undefined, sinkCredential: undefined })).sessionId);
        h.clock.advance(1);
      }
      await create(other, { sink: undefined, sinkCredential: undefined });

      const first = await h.request("GET", `${API}/sessions`, undefined, { key });
      assert.equal(first.statusCode, 200);
      const page1 = first.json() as { sessions: Array<{ sessionId: string }>; nextCursor?: string };
      assert.equal(page1.sessions.length, 50, "50 by default");
      assert.equal(typeof page1.nextCursor, "string");

      const seen = page1.sessions.map((s) => s.sessionId);
      let cursor = page1.nextCursor;
      for (let pages = 0; cursor !== undefined; pages++) {
        assert.ok(pages < 10, "the walk ends");
        const res = await h.request("GET", `${API}/sessions?limit=100&cursor=${cursor}`, undefined, { key });
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json() as { sessions: Array<{ sessionId: string }>; nextCursor?: string };
        seen.push(...page.sessions.map((s) => s.sessionId));
        cursor = page.nextCursor;
      }
      // Ids are UUIDv7: ordered by creation to the millisecond, by their random part within one.
      assert.deepEqual(
        seen,
        [...mine].sort(),
        "each of the caller's sessions once, by id, none of another's",
      );
      const createdMs = (id: string) => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
      assert.ok(
        seen.every((id, i) => i === 0 || createdMs(id) >= createdMs(seen[i - 1] ?? "")),
        "oldest first",
      );

      const exact = await h.request(
        "GET",
        `${API}/sessions?limit=100&cursor=${page1.nextCursor}`,
        undefined,
        {
          key,
        },
      );
      assert.equal(exact.json().sessions.length, 70);
      assert.equal(exact.json().nextCursor, undefined, "no cursor on the last page");
    });

    test("filters by status and shows sessions as CAMARA SessionInfo without the credential", async () => {
      const key = await h.newClient("filter");
      const a = await create(key);
      const b = await create(key);
      await h.request("POST", `/sandbox/v1/sessions/${b.sessionId}/network-terminate`, undefined, { key });

      const available = await h.request("GET", `${API}/sessions?status=AVAILABLE`, undefined, { key });
      assert.deepEqual(
        available.json().sessions.map((s: { sessionId: string }) => s.sessionId),
        [a.sessionId],
      );
      const ended = await h.request("GET", `${API}/sessions?status=UNAVAILABLE`, undefined, { key });
      const [session] = ended.json().sessions;
      assert.equal(session.sessionId, b.sessionId);
      assert.equal(session.statusInfo, "NETWORK_TERMINATED");
      assert.equal(session.sink, receiver.url);
      assert.equal(session.sinkCredential, undefined);
      assert.doesNotMatch(ended.body, /secret-sink-token/);
    });

    test("another client never sees the caller's sessions; no key is a 401", async () => {
      await create();
      const key = await h.newClient("stranger");
      const res = await h.request("GET", `${API}/sessions`, undefined, { key });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { sessions: [] });
      const anonymous = await h.request("GET", `${API}/sessions`, undefined, { key: null });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().code, "UNAUTHENTICATED");
    });

    for (const [query, message] of [
      ["status=ENDED", 'status must be one of REQUESTED, AVAILABLE, UNAVAILABLE; got "ENDED".'],
      ["limit=0", 'limit must be a whole number from 1 to 100; got "0".'],
      ["limit=101", 'limit must be a whole number from 1 to 100; got "101".'],
      ["limit=ten", 'limit must be a whole number from 1 to 100; got "ten".'],
      [
        "cursor=bm90LWFuLWlk",
        "cursor is not one this API returned: pass the nextCursor of the previous page, or leave it out to start again.",
      ],
    ] as const) {
      test(`?${query} is 400 INVALID_ARGUMENT naming the parameter`, async () => {
        const res = await h.request("GET", `${API}/sessions?${query}`);
        assert.equal(res.statusCode, 400);
        assert.deepEqual(res.json(), { status: 400, code: "INVALID_ARGUMENT", message });
      });
    }
  });

  describe("GET /sessions/{id}/notifications", () => {
    test("a failing receiver: the notification is pending, then failed, with every attempt listed", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create(undefined, { sink: `${receiver.url}?tenant=acme` });
      await h.tick();

      const [pending] = await notificationsOf(session.sessionId);
      assert.ok(pending);
      assert.equal(pending.id, receiver.events[0]?.id, "the CloudEvent id");
      assert.equal(pending.sessionId, session.sessionId);
      assert.equal(pending.qosStatus, "AVAILABLE");
      assert.equal(pending.statusInfo, undefined);
      assert.equal(pending.state, "pending");
      assert.equal(pending.sink, receiver.url, "no query string");
      assert.equal(pending.createdAt, new Date(h.clock.now()).toISOString());
      assert.equal(pending.nextAttemptAt, new Date(h.clock.now() + 3_600_000).toISOString());
      assert.equal(pending.attempts.length, 1);
      assert.equal(pending.attempts[0]?.outcome, "retry");
      assert.equal(pending.attempts[0]?.statusCode, 500);
      assert.equal(pending.attempts[0]?.error, "sink answered HTTP 500");
      assert.equal(pending.attempts[0]?.attemptedAt, new Date(h.clock.now()).toISOString());
      assert.equal(typeof pending.attempts[0]?.durationMs, "number");

      h.clock.advance(3_600_000);
      await h.tick();
      const [failed] = await notificationsOf(session.sessionId);
      assert.equal(failed?.state, "failed");
      assert.equal(failed?.nextAttemptAt, undefined);
      assert.deepEqual(
        failed?.attempts.map((a) => [a.outcome, a.statusCode]),
        [
          ["retry", 500],
          ["failed", 500],
        ],
      );
    });

    test("a receiver that does not answer: the attempt has an error and no status code", async () => {
      const session = await create(undefined, { sink: "http://127.0.0.1:1/down" });
      await h.tick();
      const [n] = await notificationsOf(session.sessionId);
      assert.equal(n?.attempts[0]?.statusCode, undefined);
      assert.match(n?.attempts[0]?.error ?? "", /ECONNREFUSED/);
    });

    test("still answered after the session is removed, to its owner only", async () => {
      const key = await h.newClient("keeper");
      const session = await create(key, { duration: 60 });
      await h.tick();
      h.clock.advance(60_000);
      await h.tick();
      h.clock.advance(360_000);
      await h.tick();
      assert.equal(
        (await h.request("GET", `${QOD}/sessions/${session.sessionId}`, undefined, { key })).statusCode,
        404,
      );
      const kept = await notificationsOf(session.sessionId, key);
      assert.deepEqual(
        kept.map((n) => [n.qosStatus, n.statusInfo, n.state]),
        [
          ["AVAILABLE", undefined, "delivered"],
          ["UNAVAILABLE", "DURATION_EXPIRED", "delivered"],
        ],
      );
      const other = await h.request("GET", `${API}/sessions/${session.sessionId}/notifications`);
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().code, "PERMISSION_DENIED");
    });

    test("a session without a sink has no notifications; another client's is 403, an unknown one 404, a bad id 400", async () => {
      const session = await create(undefined, { sink: undefined, sinkCredential: undefined });
      assert.deepEqual(await notificationsOf(session.sessionId), []);
      const key = await h.newClient("intruder");
      const forbidden = await h.request(
        "GET",
        `${API}/sessions/${session.sessionId}/notifications`,
        undefined,
        {
          key,
        },
      );
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().code, "PERMISSION_DENIED");
      const unknown = await h.request("GET", `${API}/sessions/${UNKNOWN_ID}/notifications`);
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, "NOT_FOUND");
      const bad = await h.request("GET", `${API}/sessions/not-a-uuid/notifications`);
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json(), {
        status: 400,
        code: "INVALID_ARGUMENT",
        message: "sessionId must be a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
      });
    });
  });

  describe("POST /notifications/{id}/redeliver", () => {
    test("a failed notification is sent at once, same id, once the receiver is healthy; the attempt is recorded", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create(undefined, { duration: 7200 });
      await h.tick();
      h.clock.advance(3_600_000);
      await h.tick();
      const [failed] = await notificationsOf(session.sessionId);
      assert.equal(failed?.state, "failed");
      assert.equal(receiver.requests.length, 2);

      receiver.respond = () => ({ status: 204 });
      // The dispatcher runs on its own now: nothing but the redelivery's commit may wake it.
      h.openqod.startWorkers();
      const res = await h.request("POST", `${API}/notifications/${failed?.id}/redeliver`);
      assert.equal(res.statusCode, 202, res.body);
      const queued = res.json() as NotificationJson;
      assert.equal(queued.id, failed?.id);
      assert.equal(queued.state, "pending");
      assert.equal(queued.nextAttemptAt, new Date(h.clock.now()).toISOString());
      assert.equal(queued.attempts.length, 2, "the history stays");

      await receiver.waitFor(3, 5_000);
      assert.equal(receiver.events[2]?.id, failed?.id, "the same CloudEvent id");
      assert.equal(receiver.requests[2]?.headers.authorization, "Bearer secret-sink-token");
      const deadline = Date.now() + 5_000;
      let after = await notificationsOf(session.sessionId);
      while (after[0]?.state !== "delivered" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        after = await notificationsOf(session.sessionId);
      }
      assert.equal(after[0]?.state, "delivered");
      assert.deepEqual(
        after[0]?.attempts.map((a) => a.outcome),
        ["retry", "failed", "delivered"],
      );
    });

    test("a pending notification waiting for its retry goes now, after its session's earlier pending one", async () => {
      receiver.respond = () => ({ status: 503 });
      const session = await create();
      await h.tick();
      await h.request("DELETE", `${QOD}/sessions/${session.sessionId}`);
      await h.tick();
      const [available, ended] = await notificationsOf(session.sessionId);
      assert.equal(available?.state, "pending");
      assert.equal(ended?.state, "pending");
      assert.equal(ended?.attempts.length, 0, "waiting behind AVAILABLE");

      receiver.respond = () => ({ status: 204 });
      receiver.requests.length = 0;
      const res = await h.request("POST", `${API}/notifications/${ended?.id}/redeliver`);
      assert.equal(res.statusCode, 202);
      await h.openqod.dispatcher.runOnce();
      await h.openqod.dispatcher.runOnce();
      assert.deepEqual(
        receiver.events.map((e) => [e.id, e.data.qosStatus]),
        [
          [available?.id, "AVAILABLE"],
          [ended?.id, "UNAVAILABLE"],
        ],
        "in the session's order",
      );
    });

    test("a delivered notification is sent again with the same id", async () => {
      const session = await create();
      await h.tick();
      const [delivered] = await notificationsOf(session.sessionId);
      assert.equal(delivered?.state, "delivered");
      const res = await h.request("POST", `${API}/notifications/${delivered?.id}/redeliver`);
      assert.equal(res.statusCode, 202);
      assert.equal(res.json().state, "pending");
      await h.openqod.dispatcher.runOnce();
      assert.deepEqual(
        receiver.events.map((e) => e.id),
        [delivered?.id, delivered?.id],
      );
      const [again] = await notificationsOf(session.sessionId);
      assert.equal(again?.state, "delivered");
      assert.equal(again?.attempts.length, 2);
    });

    test("a notification whose access token has expired is 409 CONFLICT and is not sent", async () => {
      receiver.respond = () => ({ status: 500 });
      const expires = new Date(h.clock.now() + 60_000).toISOString();
      const session = await create(undefined, {
        sinkCredential: bearer("secret-sink-token", expires),
        duration: 10,
      });
      await h.tick();
      h.clock.advance(60_000);
      const [n] = await notificationsOf(session.sessionId);
      const res = await h.request("POST", `${API}/notifications/${n?.id}/redeliver`);
      assert.equal(res.statusCode, 409);
      assert.deepEqual(res.json(), {
        status: 409,
        code: "CONFLICT",
        message: `Notification ${n?.id} cannot be sent again: its access token expired at ${expires}.`,
      });
    });

    test("another client's notification is 403 and is not sent; an unknown one is 404", async () => {
      receiver.respond = () => ({ status: 500 });
      const session = await create();
      await h.tick();
      const [n] = await notificationsOf(session.sessionId);
      const key = await h.newClient("meddler");
      const res = await h.request("POST", `${API}/notifications/${n?.id}/redeliver`, undefined, { key });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, "PERMISSION_DENIED");
      const [unchanged] = await notificationsOf(session.sessionId);
      assert.equal(unchanged?.nextAttemptAt, n?.nextAttemptAt);
      const unknown = await h.request("POST", `${API}/notifications/${UNKNOWN_ID}/redeliver`);
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(unknown.json(), {
        status: 404,
        code: "NOT_FOUND",
        message: "The specified notification is not found.",
      });
      const bad = await h.request("POST", `${API}/notifications/42/redeliver`);
      assert.deepEqual(bad.json(), {
        status: 400,
        code: "INVALID_ARGUMENT",
        message: "notificationId must be a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
      });
    });
  });

  test("every operation is in the OpenAPI document with an operationId, a summary and a description", async () => {
    const doc = (await h.request("GET", "/openapi.json", undefined, { key: null })).json() as {
      paths: Record<
        string,
        Record<string, { operationId?: string; summary?: string; description?: string; tags?: string[] }>
      >;
    };
    const ops = [
      ["/notifications/v1/sessions", "get", "listSessions"],
      ["/notifications/v1/sessions/{sessionId}/notifications", "get", "listSessionNotifications"],
      ["/notifications/v1/notifications/{notificationId}/redeliver", "post", "redeliverNotification"],
      ["/sandbox/v1/sessions/{sessionId}/expire", "post", "simulateSessionExpiry"],
    ] as const;
    for (const [path, method, operationId] of ops) {
      const op = doc.paths[path]?.[method];
      assert.equal(op?.operationId, operationId, path);
      assert.ok(op?.summary && op.description, `${path} has a summary and a description`);
    }
    assert.deepEqual(doc.paths["/notifications/v1/sessions"]?.get?.tags, ["Notifications"]);
  });
});
