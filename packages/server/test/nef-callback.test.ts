import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { loadConfig } from "../src/config.ts";
import { chooseDeviceIdentifier } from "../src/domain/device.ts";
import { parseFlow } from "../src/domain/flow.ts";
import { NefEmulator } from "../src/nef-emulator/index.ts";
import type { NetworkEvent, NetworkEventOutcome } from "../src/network/adapter.ts";
import { NefAdapter } from "../src/network/nef/nef-adapter.ts";
import { createOpenQod } from "../src/openqod.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { closedPort } from "./helpers/nef-adapter.ts";

const session = (sessionId: string) => ({
  sessionId,
  device: chooseDeviceIdentifier({ phoneNumber: "+36701234567" }),
  flow: parseFlow({ ipv4Address: "198.51.100.7" }, null, null),
  qosProfile: "QOS_E",
  duration: 600,
});

const notification = (transaction: string, ...events: string[]) => ({
  transaction,
  eventReports: events.map((event) => ({ event })),
});

describe("the NEF notification route (--network nef)", () => {
  const emulator = new NefEmulator({ notificationAttempts: 1 });
  let harness: Harness;
  let nef: NefAdapter;
  let callbackBase = "";
  /** What the sink was given, and what it does with the next event. */
  const received: NetworkEvent[] = [];
  let answer: (event: NetworkEvent) => Promise<NetworkEventOutcome> = async () => "applied";

  before(async () => {
    const apiRoot = await emulator.start();
    const port = await closedPort();
    callbackBase = `http://127.0.0.1:${port}`;
    harness = await createHarness({
      OPENQOD_NETWORK: "nef",
      OPENQOD_NEF_URL: apiRoot,
      OPENQOD_NEF_SCS_AS_ID: "openqod",
      OPENQOD_NEF_CALLBACK_URL: callbackBase,
      OPENQOD_NEF_CALLBACK_SECRET: "callback-secret-for-tests",
    });
    await harness.openqod.app.listen({ host: "127.0.0.1", port });
    assert.ok(harness.openqod.network instanceof NefAdapter);
    nef = harness.openqod.network;
    nef.onEvent(async (event) => {
      received.push(event);
      return answer(event);
    });
  });
  beforeEach(() => {
    received.length = 0;
    answer = async () => "applied";
    emulator.reset();
  });
  after(async () => {
    await harness.close();
    await emulator.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    harness.openqod.app.inject({
      method: "POST",
      url: path,
      headers: { "content-type": "application/json", ...headers },
      payload: typeof body === "string" ? body : JSON.stringify(body),
    });
  const pathOf = (sessionId: string) => new URL(nef.callbacks.urlFor(sessionId)).pathname;

  test("the emulator's notifications reach the sink as network events; the NEF gets a 204", async () => {
    const { ref } = await nef.create(session("s-live"));
    const granted = await emulator.waitForNotification((n) => n.event === "SUCCESSFUL_RESOURCES_ALLOCATION");
    assert.equal(granted.outcome, "DELIVERED");
    assert.equal(granted.status, 204);
    const [subscription] = emulator.subscriptions();
    await emulator.report(subscription?.id ?? "", "QOS_NOT_GUARANTEED");
    await emulator.report(subscription?.id ?? "", "QOS_GUARANTEED");
    await emulator.terminate(subscription?.id ?? "");
    await emulator.notificationsSettled();
    assert.deepEqual(received, [
      { sessionId: "s-live", ref, kind: "GRANTED", detail: "SUCCESSFUL_RESOURCES_ALLOCATION" },
      { sessionId: "s-live", ref, kind: "NOT_GUARANTEED", detail: "QOS_NOT_GUARANTEED" },
      { sessionId: "s-live", ref, kind: "GRANTED", detail: "QOS_GUARANTEED" },
      { sessionId: "s-live", ref, kind: "TERMINATED", detail: "SESSION_TERMINATION" },
    ]);
  });

  test("a failed allocation is REFUSED", async () => {
    emulator.setUeBehaviour("*", { allocation: "FAILED" });
    await nef.create(session("s-refused"));
    const failed = await emulator.waitForNotification((n) => n.event === "FAILED_RESOURCES_ALLOCATION");
    assert.equal(failed.status, 204);
    assert.deepEqual(
      received.map((e) => [e.sessionId, e.kind]),
      [["s-refused", "REFUSED"]],
    );
  });

  test("a wrong secret is a 403 ProblemDetails, and nothing reaches the sink", async () => {
    const wrong = pathOf("s-1").replace(/[^/]+$/, "A".repeat(43));
    const response = await post(wrong, notification("http://nef/sub/1", "SESSION_TERMINATION"));
    assert.equal(response.statusCode, 403);
    assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(response.json().status, 403);
    const other = await post(
      pathOf("s-2").replace("/s-2/", "/s-1/"),
      notification("x", "SESSION_TERMINATION"),
    );
    assert.equal(other.statusCode, 403, "one session's secret does not open another's");
    assert.deepEqual(received, []);
  });

  test("a body that is not a UserPlaneNotificationData is a 400 with invalidParams; not JSON, a 400 too", async () => {
    const response = await post(pathOf("s-1"), { transaction: "http://nef/sub/1", eventReports: [] });
    assert.equal(response.statusCode, 400);
    const problem = response.json();
    assert.equal(problem.status, 400);
    assert.equal(problem.cause, "INVALID_MSG_FORMAT");
    assert.equal(problem.invalidParams[0].param, "/eventReports");
    const missing = await post(pathOf("s-1"), { eventReports: [{ event: "SESSION_TERMINATION" }] });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().invalidParams.some((p: { param: string }) => p.param === "/transaction"));
    const garbage = await post(pathOf("s-1"), "{not json");
    assert.equal(garbage.statusCode, 400);
    assert.match(String(garbage.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(garbage.json().status, 400);
    assert.deepEqual(received, []);
  });

  test("reports of events this version does not know are ignored; the known ones are applied", async () => {
    const response = await post(
      pathOf("s-1"),
      notification("http://nef/sub/1", "SOME_FUTURE_EVENT", "SESSION_TERMINATION"),
    );
    assert.equal(response.statusCode, 204);
    assert.deepEqual(
      received.map((e) => e.kind),
      ["TERMINATED"],
    );
    const only = await post(pathOf("s-1"), notification("http://nef/sub/1", "SOME_FUTURE_EVENT"));
    assert.equal(only.statusCode, 204);
    assert.equal(received.length, 1);
  });

  test('an unknown session (the sink\'s "unknown") is a 404; a sink that cannot commit, a 503 to retry', async () => {
    answer = async () => "unknown";
    const unknown = await post(pathOf("s-none"), notification("http://nef/sub/1", "SESSION_TERMINATION"));
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().status, 404);
    answer = async () => {
      throw new Error("database is locked");
    };
    const failing = await post(pathOf("s-1"), notification("http://nef/sub/1", "SESSION_TERMINATION"));
    assert.equal(failing.statusCode, 503);
    assert.equal(failing.headers["retry-after"], "5");
    assert.equal(failing.json().status, 503);
  });

  test("the route needs no API key and is not in the CAMARA OpenAPI document", async () => {
    const response = await post(pathOf("s-1"), notification("http://nef/sub/1", "QOS_GUARANTEED"));
    assert.equal(response.statusCode, 204);
    const doc = await harness.request("GET", "/openapi.json");
    assert.equal(doc.statusCode, 200);
    assert.ok(!doc.body.includes("/network/nef"), "hidden from the OpenAPI document");
  });

  test("over the CAMARA API: a NEF outage is 503 UNAVAILABLE with Retry-After; an unknown UE 404", async () => {
    emulator.setOutage({ mode: "503", retryAfterSeconds: 9 });
    const down = await harness.request("POST", "/quality-on-demand/v1/sessions", sessionBody());
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().code, "UNAVAILABLE");
    assert.equal(down.headers["retry-after"], "9");
    emulator.setOutage(null);
    emulator.setUeBehaviour("msisdn-36721601234567", { unknown: true });
    const unknown = await harness.request("POST", "/quality-on-demand/v1/sessions", sessionBody());
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "IDENTIFIER_NOT_FOUND");
    assert.equal(unknown.headers["retry-after"], undefined);
  });

  test("NEF calls are counted by operation and outcome, and timed", async () => {
    await nef.reservations();
    const metrics = await harness.request("GET", "/metrics");
    assert.match(metrics.body, /openqod_nef_requests_total\{operation="list",outcome="2xx"\} [1-9]/);
    assert.match(metrics.body, /openqod_nef_request_duration_seconds_count\{operation="list"\} [1-9]/);
  });
});

