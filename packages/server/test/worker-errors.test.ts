import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { Dispatcher } from "../src/delivery/dispatcher.ts";
import { UndiciSender } from "../src/delivery/sender.ts";
import { type WorkerEventMap, WorkerEvents } from "../src/events.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const BASE = "/quality-on-demand/v1";

/**
 * `target` with `methods` failing on their first call, as a database that is briefly unreachable
 * would; every other call goes to the real object (bound, so its private fields still work).
 */
function failingOnce<T extends object>(target: T, methods: ReadonlyArray<keyof T & string>): T {
  const failed = new Set<string>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = (value as (...args: unknown[]) => unknown).bind(object);
      if (typeof property !== "string" || !methods.includes(property as keyof T & string)) return method;
      return (...args: unknown[]) => {
        if (failed.has(property)) return method(...args);
        failed.add(property);
        return Promise.reject(new Error(`connection lost (injected in ${property})`));
      };
    },
  });
}

function recordErrors(events: WorkerEvents): WorkerEventMap["worker:error"][0][] {
  const errors: WorkerEventMap["worker:error"][0][] = [];
  events.on("worker:error", (e) => errors.push(e));
  return errors;
}

describe("worker loops after a database error", () => {
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

  test("the dispatcher reports a failed claim and next-due query and delivers within seconds", async () => {
    const created = await h.request(
      "POST",
      `${BASE}/sessions`,
      sessionBody({ sink: receiver.url, sinkCredential: bearer("tok") }),
    );
    assert.equal(created.statusCode, 201, created.body);
    await h.openqod.scheduler.runOnce();
    const events = new WorkerEvents();
    const errors = recordErrors(events);
    const sender = new UndiciSender();
    const dispatcher = new Dispatcher({
      store: failingOnce(h.openqod.store, ["claimDeliveries", "nextDeliveryAt"]),
      sender,
      clock: h.clock,
      events,
      policy: { scheduleMs: [0, 5_000], jitter: 0 },
    });
    const signal = new AbortController();
    const running = dispatcher.run({ signal: signal.signal });
    const started = Date.now();
    try {
      // Before: the failed next-due query was taken for "nothing due" and the loop slept 60 s.
      await receiver.waitFor(1, 4_000);
    } finally {
      signal.abort();
      await running;
      await sender.close();
    }
    assert.ok(Date.now() - started < 4_000);
    assert.deepEqual(
      errors.map((e) => [e.worker, (e.error as Error).message]),
      [
        ["dispatcher", "connection lost (injected in claimDeliveries)"],
        ["dispatcher", "connection lost (injected in nextDeliveryAt)"],
      ],
    );
  });
});

describe("the scheduler after a database error", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(() => h.close());

  test("reports the failed pass and next-due query and expires the session within seconds", async () => {
    const created = await h.request("POST", `${BASE}/sessions`, sessionBody({ duration: 60 }));
    assert.equal(created.statusCode, 201, created.body);
    const { sessionId } = created.json() as { sessionId: string };
    await h.openqod.scheduler.runOnce();
    h.clock.advance(60_000);
    const events = new WorkerEvents();
    const errors = recordErrors(events);
    const scheduler = new Scheduler({
      store: failingOnce(h.openqod.store, ["nextSessionDueAt"]),
      sessions: failingOnce(h.openqod.sessions, ["processDue"]),
      clock: h.clock,
      events,
    });
    const signal = new AbortController();
    const running = scheduler.run({ signal: signal.signal });
    const started = Date.now();
    let status = "";
    try {
      // Before: a failed pass, then a failed next-due query taken for "nothing due": 60 s asleep.
      while (Date.now() - started < 4_000) {
        status = ((await h.request("GET", `${BASE}/sessions/${sessionId}`)).json() as { qosStatus: string })
          .qosStatus;
        if (status === "UNAVAILABLE") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      signal.abort();
      await running;
    }
    assert.equal(status, "UNAVAILABLE");
    assert.deepEqual(
      errors.map((e) => [e.worker, (e.error as Error).message]),
      [
        ["scheduler", "connection lost (injected in processDue)"],
        ["scheduler", "connection lost (injected in nextSessionDueAt)"],
      ],
    );
  });
});
