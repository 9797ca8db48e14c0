import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkBearer,
  createReceiver,
  MemoryReceiverState,
  parseNotification,
  type QodEvent,
  type ReceiverState,
} from "../src/index.ts";

const SESSION = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const cloudEvent = (
  type: string,
  data: Record<string, unknown> = { sessionId: SESSION, qosStatus: "AVAILABLE" },
  extra: Record<string, unknown> = {},
) => ({
  id: "83a0d986-0866-4f38-b8c0-fc65bfcda452",
  source: "https://api.example.com/qod/v1/sessions/x",
  type,
  specversion: "1.0",
  datacontenttype: "application/json",
  time: "2026-06-01T12:00:00Z",
  data,
  ...extra,
});
const CE = "application/cloudevents+json";

describe("parsing", () => {
  for (const type of [
    "org.camaraproject.quality-on-demand.v1.qos-status-changed",
    "org.camaraproject.qod.v0.qos-status-changed",
    "org.camaraproject.quality-on-demand.v0.qos-status-changed",
    "org.camaraproject.qod.v1.qos-status-changed",
  ]) {
    test(`accepts a CloudEvent of type ${type}`, () => {
      const result = parseNotification(
        JSON.stringify(
          cloudEvent(type, { sessionId: SESSION, qosStatus: "UNAVAILABLE", statusInfo: "DURATION_EXPIRED" }),
        ),
        CE,
      );
      assert.equal(result.kind, "event");
      if (result.kind !== "event") return;
      assert.deepEqual(
        {
          id: result.event.id,
          source: result.event.source,
          time: result.event.time,
          sessionId: result.event.sessionId,
          qosStatus: result.event.qosStatus,
          statusInfo: result.event.statusInfo,
          format: result.event.format,
        },
        {
          id: "83a0d986-0866-4f38-b8c0-fc65bfcda452",
          source: "https://api.example.com/qod/v1/sessions/x",
          time: "2026-06-01T12:00:00Z",
          sessionId: SESSION,
          qosStatus: "UNAVAILABLE",
          statusInfo: "DURATION_EXPIRED",
          format: "cloudevent",
        },
      );
    });
  }

  test("accepts the Network-as-Code envelope of the seed", () => {
    const detail = { sessionId: SESSION, qosStatus: "AVAILABLE", statusInfo: "SESSION_AVAILABLE" };
    const body = cloudEvent("org.camaraproject.qod.v0.qos-status-changed", detail, {
      event: { eventType: "QOS_STATUS_CHANGED", eventTime: "2026-06-01T12:00:00Z", eventDetail: detail },
    });
    const result = parseNotification(JSON.stringify(body), "application/json; charset=utf-8");
    assert.equal(result.kind === "event" && result.event.format, "nac");
    assert.equal(result.kind === "event" && result.event.statusInfo, "SESSION_AVAILABLE");
  });

  test("accepts the legacy {event: {eventType, eventTime, eventDetail}} shape, with a stable id", () => {
    const body = JSON.stringify({
      event: {
        eventType: "QOS_STATUS_CHANGED",
        eventTime: "2026-06-01T12:00:00Z",
        eventDetail: { sessionId: SESSION, qosStatus: "UNAVAILABLE", statusInfo: "DELETE_REQUESTED" },
      },
    });
    const a = parseNotification(body, "application/json");
    const b = parseNotification(body, "application/json");
    assert.equal(a.kind === "event" && a.event.format, "legacy");
    assert.equal(a.kind === "event" && a.event.qosStatus, "UNAVAILABLE");
    assert.equal(a.kind === "event" && b.kind === "event" && a.event.id === b.event.id, true);
  });

  test("an unknown event type is ignored, not rejected", () => {
    assert.deepEqual(
      parseNotification(JSON.stringify(cloudEvent("org.camaraproject.device-status.v0.roaming-status")), CE),
      {
        kind: "ignored",
        reason: "event type org.camaraproject.device-status.v0.roaming-status",
      },
    );
  });

  const rejections: Array<[string, string, string | undefined, number]> = [
    ["text/plain", "{}", "text/plain", 415],
    ["no content type", "{}", undefined, 415],
    ["not JSON", "{", CE, 400],
    ["an array", "[]", CE, 400],
    [
      "no id",
      JSON.stringify({ ...cloudEvent("org.camaraproject.qod.v0.qos-status-changed"), id: undefined }),
      CE,
      400,
    ],
    [
      "no sessionId",
      JSON.stringify(cloudEvent("org.camaraproject.qod.v0.qos-status-changed", { qosStatus: "AVAILABLE" })),
      CE,
      400,
    ],
    [
      "an unknown qosStatus",
      JSON.stringify(
        cloudEvent("org.camaraproject.qod.v0.qos-status-changed", { sessionId: SESSION, qosStatus: "MAYBE" }),
      ),
      CE,
      400,
    ],
    ["something else", JSON.stringify({ hello: "world" }), CE, 400],
  ];
  for (const [title, body, contentType, status] of rejections) {
    test(`rejects ${title} with ${status}`, () => {
      const result = parseNotification(body, contentType);
      assert.equal(result.kind, "rejected");
      assert.equal(result.kind === "rejected" && result.status, status);
    });
  }
});

