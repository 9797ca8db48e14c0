import { type BoundedChild, startInNetns } from "./bounded-child.ts";

/** What one iperf3 client run measured (its `-J` report), in bits per second at the receiver. */
export interface IperfReport {
  /** All streams together, as received (the omitted warm-up seconds not counted). */
  receivedBps: number;
  /** Each stream's received rate, in stream order. */
  streamsBps: number[];
  /** TCP retransmissions of the sender. */
  retransmits: number;
}

/** iperf3 failed: its own error message (from `-J`), or how the process ended. */
export class IperfError extends Error {
  override name = "IperfError";
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const numberAt = (v: unknown, key: string): number | null =>
  isObject(v) && typeof v[key] === "number" ? v[key] : null;

/**
 * Reads an iperf3 (3.x) `-J` report.
 * @throws IperfError when the report carries iperf3's `error`, or is not a finished TCP run
 */
export function parseIperfReport(text: string): IperfReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new IperfError(`iperf3 printed no JSON report: ${text.slice(0, 200)}`);
  }
  if (!isObject(json)) throw new IperfError("iperf3's report is not an object");
  if (typeof json.error === "string") throw new IperfError(`iperf3: ${json.error}`);
  const end = json.end;
  const receivedBps = isObject(end) ? numberAt(end.sum_received, "bits_per_second") : null;
  if (!isObject(end) || receivedBps === null)
    throw new IperfError("iperf3's report has no end.sum_received (not a finished TCP run)");
  const streams = Array.isArray(end.streams) ? end.streams : [];
  return {
    receivedBps,
    streamsBps: streams.map(
      (s: unknown) => (isObject(s) ? numberAt(s.receiver, "bits_per_second") : null) ?? 0,
    ),
    retransmits: numberAt(end.sum_sent, "retransmits") ?? 0,
  };
}

/**
 * Starts a one-shot iperf3 server (`-s -1`: it serves one test and exits) in `netns` on `port`, and
 * resolves once it listens.
 * @param timeoutMs the server is killed after this long even if no client came
 */
export async function startIperfServer(
  netns: string,
  port: number,
  timeoutMs: number,
): Promise<BoundedChild> {
  const server = startInNetns(netns, "iperf3", ["-s", "-1", "-p", String(port), "--forceflush"], timeoutMs);
  try {
    await server.waitFor(/Server listening on \d+/);
  } catch (error) {
    await server.stop();
    throw new IperfError(`iperf3 server on port ${port} did not start: ${(error as Error).message}`);
  }
  return server;
}

export interface IperfClientOptions {
  /** The namespace the client (the sender) runs in. */
  netns: string;
  host: string;
  port: number;
  /** Measured seconds (`-t`). */
  seconds: number;
  /** Warm-up seconds run first and left out of the report (`-O`), so slow start does not count. @default 2 */
  omitSeconds?: number;
  /** Parallel streams (`-P`). @default 1 */
  streams?: number;
  /**
   * TCP congestion control (`-C`). @default "cubic": the host's default (bbr here) is inherited by every
   * namespace, and bbr flows sharing one drop-tail queue split it far less evenly than cubic ones.
   */
  congestion?: string;
}

/** Spare time past the run's own length before the client is killed: connecting, the final exchange. */
const CLIENT_SLACK_MS = 10_000;

/**
 * Runs an iperf3 client sending to `host:port` for omit + seconds, bounded by that plus 10 s.
 * @throws IperfError when iperf3 reports an error, fails, or is killed by the bound
 */
export async function runIperfClient(options: IperfClientOptions): Promise<IperfReport> {
  const omit = options.omitSeconds ?? 2;
  const args = [
    "-c",
    options.host,
    "-p",
    String(options.port),
    "-t",
    String(options.seconds),
    "-O",
    String(omit),
    "-P",
    String(options.streams ?? 1),
    "-C",
    options.congestion ?? "cubic",
    "--connect-timeout",
    "3000",
    "-J",
  ];
  const client = startInNetns(
    options.netns,
    "iperf3",
    args,
    (options.seconds + omit) * 1000 + CLIENT_SLACK_MS,
  );
  const outcome = await client.done;
  if (outcome.timedOut) throw new IperfError(`iperf3 client to ${options.host}:${options.port} timed out`);
  // A failed run still prints its JSON (with `error`): that message is the useful one.
  return parseIperfReport(outcome.stdout || outcome.stderr);
}
