import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { startInNetns } from "../src/lab/bounded-child.ts";
import { IperfError, parseIperfReport, runIperfClient, startIperfServer } from "../src/lab/iperf.ts";
import { probeRtt, quantile, startUdpEcho } from "../src/lab/udp-probe.ts";
import { labSkip } from "./helpers/lab-skip.ts";

// What iperf3 3.12 prints with -J when nothing listens (copied from a run).
const REFUSED = `{
  "start": { "connected": [], "version": "iperf 3.12", "system_info": "Linux vm 6.18.44 x86_64" },
  "intervals": [],
  "end": {},
  "error": "unable to connect to server: Connection refused"
}`;

describe("lab traffic: reading iperf3's reports, quantiles", () => {
  test("iperf3's own error becomes an IperfError carrying its message", () => {
    assert.throws(() => parseIperfReport(REFUSED), {
      name: "IperfError",
      message: "iperf3: unable to connect to server: Connection refused",
    });
  });

  test("a report that is not JSON, or has no received sum (not a finished TCP run), is refused", () => {
    assert.throws(() => parseIperfReport("iperf3: error - unable to connect"), IperfError);
    assert.throws(() => parseIperfReport(`{"end": {"sum": {"bits_per_second": 1}}}`), {
      message: /no end.sum_received/,
    });
  });

  test("the received sum, each stream's received rate and the retransmits are read", () => {
    const report = parseIperfReport(
      JSON.stringify({
        end: {
          streams: [{ receiver: { bits_per_second: 6e6 } }, { receiver: { bits_per_second: 4e6 } }],
          sum_sent: { bits_per_second: 10.5e6, retransmits: 7 },
          sum_received: { bits_per_second: 10e6 },
        },
      }),
    );
    assert.deepEqual(report, { receivedBps: 10e6, streamsBps: [6e6, 4e6], retransmits: 7 });
  });

  test("quantile is the nearest rank: p50 of 1..10 is 5, p95 is 10, of nothing NaN", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(quantile(values, 0.5), 5);
    assert.equal(quantile(values, 0.95), 10);
    assert.equal(quantile(values, 0), 1);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe("lab traffic: real runs inside one namespace of this test", { skip: labSkip(["iperf3"]) }, () => {
  // Traffic on the namespace's own loopback only: nothing reaches the host's interfaces.
  const netns = `oqt${process.pid}-traffic`;
  before(() => {
    const made = spawnSync("ip", ["netns", "add", netns], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    spawnSync("ip", ["-n", netns, "link", "set", "lo", "up"]);
  });
  after(() => {
    spawnSync("ip", ["netns", "delete", netns]);
  });

  test("an iperf3 run reports what was received, per stream and in sum", async () => {
    const server = await startIperfServer(netns, 5301, 15_000);
    try {
      const report = await runIperfClient({
        netns,
        host: "127.0.0.1",
        port: 5301,
        seconds: 1,
        omitSeconds: 0,
        streams: 2,
      });
      assert.equal(report.streamsBps.length, 2);
      assert.ok(report.receivedBps > 1e6, `received ${report.receivedBps} bit/s`);
      const sum = report.streamsBps.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - report.receivedBps) / report.receivedBps < 0.05, `streams ${sum} vs sum`);
    } finally {
      await server.stop();
    }
  });

  test("a client with no server behind the port fails with iperf3's reason", async () => {
    await assert.rejects(
      runIperfClient({ netns, host: "127.0.0.1", port: 5309, seconds: 1, omitSeconds: 0 }),
      { name: "IperfError", message: /Connection refused/ },
    );
  });

  test("every UDP probe to an echo comes back, with a round trip well under the probe interval", async () => {
    const echo = await startUdpEcho(netns, { host: "127.0.0.1", port: 7301 }, 15_000);
    try {
      const rtt = await probeRtt({ netns, host: "127.0.0.1", port: 7301, count: 20, intervalMs: 10 });
      assert.equal(rtt.sent, 20);
      assert.equal(rtt.received, 20);
      assert.ok(rtt.p50Ms > 0 && rtt.p50Ms < 10, `p50 ${rtt.p50Ms} ms`);
      assert.ok(rtt.p50Ms <= rtt.p95Ms && rtt.p95Ms <= rtt.maxMs);
    } finally {
      await echo.stop();
    }
  });

  test("a child past its time limit is killed and reaped, and says it timed out", async () => {
    const started = Date.now();
    const child = startInNetns(netns, "sleep", ["30"], 300);
    const outcome = await child.done;
    assert.equal(outcome.timedOut, true);
    assert.equal(outcome.code, null);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  test("stop() ends a running child at once; a second stop() is the same outcome", async () => {
    const child = startInNetns(netns, "sleep", ["30"], 30_000);
    const first = await child.stop();
    assert.equal(first.timedOut, false);
    assert.equal(first.code, null);
    assert.equal(await child.stop(), first);
  });
});
