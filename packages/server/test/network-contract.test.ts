import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { chooseDeviceIdentifier } from "../src/domain/device.ts";
import { parseFlow } from "../src/domain/flow.ts";
import { ApiError } from "../src/errors.ts";
import { createGuardMs } from "../src/service/session-create.ts";
import { bearer, createHarness, type Harness, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";
import { ScriptedNetwork } from "./helpers/scripted-network.ts";

const BASE = "/quality-on-demand/v1";

/**
 * The network adapter contract as the core keeps it (adapter.ts), through the HTTP API on a real store:
 * every end of a session releases it in the network, once in effect and durably; a create that never
 * commits leaves nothing in the network; network events become transitions and notifications;
 * reconciliation repairs what happened while nobody watched.
 */
describe("the network contract", () => {
  let h: Harness;
  let network: ScriptedNetwork;
  let receiver: TestReceiver;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());
  beforeEach(async () => {
    receiver.requests.length = 0;
    network = new ScriptedNetwork();
    h = await createHarness({}, undefined, { network });
  });
  afterEach(() => h.close());

  async function create(overrides: Record<string, unknown> = {}) {
    const res = await h.request(
      "POST",
      `${BASE}/sessions`,
      sessionBody({ sink: receiver.url, sinkCredential: bearer("tok"), ...overrides }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string; qosStatus: string };
  }

  const statuses = () =>
    receiver.requests.map((r) => {
      const data = (r.json as { data: { qosStatus: string; statusInfo?: string } }).data;
      return data.statusInfo === undefined ? data.qosStatus : `${data.qosStatus}/${data.statusInfo}`;
    });

  test("a session's reference is stored, and a delete releases it with that reference", async () => {
    const { sessionId } = await create();
    assert.deepEqual(await network.held(), [sessionId]);
    const stored = await h.openqod.store.getSession(sessionId);
    assert.equal(stored?.networkRef, `sim-${sessionId}`);
    assert.equal((await h.request("DELETE", `${BASE}/sessions/${sessionId}`)).statusCode, 204);
    await h.tick();
    assert.deepEqual(await network.held(), []);
    assert.deepEqual(
      network.calls.filter((c) => c.op === "release"),
      [{ op: "release", sessionId, ref: `sim-${sessionId}` }],
    );
    assert.deepEqual(await h.openqod.store.networkCommands(), []);
  });

  test("expiry releases the session in the network, once", async () => {
    const { sessionId } = await create({ duration: 60 });
    h.clock.advance(60_000);
    await h.tick();
    assert.deepEqual(await network.held(), []);
    // Removal after retention and a later delete owe nothing more.
    h.clock.advance(400_000);
    await h.tick();
    assert.equal(network.releasesOf(sessionId), 1);
    assert.deepEqual(statuses(), ["AVAILABLE", "UNAVAILABLE/DURATION_EXPIRED"]);
  });

  test("an extension tells the network the new overall duration before it is committed", async () => {
    const { sessionId } = await create({ duration: 60 });
    const res = await h.request("POST", `${BASE}/sessions/${sessionId}/extend`, {
      requestedAdditionalDuration: 30,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      network.calls.find((c) => c.op === "extend"),
      { op: "extend", sessionId, ref: `sim-${sessionId}`, duration: 90 },
    );
  });

  test("a network that fails the extension leaves the session as it was: 503 UNAVAILABLE", async () => {
    const { sessionId } = await create({ duration: 60 });
    network.extend = async () => {
      throw new Error("connect ECONNREFUSED 10.0.0.1:443");
    };
    const res = await h.request("POST", `${BASE}/sessions/${sessionId}/extend`, {
      requestedAdditionalDuration: 30,
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, "UNAVAILABLE");
    assert.equal(res.headers["retry-after"], "5");
    assert.doesNotMatch(res.body, /10\.0\.0\.1/, "the network's address stays in the logs");
    assert.equal((await h.openqod.store.getSession(sessionId))?.duration, 60);
  });

  test("a conflicting create never reaches the network", async () => {
    await create();
    const res = await h.request("POST", `${BASE}/sessions`, sessionBody({ sink: receiver.url }));
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, "CONFLICT");
    assert.equal(network.calls.filter((c) => c.op === "create").length, 1);
  });

  test("a create the network fails is a 503 UNAVAILABLE, and whatever it made is released at the guard's deadline", async () => {
    network.onCreate = async () => {
      throw new Error("socket hang up");
    };
    const res = await h.request("POST", `${BASE}/sessions`, sessionBody());
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, "UNAVAILABLE");
    // The network may yet create it (an answer lost, not a refusal): the guard waits its deadline.
    h.clock.advance(createGuardMs(network) - 1);
    await h.tick();
    assert.equal((await network.held()).length, 1, "the simulator had recorded it before failing");
    h.clock.advance(1);
    await h.tick();
    assert.deepEqual(await network.held(), []);
    const [call] = network.calls.filter((c) => c.op === "release");
    assert.equal(call?.op === "release" && call.ref, null, "released by session id");
  });

  test("the network's own answer reaches the client as it is (404 IDENTIFIER_NOT_FOUND), released at once", async () => {
    network.onCreate = async () => {
      throw new ApiError("IDENTIFIER_NOT_FOUND", "The NEF does not know this UE.");
    };
    const res = await h.request("POST", `${BASE}/sessions`, sessionBody());
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "IDENTIFIER_NOT_FOUND");
    await h.tick();
    assert.deepEqual(await network.held(), []);
  });

  test("two creates racing for one flow: the loser's reservation is released", async () => {
    const [a, b] = await Promise.all([
      h.request("POST", `${BASE}/sessions`, sessionBody()),
      h.request("POST", `${BASE}/sessions`, sessionBody()),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    // Both may pass the first check; the second transaction's check stops one of them.
    if (codes[0] === 201 && codes[1] === 409) {
      await h.tick();
      const winner = (a.statusCode === 201 ? a : b).json().sessionId;
      assert.deepEqual(await network.held(), [winner]);
    } else assert.deepEqual(codes, [201, 409]);
  });

  test("a create whose server died before it committed is released at the guard's deadline", async () => {
    // What a crash between the network's answer and the commit leaves: the guard and a reservation.
    const device = chooseDeviceIdentifier({ phoneNumber: "+36721601234567" });
    const flow = parseFlow({ ipv4Address: "233.252.0.2" }, null, null);
    const now = h.clock.now();
    await h.openqod.store.write((tx) => tx.guardCreate("crashed", now + createGuardMs(network), now));
    await network.create({ sessionId: "crashed", device, flow, qosProfile: "QOS_L", duration: 60 });
    h.clock.advance(createGuardMs(network) - 1);
    await h.tick();
    assert.deepEqual(await network.held(), ["crashed"], "a create may still be under way");
    h.clock.advance(1);
    await h.tick();
    assert.deepEqual(await network.held(), []);
    assert.deepEqual(await h.openqod.store.networkCommands(), []);
  });

  test("a create that outlives its guard fails with 503 and leaves nothing", async () => {
    network.onCreate = async (_request, simulated) => {
      h.clock.advance(createGuardMs(network));
      await h.openqod.networkWorker.runOnce();
      return simulated;
    };
    const res = await h.request("POST", `${BASE}/sessions`, sessionBody());
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, "UNAVAILABLE");
    await h.tick();
    assert.deepEqual(await network.held(), []);
    assert.deepEqual(
      (
        await h.request("POST", `${BASE}/retrieve-sessions`, { device: { phoneNumber: "+36721601234567" } })
      ).json(),
      [],
    );
  });

  test("a failing release is retried (1 s, then 5 s) until the network confirms", async () => {
    const { sessionId } = await create();
    network.failReleases = 2;
    await h.request("DELETE", `${BASE}/sessions/${sessionId}`);
    await h.tick();
    const [owed] = await h.openqod.store.networkCommands();
    assert.equal(owed?.lastError, "the network is unreachable");
    const metrics = (await h.request("GET", "/metrics", undefined, { key: null })).body;
    assert.match(metrics, /^openqod_network_releases_owed 1$/m);
    assert.match(metrics, /^openqod_network_releases_total\{outcome="failed"\} 1$/m);
    h.clock.advance(1_000);
    await h.tick();
    assert.deepEqual(await network.held(), [sessionId]);
    h.clock.advance(4_999);
    await h.tick();
    assert.deepEqual(await network.held(), [sessionId]);
    h.clock.advance(1);
    await h.tick();
    assert.deepEqual(await network.held(), []);
    assert.equal(network.releasesOf(sessionId), 3);
    assert.deepEqual(await h.openqod.store.networkCommands(), []);
  });

  test("a pending grant: REQUESTED until the network's GRANTED event, then AVAILABLE, notified", async () => {
    network.onCreate = async (_request, simulated) => ({ state: "PENDING", ref: simulated.ref ?? "" });
    const { sessionId, qosStatus } = await create();
    assert.equal(qosStatus, "REQUESTED");
    assert.equal(await network.send(sessionId, "GRANTED"), "applied");
    await h.tick();
    assert.equal((await h.openqod.store.getSession(sessionId))?.qosStatus, "AVAILABLE");
    assert.deepEqual(statuses(), ["AVAILABLE"]);
  });

  test("refused after a pending grant: UNAVAILABLE / NETWORK_TERMINATED, notified, released", async () => {
    network.onCreate = async (_request, simulated) => ({ state: "PENDING", ref: simulated.ref ?? "" });
    const { sessionId } = await create();
    assert.equal(await network.send(sessionId, "REFUSED"), "applied");
    await h.tick();
    assert.deepEqual(statuses(), ["UNAVAILABLE/NETWORK_TERMINATED"]);
    assert.deepEqual(await network.held(), []);
  });

  test("no word from the network within the grant timeout ends the session, released", async () => {
    network.onCreate = async (_request, simulated) => ({ state: "PENDING", ref: simulated.ref ?? "" });
    const { sessionId } = await create();
    h.clock.advance(300_000 - 1);
    await h.tick();
    assert.equal((await h.openqod.store.getSession(sessionId))?.qosStatus, "REQUESTED");
    h.clock.advance(1);
    await h.tick();
    assert.deepEqual(statuses(), ["UNAVAILABLE/NETWORK_TERMINATED"]);
    assert.deepEqual(await network.held(), []);
  });

  test("the network terminates a session: UNAVAILABLE / NETWORK_TERMINATED, notified, released once", async () => {
    const { sessionId } = await create();
    assert.equal(await network.send(sessionId, "TERMINATED"), "applied");
    assert.equal(await network.send(sessionId, "TERMINATED"), "ignored");
    await h.tick();
    assert.deepEqual(statuses(), ["AVAILABLE", "UNAVAILABLE/NETWORK_TERMINATED"]);
    assert.equal(network.releasesOf(sessionId), 1);
  });

  test("a termination as the duration runs out is the expiry: DURATION_EXPIRED at expiresAt", async () => {
    const { sessionId } = await create({ duration: 60 });
    h.clock.advance(58_000);
    assert.equal(await network.send(sessionId, "TERMINATED"), "applied");
    const ended = await h.openqod.store.getSession(sessionId);
    assert.equal(ended?.statusInfo, "DURATION_EXPIRED");
    assert.equal(ended?.duration, 60);
    await h.tick();
    assert.deepEqual(statuses(), ["AVAILABLE", "UNAVAILABLE/DURATION_EXPIRED"]);
  });

  test("QoS no longer guaranteed keeps the session AVAILABLE and tells the client nothing", async () => {
    const { sessionId } = await create();
    assert.equal(await network.send(sessionId, "NOT_GUARANTEED"), "ignored");
    assert.equal(await network.send(sessionId, "GUARANTEED"), "ignored");
    await h.tick();
    assert.equal((await h.openqod.store.getSession(sessionId))?.qosStatus, "AVAILABLE");
    assert.deepEqual(statuses(), ["AVAILABLE"]);
  });

  test("an event for no session is 'unknown' and changes nothing", async () => {
    assert.equal(await network.send("01890000-0000-7000-8000-000000000000", "TERMINATED"), "unknown");
    assert.deepEqual(await h.openqod.store.networkCommands(), []);
  });

  test("an event that arrives before its session committed is applied as it commits", async () => {
    network.onCreate = async (request, simulated) => {
      assert.equal(await network.send(request.sessionId, "GRANTED"), "kept");
      return { state: "PENDING", ref: simulated.ref ?? "" };
    };
    const { qosStatus } = await create();
    assert.equal(qosStatus, "AVAILABLE");
    await h.tick();
    assert.deepEqual(statuses(), ["AVAILABLE"]);
  });

  test("reconciliation releases a reservation no session has, and ends a session the network lost", async () => {
    const kept = await create();
    const lost = await create({ applicationServer: { ipv4Address: "233.252.0.3" } });
    const device = chooseDeviceIdentifier({ phoneNumber: "+36721601234567" });
    const flow = parseFlow({ ipv4Address: "233.252.0.9" }, null, null);
    await network.create({ sessionId: "orphan", device, flow, qosProfile: "QOS_L", duration: 60 });
    await network.release({ sessionId: lost.sessionId, ref: null });
    assert.deepEqual(await h.openqod.networkWorker.reconcile(), { orphaned: 1, lost: 1 });
    await h.tick();
    assert.deepEqual(await network.held(), [kept.sessionId]);
    const ended = await h.openqod.store.getSession(lost.sessionId);
    assert.equal(ended?.statusInfo, "NETWORK_TERMINATED");
    assert.deepEqual(await h.openqod.networkWorker.reconcile(), { orphaned: 0, lost: 0 });
  });
});
