import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadDevicesFile } from "../src/catalogue-files.ts";
import { ConfigError } from "../src/config.ts";
import { chooseDeviceIdentifier } from "../src/domain/device.ts";
import { parseFlow } from "../src/domain/flow.ts";
import { ApiError } from "../src/errors.ts";
import type { NetworkEvent, NetworkSessionRequest } from "../src/network/adapter.ts";
import { NetworkSimulator } from "../src/network/simulator.ts";

const CATALOGUE = ["QOS_E", "QOS_S", "QOS_M", "QOS_L"];
const SESSION = "0190a0f0-0000-7000-8000-000000000001";

function request(overrides: Partial<NetworkSessionRequest> = {}): NetworkSessionRequest {
  return {
    sessionId: SESSION,
    device: chooseDeviceIdentifier({ phoneNumber: "+36721601234567" }),
    flow: parseFlow({ ipv4Address: "233.252.0.2" }, null, null),
    qosProfile: "QOS_L",
    duration: 3600,
    ...overrides,
  };
}

const phone = (phoneNumber: string) => chooseDeviceIdentifier({ phoneNumber });

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => error instanceof ApiError && error.code === code);
}

describe("the simulator keeps the adapter contract", () => {
  test("grants at once and holds the reservation under a sim- ref until released", async () => {
    const sim = new NetworkSimulator();
    const outcome = await sim.create(request());
    assert.deepEqual(outcome, { state: "GRANTED", ref: `sim-${SESSION}` });
    assert.deepEqual(await sim.reservations(), [{ sessionId: SESSION, ref: outcome.ref }]);
    await sim.release({ sessionId: SESSION, ref: outcome.ref });
    assert.deepEqual(await sim.reservations(), []);
    await sim.release({ sessionId: SESSION, ref: outcome.ref });
    assert.deepEqual(await sim.reservations(), [], "a second release is a no-op");
  });

  test("release with ref null finds the reservation by session id; a stale ref leaves the current one", async () => {
    const sim = new NetworkSimulator();
    const { ref } = await sim.create(request());
    await sim.release({ sessionId: SESSION, ref: "sim-stale" });
    assert.equal(sim.reservation(SESSION)?.ref, ref);
    await sim.release({ sessionId: SESSION, ref: null });
    assert.equal(sim.reservation(SESSION), undefined);
  });

  test("a delay (global, or the device's own) is a PENDING create with the verdict scheduled", async () => {
    const sim = new NetworkSimulator({
      activationDelayMs: 500,
      rules: [{ phoneNumber: "+36701111111", outcome: "GRANT", activationDelayMs: 3_000 }],
    });
    const global = await sim.create(request());
    assert.deepEqual(global, {
      state: "PENDING",
      ref: global.ref,
      scheduled: { verdict: "GRANT", afterMs: 500 },
    });
    const own = await sim.create(request({ sessionId: "s2", device: phone("+36701111111") }));
    assert.deepEqual(own, {
      state: "PENDING",
      ref: own.ref,
      scheduled: { verdict: "GRANT", afterMs: 3_000 },
    });
  });

  test("a refused device is PENDING with a scheduled REFUSE, and its reservation is held until released", async () => {
    const sim = new NetworkSimulator();
    const outcome = await sim.create(request({ device: phone("+99999990503") }));
    assert.deepEqual(outcome, {
      state: "PENDING",
      ref: outcome.ref,
      scheduled: { verdict: "REFUSE", afterMs: 0 },
    });
    assert.equal((await sim.reservations())?.length, 1);
  });

  test("the 2 s test identifier stays REQUESTED for 2 s; the unknown and not-applicable ones are errors", async () => {
    const sim = new NetworkSimulator();
    const slow = await sim.create(request({ device: phone("+99999990202") }));
    assert.deepEqual(slow, {
      state: "PENDING",
      ref: slow.ref,
      scheduled: { verdict: "GRANT", afterMs: 2_000 },
    });
    await rejectsWith(
      sim.create(request({ sessionId: "s2", device: phone("+99999990404") })),
      "IDENTIFIER_NOT_FOUND",
    );
    await rejectsWith(
      sim.create(request({ sessionId: "s3", device: phone("+99999990422") })),
      "SERVICE_NOT_APPLICABLE",
    );
    assert.deepEqual(
      (await sim.reservations())?.map((r) => r.sessionId),
      [SESSION],
      "nothing held for a failed create",
    );
  });

  test("a PENDING device's create is PENDING with nothing scheduled: it waits for an event", async () => {
    const sim = new NetworkSimulator({ activationDelayMs: 500 });
    const outcome = await sim.create(request({ device: phone("+99999990102") }));
    assert.deepEqual(outcome, { state: "PENDING", ref: outcome.ref });
    assert.equal((await sim.checkDevice(phone("+99999990102"))).status, "KNOWN");
    assert.equal(sim.reservation(SESSION)?.ref, outcome.ref);
  });

  test("extend records the new overall duration; extending what the network lost is 409", async () => {
    const sim = new NetworkSimulator();
    const { ref } = await sim.create(request({ duration: 600 }));
    assert.ok(ref !== null);
    await sim.extend({ sessionId: SESSION, ref }, 900);
    assert.equal(sim.reservation(SESSION)?.duration, 900);
    assert.equal(sim.drop(SESSION), true);
    await rejectsWith(
      sim.extend({ sessionId: SESSION, ref }, 1200),
      "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
    );
  });

  test("a simulator that cannot know every reservation (several instances) lists none: null", async () => {
    const sim = new NetworkSimulator({ listsReservations: false });
    await sim.create(request());
    assert.equal(await sim.reservations(), null);
    assert.ok(sim.reservation(SESSION) !== undefined, "it still holds its own");
  });

  test("restore takes the live reservations back after a restart; close forgets everything", async () => {
    const sim = new NetworkSimulator();
    await sim.restore([{ sessionId: SESSION, ref: "sim-kept" }]);
    assert.deepEqual(await sim.reservations(), [{ sessionId: SESSION, ref: "sim-kept" }]);
    await sim.extend({ sessionId: SESSION, ref: "sim-kept" }, 1800);
    assert.equal(sim.reservation(SESSION)?.duration, 1800, "a restored reservation can be extended");
    await sim.release({ sessionId: SESSION, ref: "sim-kept" });
    assert.deepEqual(await sim.reservations(), []);
    await sim.restore([{ sessionId: SESSION, ref: "sim-kept" }]);
    await sim.close();
    assert.deepEqual(await sim.reservations(), []);
  });
});

