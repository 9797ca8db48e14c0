import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { NefEmulator } from "../src/nef-emulator/index.ts";
import { NefAdapter } from "../src/network/nef/nef-adapter.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { closedPort } from "./helpers/nef-adapter.ts";

/**
 * Sessions over the CAMARA API with --network nef: the NEF's notifications, through the callback route and the
 * core, become what the client sees.
 */
describe("QoD sessions in front of a NEF (the emulator)", () => {
  const emulator = new NefEmulator({ notificationAttempts: 5, notificationRetryDelayMs: 20 });
  let harness: Harness;

  before(async () => {
    const apiRoot = await emulator.start();
    const port = await closedPort();
    harness = await createHarness({
      OPENQOD_NETWORK: "nef",
      OPENQOD_NEF_URL: apiRoot,
      OPENQOD_NEF_SCS_AS_ID: "openqod",
      OPENQOD_NEF_CALLBACK_URL: `http://127.0.0.1:${port}`,
      OPENQOD_NEF_CALLBACK_SECRET: "callback-secret-for-tests",
    });
    await harness.openqod.app.listen({ host: "127.0.0.1", port });
  });
  beforeEach(() => emulator.reset());
  after(async () => {
    await harness.close();
    await emulator.close();
  });

  const create = async (phoneNumber: string) => {
    const response = await harness.request(
      "POST",
      "/quality-on-demand/v1/sessions",
      sessionBody({ device: { phoneNumber } }),
    );
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { sessionId: string; qosStatus: string };
  };
  const read = async (id: string) =>
    (await harness.request("GET", `/quality-on-demand/v1/sessions/${id}`)).json() as {
      qosStatus: string;
      statusInfo?: string;
    };

  test("REQUESTED until the NEF reports the allocation, then AVAILABLE; QOS_NOT_GUARANTEED leaves it AVAILABLE", async () => {
    emulator.setUeBehaviour("*", { allocationDelayMs: 50 });
    const created = await create("+36701000001");
    assert.equal(created.qosStatus, "REQUESTED");
    const granted = await emulator.waitForNotification((n) => n.event === "SUCCESSFUL_RESOURCES_ALLOCATION");
    assert.equal(granted.status, 204);
    assert.equal((await read(created.sessionId)).qosStatus, "AVAILABLE");
    const [subscription] = emulator.subscriptions();
    const degraded = await emulator.report(subscription?.id ?? "", "QOS_NOT_GUARANTEED");
    assert.equal(degraded?.status, 204);
    assert.equal((await read(created.sessionId)).qosStatus, "AVAILABLE", "CAMARA has no degraded status");
  });

  test("an allocation reported before the NEF's 201 (before the session committed) still grants the session", async () => {
    emulator.setUeBehaviour("*", { allocateBeforeAnswer: true });
    const created = await create("+36701000005");
    const granted = await emulator.waitForNotification((n) => n.event === "SUCCESSFUL_RESOURCES_ALLOCATION");
    assert.equal(granted.status, 204, "kept with the create's guard, not refused");
    // The kept event is applied as the create commits: the 201 already says AVAILABLE.
    assert.equal(created.qosStatus, "AVAILABLE");
    assert.equal((await read(created.sessionId)).qosStatus, "AVAILABLE");
  });

  test("a subscription the NEF terminates ends the session UNAVAILABLE / NETWORK_TERMINATED", async () => {
    const created = await create("+36701000002");
    await emulator.waitForNotification((n) => n.event === "SUCCESSFUL_RESOURCES_ALLOCATION");
    const [subscription] = emulator.subscriptions();
    const terminated = await emulator.terminate(subscription?.id ?? "");
    assert.equal(terminated?.status, 204);
    const session = await read(created.sessionId);
    assert.equal(session.qosStatus, "UNAVAILABLE");
    assert.equal(session.statusInfo, "NETWORK_TERMINATED");
  });

  test("a failed allocation ends the session UNAVAILABLE / NETWORK_TERMINATED and releases the subscription", async () => {
    emulator.setUeBehaviour("*", { allocation: "FAILED" });
    const created = await create("+36701000003");
    const failed = await emulator.waitForNotification((n) => n.event === "FAILED_RESOURCES_ALLOCATION");
    assert.equal(failed.status, 204);
    const session = await read(created.sessionId);
    assert.equal(session.qosStatus, "UNAVAILABLE");
    assert.equal(session.statusInfo, "NETWORK_TERMINATED");
    assert.equal(emulator.subscriptions().length, 1);
    await harness.tick();
    assert.deepEqual(emulator.subscriptions(), [], "the release the core queued DELETEd it");
  });

  test("deleting a session DELETEs its subscription", async () => {
    const created = await create("+36701000004");
    await emulator.waitForNotification((n) => n.event === "SUCCESSFUL_RESOURCES_ALLOCATION");
    const deleted = await harness.request("DELETE", `/quality-on-demand/v1/sessions/${created.sessionId}`);
    assert.equal(deleted.statusCode, 204);
    await harness.tick();
    assert.deepEqual(emulator.subscriptions(), []);
    assert.ok(emulator.requests().some((r) => r.method === "DELETE" && r.status === 204));
  });

  test("a notification for a session OpenQoD never had is a 404 for the NEF", async () => {
    const { network } = harness.openqod;
    assert.ok(network instanceof NefAdapter);
    const stray = await fetch(network.callbacks.urlFor("0190aaaa-0000-7000-8000-000000000000"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        transaction: "http://nef/sub/x",
        eventReports: [{ event: "SESSION_TERMINATION" }],
      }),
    });
    assert.equal(stray.status, 404);
    assert.equal(((await stray.json()) as { status: number }).status, 404);
  });
});
