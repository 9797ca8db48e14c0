/**
 * The linux-tc network adapter against real traffic control, in a namespace of this test's own (root
 * only): roots, classes and filters, conflicts, release, repair after a restart, start checks.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { LinuxTcAdapter } from "../src/network/linux-tc/adapter.ts";
import { TcCommand } from "../src/network/linux-tc/kernel.ts";
import { tcPreflight } from "../src/network/linux-tc/preflight.ts";
import { encodeRef } from "../src/network/linux-tc/ref.ts";
import { ForeignRootError } from "../src/network/linux-tc/repair.ts";
import { labSkip } from "./helpers/lab-skip.ts";
import { apiError, profiles, request } from "./helpers/linux-tc-fixtures.ts";

const skip = labSkip(["tc"]);
const NS = `oqtc${process.pid}`;
const sh = (...args: string[]) => execFileSync(args[0] ?? "", args.slice(1), { encoding: "utf8" });
const tc = (...args: string[]) => sh("tc", "-n", NS, ...args);
const classes = (dev: string) =>
  tc("class", "show", "dev", dev)
    .split("\n")
    .filter((l) => l.startsWith("class"))
    .map((l) => l.replace(/ burst.*$/, "").trim())
    .sort();
const prefs = (dev: string) =>
  [
    ...new Set(
      (
        JSON.parse(tc("-json", "filter", "show", "dev", dev, "parent", "1:") || "[]") as Array<{
          pref: number;
        }>
      ).map((f) => f.pref),
    ),
  ].sort();

describe("linux-tc: the kernel", { skip, timeout: 120_000 }, () => {
  const adapter = (linkRate = 100e6) =>
    new LinuxTcAdapter({
      kernel: new TcCommand(NS),
      downlink: "down0",
      uplink: "up0",
      linkRate,
      profile: (name) => (name === "NO_FLOOR" ? { name, status: "ACTIVE" } : profiles.get(name)),
    });

  before(() => {
    sh("ip", "netns", "add", NS);
    for (const [a, b] of [
      ["down0", "dpeer"],
      ["up0", "upeer"],
    ] as const) {
      sh("ip", "-n", NS, "link", "add", a, "type", "veth", "peer", "name", b);
      sh("ip", "-n", NS, "link", "set", a, "up");
    }
  });
  after(() => {
    // Deleting the namespace deletes its veths.
    execFileSync("ip", ["netns", "del", NS], { stdio: "ignore" });
  });

  it("puts its root htb on each interface, and a class for traffic of no session", async () => {
    await adapter().start();
    assert.deepEqual(classes("down0"), [
      "class htb 1:1 root rate 100Mbit ceil 100Mbit",
      "class htb 1:ffff parent 1:1 prio 7 rate 5Mbit ceil 100Mbit",
    ]);
    assert.match(tc("qdisc", "show", "dev", "up0"), /qdisc htb 1: root .*default 0xffff/);
  });

  it("gives a session a class per direction and filters of its flow only; release takes them away", async () => {
    const tcAdapter = adapter();
    await tcAdapter.start();
    // An operator's own class on the same qdisc, outside OpenQoD's range: never touched.
    tc("class", "add", "dev", "down0", "parent", "1:1", "classid", "1:20", "htb", "rate", "1mbit");
    const outcome = await tcAdapter.create(request());
    assert.equal(outcome.state, "GRANTED");
    assert.ok(classes("down0").includes("class htb 1:100 parent 1:1 prio 1 rate 50Mbit ceil 100Mbit"));
    assert.ok(classes("up0").includes("class htb 1:100 parent 1:1 prio 1 rate 10Mbit ceil 20Mbit"));
    const down = tc("filter", "show", "dev", "down0", "parent", "1:");
    // TCP and UDP, destination 198.18.1.2, source 198.18.2.2, destination port 5202 (0x1452).
    assert.equal((down.match(/flowid 1:100/g) ?? []).length, 2);
    assert.match(down, /match c6120102\/ffffffff at 16/);
    assert.match(down, /match c6120202\/ffffffff at 12/);
    assert.match(down, /match 00001452\/0000ffff at 20/);
    assert.match(tc("filter", "show", "dev", "up0", "parent", "1:"), /match 14520000\/ffff0000 at 20/);

    const before = classes("down0");
    await tcAdapter.extend({ sessionId: request().sessionId, ref: outcome.ref }, 120);
    assert.deepEqual(classes("down0"), before);

    await tcAdapter.release({ sessionId: request().sessionId, ref: outcome.ref });
    for (const dev of ["down0", "up0"]) {
      assert.ok(!classes(dev).some((c) => c.includes("1:100")), dev);
      assert.deepEqual(prefs(dev), []);
    }
    assert.ok(classes("down0").includes("class htb 1:20 parent 1:1 prio 0 rate 1Mbit ceil 1Mbit"));
    // Releasing again, or a session never held, is fine.
    await tcAdapter.release({ sessionId: request().sessionId, ref: outcome.ref });
    await tcAdapter.release({ sessionId: "never", ref: null });
    tc("class", "del", "dev", "down0", "classid", "1:20");
  });

  it("refuses a guarantee the link has no room for, leaving the kernel as it was", async () => {
    const tcAdapter = adapter();
    await tcAdapter.start();
    const first = await tcAdapter.create(request());
    const snapshot = classes("down0");
    await assert.rejects(
      tcAdapter.create(request({ sessionId: "0190a000-0000-7000-8000-000000000002", ports: [6000] })),
      apiError(422, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE", /only 45 Mbit\/s/),
    );
    assert.deepEqual(classes("down0"), snapshot);
    // A smaller profile still fits beside it.
    const small = await tcAdapter.create(
      request({ sessionId: "0190a000-0000-7000-8000-000000000003", ports: [6000], qosProfile: "QOS_S" }),
    );
    assert.ok(classes("down0").includes("class htb 1:101 parent 1:1 prio 2 rate 2Mbit ceil 4Mbit"));
    await tcAdapter.release({ sessionId: request().sessionId, ref: first.ref });
    await tcAdapter.release({ sessionId: "0190a000-0000-7000-8000-000000000003", ref: small.ref });
  });

  it("after a restart, makes the kernel hold exactly the live sessions again", async () => {
    const first = adapter();
    await first.start();
    const kept = await first.create(request());
    const ended = await first.create(
      request({ sessionId: "0190a000-0000-7000-8000-000000000009", ports: [7001], qosProfile: "QOS_E" }),
    );
    assert.equal(ended.state, "GRANTED");
    // The process dies; meanwhile someone removes the kept session's upstream class, and the
    // other session ends (its release never ran).
    tc("filter", "del", "dev", "up0", "parent", "1:", "pref", "512");
    tc("class", "del", "dev", "up0", "classid", "1:100");
    if (kept.state !== "GRANTED") assert.fail(kept.state);
    const second = adapter();
    await second.start();
    await second.restore([{ sessionId: request().sessionId, ref: kept.ref }]);
    const held = await second.reservations();
    assert.deepEqual(
      held.map((r) => r.sessionId),
      [request().sessionId],
    );
    for (const dev of ["down0", "up0"]) {
      const list = classes(dev);
      assert.ok(
        list.some((c) => c.startsWith("class htb 1:100 ")),
        `${dev}: ${list.join("; ")}`,
      );
      assert.ok(!list.some((c) => c.startsWith("class htb 1:101 ")), `${dev}: ${list.join("; ")}`);
      assert.deepEqual(prefs(dev), [512]);
    }
    // A kernel emptied (a reboot, the qdisc deleted): the next reconciliation puts it all back.
    tc("qdisc", "del", "dev", "down0", "root");
    await second.reservations();
    assert.ok(classes("down0").includes("class htb 1:100 parent 1:1 prio 1 rate 50Mbit ceil 100Mbit"));
    assert.deepEqual(prefs("down0"), [512]);
    await second.release({ sessionId: request().sessionId, ref: kept.ref });
  });

  it("refuses a second session whose filters would take the same packets (409 CONFLICT)", async () => {
    const tcAdapter = adapter();
    await tcAdapter.start();
    const first = await tcAdapter.create(request());
    await assert.rejects(
      // Another client, the same device and port: u32 would give every packet to the first.
      tcAdapter.create(request({ sessionId: "0190a000-0000-7000-8000-000000000004", clientId: "other" })),
      apiError(409, "CONFLICT", /overlaps this flow/),
    );
    assert.equal(
      classes("down0").filter((c) => c.startsWith("class htb 1:1") && !c.startsWith("class htb 1:1 ")).length,
      1,
    );
    await tcAdapter.release({ sessionId: request().sessionId, ref: first.ref });
  });

  it("keeps a slow class's burst within what htb can hold on a fast link", async () => {
    const tcAdapter = adapter(1e9);
    await tcAdapter.start();
    const outcome = await tcAdapter.create(request({ qosProfile: "NO_FLOOR" }));
    const line = tc("class", "show", "dev", "down0")
      .split("\n")
      .find((l) => l.startsWith("class htb 1:100 "));
    assert.match(line ?? "", /rate 8Kbit ceil 1Gbit burst 1600b cburst 625000b/);
    await tcAdapter.release({ sessionId: request().sessionId, ref: outcome.ref });
    await adapter().start();
  });

  it("puts back its own classes, and reports a plan the kernel refuses as not held", async () => {
    const tcAdapter = adapter();
    await tcAdapter.start();
    const held = await tcAdapter.create(request());
    // Someone deletes the class of traffic of no session, and makes a class of their own (under theirs)
    // with the minor a restored plan wants.
    tc("class", "del", "dev", "down0", "classid", "1:ffff");
    tc("class", "add", "dev", "down0", "parent", "1:1", "classid", "1:20", "htb", "rate", "1mbit");
    tc("class", "add", "dev", "down0", "parent", "1:20", "classid", "1:1ff", "htb", "rate", "1mbit");
    const blocked = {
      ...tcAdapter.plan(request().sessionId)!,
      sessionId: "0190a000-0000-7000-8000-00000000000b",
      minor: 0x1ff,
    };
    blocked.flow = { ...blocked.flow, devicePorts: [[7001, 7001]] };
    await tcAdapter.restore([{ sessionId: blocked.sessionId, ref: encodeRef(blocked) }]);
    const listed = await tcAdapter.reservations();
    assert.deepEqual(
      listed.map((r) => r.sessionId),
      [request().sessionId],
    );
    assert.ok(classes("down0").includes("class htb 1:ffff parent 1:1 prio 7 rate 5Mbit ceil 100Mbit"));
    assert.ok(classes("down0").includes("class htb 1:1ff parent 1:20 prio 0 rate 1Mbit ceil 1Mbit"));
    assert.ok(!prefs("down0").includes(0x1ff * 2), "nothing of the refused plan is left");
    await tcAdapter.release({ sessionId: blocked.sessionId, ref: null });
    await tcAdapter.release({ sessionId: request().sessionId, ref: held.ref });
    tc("class", "del", "dev", "down0", "classid", "1:1ff");
    tc("class", "del", "dev", "down0", "classid", "1:20");
  });

  it("will not take over an interface whose root qdisc is someone else's", async () => {
    sh("ip", "-n", NS, "link", "add", "other0", "type", "veth", "peer", "name", "opeer");
    try {
      tc("qdisc", "add", "dev", "other0", "root", "tbf", "rate", "1mbit", "burst", "10kb", "latency", "50ms");
      const foreign = new LinuxTcAdapter({
        kernel: new TcCommand(NS),
        downlink: "other0",
        uplink: null,
        linkRate: 100e6,
        profile: (name) => profiles.get(name),
      });
      await assert.rejects(foreign.start(), (error: unknown) => {
        assert.ok(error instanceof ForeignRootError);
        assert.match(error.message, /^other0 already has a root qdisc \(tbf/);
        return true;
      });
      assert.match(tc("qdisc", "show", "dev", "other0"), /qdisc tbf/);
    } finally {
      sh("ip", "-n", NS, "link", "del", "other0");
    }
  });

  it("names a missing interface or namespace at start", async () => {
    const problems = await tcPreflight({ netns: NS, downlink: "down0", uplink: "nope0" });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? "",
      new RegExp(
        `^OPENQOD_TC_UPLINK_DEVICE=nope0: no such interface in namespace ${NS} \\(there are: .*down0`,
      ),
    );
    assert.deepEqual(await tcPreflight({ netns: `${NS}-missing`, downlink: "down0", uplink: null }), [
      `OPENQOD_TC_NETNS=${NS}-missing: there is no such network namespace (see ip netns list)`,
    ]);
  });
});
