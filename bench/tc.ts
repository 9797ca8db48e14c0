/**
 * linux-tc benchmark: what a QoD session does to real traffic on a 100 Mbit/s bottleneck.
 * A lab in network namespaces (device - router - server), OpenQoD (the server process, sandbox mode,
 * `--network linux-tc` on the router's interfaces), and per round, with iperf3 from server to device:
 *   the app flow (1 stream, device port 5202) against 8 bulk streams: without a session (the fair share,
 *   the baseline of this run), with a QOS_L session (guarantees 50 Mbit/s down), after its DELETE;
 *   UDP round trips (device port 7001, every 20 ms) under the same bulk, without and with a QOS_E session.
 * Prints medians over the rounds. Needs root, iproute2, iperf3, ethtool.
 * Usage: npm run bench:tc [-- --rounds 3 --seconds 5]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  buildLab,
  type LabTopology,
  labSupport,
  startLabReaper,
  teardownLab,
} from "../packages/server/src/lab/index.ts";
import {
  type LatencyReport,
  measureAppFlow,
  measureLatencyUnderLoad,
} from "../packages/server/src/lab/traffic.ts";
import { removeInterfaceClaims } from "../packages/server/src/network/linux-tc/create.ts";
import { median, peekPort, start } from "./harness.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const KEY = "bench-tc-key-0123456789abcdef";
const APP_PORT = 5202;
const ECHO_PORT = 7001;
const GUARANTEED_MBIT = 50;
const MBIT = 1e6;

async function api(port: number, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/quality-on-demand/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The minors of the session classes on the router's downlink (1:1 and 1:ffff are the adapter's own). */
function sessionClasses(lab: LabTopology): string[] {
  const text = execFileSync("tc", ["-n", lab.router.netns, "class", "show", "dev", lab.router.downlink], {
    encoding: "utf8",
  });
  return [...text.matchAll(/class htb (1:[0-9a-f]+)/g)]
    .map((m) => m[1] ?? "")
    .filter((id) => id !== "1:1" && id !== "1:ffff");
}

async function createSession(
  port: number,
  lab: LabTopology,
  profile: string,
  devicePort: number,
): Promise<string> {
  const res = await api(port, "POST", "/sessions", {
    device: { ipv4Address: { publicAddress: lab.device.ipv4, privateAddress: lab.device.ipv4 } },
    applicationServer: { ipv4Address: lab.server.ipv4 },
    devicePorts: { ports: [devicePort] },
    qosProfile: profile,
    duration: 300,
  });
  const json = (await res.json()) as { sessionId?: string; qosStatus?: string };
  if (res.status !== 201 || json.qosStatus !== "AVAILABLE" || json.sessionId === undefined)
    throw new Error(`create ${profile}: ${res.status} ${JSON.stringify(json)}`);
  return json.sessionId;
}

