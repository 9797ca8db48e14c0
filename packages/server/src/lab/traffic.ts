import type { BoundedChild } from "./bounded-child.ts";
import { runIperfClient, startIperfServer } from "./iperf.ts";
import { probeRtt, type RttReport, startUdpEcho } from "./udp-probe.ts";

/**
 * The measured scenario of the lab (design of issue 17): from the server side to the device, a bulk
 * transfer of several TCP streams competes with one app flow at the router's bottleneck. Only the two
 * namespaces' names and the device's address are needed; a LabTopology fits.
 */
export interface TrafficEnds {
  device: { netns: string; ipv4: string };
  server: { netns: string };
}

export interface ScenarioOptions {
  /** Measured seconds of each transfer (after the warm-up). @default 5 */
  seconds?: number;
  /** Warm-up seconds left out (slow start). @default 2 */
  omitSeconds?: number;
  /** Parallel TCP streams of the bulk transfer. @default 8 */
  bulkStreams?: number;
  /** The device's port of the bulk transfer. @default 5201 */
  bulkPort?: number;
  /** The device's address the traffic goes to (its IPv6 one, say). @default device.ipv4 */
  deviceAddress?: string;
}

/** One run of the app flow against the bulk, as received at the device, in bits per second. */
export interface AppFlowReport {
  appBps: number;
  bulkBps: number;
  /** What the app flow would get if the link were split evenly among all streams: total / (streams + 1). */
  fairShareBps: number;
}

/** How long the servers may outlive the run's own length before they are killed. */
const SERVER_SLACK_MS = 20_000;
/** Seconds the bulk runs before the app flow starts. */
const HEAD_START_S = 1;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withServers<T>(starts: (() => Promise<BoundedChild>)[], body: () => Promise<T>): Promise<T> {
  const started: BoundedChild[] = [];
  try {
    for (const start of starts) started.push(await start());
    return await body();
  } finally {
    // Reaped whatever happened: a one-shot iperf3 server whose client failed would wait for the next one.
    await Promise.all(started.map((child) => child.stop()));
  }
}

/**
 * Both results, once both have settled: a failure of one never leaves the other running past this call.
 * @throws the first failure
 */
async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}

/**
 * Runs the bulk (`bulkStreams` streams to bulkPort) and one app flow (one stream to `appPort`) at the
 * same time, server -> device, and reports what the device received of each.
 * @param appPort the device's port of the app flow (the port a QoD session names)
 * @throws IperfError when either transfer fails
 */
export async function measureAppFlow(
  ends: TrafficEnds,
  appPort: number,
  options: ScenarioOptions = {},
): Promise<AppFlowReport> {
  const seconds = options.seconds ?? 5;
  const omitSeconds = options.omitSeconds ?? 2;
  const streams = options.bulkStreams ?? 8;
  const bulkPort = options.bulkPort ?? 5201;
  const bound = (seconds + omitSeconds + HEAD_START_S) * 1000 + SERVER_SLACK_MS;
  const { device, server } = ends;
  return withServers(
    [
      () => startIperfServer(device.netns, bulkPort, bound),
      () => startIperfServer(device.netns, appPort, bound),
    ],
    async () => {
      const client = { netns: server.netns, host: options.deviceAddress ?? device.ipv4, omitSeconds };
      // The bulk starts first, so that its 8 connections are open and competing before the app flow's
      // measured seconds begin (on a busy machine they once opened late: the app flow had the link to
      // itself), and ends with it, so that it measures (almost) the same seconds.
      const bulk = runIperfClient({ ...client, port: bulkPort, streams, seconds: seconds + HEAD_START_S });
      const app = delay(HEAD_START_S * 1000).then(() =>
        runIperfClient({ ...client, port: appPort, seconds }),
      );
      const [bulkReport, appReport] = await both(bulk, app);
      return {
        appBps: appReport.receivedBps,
        bulkBps: bulkReport.receivedBps,
        fairShareBps: (appReport.receivedBps + bulkReport.receivedBps) / (streams + 1),
      };
    },
  );
}

/** Round-trip times of an app's small packets while the bulk fills the link. */
export interface LatencyReport extends RttReport {
  /** What the bulk got meanwhile, in bits per second (so a run without load is visible). */
  bulkBps: number;
}

/**
 * Probes a UDP echo on the device's `echoPort` from the server side every 20 ms while the bulk runs,
 * starting after the bulk's warm-up and ending before it does.
 * @throws IperfError or Error when the bulk or the prober fails
 */
export async function measureLatencyUnderLoad(
  ends: TrafficEnds,
  echoPort: number,
  options: ScenarioOptions = {},
): Promise<LatencyReport> {
  const seconds = options.seconds ?? 5;
  const omitSeconds = options.omitSeconds ?? 2;
  const bulkPort = options.bulkPort ?? 5201;
  const bound = (seconds + omitSeconds) * 1000 + SERVER_SLACK_MS;
  const { device, server } = ends;
  const host = options.deviceAddress ?? device.ipv4;
  const intervalMs = 20;
  return withServers(
    [
      () => startIperfServer(device.netns, bulkPort, bound),
      () => startUdpEcho(device.netns, { host, port: echoPort }, bound),
    ],
    async () => {
      const bulk = runIperfClient({
        netns: server.netns,
        host,
        port: bulkPort,
        seconds,
        omitSeconds,
        streams: options.bulkStreams ?? 8,
      });
      // Probing starts once the queue has built up and stops a second before the bulk ends.
      const probing = (async () => {
        await delay(omitSeconds * 1000);
        return probeRtt({
          netns: server.netns,
          host,
          port: echoPort,
          count: Math.max(10, Math.floor(((seconds - 1) * 1000) / intervalMs)),
          intervalMs,
        });
      })();
      const [load, rtt] = await both(bulk, probing);
      return { ...rtt, bulkBps: load.receivedBps };
    },
  );
}