describe("the NEF notification route's log line", () => {
  test("shows the path with the secret redacted", async () => {
    const lines: string[] = [];
    const dir = await mkdtemp(join(tmpdir(), "openqod-nef-log-"));
    const config = loadConfig([], {
      OPENQOD_DATA_DIR: dir,
      OPENQOD_NETWORK: "nef",
      OPENQOD_NEF_URL: "http://127.0.0.1:9",
      OPENQOD_NEF_SCS_AS_ID: "openqod",
      OPENQOD_NEF_CALLBACK_SECRET: "callback-secret-for-tests",
      ...(await databaseEnv(dir)),
    });
    const openqod = await createOpenQod({
      config,
      logger: { level: "info", stream: { write: (line: string) => void lines.push(line) } },
    });
    try {
      assert.ok(openqod.network instanceof NefAdapter);
      const secret = openqod.network.callbacks.secretFor("s-1");
      const response = await openqod.app.inject({
        method: "POST",
        url: `/network/nef/v1/sessions/s-1/notifications/${secret}`,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ transaction: "t" }),
      });
      assert.equal(response.statusCode, 400);
      assert.equal(lines.length, 1, lines.join(""));
      assert.equal(JSON.parse(lines[0] ?? "{}").url, "/network/nef/v1/sessions/s-1/notifications/<redacted>");
      assert.ok(!lines.join("").includes(secret));
    } finally {
      await openqod.close();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });
});

describe("the NEF notification route with the simulator", () => {
  test("is not mounted", async () => {
    const harness = await createHarness();
    try {
      const response = await harness.request(
        "POST",
        "/network/nef/v1/sessions/s-1/notifications/x",
        { transaction: "t", eventReports: [{ event: "SESSION_TERMINATION" }] },
        { key: null },
      );
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().code, "NOT_FOUND");
    } finally {
      await harness.close();
    }
  });
});
