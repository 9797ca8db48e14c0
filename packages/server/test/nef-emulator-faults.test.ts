import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ManualClock } from "../src/clock.ts";
import type { NefEmulator } from "../src/nef-emulator/index.ts";
import { call, startEmulator, subscriptionBody } from "./helpers/nef.ts";
import { TestReceiver } from "./helpers/receiver.ts";

/** Resolves once `check` holds, polling every few ms; rejects after `timeoutMs` (a bound, not a wait). */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the NEF emulator's notifications and injected faults", () => {
  let nef: NefEmulator;
  let receiver: TestReceiver;
  const clock = new ManualClock();
  const create = async (overrides: Record<string, unknown> = {}) => {
    const answer = await call(nef.subscriptionsUrl(), {
      method: "POST",
      body: subscriptionBody(receiver.url, overrides),
    });
    assert.equal(answer.status, 201);
    const location = answer.headers.get("location") ?? "";
    return { location, id: location.split("/").pop() ?? "" };
  };

  before(async () => {
    receiver = await TestReceiver.start();
    nef = await startEmulator({ clock, notificationRetryDelayMs: 5 });
  });
  after(async () => {
    await nef.close();
    await receiver.close();
  });
  beforeEach(() => {
    nef.reset();
    receiver.requests.length = 0;
    receiver.respond = () => ({ status: 204 });
  });

  test("reports SUCCESSFUL_RESOURCES_ALLOCATION after the 201, as UserPlaneNotificationData", async () => {
    const { location, id } = await create();
    const record = await nef.waitForNotification((r) => r.subscriptionId === id);
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]?.method, "POST");
    assert.equal(receiver.requests[0]?.headers["content-type"], "application/json");
    assert.deepEqual(receiver.requests[0]?.json, {
      transaction: location,
      eventReports: [{ event: "SUCCESSFUL_RESOURCES_ALLOCATION", appliedQosRef: "qos-e" }],
    });
    assert.deepEqual([record.outcome, record.status, record.attempts], ["DELIVERED", 204, 1]);
    assert.equal(nef.subscriptions()[0]?.state, "ALLOCATED");
  });

  test("reports only the events the subscription asked for", async () => {
    const { id } = await create({ events: ["SESSION_TERMINATION"] });
    await until(() => nef.subscriptions()[0]?.state === "ALLOCATED");
    assert.equal(await nef.report(id, "QOS_NOT_GUARANTEED"), null);
    const termination = await nef.terminate(id);
    assert.equal(termination?.event, "SESSION_TERMINATION");
    assert.deepEqual(
      receiver.requests.map((r) => (r.json as { eventReports: { event: string }[] }).eventReports[0]?.event),
      ["SESSION_TERMINATION"],
    );
  });

  test("reports FAILED_RESOURCES_ALLOCATION for a UE set to fail; the resource stays until deleted", async () => {
    nef.setUeBehaviour("203.0.113.5", { allocation: "FAILED" });
    const { id } = await create();
    const record = await nef.waitForNotification((r) => r.subscriptionId === id);
    assert.equal(record.event, "FAILED_RESOURCES_ALLOCATION");
    assert.deepEqual(
      nef.subscriptions().map((s) => s.state),
      ["FAILED"],
    );
  });

  test("delivers the allocation report before the 201 for a UE set to allocate before the answer", async () => {
    nef.setUeBehaviour("203.0.113.5", { allocateBeforeAnswer: true });
    const { id } = await create();
    // create() returned after the 201: the report is already delivered by then.
    assert.equal(receiver.requests.length, 1);
    assert.equal(nef.notifications()[0]?.subscriptionId, id);
    assert.equal(nef.subscriptions()[0]?.state, "ALLOCATED");
  });

  test("holds the allocation report for the configured delay", async () => {
    nef.setUeBehaviour("*", { allocationDelayMs: 60_000 });
    await create();
    await nef.notificationsSettled();
    assert.deepEqual([nef.subscriptions()[0]?.state, receiver.requests.length], ["PENDING", 0]);
  });

  test("terminates a subscription when its duration runs out on the clock, with the usage", async () => {
    const { location, id } = await create({ usageThreshold: { duration: 60 } });
    await nef.waitForNotification((r) => r.subscriptionId === id);
    clock.advance(59_000);
    await nef.expireDue();
    assert.equal(nef.subscriptions().length, 1);
    clock.advance(1_000);
    await nef.expireDue();
    const record = await nef.waitForNotification((r) => r.event === "SESSION_TERMINATION");
    assert.deepEqual(record.body, {
      transaction: location,
      eventReports: [{ event: "SESSION_TERMINATION", accumulatedUsage: { duration: 60 } }],
    });
    assert.deepEqual(nef.subscriptions(), []);
    assert.equal((await call(location)).status, 404);
  });

  test("counts an extended duration from the start of the subscription", async () => {
    const { location, id } = await create({ usageThreshold: { duration: 60 } });
    await nef.waitForNotification((r) => r.subscriptionId === id);
    const patched = await call(location, {
      method: "PATCH",
      body: { usageThreshold: { duration: 120 } },
      contentType: "application/merge-patch+json",
    });
    assert.equal(patched.status, 200);
    clock.advance(60_000);
    await nef.expireDue();
    assert.equal(nef.subscriptions().length, 1);
    clock.advance(60_000);
    await nef.expireDue();
    assert.equal(nef.subscriptions().length, 0);
    const record = await nef.waitForNotification((r) => r.event === "SESSION_TERMINATION");
    assert.deepEqual(record.body.eventReports[0]?.accumulatedUsage, { duration: 120 });
  });

  test("sends QOS_NOT_GUARANTEED and QOS_GUARANTEED on command, over HTTP too", async () => {
    const { location, id } = await create();
    await nef.waitForNotification((r) => r.subscriptionId === id);
    const control = `${nef.apiRoot}/emulator/v1/subscriptions/${id}/events`;
    const degraded = await call(control, { method: "POST", body: { event: "QOS_NOT_GUARANTEED" } });
    assert.equal(degraded.status, 200);
    assert.equal(nef.subscriptions()[0]?.state, "NOT_GUARANTEED");
    await call(control, { method: "POST", body: { event: "QOS_GUARANTEED" } });
    assert.equal(nef.subscriptions()[0]?.state, "ALLOCATED");
    assert.deepEqual(
      receiver.requests.map((r) => r.json),
      [
        {
          transaction: location,
          eventReports: [{ event: "SUCCESSFUL_RESOURCES_ALLOCATION", appliedQosRef: "qos-e" }],
        },
        { transaction: location, eventReports: [{ event: "QOS_NOT_GUARANTEED" }] },
        { transaction: location, eventReports: [{ event: "QOS_GUARANTEED" }] },
      ],
    );
    const bad = await call(control, { method: "POST", body: { event: "SUNSHINE" } });
    assert.deepEqual([bad.status, (bad.json as { cause: string }).cause], [400, "INVALID_MSG_FORMAT"]);
  });

  test("terminates a subscription on command over HTTP; an unknown one is 404", async () => {
    const { id } = await create();
    await nef.waitForNotification((r) => r.subscriptionId === id);
    const ended = await call(`${nef.apiRoot}/emulator/v1/subscriptions/${id}/terminate`, { method: "POST" });
    assert.equal(ended.status, 200);
    assert.equal(
      (ended.json as { notification: { event: string; outcome: string } }).notification.outcome,
      "DELIVERED",
    );
    assert.deepEqual(nef.subscriptions(), []);
    const again = await call(`${nef.apiRoot}/emulator/v1/subscriptions/${id}/terminate`, { method: "POST" });
    assert.deepEqual([again.status, (again.json as { cause: string }).cause], [404, "CONTEXT_NOT_FOUND"]);
  });

  test("loses the next N notifications, then delivers again", async () => {
    nef.dropNotifications(1);
    const first = await create();
    const dropped = await nef.waitForNotification((r) => r.subscriptionId === first.id);
    const second = await create({ ueIpv4Addr: "203.0.113.6" });
    const delivered = await nef.waitForNotification((r) => r.subscriptionId === second.id);
    assert.deepEqual([dropped.outcome, dropped.attempts, delivered.outcome], ["DROPPED", 0, "DELIVERED"]);
    assert.deepEqual(
      receiver.requests.map((r) => (r.json as { transaction: string }).transaction),
      [second.location],
    );
  });

  test("retries a notification answered 5xx, and not one answered 4xx", async () => {
    let answers = [503, 204];
    receiver.respond = () => ({ status: answers.shift() ?? 204 });
    const retried = await create();
    const record = await nef.waitForNotification((r) => r.subscriptionId === retried.id);
    assert.deepEqual([record.outcome, record.attempts, record.status], ["DELIVERED", 2, 204]);
    answers = [404];
    const rejected = await create({ ueIpv4Addr: "203.0.113.6" });
    const refused = await nef.waitForNotification((r) => r.subscriptionId === rejected.id);
    assert.deepEqual([refused.outcome, refused.attempts, refused.status], ["REJECTED", 1, 404]);
  });

  test("records a notification that never got an answer as FAILED after every attempt", async () => {
    const dead = await TestReceiver.start();
    const deadUrl = dead.url;
    await dead.close();
    const answer = await call(nef.subscriptionsUrl(), { method: "POST", body: subscriptionBody(deadUrl) });
    const id = answer.headers.get("location")?.split("/").pop();
    const record = await nef.waitForNotification((r) => r.subscriptionId === id);
    assert.deepEqual(
      [record.outcome, record.attempts, record.status, record.error],
      ["FAILED", 3, null, "ECONNREFUSED"],
    );
  });

  test("answers a create late for a slow UE; the subscription exists even if the client gave up", async () => {
    nef.setUeBehaviour("203.0.113.5", { createDelayMs: 300, allocation: "NONE" });
    const started = Date.now();
    await assert.rejects(
      fetch(nef.subscriptionsUrl(), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(subscriptionBody(receiver.url)),
        signal: AbortSignal.timeout(100),
      }),
      { name: "TimeoutError" },
    );
    assert.ok(Date.now() - started < 300);
    await until(() => nef.subscriptions().length === 1);
  });

  test("refuses a create with the injected ProblemDetails; nothing is created", async () => {
    nef.setUeBehaviour("203.0.113.5", { refuse: { status: 403, cause: "REQUESTED_SERVICE_NOT_AUTHORIZED" } });
    const refused = await call(nef.subscriptionsUrl(), {
      method: "POST",
      body: subscriptionBody(receiver.url),
    });
    assert.deepEqual(
      [refused.status, (refused.json as { cause: string }).cause],
      [403, "REQUESTED_SERVICE_NOT_AUTHORIZED"],
    );
    assert.equal(refused.headers.get("content-type")?.split(";")[0], "application/problem+json");
    const other = await call(nef.subscriptionsUrl(), {
      method: "POST",
      body: subscriptionBody(receiver.url, { ueIpv4Addr: "203.0.113.6" }),
    });
    assert.equal(other.status, 201);
    assert.equal(nef.subscriptions().length, 1);
  });

  test("answers an unknown UE 500 PDU_SESSION_NOT_AVAILABLE, set over HTTP, for one UE or for all", async () => {
    const ues = `${nef.apiRoot}/emulator/v1/ues`;
    assert.equal(
      (await call(`${ues}/msisdn-36721601234567`, { method: "PUT", body: { unknown: true } })).status,
      204,
    );
    const byGpsi = subscriptionBody(receiver.url, { ueIpv4Addr: undefined, gpsi: "msisdn-36721601234567" });
    const unknown = await call(nef.subscriptionsUrl(), { method: "POST", body: byGpsi });
    assert.deepEqual(
      [unknown.status, (unknown.json as { cause: string }).cause],
      [500, "PDU_SESSION_NOT_AVAILABLE"],
    );
    assert.equal(
      (await call(nef.subscriptionsUrl(), { method: "POST", body: subscriptionBody(receiver.url) })).status,
      201,
    );
    await call(`${ues}/*`, { method: "PUT", body: { unknown: true } });
    const any = await call(nef.subscriptionsUrl(), {
      method: "POST",
      body: subscriptionBody(receiver.url, { ueIpv4Addr: "203.0.113.77" }),
    });
    assert.equal(any.status, 500);
    const bad = await call(`${ues}/*`, { method: "PUT", body: { unknown: "yes" } });
    assert.deepEqual(
      [bad.status, (bad.json as { invalidParams: { param: string }[] }).invalidParams[0]?.param],
      [400, "/unknown"],
    );
  });

  test("answers every NEF call 503 with Retry-After during an outage; the controls still answer", async () => {
    const outage = await call(`${nef.apiRoot}/emulator/v1/outage`, {
      method: "PUT",
      body: { mode: "503", retryAfterSeconds: 7 },
    });
    assert.equal(outage.status, 204);
    const created = await call(nef.subscriptionsUrl(), {
      method: "POST",
      body: subscriptionBody(receiver.url),
    });
    const listed = await call(nef.subscriptionsUrl());
    assert.deepEqual(
      [created, listed].map((a) => [
        a.status,
        a.headers.get("retry-after"),
        (a.json as { cause: string }).cause,
      ]),
      [
        [503, "7", "NF_CONGESTION"],
        [503, "7", "NF_CONGESTION"],
      ],
    );
    assert.equal((await call(`${nef.apiRoot}/emulator/v1/subscriptions`)).status, 200);
    await call(`${nef.apiRoot}/emulator/v1/outage`, { method: "DELETE" });
    assert.equal((await call(nef.subscriptionsUrl())).status, 200);
  });

  test("destroys every NEF connection during a 'destroy' outage", async () => {
    nef.setOutage({ mode: "destroy" });
    await assert.rejects(
      call(nef.subscriptionsUrl(), { method: "POST", body: subscriptionBody(receiver.url) }),
      {
        name: "TypeError",
        message: "fetch failed",
      },
    );
    nef.setOutage(null);
    assert.equal(nef.subscriptions().length, 0);
    assert.equal(nef.requests().at(-1)?.status, null);
  });
});

