import { type BoundedChild, startInNetns } from "./bounded-child.ts";

/**
 * Round-trip times of small UDP probes: what an interactive app (a game, a call) feels. Both ends are
 * Node scripts given with `-e` and run through `ip netns exec`, so they need nothing but the node binary
 * running this code (no file to find, built or not).
 */

// Echoes every datagram back to its sender; prints "ready" once bound.
const ECHO_SCRIPT = `
const [port, host] = [Number(process.argv[1]), process.argv[2]];
const socket = require("node:dgram").createSocket(host.includes(":") ? "udp6" : "udp4");
socket.on("message", (m, from) => socket.send(m, from.port, from.address));
socket.bind(port, host, () => console.log("ready"));
`;

// Sends \`count\` 64-byte probes every \`interval\` ms, each carrying its sequence number; prints the RTTs
// (ms) of those answered, as JSON, once the last one had \`wait\` ms to come back.
const PROBE_SCRIPT = `
const [host, port, count, interval, wait] = [process.argv[1], ...process.argv.slice(2).map(Number)];
const socket = require("node:dgram").createSocket(host.includes(":") ? "udp6" : "udp4");
const sentAt = new Map();
const rtts = [];
socket.on("message", (m) => {
  const t = sentAt.get(m.readUInt32BE(0));
  if (t === undefined) return;
  sentAt.delete(m.readUInt32BE(0));
  rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
});
let seq = 0;
const timer = setInterval(() => {
  const probe = Buffer.alloc(64);
  probe.writeUInt32BE(seq);
  sentAt.set(seq, process.hrtime.bigint());
  socket.send(probe, port, host);
  if (++seq >= count) {
    clearInterval(timer);
    setTimeout(() => { console.log(JSON.stringify({ sent: count, rtts })); process.exit(0); }, wait);
  }
}, interval);
`;

/** Starts a UDP echo server in `netns` on `host:port`; resolves once it is bound. Killed after `timeoutMs`. */
export async function startUdpEcho(
  netns: string,
  address: { host: string; port: number },
  timeoutMs: number,
): Promise<BoundedChild> {
  const echo = startInNetns(
    netns,
    process.execPath,
    ["-e", ECHO_SCRIPT, String(address.port), address.host],
    timeoutMs,
  );
  try {
    await echo.waitFor(/ready/);
  } catch (error) {
    await echo.stop();
    throw error;
  }
  return echo;
}

/** Probes sent and the round-trip times of those answered. */
export interface RttReport {
  sent: number;
  received: number;
  /** Milliseconds; NaN when nothing came back. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface ProbeOptions {
  /** Where the prober runs. */
  netns: string;
  host: string;
  port: number;
  /** @default 200 */
  count?: number;
  /** Milliseconds between probes. @default 20 */
  intervalMs?: number;
  /** How long after the last probe an answer still counts (later ones are lost). @default 500 (ms) */
  waitMs?: number;
}

/** The value below which `p` (0..1) of the sorted `values` lie (nearest rank); NaN for none. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Sends UDP probes to an echo and reports their round-trip times.
 * @throws Error when the prober fails or outlives its bound (count x interval + wait + 5 s)
 */
export async function probeRtt(options: ProbeOptions): Promise<RttReport> {
  const count = options.count ?? 200;
  const interval = options.intervalMs ?? 20;
  const wait = options.waitMs ?? 500;
  const prober = startInNetns(
    options.netns,
    process.execPath,
    ["-e", PROBE_SCRIPT, options.host, String(options.port), String(count), String(interval), String(wait)],
    count * interval + wait + 5_000,
  );
  const outcome = await prober.done;
  if (outcome.code !== 0) throw new Error(`the UDP prober failed: ${outcome.stderr.trim()}`);
  const report = JSON.parse(outcome.stdout) as { sent: number; rtts: number[] };
  const rtts = [...report.rtts].sort((a, b) => a - b);
  return {
    sent: report.sent,
    received: rtts.length,
    p50Ms: quantile(rtts, 0.5),
    p95Ms: quantile(rtts, 0.95),
    maxMs: rtts.at(-1) ?? Number.NaN,
  };
}
