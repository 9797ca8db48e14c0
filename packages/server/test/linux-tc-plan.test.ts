/**
 * The linux-tc network adapter's pure parts, which run everywhere: port blocks, priorities, plans,
 * conflicts, admission, refs and settings (the kernel's part: linux-tc-kernel.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../src/config.ts";
import { parseFlow } from "../src/domain/flow.ts";
import type { Device } from "../src/domain/types.ts";
import { admit } from "../src/network/linux-tc/admission.ts";
import { htbPrio, planSession, tcFlowsOverlap } from "../src/network/linux-tc/plan.ts";
import { portBlocks } from "../src/network/linux-tc/port-blocks.ts";
import { parseLinkRate } from "../src/network/linux-tc/rate.ts";
import { decodeRef, encodeRef } from "../src/network/linux-tc/ref.ts";
import { apiError, DEVICE, LINKS, profiles, request } from "./helpers/linux-tc-fixtures.ts";

describe("linux-tc: what the kernel is asked for", () => {
  it("splits a port range into aligned blocks covering exactly its ports", () => {
    for (const [from, to] of [
      [0, 65535],
      [1024, 65535],
      [5202, 5202],
      [6000, 6100],
      [1, 65534],
    ] as const) {
      const blocks = portBlocks(from, to);
      const covered = new Set<number>();
      for (let port = 0; port <= 65535; port++) {
        if (blocks.some((b) => (port & b.mask) === b.value)) covered.add(port);
      }
      assert.equal(covered.size, to - from + 1, `${from}-${to}`);
      assert.ok(covered.has(from) && covered.has(to));
      assert.ok(blocks.length <= 30);
    }
    assert.equal(portBlocks(1024, 65535).length, 6);
    assert.deepEqual(portBlocks(0, 65535), [{ value: 0, mask: 0 }]);
  });

  it("maps CAMARA's priority (1 first) onto htb's 0..6, keeping 7 for traffic of no session", () => {
    assert.deepEqual([1, 10, 15, 16, 20, 30, 40, 100].map(htbPrio), [0, 0, 0, 1, 1, 2, 2, 6]);
    assert.equal(htbPrio(undefined), 3);
  });

  it("plans QOS_L as 50 Mbit/s guaranteed and 100 max downstream, 10 and 20 upstream", () => {
    const plan = planSession(
      { sessionId: "s", identifiers: DEVICE, flow: request().flow, profile: profiles.get("QOS_L")! },
      LINKS,
    );
    assert.deepEqual(plan.down, { rate: 50e6, ceil: 100e6, prio: 1 });
    assert.deepEqual(plan.up, { rate: 10e6, ceil: 20e6, prio: 1 });
    assert.deepEqual(plan.flow.device, ["198.18.1.2/32"]);
    assert.deepEqual(plan.flow.servers, ["198.18.2.2/32"]);
    // A ceiling is capped by the link.
    const narrow = planSession(
      { sessionId: "s", identifiers: DEVICE, flow: request().flow, profile: profiles.get("QOS_L")! },
      { down: 60e6, up: null },
    );
    assert.equal(narrow.down.ceil, 60e6);
  });

  it("refuses what u32 cannot match, with CAMARA errors", () => {
    const plan = (identifiers: Device, flow = request().flow) =>
      planSession({ sessionId: "s", identifiers, flow, profile: profiles.get("QOS_E")! }, LINKS);
    assert.throws(
      () => plan({ phoneNumber: "+3670123456" }),
      apiError(422, "UNSUPPORTED_IDENTIFIER", /ipv4Address/),
    );
    assert.throws(
      () => plan({ ipv6Address: "2001:2:0:1::2" }),
      apiError(400, "INVALID_ARGUMENT", /no address of the device's IP version/),
    );
    const ports = Array.from({ length: 20 }, (_, i) => 1001 + i * 2);
    const flow = parseFlow({ ipv4Address: "198.18.2.2" }, { ports }, { ports });
    assert.throws(() => plan(DEVICE, flow), apiError(400, "INVALID_ARGUMENT", /make 800 traffic filters/));
  });

  it("matches an IPv6 device by its /64, as CAMARA identifies it", () => {
    const flow = parseFlow({ ipv6Address: "2001:2:0:2::/64" }, null, null);
    const plan = planSession(
      {
        sessionId: "s",
        identifiers: { ipv6Address: "2001:2:0:1::2" },
        flow,
        profile: profiles.get("QOS_E")!,
      },
      LINKS,
    );
    assert.deepEqual(plan.flow.device, ["2001:2:0:1::2/64"]);
    assert.deepEqual(plan.flow.servers, ["2001:2:0:2:0:0:0:0/64"]);
  });

  it("admits guarantees only while they fit in 95% of the link", () => {
    const qosL = planSession(
      { sessionId: "s", identifiers: DEVICE, flow: request().flow, profile: profiles.get("QOS_L")! },
      LINKS,
    );
    const qosM = planSession(
      { sessionId: "s", identifiers: DEVICE, flow: request().flow, profile: profiles.get("QOS_M")! },
      LINKS,
    );
    admit(qosM, "QOS_M", { down: 80e6, up: 10e6 }, LINKS); // 80 + 10 = 90 of 95
    assert.throws(
      () => admit(qosL, "QOS_L", { down: 50e6, up: 10e6 }, LINKS),
      apiError(
        422,
        "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
        /^QOS_L guarantees 50 Mbit\/s downstream, but only 45 Mbit\/s of the 95 Mbit\/s this network guarantees to sessions is free/,
      ),
    );
  });

  it("sees two flows as conflicting when one packet could match both", () => {
    const flow = (device: string, ports: number[] | null, server = "198.18.2.0/24") =>
      planSession(
        {
          sessionId: "s",
          identifiers: { ipv4Address: { publicAddress: device, privateAddress: device } },
          flow: parseFlow({ ipv4Address: server }, ports === null ? null : { ports }, null),
          profile: profiles.get("QOS_E")!,
        },
        LINKS,
      ).flow;
    assert.equal(tcFlowsOverlap(flow("198.18.1.2", [5202]), flow("198.18.1.2", null, "198.18.2.2")), true);
    assert.equal(tcFlowsOverlap(flow("198.18.1.2", [5202]), flow("198.18.1.2", [5203])), false);
    assert.equal(tcFlowsOverlap(flow("198.18.1.2", [5202]), flow("198.18.1.3", [5202])), false);
    assert.equal(tcFlowsOverlap(flow("198.18.1.2", null), flow("198.18.1.2", null, "198.18.3.0/24")), false);
  });

  it("keeps the plan in the session's ref, and knows no other network's ref", () => {
    const planned = planSession(
      { sessionId: "s", identifiers: DEVICE, flow: request().flow, profile: profiles.get("QOS_L")! },
      LINKS,
    );
    const plan = { ...planned, minor: 0x123 };
    assert.deepEqual(decodeRef("s", encodeRef(plan)), plan);
    assert.equal(decodeRef("s", "sim-s"), null);
    assert.equal(decodeRef("s", 'linux-tc:{"minor":5}'), null);
    // Values the kernel would change, or that no plan makes, are not a plan.
    for (const damage of [
      { minor: 291.5 },
      { down: { ...plan.down, prio: 9 } },
      { up: { ...plan.up, rate: 0 } },
    ]) {
      assert.equal(decodeRef("s", encodeRef({ ...plan, ...damage })), null, JSON.stringify(damage));
    }
    const badPorts = {
      ...plan,
      flow: { ...plan.flow, devicePorts: [[5000, 70000]] as Array<[number, number]> },
    };
    assert.equal(decodeRef("s", encodeRef(badPorts)), null);
  });

  it("reads link rates in tc's bits, refusing bytes and CAMARA's units", () => {
    assert.equal(parseLinkRate("100mbit"), 100e6);
    assert.equal(parseLinkRate("1Gbit"), 1e9);
    assert.deepEqual(parseLinkRate("100mbps"), {
      problem: "must be a rate in bits per second, e.g. 100mbit, 1gbit, 500kbit",
    });
    assert.deepEqual(parseLinkRate("500kbit"), { problem: "must be from 1mbit to 400gbit" });
  });

  it("checks the settings at start, naming the variables", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig([], env);
        return [];
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
    };
    assert.deepEqual(problems({ OPENQOD_NETWORK: "linux-tc" }), [
      "OPENQOD_NETWORK=linux-tc needs OPENQOD_TC_DOWNLINK_DEVICE (the interface towards the devices)",
      "OPENQOD_NETWORK=linux-tc needs OPENQOD_TC_LINK_RATE (the capacity to share, e.g. 100mbit)",
    ]);
    assert.deepEqual(problems({ OPENQOD_TC_LINK_RATE: "100mbit" }), [
      "OPENQOD_TC_LINK_RATE is set but the network is simulator: set OPENQOD_NETWORK=linux-tc",
    ]);
    const bad = problems({
      OPENQOD_NETWORK: "linux-tc",
      OPENQOD_TC_DOWNLINK_DEVICE: "eth0/1",
      OPENQOD_TC_LINK_RATE: "8mbps",
    });
    assert.ok(
      bad.includes('OPENQOD_TC_DOWNLINK_DEVICE="eth0/1" must be an interface name of at most 15 characters'),
    );
    assert.ok(
      bad.includes(
        'OPENQOD_TC_LINK_RATE="8mbps" must be a rate in bits per second, e.g. 100mbit, 1gbit, 500kbit',
      ),
    );
    const config = loadConfig(
      ["--network", "linux-tc", "--tc-downlink-device", "down0", "--tc-link-rate", "100mbit"],
      {},
    );
    assert.equal(config.tcLinkRate, 100e6);
  });
});
