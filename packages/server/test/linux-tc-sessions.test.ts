/**
 * Sessions over the API in front of `--network linux-tc`: a granted session is in the kernel, a refused
 * one is a CAMARA error, every end takes its classes away, and a restart puts back what a live session
 * lost. Real traffic control in a namespace of this test's own, as root only (the traffic itself is
 * tc-proof.test.ts's).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/clock.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { removeInterfaceClaims } from "../src/network/linux-tc/create.ts";
import { createOpenQod, type OpenQod } from "../src/openqod.ts";
import { labSkip } from "./helpers/lab-skip.ts";

const skip = labSkip(["tc"]);
const NS = `oqts${process.pid}`;
const KEY = "linux-tc-sessions-test-key-000000000001";
const QOD = "/quality-on-demand/v1";
const tc = (...args: string[]) => execFileSync("tc", ["-n", NS, ...args], { encoding: "utf8" });
const sessionClasses = (dev: string) =>
  tc("class", "show", "dev", dev)
    .split("\n")
    .filter((l) => /^class htb 1:[1-7][0-9a-f]{2,3} /.test(l))
    .map((l) => l.replace(/ burst.*$/, "").trim());

function body(address: string, profile = "QOS_L", extra: object = {}) {
  return {
    device: { ipv4Address: { publicAddress: address, privateAddress: address } },
    applicationServer: { ipv4Address: "198.18.2.2" },
    devicePorts: { ports: [5202] },
    qosProfile: profile,
    duration: 60,
    ...extra,
  };
}

describe("sessions in front of linux-tc", { skip, timeout: 120_000 }, () => {
  let dir = "";
  let clock: ManualClock;
  const env = () => ({
    OPENQOD_DATA_DIR: dir,
    OPENQOD_SANDBOX_KEY: KEY,
    OPENQOD_NETWORK: "linux-tc",
    OPENQOD_TC_NETNS: NS,
    OPENQOD_TC_DOWNLINK_DEVICE: "down0",
    OPENQOD_TC_UPLINK_DEVICE: "up0",
    OPENQOD_TC_LINK_RATE: "100mbit",
  });
  const start = () => createOpenQod({ config: loadConfig([], env()), clock });
  const call = (openqod: OpenQod, method: "GET" | "POST" | "DELETE", url: string, payload?: object) =>
    openqod.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${KEY}` },
      ...(payload === undefined ? {} : { payload }),
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "openqod-tc-"));
    clock = new ManualClock(Date.UTC(2026, 11, 2, 12));
    execFileSync("ip", ["netns", "add", NS]);
    for (const [a, b] of [
      ["down0", "dpeer"],
      ["up0", "upeer"],
    ]) {
      execFileSync("ip", ["-n", NS, "link", "add", a ?? "", "type", "veth", "peer", "name", b ?? ""]);
      execFileSync("ip", ["-n", NS, "link", "set", a ?? "", "up"]);
    }
  });
  after(async () => {
    execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
    await rm(dir, { recursive: true, force: true });
    await removeInterfaceClaims(NS);
  });

  it("grants a session into the kernel, refuses what it cannot keep, and removes it on DELETE", async () => {
    const openqod = await start();
    try {
      const created = await call(openqod, "POST", `${QOD}/sessions`, body("198.18.1.2"));
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().qosStatus, "AVAILABLE");
      assert.deepEqual(sessionClasses("down0"), [
        "class htb 1:100 parent 1:1 prio 1 rate 50Mbit ceil 100Mbit",
      ]);
      assert.deepEqual(sessionClasses("up0"), ["class htb 1:100 parent 1:1 prio 1 rate 10Mbit ceil 20Mbit"]);

      const full = await call(openqod, "POST", `${QOD}/sessions`, body("198.18.1.3"));
      assert.equal(full.statusCode, 422, full.body);
      assert.equal(full.json().code, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE");
      assert.match(full.json().message, /only 45 Mbit\/s of the 95 Mbit\/s/);

      const phone = await call(openqod, "POST", `${QOD}/sessions`, {
        ...body("198.18.1.4", "QOS_S"),
        device: { phoneNumber: "+36701234567" },
      });
      assert.equal(phone.statusCode, 422, phone.body);
      assert.equal(phone.json().code, "UNSUPPORTED_IDENTIFIER");
      assert.deepEqual(sessionClasses("down0").length, 1);

      // A phone number with the device's address is shaped by the address.
      const both = await call(openqod, "POST", `${QOD}/sessions`, {
        ...body("198.18.1.5", "QOS_S"),
        device: {
          phoneNumber: "+36701234568",
          ipv4Address: { publicAddress: "198.18.1.5", privateAddress: "198.18.1.5" },
        },
      });
      assert.equal(both.statusCode, 201, both.body);
      assert.match(tc("filter", "show", "dev", "down0", "parent", "1:"), /match c6120105\/ffffffff at 16/);

      const id = created.json().sessionId as string;
      const deleted = await call(openqod, "DELETE", `${QOD}/sessions/${id}`);
      assert.equal(deleted.statusCode, 204);
      await openqod.networkWorker.runOnce();
      assert.deepEqual(
        sessionClasses("down0").map((c) => c.split(" ")[2]),
        ["1:101"],
      );
      await call(openqod, "DELETE", `${QOD}/sessions/${both.json().sessionId as string}`);
      await openqod.networkWorker.runOnce();
      assert.deepEqual(sessionClasses("down0"), []);
    } finally {
      await openqod.close();
    }
  });

  it("after a restart, puts back what a live session lost and removes what an expired one left", async () => {
    let openqod = await start();
    let live: string, expiring: string;
    try {
      const a = await call(
        openqod,
        "POST",
        `${QOD}/sessions`,
        body("198.18.1.2", "QOS_M", { duration: 600 }),
      );
      const b = await call(openqod, "POST", `${QOD}/sessions`, body("198.18.1.3", "QOS_S", { duration: 30 }));
      assert.equal(a.statusCode, 201, a.body);
      assert.equal(b.statusCode, 201, b.body);
      live = a.json().sessionId as string;
      expiring = b.json().sessionId as string;
      assert.equal(sessionClasses("down0").length, 2);
    } finally {
      await openqod.close();
    }
    // While OpenQoD is down the router reboots (its traffic control is gone) and one session's time runs out.
    tc("qdisc", "del", "dev", "down0", "root");
    clock.advance(60_000);
    openqod = await start();
    try {
      assert.deepEqual(await openqod.networkWorker.reconcile(), { orphaned: 0, lost: 0 });
      assert.equal(sessionClasses("down0").length, 2, "both back until the expiry runs");
      await openqod.scheduler.runOnce();
      await openqod.networkWorker.runOnce();
      const [kept] = sessionClasses("down0");
      assert.match(kept ?? "", /^class htb 1:100 parent 1:1 prio 2 rate 10Mbit ceil 20Mbit/);
      const expired = await call(openqod, "GET", `${QOD}/sessions/${expiring}`);
      assert.deepEqual(
        [expired.json().qosStatus, expired.json().statusInfo],
        ["UNAVAILABLE", "DURATION_EXPIRED"],
      );
      const still = await call(openqod, "GET", `${QOD}/sessions/${live}`);
      assert.equal(still.json().qosStatus, "AVAILABLE");
      await call(openqod, "DELETE", `${QOD}/sessions/${live}`);
      await openqod.networkWorker.runOnce();
      assert.deepEqual(sessionClasses("down0"), []);
    } finally {
      await openqod.close();
    }
  });

  it("lets one OpenQoD shape an interface, whatever its data folder", async () => {
    const first = await start();
    const otherDir = await mkdtemp(join(tmpdir(), "openqod-tc-"));
    try {
      await assert.rejects(
        createOpenQod({ config: loadConfig([], { ...env(), OPENQOD_DATA_DIR: otherDir }), clock }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(
            error.problems[0],
            `another OpenQoD (pid ${process.pid}) already shapes down0 in namespace ${NS}: one OpenQoD per interface`,
          );
          return true;
        },
      );
    } finally {
      await first.close();
      await rm(otherDir, { recursive: true, force: true });
    }
    // Closed, the interface is free again.
    await (await start()).close();
  });

  it("fails the start naming a missing interface", async () => {
    await assert.rejects(
      createOpenQod({ config: loadConfig([], { ...env(), OPENQOD_TC_UPLINK_DEVICE: "nope0" }), clock }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.problems[0] ?? "",
          new RegExp(`^OPENQOD_TC_UPLINK_DEVICE=nope0: no such interface in namespace ${NS}`),
        );
        return true;
      },
    );
  });
});
