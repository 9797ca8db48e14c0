import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { ManualClock } from "../src/clock.ts";
import { loadConfig } from "../src/config.ts";
import type {
  CreateOutcome,
  DeviceCheck,
  NetworkAdapter,
  NetworkSessionRequest,
} from "../src/network/adapter.ts";
import { NetworkSimulator } from "../src/network/simulator.ts";
import { createOpenQod } from "../src/openqod.ts";
import { databaseEnv, dropDatabase, TEST_ENGINE } from "./helpers/engine.ts";
import { bearer, createHarness, type Harness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const QOD = "/quality-on-demand/v1";
const SANDBOX = "/sandbox/v1/sessions";
const UNKNOWN_ID = "0190a0f0-0000-7000-8000-000000000000";

describe("sandbox: the simulated network's events (manual clock)", () => {
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
      sessionBody({ sink: receiver.url, sinkCredential: bearer("tok-net"), ...overrides }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string; qosStatus: string };
  }

  const event = (id: string, kind: string) => h.request("POST", `${SANDBOX}/${id}/network-events`, { kind });
  const read = async (id: string) => (await h.request("GET", `${QOD}/sessions/${id}`)).json();

  for (const [route, send] of [
    ["network-terminate", (id: string) => h.request("POST", `${SANDBOX}/${id}/network-terminate`)],
    ["network-events TERMINATED", (id: string) => event(id, "TERMINATED")],
    ["network-events REFUSED", (id: string) => event(id, "REFUSED")],
  ] as const) {
    test(`${route} ends the session UNAVAILABLE / NETWORK_TERMINATED, notified; a second time is 409`, async () => {
      const session = await create();
      const res = await send(session.sessionId);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().qosStatus, res.json().statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
      await h.tick();
      assert.deepEqual(
        receiver.events.map((e) => e.data),
        [
          { sessionId: session.sessionId, qosStatus: "AVAILABLE" },
          { sessionId: session.sessionId, qosStatus: "UNAVAILABLE", statusInfo: "NETWORK_TERMINATED" },
        ],
      );
      const twice = await send(session.sessionId);
      assert.equal(twice.statusCode, 409);
      assert.deepEqual(twice.json(), {
        status: 409,
        code: "CONFLICT",
        message: `Session ${session.sessionId} has already ended (NETWORK_TERMINATED).`,
      });
    });
  }

  test("NOT_GUARANTEED and GUARANTEED leave the session AVAILABLE and notify nothing", async () => {
    const session = await create();
    for (const kind of ["NOT_GUARANTEED", "GUARANTEED"]) {
      const res = await event(session.sessionId, kind);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().qosStatus, "AVAILABLE");
    }
    await h.tick();
    assert.deepEqual(
      receiver.events.map((e) => e.data.qosStatus),
      ["AVAILABLE"],
    );
  });

  test("a REFUSED REQUESTED session ends before its scheduled grant, which then changes nothing", async () => {
    const session = await create({ device: { phoneNumber: "+99999990202" } });
    assert.equal(session.qosStatus, "REQUESTED");
    const res = await event(session.sessionId, "REFUSED");
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().qosStatus, res.json().statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
    h.clock.advance(2_000);
    await h.tick();
    assert.equal((await read(session.sessionId)).qosStatus, "UNAVAILABLE");
    assert.deepEqual(
      receiver.events.map((e) => e.data),
      [{ sessionId: session.sessionId, qosStatus: "UNAVAILABLE", statusInfo: "NETWORK_TERMINATED" }],
    );
  });

  test("GRANTED makes a REQUESTED session AVAILABLE, notified once; it waited for that event", async () => {
    const session = await create({ device: { phoneNumber: "+99999990102" } });
    assert.equal(session.qosStatus, "REQUESTED");
    h.clock.advance(60_000);
    await h.tick();
    assert.equal((await read(session.sessionId)).qosStatus, "REQUESTED", "nothing scheduled: it waits");
    const res = await event(session.sessionId, "GRANTED");
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().qosStatus, "AVAILABLE");
    assert.equal(res.json().startedAt, new Date(h.clock.now()).toISOString());
    const again = await event(session.sessionId, "GRANTED");
    assert.equal(again.statusCode, 200, "granted again: guaranteed again, nothing changes");
    await h.tick();
    assert.deepEqual(
      receiver.events.map((e) => e.data),
      [{ sessionId: session.sessionId, qosStatus: "AVAILABLE" }],
    );
  });

  test("a session ended by the network is released there", async () => {
    const session = await create();
    const simulator = h.openqod.network;
    assert.ok(simulator instanceof NetworkSimulator);
    assert.ok(simulator.reservation(session.sessionId) !== undefined);
    assert.equal((await event(session.sessionId, "TERMINATED")).statusCode, 200);
    await h.tick();
    assert.equal(simulator.reservation(session.sessionId), undefined);
  });

  test("after network-loss, the reconcile ends the session UNAVAILABLE / NETWORK_TERMINATED, notified", {
    skip: TEST_ENGINE === "postgres" && "on PostgreSQL each instance's simulator lists no reservations",
  }, async () => {
    const session = await create();
    assert.equal((await h.request("POST", `${SANDBOX}/${session.sessionId}/network-loss`)).statusCode, 204);
    assert.deepEqual(await h.openqod.networkWorker.reconcile(), { orphaned: 0, lost: 1 });
    const ended = await read(session.sessionId);
    assert.deepEqual([ended.qosStatus, ended.statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
    await h.tick();
    assert.deepEqual(
      receiver.events.map((e) => e.data),
      [
        { sessionId: session.sessionId, qosStatus: "AVAILABLE" },
        { sessionId: session.sessionId, qosStatus: "UNAVAILABLE", statusInfo: "NETWORK_TERMINATED" },
      ],
    );
  });

  test("network-loss drops the reservation silently: 204, the session reads as before, the network cannot extend or end it", {
    skip:
      TEST_ENGINE === "postgres" &&
      "with a shared database each instance's simulator cannot tell a lost session from another instance's, so it extends and ends any",
  }, async () => {
    const session = await create();
    const lost = await h.request("POST", `${SANDBOX}/${session.sessionId}/network-loss`);
    assert.equal(lost.statusCode, 204);
    assert.equal(lost.body, "");
    assert.equal((await read(session.sessionId)).qosStatus, "AVAILABLE");
    await h.tick();
    assert.equal(receiver.requests.length, 1, "only the AVAILABLE notification: nobody was told");
    const none = `The network holds no reservation for session ${session.sessionId}.`;
    const again = await h.request("POST", `${SANDBOX}/${session.sessionId}/network-loss`);
    assert.equal(again.statusCode, 409);
    assert.deepEqual(again.json(), { status: 409, code: "CONFLICT", message: none });
    const extend = await h.request("POST", `${QOD}/sessions/${session.sessionId}/extend`, {
      requestedAdditionalDuration: 60,
    });
    assert.equal(extend.statusCode, 409);
    assert.deepEqual(extend.json(), {
      status: 409,
      code: "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
      message: `The network no longer holds session ${session.sessionId}; it cannot be extended.`,
    });
    assert.equal((await read(session.sessionId)).duration, 3600, "not extended");
    const terminate = await h.request("POST", `${SANDBOX}/${session.sessionId}/network-terminate`);
    assert.equal(terminate.statusCode, 409, "a network that lost it sends no event for it");
    assert.equal(terminate.json().message, none);
  });

  test("an unknown kind or an extra field is 400 INVALID_ARGUMENT and changes nothing", async () => {
    const session = await create();
    for (const [body, message] of [
      [
        { kind: "DEGRADED" },
        "kind must be one of GRANTED, REFUSED, NOT_GUARANTEED, GUARANTEED or TERMINATED",
      ],
      [{}, "kind is required"],
      [{ kind: "TERMINATED", extra: 1 }, "extra is not a known property; the request body accepts kind"],
    ] as const) {
      const res = await h.request("POST", `${SANDBOX}/${session.sessionId}/network-events`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.deepEqual(res.json(), { status: 400, code: "INVALID_ARGUMENT", message });
    }
    assert.equal((await read(session.sessionId)).qosStatus, "AVAILABLE");
  });

  test("another client's session is 403, an unknown one 404, no key 401, for every network route", async () => {
    const session = await create();
    const other = await h.newClient("other");
    for (const [path, body] of [
      ["network-terminate", undefined],
      ["network-events", { kind: "TERMINATED" }],
      ["network-loss", undefined],
    ] as const) {
      const theirs = await h.request("POST", `${SANDBOX}/${session.sessionId}/${path}`, body, { key: other });
      assert.equal(theirs.statusCode, 403, path);
      assert.equal(theirs.json().code, "PERMISSION_DENIED");
      const unknown = await h.request("POST", `${SANDBOX}/${UNKNOWN_ID}/${path}`, body);
      assert.equal(unknown.statusCode, 404, path);
      assert.equal(unknown.json().code, "NOT_FOUND");
      const anonymous = await h.request("POST", `${SANDBOX}/${session.sessionId}/${path}`, body, {
        key: null,
      });
      assert.equal(anonymous.statusCode, 401, path);
    }
    assert.equal((await read(session.sessionId)).qosStatus, "AVAILABLE", "none of them touched it");
    const still = await event(session.sessionId, "NOT_GUARANTEED");
    assert.equal(still.statusCode, 200, "the network still holds it");
  });

  test("a REQUESTED session the network never answers ends at the grant timeout, notified", async () => {
    const timed = await createHarness({ OPENQOD_NETWORK_GRANT_TIMEOUT: "10s" });
    try {
      const res = await timed.request(
        "POST",
        `${QOD}/sessions`,
        sessionBody({ device: { phoneNumber: "+99999990102" }, sink: receiver.url }),
      );
      assert.equal(res.json().qosStatus, "REQUESTED");
      const id = res.json().sessionId as string;
      timed.clock.advance(9_999);
      await timed.tick();
      assert.equal((await timed.request("GET", `${QOD}/sessions/${id}`)).json().qosStatus, "REQUESTED");
      timed.clock.advance(1);
      await timed.tick();
      const ended = (await timed.request("GET", `${QOD}/sessions/${id}`)).json();
      assert.deepEqual([ended.qosStatus, ended.statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
      assert.deepEqual(
        receiver.events.map((e) => e.data),
        [{ sessionId: id, qosStatus: "UNAVAILABLE", statusInfo: "NETWORK_TERMINATED" }],
      );
    } finally {
      await timed.close();
    }
  });

  test("is not mounted outside the sandbox", async () => {
    const production = await createHarness({ OPENQOD_SANDBOX: "false" });
    try {
      const res = await production.request("POST", `${SANDBOX}/${UNKNOWN_ID}/network-events`, {
        kind: "GRANTED",
      });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, "NOT_FOUND");
    } finally {
      await production.close();
    }
  });
});

/** A network that is not the simulator: grants at once, records what OpenQoD asks it to release. */
class RecordingNetwork implements NetworkAdapter {
  readonly name = "recording";
  readonly released: Array<{ sessionId: string; ref: string | null }> = [];
  async checkDevice(): Promise<DeviceCheck> {
    return { status: "KNOWN", profiles: null };
  }
  async create(request: NetworkSessionRequest): Promise<CreateOutcome> {
    return { state: "GRANTED", ref: `rec-${request.sessionId}` };
  }
  async extend(): Promise<void> {}
  async release(target: { sessionId: string; ref: string | null }): Promise<void> {
    this.released.push(target);
  }
  async reservations(): Promise<null> {
    return null;
  }
  onEvent(): void {}
  async close(): Promise<void> {}
}

describe("sandbox: in front of a network that is not the simulator", () => {
  test("network-terminate ends the session in OpenQoD and releases it; the simulator's routes are not mounted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openqod-test-"));
    const network = new RecordingNetwork();
    const config = loadConfig([], {
      OPENQOD_DATA_DIR: dir,
      OPENQOD_SANDBOX_KEY: SANDBOX_KEY,
      ...(await databaseEnv(dir)),
    });
    const openqod = await createOpenQod({
      config,
      clock: new ManualClock(Date.UTC(2026, 5, 1, 12)),
      network,
    });
    const post = (url: string, payload?: object) =>
      openqod.app.inject({
        method: "POST",
        url,
        headers: { authorization: `Bearer ${SANDBOX_KEY}` },
        ...(payload === undefined ? {} : { payload }),
      });
    try {
      const created = await post(`${QOD}/sessions`, sessionBody());
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().sessionId as string;
      const ended = await post(`${SANDBOX}/${id}/network-terminate`);
      assert.equal(ended.statusCode, 200, ended.body);
      assert.deepEqual(
        [ended.json().qosStatus, ended.json().statusInfo],
        ["UNAVAILABLE", "NETWORK_TERMINATED"],
      );
      await openqod.networkWorker.runOnce();
      assert.deepEqual(network.released, [{ sessionId: id, ref: `rec-${id}` }]);
      for (const route of ["network-events", "network-loss"]) {
        const res = await post(
          `${SANDBOX}/${id}/${route}`,
          route === "network-events" ? { kind: "GRANTED" } : undefined,
        );
        assert.equal(res.statusCode, 404, route);
        assert.equal(res.json().code, "NOT_FOUND");
      }
    } finally {
      await openqod.close();
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });
});