describe("the simulator's injected events", () => {
  test("each kind reaches the sink with the session's id and ref, once OpenQoD committed it", async () => {
    const sim = new NetworkSimulator();
    const received: NetworkEvent[] = [];
    sim.onEvent(async (event) => {
      received.push(event);
      return "applied";
    });
    const { ref } = await sim.create(request());
    for (const kind of ["GRANTED", "REFUSED", "NOT_GUARANTEED", "GUARANTEED", "TERMINATED"] as const) {
      assert.equal(await sim.inject(SESSION, kind), "applied", "what OpenQoD made of it");
    }
    assert.deepEqual(
      received.map((e) => [e.sessionId, e.ref, e.kind]),
      ["GRANTED", "REFUSED", "NOT_GUARANTEED", "GUARANTEED", "TERMINATED"].map((k) => [SESSION, ref, k]),
    );
    assert.equal(sim.reservation(SESSION)?.ref, ref, "the reservation stays until OpenQoD releases it");
  });

  test("a sink that cannot commit fails the injection; a dropped reservation sends nothing (409)", async () => {
    const sim = new NetworkSimulator();
    await rejectsWith(
      sim.create(request()).then(() => sim.inject(SESSION, "TERMINATED")),
      "UNAVAILABLE",
    );
    sim.onEvent(async () => {
      throw new Error("database down");
    });
    await assert.rejects(sim.inject(SESSION, "TERMINATED"), /database down/);
    assert.equal(sim.drop(SESSION), true);
    assert.equal(sim.drop(SESSION), false);
    assert.deepEqual(await sim.reservations(), [], "lost silently: only a reconcile notices");
    await rejectsWith(sim.inject(SESSION, "GRANTED"), "CONFLICT");
  });
});

