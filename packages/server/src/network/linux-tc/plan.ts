import type { Flow } from "../../domain/flow.ts";
import { type AddressRange, parseAddressRange, rangesOverlap } from "../../domain/ip.ts";
import type { Device, QosProfile } from "../../domain/types.ts";
import { ApiError } from "../../errors.ts";
import { type PortBlock, portBlocks } from "./port-blocks.ts";
import { rateBits } from "./rate.ts";

/** One direction of a session in the kernel: an htb class's guaranteed rate, ceiling and priority. */
export interface TcDirection {
  /** Bits per second. */
  rate: number;
  ceil: number;
  /** htb's 0 (served first) to 6; 7 is the class of traffic matching no session. */
  prio: number;
}

/** The session's traffic, as the addresses and ports u32 compares. */
export interface TcFlow {
  /** CIDRs of the device, at most one per IP version. */
  device: string[];
  /** CIDRs of the application server. */
  servers: string[];
  /** Inclusive port ranges; null for every port (and every protocol). */
  devicePorts: Array<[number, number]> | null;
  serverPorts: Array<[number, number]> | null;
}

/** What the kernel must hold for one session; stored with the session (its ref) to be rebuilt after a restart. */
export interface TcPlan {
  sessionId: string;
  /** The htb class minor on every shaped interface (1:minor), and the filters' prefs 2*minor, 2*minor+1. */
  minor: number;
  down: TcDirection;
  up: TcDirection;
  flow: TcFlow;
}

/** The links' capacity in bits per second; `up` is null without an uplink device. */
export interface TcLinks {
  down: number;
  up: number | null;
}

/** htb's floor for a class guaranteed nothing: it must have some rate. */
const NO_GUARANTEE_BITS = 8_000;
/** Above this many u32 filters per direction every packet pays for a long linear walk: refused. */
export const MAX_FILTERS = 256;
const TCP = 6;
const UDP = 17;

/**
 * CAMARA's priority (1 most important … 100) on htb's 0 … 6; 7 stays for traffic of no session.
 * A profile without one sits in the middle.
 */
export function htbPrio(priority: number | undefined): number {
  if (priority === undefined) return 3;
  return Math.min(6, Math.floor(((priority - 1) * 7) / 100));
}

function direction(
  profile: QosProfile,
  guaranteed: "targetMinDownstreamRate" | "targetMinUpstreamRate",
  max: "maxDownstreamRate" | "maxUpstreamRate",
  link: number,
): TcDirection {
  const floor = profile[guaranteed];
  const top = profile[max];
  const rate = Math.max(NO_GUARANTEE_BITS, floor === undefined ? 0 : rateBits(floor));
  const ceil = Math.max(rate, Math.min(top === undefined ? link : rateBits(top), link));
  return { rate, ceil, prio: htbPrio(profile.priority) };
}

function v4Text(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((n >> shift) & 0xffn).toString()).join(".");
}

function v6Text(n: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((n >> shift) & 0xffffn).toString(16));
  return groups.join(":");
}

/** An aligned range as CIDR text (parseFlow's ranges are a prefix each). */
export function rangeCidr(range: AddressRange): string {
  const bits = range.version === 4 ? 32 : 128;
  const size = range.last - range.first + 1n;
  const prefix = bits - (size.toString(2).length - 1);
  return `${range.version === 4 ? v4Text(range.first) : v6Text(range.first)}/${prefix}`;
}

/**
 * The device's addresses as the router sees them between its two interfaces (no address translation in
 * between): IPv4 its private address (a public address alone, or with a port, names every device behind
 * it), IPv6 its /64, the subnet CAMARA says any of whose addresses identifies the device.
 * @throws ApiError 422 UNSUPPORTED_IDENTIFIER without either.
 */
export function deviceCidrs(device: Device): string[] {
  const cidrs: string[] = [];
  const v4 = device.ipv4Address?.privateAddress;
  if (v4 !== undefined) cidrs.push(`${v4}/32`);
  if (device.ipv6Address !== undefined) cidrs.push(`${device.ipv6Address}/64`);
  if (cidrs.length === 0) {
    throw new ApiError(
      "UNSUPPORTED_IDENTIFIER",
      "This network (linux-tc) shapes traffic by the address the router sees: give device.ipv4Address with its privateAddress, or device.ipv6Address.",
    );
  }
  return cidrs;
}