describe("authentication", () => {
  test("accepts any of several tokens (rotation), with or without the scheme given", () => {
    assert.equal(checkBearer("Bearer new", ["old", "new"]), true);
    assert.equal(checkBearer("Bearer old", ["old", "Bearer new"]), true);
    assert.equal(checkBearer("Bearer new", ["old", "Bearer new"]), true);
  });
  test("refuses a missing, wrong, differently long or unprefixed token without throwing", () => {
    for (const header of [
      undefined,
      "",
      "Bearer wrong",
      "Bearer n",
      `Bearer ${"x".repeat(5000)}`,
      "new",
      "Basic bmV3",
    ]) {
      assert.equal(checkBearer(header, ["new"]), false, String(header));
    }
  });
});

describe("the receiver core", () => {
  const headers = (token = "t") => ({ authorization: `Bearer ${token}`, "content-type": CE });
  const event = (id: string, qosStatus: string, time: string) =>
    JSON.stringify({
      ...cloudEvent("org.camaraproject.quality-on-demand.v1.qos-status-changed", {
        sessionId: SESSION,
        qosStatus,
      }),
      id,
      time,
    });

  test("a wrong token is 401 with no detail, and the handler never runs", async () => {
    const seen: QodEvent[] = [];
    const receiver = createReceiver({ tokens: ["t"], onEvent: (e) => void seen.push(e) });
    const result = await receiver.receive({
      body: event("a", "AVAILABLE", "2026-06-01T12:00:00Z"),
      headers: headers("nope"),
    });
    assert.equal(result.status, 401);
    await result.after();
    assert.equal(seen.length, 0);
  });

  test("a retried event is answered 204 but handed over once", async () => {
    const seen: QodEvent[] = [];
    const skipped: string[] = [];
    const receiver = createReceiver({
      tokens: ["t"],
      onEvent: (e) => void seen.push(e),
      onSkipped: (r) => void skipped.push(r.kind),
    });
    for (let i = 0; i < 3; i++) {
      const result = await receiver.receive({
        body: event("same-id", "AVAILABLE", "2026-06-01T12:00:00Z"),
        headers: headers(),
      });
      assert.equal(result.status, 204);
      await result.after();
    }
    assert.equal(seen.length, 1);
    assert.deepEqual(skipped, ["duplicate", "duplicate"]);
  });

  test("dedupe forgets an id after its TTL", async () => {
    const state = new MemoryReceiverState();
    assert.equal(await state.seen("s", "id", 20), false);
    assert.equal(await state.seen("s", "id", 20), true);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(await state.seen("s", "id", 20), false);
  });

  test("the memory state is bounded: when full, the oldest tenth is forgotten, the rest kept", () => {
    const state = new MemoryReceiverState({ maxEntries: 100 });
    for (let i = 0; i < 100; i++) assert.equal(state.seen("s", `e${i}`, 60_000), false);
    assert.equal(state.seen("s", "e100", 60_000), false);
    assert.deepEqual(
      ["e9", "e10", "e99", "e100"].map((id) => state.seen("s", id, 60_000)),
      [false, true, true, true],
    );
  });

  test("an older status never overwrites a newer one", async () => {
    const seen: string[] = [];
    const receiver = createReceiver({ tokens: ["t"], onEvent: (e) => void seen.push(e.qosStatus) });
    for (const [id, status, time] of [
      ["2", "UNAVAILABLE", "2026-06-01T13:00:00Z"],
      ["1", "AVAILABLE", "2026-06-01T12:00:00Z"],
    ] as const) {
      const result = await receiver.receive({ body: event(id, status, time), headers: headers() });
      assert.equal(result.status, 204);
      await result.after();
    }
    assert.deepEqual(seen, ["UNAVAILABLE"]);
  });

  test("the answer comes before the handler runs, unless awaitHandler", async () => {
    const order: string[] = [];
    const receiver = createReceiver({ tokens: ["t"], onEvent: () => void order.push("handler") });
    const result = await receiver.receive({
      body: event("x1", "AVAILABLE", "2026-06-01T12:00:00Z"),
      headers: headers(),
    });
    order.push("answered");
    await result.after();
    assert.deepEqual(order, ["answered", "handler"]);

    const failing = createReceiver({
      tokens: ["t"],
      awaitHandler: true,
      onEvent: () => Promise.reject(new Error("db down")),
    });
    await assert.rejects(
      failing.receive({ body: event("x2", "AVAILABLE", "2026-06-01T12:00:00Z"), headers: headers() }),
      /db down/,
    );
  });

  test("with awaitHandler, a state of one's own (async, say Redis) is told to forget an event whose handler failed", async () => {
    const seenIds = new Set<string>();
    const forgotten: string[] = [];
    const shared: ReceiverState = {
      seen: async (_source, id) => seenIds.has(id) || !seenIds.add(id),
      forget: async (_source, id) => {
        forgotten.push(id);
        seenIds.delete(id);
      },
      isStale: async () => false,
    };
    let runs = 0;
    const receiver = createReceiver({
      tokens: ["t"],
      awaitHandler: true,
      state: shared,
      onEvent: () => {
        if (++runs === 1) throw new Error("db down");
      },
    });
    const body = event("r1", "AVAILABLE", "2026-06-01T12:00:00Z");
    await assert.rejects(receiver.receive({ body, headers: headers() }), /db down/);
    assert.deepEqual(forgotten, ["r1"]);
    const retried = await receiver.receive({ body, headers: headers() });
    assert.deepEqual([retried.status, retried.kind, runs], [204, "event", 2]);
    const again = await receiver.receive({ body, headers: headers() });
    assert.deepEqual([again.status, again.kind, runs], [204, "duplicate", 2]);
  });
});
