import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const QOD = "/quality-on-demand/v1";
const UNKNOWN_ID = "0190a0f0-0000-7000-8000-000000000000";

describe("sandbox: expire now (manual clock)", () => {
  let h: Harness;
  let receiver: TestReceiver;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    h = await createHarness();
  });
  afterEach(() => h.close());

  async function create(overrides: Record<string, unknown> = {}) {
    const res = await h.request(
      "POST",
      `${QOD}/sessions`,
      sessionBody({ sink: receiver.url, sinkCredential: bearer("tok-expire"), ...overrides }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string };
  }

  test("ends the session now as if its time ran out: UNAVAILABLE / DURATION_EXPIRED, notified, retained", async () => {
    const session = await create({ duration: 3600 });
    h.clock.advance(120_000);
    const res = await h.request("POST", `/sandbox/v1/sessions/${session.sessionId}/expire`);
    assert.equal(res.statusCode, 200, res.body);
    const ended = res.json();
    assert.equal(ended.qosStatus, "UNAVAILABLE");
    assert.equal(ended.statusInfo, "DURATION_EXPIRED");
    assert.equal(ended.duration, 120, "the effective duration");
    assert.equal(ended.expiresAt, new Date(h.clock.now()).toISOString());
    await h.tick();
    assert.deepEqual(
      receiver.events.map((e) => e.data),
      [
        { sessionId: session.sessionId, qosStatus: "AVAILABLE" },
        { sessionId: session.sessionId, qosStatus: "UNAVAILABLE", statusInfo: "DURATION_EXPIRED" },
      ],
    );
    assert.equal(receiver.requests[1]?.headers.authorization, "Bearer tok-expire");

    const read = await h.request("GET", `${QOD}/sessions/${session.sessionId}`);
    assert.equal(read.json().statusInfo, "DURATION_EXPIRED");
    // Its original end comes and goes without a second notification; removal after the retention.
    h.clock.advance(3_600_000);
    await h.tick();
    assert.equal(receiver.requests.length, 2);
    assert.equal((await h.request("GET", `${QOD}/sessions/${session.sessionId}`)).statusCode, 404);
  });

  test("a session that has already ended is 409 CONFLICT, like network-terminate", async () => {
    const session = await create();
    await h.request("POST", `/sandbox/v1/sessions/${session.sessionId}/network-terminate`);
    const res = await h.request("POST", `/sandbox/v1/sessions/${session.sessionId}/expire`);
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), {
      status: 409,
      code: "CONFLICT",
      message: `Session ${session.sessionId} has already ended (NETWORK_TERMINATED).`,
    });
    const twice = await h.request("POST", `/sandbox/v1/sessions/${session.sessionId}/network-terminate`);
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().code, "CONFLICT");
  });

  test("another client's session is 403 and stays AVAILABLE; an unknown one is 404; no key is 401", async () => {
    const session = await create();
    const key = await h.newClient("other");
    const res = await h.request("POST", `/sandbox/v1/sessions/${session.sessionId}/expire`, undefined, {
      key,
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, "PERMISSION_DENIED");
    assert.equal(
      (await h.request("GET", `${QOD}/sessions/${session.sessionId}`)).json().qosStatus,
      "AVAILABLE",
    );
    const unknown = await h.request("POST", `/sandbox/v1/sessions/${UNKNOWN_ID}/expire`);
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "NOT_FOUND");
    const anonymous = await h.request("POST", `/sandbox/v1/sessions/${session.sessionId}/expire`, undefined, {
      key: null,
    });
    assert.equal(anonymous.statusCode, 401);
  });

  test("is not mounted outside the sandbox", async () => {
    const production = await createHarness({ OPENQOD_SANDBOX: "false" });
    try {
      const res = await production.request("POST", `/sandbox/v1/sessions/${UNKNOWN_ID}/expire`);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, "NOT_FOUND");
    } finally {
      await production.close();
    }
  });
});