/** Deletes a session and waits until the network worker has removed its class from the kernel. */
async function deleteSession(port: number, lab: LabTopology, id: string): Promise<void> {
  const res = await api(port, "DELETE", `/sessions/${id}`);
  if (res.status !== 204) throw new Error(`delete: ${res.status} ${await res.text()}`);
  const deadline = Date.now() + 10_000;
  while (sessionClasses(lab).length > 0) {
    if (Date.now() > deadline) throw new Error(`the session's class is still there: ${sessionClasses(lab)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const unsupported =
    labSupport() ??
    (spawnSync("iperf3", ["-v"], { stdio: "ignore" }).error === undefined
      ? null
      : "`iperf3` is not installed");
  if (unsupported !== null) throw new Error(`bench:tc cannot run here: ${unsupported}`);
  const prefix = `oqb${process.pid}`;
  // Removes the lab if this run is interrupted (Ctrl-C, a kill): the next run's prefix differs.
  const reaper = startLabReaper(prefix);
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-bench-tc-"));
  const lab = await buildLab(prefix).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const port = peekPort();
  const server = await start("packages/server/src/main.ts", null, {
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_PORT: String(port),
    OPENQOD_HOST: "127.0.0.1",
    OPENQOD_LOG_LEVEL: "silent",
    OPENQOD_SANDBOX_KEY: KEY,
    OPENQOD_NETWORK: "linux-tc",
    OPENQOD_TC_NETNS: lab.router.netns,
    OPENQOD_TC_DOWNLINK_DEVICE: lab.router.downlink,
    OPENQOD_TC_UPLINK_DEVICE: lab.router.uplink,
    OPENQOD_TC_LINK_RATE: "100mbit",
  }).catch(async (error: unknown) => {
    await teardownLab(prefix);
    throw error;
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    say(
      `linux-tc benchmark: 100 Mbit/s bottleneck, 8 bulk streams + 1 app flow server -> device, ${ROUNDS} rounds x ${SECONDS} s (+2 s warm-up each)`,
    );
    const app = {
      fair: [] as number[],
      qosL: [] as number[],
      deleted: [] as number[],
      fairShare: [] as number[],
    };
    const bulk = { fair: [] as number[], qosL: [] as number[], deleted: [] as number[] };
    const rtt = { none: [] as LatencyReport[], qosE: [] as LatencyReport[] };
    const options = { seconds: SECONDS };
    for (let round = 1; round <= ROUNDS; round++) {
      const fair = await measureAppFlow(lab, APP_PORT, options);
      const l = await createSession(port, lab, "QOS_L", APP_PORT);
      const boosted = await measureAppFlow(lab, APP_PORT, options);
      await deleteSession(port, lab, l);
      const deleted = await measureAppFlow(lab, APP_PORT, options);
      const none = await measureLatencyUnderLoad(lab, ECHO_PORT, options);
      const e = await createSession(port, lab, "QOS_E", ECHO_PORT);
      const qosE = await measureLatencyUnderLoad(lab, ECHO_PORT, options);
      await deleteSession(port, lab, e);
      app.fair.push(fair.appBps / MBIT);
      app.fairShare.push(fair.fairShareBps / MBIT);
      app.qosL.push(boosted.appBps / MBIT);
      app.deleted.push(deleted.appBps / MBIT);
      bulk.fair.push(fair.bulkBps / MBIT);
      bulk.qosL.push(boosted.bulkBps / MBIT);
      bulk.deleted.push(deleted.bulkBps / MBIT);
      rtt.none.push(none);
      rtt.qosE.push(qosE);
      say(
        `round ${round}: app ${(fair.appBps / MBIT).toFixed(1)} / ${(boosted.appBps / MBIT).toFixed(1)} / ${(deleted.appBps / MBIT).toFixed(1)} Mbit/s (no session / QOS_L / deleted); RTT p50 ${none.p50Ms.toFixed(2)} / ${qosE.p50Ms.toFixed(2)} ms (no session / QOS_E)`,
      );
    }
    const f = (x: number, digits = 1) => x.toFixed(digits);
    const fair = median(app.fair);
    const row = (what: string, appMbit: number, bulkMbit: number, vsFair: string) =>
      say(`| ${what} | ${f(appMbit)} | ${f(appMbit / GUARANTEED_MBIT, 2)}x | ${vsFair} | ${f(bulkMbit)} |`);
    say("");
    say("| app flow, medians | app Mbit/s | vs guaranteed 50 | vs fair share | bulk Mbit/s |");
    say("| --- | --- | --- | --- | --- |");
    row(
      "without a session (the baseline)",
      fair,
      median(bulk.fair),
      `1.00x (even split ${f(median(app.fairShare))})`,
    );
    row("with QOS_L", median(app.qosL), median(bulk.qosL), `${f(median(app.qosL) / fair, 2)}x`);
    row("after DELETE", median(app.deleted), median(bulk.deleted), `${f(median(app.deleted) / fair, 2)}x`);
    const ms = (list: LatencyReport[], key: "p50Ms" | "p95Ms") => f(median(list.map((r) => r[key])), 2);
    say("");
    say("| UDP round trip under the bulk, medians | p50 ms | p95 ms |");
    say("| --- | --- | --- |");
    say(`| without a session | ${ms(rtt.none, "p50Ms")} | ${ms(rtt.none, "p95Ms")} |`);
    say(`| with QOS_E | ${ms(rtt.qosE, "p50Ms")} | ${ms(rtt.qosE, "p95Ms")} |`);
  } finally {
    await server.stop();
    await teardownLab(prefix);
    reaper.stop();
    await rm(dataDir, { recursive: true, force: true });
    await removeInterfaceClaims(lab.router.netns);
  }
}

await main();