describe("the NEF emulator on the system clock", () => {
  test("terminates a subscription by itself when its duration runs out (real timers)", async () => {
    const receiver = await TestReceiver.start();
    const nef = await startEmulator({ allocationDelayMs: 60_000 });
    try {
      const answer = await call(nef.subscriptionsUrl(), {
        method: "POST",
        body: subscriptionBody(receiver.url, { usageThreshold: { duration: 0 } }),
      });
      const record = await nef.waitForNotification((r) => r.event === "SESSION_TERMINATION");
      assert.deepEqual(record.body, {
        transaction: answer.headers.get("location"),
        eventReports: [{ event: "SESSION_TERMINATION", accumulatedUsage: { duration: 0 } }],
      });
      assert.deepEqual(nef.subscriptions(), []);
    } finally {
      await nef.close();
      await receiver.close();
    }
  });

  test("lists, drops, expires and resets over the control endpoints", async () => {
    const receiver = await TestReceiver.start();
    const clock = new ManualClock();
    const nef = await startEmulator({ clock });
    const control = (path: string, method = "GET", body?: unknown) =>
      call(`${nef.apiRoot}/emulator/v1/${path}`, { method, ...(body === undefined ? {} : { body }) });
    try {
      assert.equal((await control("notifications/drop", "POST", { count: 1 })).status, 204);
      assert.equal((await control("ues/203.0.113.5", "PUT", { allocationDelayMs: 5 })).status, 204);
      assert.deepEqual((await control("ues")).json, { "203.0.113.5": { allocationDelayMs: 5 } });
      const created = await call(nef.subscriptionsUrl(), {
        method: "POST",
        body: subscriptionBody(receiver.url),
      });
      const location = created.headers.get("location");
      await nef.waitForNotification(() => true);
      const listed = (await control("subscriptions")).json as { url: string; state: string; body: unknown }[];
      assert.deepEqual(
        listed.map((s) => [s.url, s.state, s.body]),
        [[location, "ALLOCATED", created.json]],
      );
      assert.deepEqual(
        ((await control("notifications")).json as { event: string; outcome: string }[]).map((n) => [
          n.event,
          n.outcome,
        ]),
        [["SUCCESSFUL_RESOURCES_ALLOCATION", "DROPPED"]],
      );
      assert.deepEqual(
        ((await control("requests")).json as { method: string; status: number }[]).map((r) => [
          r.method,
          r.status,
        ]),
        [["POST", 201]],
      );
      clock.advance(60_000);
      assert.equal((await control("expire", "POST")).status, 204);
      await nef.notificationsSettled();
      assert.deepEqual(nef.subscriptions(), []);
      assert.equal(receiver.requests.length, 1);
      assert.equal((await control("reset", "POST")).status, 204);
      assert.deepEqual([nef.requests(), nef.notifications(), (await control("ues")).json], [[], [], {}]);
      const bad = await control("outage", "PUT", { mode: "sometimes" });
      assert.deepEqual(
        [bad.status, (bad.json as { invalidParams: { param: string }[] }).invalidParams[0]?.param],
        [400, "/mode"],
      );
    } finally {
      await nef.close();
      await receiver.close();
    }
  });
});

describe("the NEF emulator's logs", () => {
  test("keep the newest logLimit requests and notifications", async () => {
    const receiver = await TestReceiver.start();
    const nef = await startEmulator({ logLimit: 2 });
    try {
      for (const ue of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
        await call(nef.subscriptionsUrl(), {
          method: "POST",
          body: subscriptionBody(receiver.url, { ueIpv4Addr: ue }),
        });
      }
      await receiver.waitFor(3);
      await nef.notificationsSettled();
      const ueOf = (body: unknown) => (body as { ueIpv4Addr: string }).ueIpv4Addr;
      assert.deepEqual(
        nef.requests().map((r) => ueOf(r.body)),
        ["203.0.113.2", "203.0.113.3"],
      );
      const kept = nef.notifications().map((n) => n.subscriptionId);
      const all = nef.subscriptions().map((s) => s.id);
      assert.equal(kept.length, 2);
      assert.ok(kept.every((id) => all.includes(id)));
    } finally {
      await nef.close();
      await receiver.close();
    }
  });
});
