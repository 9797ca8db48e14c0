import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { ConfigError } from "../src/config.ts";
import { dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const QOD = "/quality-on-demand/v1";
const PROFILES = "/qos-profiles/v1/retrieve-qos-profiles";

const SLOW = "+36701111111";
const SLOW_REFUSAL = "+36702222222";
const PREMIUM = "+36703333333";
const NONE = "+36704444444";
const ANYONE = "+36721601234567";

const REGISTRY = {
  restrictedProfiles: ["QOS_L"],
  devices: [
    { phoneNumber: SLOW, activationDelay: "3s" },
    { phoneNumber: SLOW_REFUSAL, outcome: "REFUSE", activationDelay: "1s" },
    { phoneNumber: PREMIUM, qosProfiles: ["QOS_E", "QOS_L"] },
    { phoneNumber: NONE, qosProfiles: [] },
  ],
};

describe("the simulator's device registry, through the API (manual clock)", () => {
  let h: Harness;
  let receiver: TestReceiver;
  let dir: string;
  before(async () => {
    receiver = await TestReceiver.start();
    dir = await mkdtemp(join(tmpdir(), "openqod-registry-"));
    await writeFile(join(dir, "devices.json"), JSON.stringify(REGISTRY));
  });
  after(async () => {
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    h = await createHarness({ OPENQOD_DEVICES_FILE: join(dir, "devices.json") });
  });
  afterEach(() => h.close());

  async function create(phoneNumber: string, qosProfile = "QOS_E") {
    const res = await h.request(
      "POST",
      `${QOD}/sessions`,
      sessionBody({ device: { phoneNumber }, qosProfile, sink: receiver.url, duration: 60 }),
    );
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { sessionId: string; qosStatus: string };
  }

  const read = async (id: string) => (await h.request("GET", `${QOD}/sessions/${id}`)).json();

  test("a device with its own delay stays REQUESTED that long, then AVAILABLE, notified once", async () => {
    const session = await create(SLOW);
    assert.equal(session.qosStatus, "REQUESTED");
    h.clock.advance(2_999);
    await h.tick();
    assert.equal((await read(session.sessionId)).qosStatus, "REQUESTED");
    assert.equal(receiver.requests.length, 0);
    h.clock.advance(1);
    await h.tick();
    const granted = await read(session.sessionId);
    assert.equal(granted.qosStatus, "AVAILABLE");
    assert.equal(granted.startedAt, new Date(h.clock.now()).toISOString());
    assert.deepEqual(
      receiver.events.map((e) => e.data),
      [{ sessionId: session.sessionId, qosStatus: "AVAILABLE" }],
    );
    // Others keep the global delay (0): AVAILABLE in the 201.
    assert.equal((await create(ANYONE)).qosStatus, "AVAILABLE");
  });

  test("a refused device with a delay is REQUESTED for it, then UNAVAILABLE / NETWORK_TERMINATED", async () => {
    const session = await create(SLOW_REFUSAL);
    assert.equal(session.qosStatus, "REQUESTED");
    h.clock.advance(999);
    await h.tick();
    assert.equal((await read(session.sessionId)).qosStatus, "REQUESTED");
    h.clock.advance(1);
    await h.tick();
    const ended = await read(session.sessionId);
    assert.deepEqual([ended.qosStatus, ended.statusInfo], ["UNAVAILABLE", "NETWORK_TERMINATED"]);
    assert.deepEqual(
      receiver.events.map((e) => e.data),
      [{ sessionId: session.sessionId, qosStatus: "UNAVAILABLE", statusInfo: "NETWORK_TERMINATED" }],
    );
  });

  test("retrieve-qos-profiles with a device lists only what it may use; [] for a device with none", async () => {
    const names = async (phoneNumber: string, filter: Record<string, unknown> = {}) => {
      const res = await h.request("POST", PROFILES, { device: { phoneNumber }, ...filter });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as Array<{ name: string }>).map((p) => p.name);
    };
    assert.deepEqual(await names(ANYONE), ["QOS_E", "QOS_S", "QOS_M"], "QOS_L is restricted");
    assert.deepEqual(await names(PREMIUM), ["QOS_E", "QOS_L"]);
    assert.deepEqual(await names(PREMIUM, { name: "QOS_S" }), [], "the filters combine");
    assert.deepEqual(await names(NONE), []);
    assert.deepEqual(await names("+99999990204"), [], "the built-in test identifier with no profiles");
    const all = await h.request("POST", PROFILES, {});
    assert.deepEqual(
      (all.json() as Array<{ name: string }>).map((p) => p.name),
      ["QOS_E", "QOS_S", "QOS_M", "QOS_L"],
      "without a device, every profile",
    );
    const unknown = await h.request("POST", PROFILES, { device: { phoneNumber: "+99999990404" } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "IDENTIFIER_NOT_FOUND");
  });

  test("a profile the device may not use is 422 QOS_PROFILE_NOT_APPLICABLE, in v1 and v0; nothing is created", async () => {
    const cases: Array<[string, string]> = [
      [ANYONE, "QOS_L"],
      [NONE, "QOS_E"],
      ["+99999990204", "QOS_S"],
    ];
    for (const [phoneNumber, qosProfile] of cases) {
      const res = await h.request(
        "POST",
        `${QOD}/sessions`,
        sessionBody({ device: { phoneNumber }, qosProfile }),
      );
      assert.equal(res.statusCode, 422, `${phoneNumber} ${qosProfile}`);
      assert.deepEqual(res.json(), {
        status: 422,
        code: "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
        message: `The requested QoS Profile ${qosProfile} is not available for this device; see retrieve-qos-profiles with the device.`,
      });
    }
    const { duration: _d, ...v0 } = sessionBody({ device: { phoneNumber: NONE }, qosProfile: "QOS_E" });
    const nac = await h.request("POST", "/qod/v0/sessions", v0, {
      key: null,
      headers: { "x-rapidapi-key": SANDBOX_KEY },
    });
    assert.equal(nac.statusCode, 422);
    assert.equal(nac.json().code, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE");
    const listed = await h.request("POST", `${QOD}/retrieve-sessions`, { device: { phoneNumber: NONE } });
    assert.deepEqual(listed.json(), [], "no session was created");
    assert.equal((await create(PREMIUM, "QOS_L")).qosStatus, "AVAILABLE", "a device named for it may");
  });
});

describe("the simulator's built-in test identifiers", () => {
  test("+99999990202 stays REQUESTED for 2 s, then AVAILABLE", async () => {
    const h = await createHarness();
    try {
      const res = await h.request(
        "POST",
        `${QOD}/sessions`,
        sessionBody({ device: { phoneNumber: "+99999990202" } }),
      );
      assert.equal(res.json().qosStatus, "REQUESTED");
      h.clock.advance(1_999);
      await h.tick();
      const id = res.json().sessionId as string;
      assert.equal((await h.request("GET", `${QOD}/sessions/${id}`)).json().qosStatus, "REQUESTED");
      h.clock.advance(1);
      await h.tick();
      assert.equal((await h.request("GET", `${QOD}/sessions/${id}`)).json().qosStatus, "AVAILABLE");
    } finally {
      await h.close();
    }
  });
});

describe("a devices file that names a profile the catalogue lacks", () => {
  test("stops the start with a ConfigError naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "openqod-registry-"));
    try {
      const path = join(dir, "devices.json");
      await writeFile(path, JSON.stringify({ devices: [{ phoneNumber: SLOW, qosProfiles: ["QOS_XL"] }] }));
      await assert.rejects(
        createHarness({ OPENQOD_DEVICES_FILE: path }, dir),
        (error) =>
          error instanceof ConfigError &&
          error.problems.join() ===
            `devices file ${path}: devices/0/qosProfiles names QOS_XL, which is not a QoS profile`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(dir);
    }
  });
});