function cidrsMeet(a: readonly string[], b: readonly string[]): boolean {
  const ranges = (list: readonly string[]) =>
    list.map((cidr) => parseAddressRange(cidr)).filter((r) => r !== null);
  return ranges(a).some((ra) => ranges(b).some((rb) => rangesOverlap(ra, rb)));
}

function portsMeet(a: TcFlow["devicePorts"], b: TcFlow["devicePorts"]): boolean {
  if (a === null || b === null) return true;
  return a.some(([aFrom, aTo]) => b.some(([bFrom, bTo]) => aFrom <= bTo && bFrom <= aTo));
}

/**
 * Whether some packet matches both flows: u32 gives it to the first filter only, so the second
 * session would be granted and never get its traffic.
 */
export function tcFlowsOverlap(a: TcFlow, b: TcFlow): boolean {
  return (
    cidrsMeet(a.device, b.device) &&
    cidrsMeet(a.servers, b.servers) &&
    portsMeet(a.devicePorts, b.devicePorts) &&
    portsMeet(a.serverPorts, b.serverPorts)
  );
}

/** How many u32 filters one direction of the flow takes. */
export function filterCount(flow: TcFlow): number {
  const blocks = (ports: TcFlow["devicePorts"]) =>
    ports === null ? 1 : ports.reduce((n, [from, to]) => n + portBlocks(from, to).length, 0);
  const protocols = flow.devicePorts === null && flow.serverPorts === null ? 1 : 2;
  return pairs(flow).length * protocols * blocks(flow.devicePorts) * blocks(flow.serverPorts);
}

/** The (device, server) CIDR pairs of one IP version each. */
export function pairs(flow: TcFlow): Array<{ family: 4 | 6; device: string; server: string }> {
  const family = (cidr: string): 4 | 6 => (cidr.includes(":") ? 6 : 4);
  return flow.device.flatMap((device) =>
    flow.servers
      .filter((server) => family(server) === family(device))
      .map((server) => ({ family: family(device), device, server })),
  );
}

/** The protocols a port match applies to (ports mean TCP and UDP); null: every protocol. */
export function protocolsOf(flow: TcFlow): number[] | null {
  return flow.devicePorts === null && flow.serverPorts === null ? null : [TCP, UDP];
}

/** Port blocks of one side, or [null] for "any port". */
export function blocksOf(ports: TcFlow["devicePorts"]): Array<PortBlock | null> {
  return ports === null ? [null] : ports.flatMap(([from, to]) => portBlocks(from, to));
}

/**
 * What the kernel must hold for the session (its class minor is chosen later, against the kernel).
 * @throws ApiError 422 UNSUPPORTED_IDENTIFIER (no address it can match), 400 INVALID_ARGUMENT (no server address of
 *   the device's IP version, or more filters than MAX_FILTERS).
 */
export function planSession(
  input: { sessionId: string; identifiers: Device; flow: Flow; profile: QosProfile },
  links: TcLinks,
): Omit<TcPlan, "minor"> {
  const flow: TcFlow = {
    device: deviceCidrs(input.identifiers),
    servers: input.flow.serverRanges.map(rangeCidr),
    devicePorts: input.flow.devicePorts,
    serverPorts: input.flow.serverPorts,
  };
  if (pairs(flow).length === 0) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      "applicationServer has no address of the device's IP version: the flow between them cannot be matched.",
    );
  }
  const count = filterCount(flow);
  if (count > MAX_FILTERS) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `devicePorts and applicationServerPorts make ${count} traffic filters per direction; this network (linux-tc) allows up to ${MAX_FILTERS}: name fewer ports, or ranges aligned on powers of two.`,
    );
  }
  const { profile } = input;
  return {
    sessionId: input.sessionId,
    down: direction(profile, "targetMinDownstreamRate", "maxDownstreamRate", links.down),
    up: direction(profile, "targetMinUpstreamRate", "maxUpstreamRate", links.up ?? links.down),
    flow,
  };
}

/** A profile's guaranteed rate, as counted against the link (a class guaranteed nothing counts 0). */
export function guaranteed(direction: TcDirection): number {
  return direction.rate <= NO_GUARANTEE_BITS ? 0 : direction.rate;
}