describe("the device registry's QoS profiles", () => {
  const sim = new NetworkSimulator({
    catalogue: CATALOGUE,
    restrictedProfiles: ["QOS_L"],
    rules: [
      { phoneNumber: "+36701111111", outcome: "GRANT", qosProfiles: ["QOS_E", "QOS_L"] },
      { ipv4PublicAddress: "203.0.113.5", outcome: "GRANT", qosProfiles: [] },
    ],
  });

  test("a restricted profile is left out for devices whose rule does not name it", async () => {
    assert.deepEqual(await sim.checkDevice(phone("+36721601234567")), {
      status: "KNOWN",
      profiles: ["QOS_E", "QOS_S", "QOS_M"],
    });
    assert.deepEqual((await sim.checkDevice(phone("+36701111111"))).profiles, ["QOS_E", "QOS_L"]);
  });

  test("a device with [] may use none; without restrictions every device may use all (null)", async () => {
    const device = chooseDeviceIdentifier({
      ipv4Address: { publicAddress: "203.0.113.5", publicPort: 5000 },
    });
    assert.deepEqual((await sim.checkDevice(device)).profiles, []);
    assert.deepEqual((await new NetworkSimulator().checkDevice(phone("+36721601234567"))).profiles, null);
    assert.deepEqual((await new NetworkSimulator().checkDevice(phone("+99999990204"))).profiles, []);
  });
});

describe("the devices file", () => {
  async function load(content: unknown): Promise<ReturnType<typeof loadDevicesFile>> {
    const dir = await mkdtemp(join(tmpdir(), "openqod-devices-"));
    try {
      const path = join(dir, "devices.json");
      await writeFile(path, JSON.stringify(content));
      return await loadDevicesFile(path, CATALOGUE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test("reads delays as durations, profiles, restrictions; outcome defaults to GRANT", async () => {
    const registry = await load({
      restrictedProfiles: ["QOS_L"],
      devices: [{ phoneNumber: "+36701111111", activationDelay: "2s", qosProfiles: ["QOS_L"] }],
    });
    assert.deepEqual(registry, {
      unknownDevices: "GRANT",
      restrictedProfiles: ["QOS_L"],
      rules: [
        { phoneNumber: "+36701111111", outcome: "GRANT", activationDelayMs: 2_000, qosProfiles: ["QOS_L"] },
      ],
    });
  });

  for (const [what, content, problem] of [
    [
      "an unknown profile name",
      { devices: [{ phoneNumber: "+1", qosProfiles: ["QOS_XL"] }] },
      /devices\/0\/qosProfiles names QOS_XL, which is not a QoS profile/,
    ],
    [
      "an unknown restricted profile",
      { restrictedProfiles: ["QOS_X"] },
      /restrictedProfiles names QOS_X, which is not a QoS profile/,
    ],
    [
      "a malformed delay",
      { devices: [{ phoneNumber: "+1", activationDelay: "soon" }] },
      /activationDelay must be/,
    ],
    ["an entry without identifier", { devices: [{ outcome: "REFUSE" }] }, /devices\/0 has no identifier/],
    [
      "several problems, each named",
      {
        devices: [
          { outcome: "REFUSE" },
          { phoneNumber: "+1", activationDelay: "soon", qosProfiles: ["QOS_X"] },
        ],
      },
      /devices\/0 has no identifier.*\n.*devices\/1\/activationDelay must be.*\n.*devices\/1\/qosProfiles names QOS_X/,
    ],
    ["an unknown field", { devices: [{ phoneNumber: "+1", delay: "2s" }] }, /devices file/],
  ] as const) {
    test(`stops the start on ${what}`, async () => {
      await assert.rejects(
        load(content),
        (error) => error instanceof ConfigError && problem.test(error.problems.join("\n")),
      );
    });
  }
});
