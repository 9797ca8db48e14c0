import { blocksOf, pairs, protocolsOf, type TcDirection, type TcPlan } from "./plan.ts";
import type { PortBlock } from "./port-blocks.ts";
import { tcRate } from "./rate.ts";

/**
 * OpenQoD's share of an interface's traffic control, and nothing else: the root htb 1:, its class 1:1
 * (the link), the class 1:ffff of traffic matching no session, and per session the class 1:<minor>
 * with minor in [MIN_MINOR, MAX_MINOR] and the u32 filters of prefs 2*minor (IPv4) and 2*minor+1 (IPv6).
 * Other classes and filters on the interface are not touched.
 */
export const ROOT = "1:";
export const LINK_CLASS = "1:1";
export const DEFAULT_MINOR = 0xffff;
export const MIN_MINOR = 0x100;
/**
 * 1000 sessions: each takes two u32 prefs (one per IP version), each pref a hash table of its own, and
 * an interface has room for 2047 (the next is "Filter already exists", measured).
 */
export const MAX_SESSIONS = 1_000;
export const MAX_MINOR = MIN_MINOR + MAX_SESSIONS - 1;
/** The share of the link kept for traffic of no session, so that no set of sessions can starve it. */
export const DEFAULT_SHARE = 0.05;

export type Way = "down" | "up";

const hex = (n: number) => n.toString(16);
export const classId = (minor: number) => `1:${hex(minor)}`;
export const prefOf = (minor: number, family: 4 | 6) => 2 * minor + (family === 6 ? 1 : 0);
export const minorOfPref = (pref: number) => Math.floor(pref / 2);

/**
 * htb's quantum (bytes a class sends per round when classes of one priority borrow): about a
 * millisecond at its rate, within the bounds htb accepts without a warning.
 */
function quantum(rate: number): number {
  return Math.min(200_000, Math.max(1_514, Math.round(rate / 8 / 1_000)));
}

/**
 * htb's burst (bytes a class may send at once): 5 ms of the link. tc's default is one packet, so a
 * class sends at most a packet per timer wake-up; on a busy or virtual machine the wake-ups come late
 * and a 100 Mbit/s link then carried 55-93 Mbit/s (measured), below what sessions are guaranteed.
 * At most a second of the class's own rate: htb keeps the burst as time at that rate in 32 bits,
 * which wraps for a slow class on a fast link (625000 bytes at 8 kbit/s read back as 75244).
 */
function burst(link: number, rate: number): number {
  return Math.max(1_600, Math.round(Math.min((link / 8) * 0.005, rate / 8)));
}

function htb(direction: Pick<TcDirection, "rate" | "ceil">, link: number): string {
  const { rate, ceil } = direction;
  return `htb rate ${tcRate(rate)} ceil ${tcRate(ceil)} burst ${burst(link, rate)} cburst ${burst(link, ceil)} quantum ${quantum(rate)}`;
}

/** OpenQoD's root on an interface: the qdisc when it is not there yet (htb cannot change its default). */
export function rootLines(dev: string, link: number, existing: boolean): string[] {
  return [
    ...(existing ? [] : [`qdisc replace dev ${dev} root handle ${ROOT} htb default ${hex(DEFAULT_MINOR)}`]),
    ...linkLines(dev, link),
  ];
}

/** htb's default class as tc -json prints it. */
export const DEFAULT_CLASS_TEXT = `0x${hex(DEFAULT_MINOR)}`;

/** The link's class and the class of traffic of no session (both set again at every start: the rate may change). */
export function linkLines(dev: string, link: number): string[] {
  const spare = { rate: Math.max(8_000, Math.round(link * DEFAULT_SHARE)), ceil: link };
  return [
    `class replace dev ${dev} parent ${ROOT} classid ${LINK_CLASS} ${htb({ rate: link, ceil: link }, link)}`,
    `class replace dev ${dev} parent ${LINK_CLASS} classid ${classId(DEFAULT_MINOR)} ${htb(spare, link)} prio 7`,
  ];
}

function portMatch(family: 4 | 6, side: "sport" | "dport", block: PortBlock | null): string[] {
  if (block === null) return [];
  return [`match ${family === 4 ? "ip" : "ip6"} ${side} ${block.value} 0x${hex(block.mask)}`];
}

/**
 * u32 reads IPv4 ports 20 bytes in, so a port match also asks for a 20-byte header (no options) and
 * fragment offset 0: elsewhere those bytes are options or payload, and could pass for a port.
 */
const PLAIN_IPV4 = ["match ip ihl 5 0xf", "match u16 0 0x1fff at 6"];

/**
 * The u32 filters of one direction. Downstream (towards the device) the device is the destination,
 * upstream the source. A port match is made for TCP and for UDP, each checking the protocol: u32 reads
 * ports at a fixed offset, which in other protocols holds something else.
 */
export function filterLines(dev: string, plan: Pick<TcPlan, "minor" | "flow">, way: Way): string[] {
  const { flow, minor } = plan;
  const lines: string[] = [];
  const [deviceSide, serverSide] = way === "down" ? (["dst", "src"] as const) : (["src", "dst"] as const);
  const [devicePort, serverPort] =
    way === "down" ? (["dport", "sport"] as const) : (["sport", "dport"] as const);
  for (const { family, device, server } of pairs(flow)) {
    const ip = family === 4 ? "ip" : "ip6";
    const protocol = family === 4 ? "ip" : "ipv6";
    for (const proto of protocolsOf(flow) ?? [null]) {
      for (const deviceBlock of blocksOf(flow.devicePorts)) {
        for (const serverBlock of blocksOf(flow.serverPorts)) {
          const matches = [
            `match ${ip} ${deviceSide} ${device}`,
            `match ${ip} ${serverSide} ${server}`,
            ...(proto === null ? [] : [`match ${ip} protocol ${proto} 0xff`]),
            ...(proto !== null && family === 4 ? PLAIN_IPV4 : []),
            ...portMatch(family, devicePort, deviceBlock),
            ...portMatch(family, serverPort, serverBlock),
          ];
          lines.push(
            `filter add dev ${dev} parent ${ROOT} protocol ${protocol} pref ${prefOf(minor, family)} u32 ${matches.join(" ")} classid ${classId(minor)}`,
          );
        }
      }
    }
  }
  return lines;
}

/** Adds a session's class and filters on one interface (class first: a filter points at it). */
export function addLines(dev: string, plan: TcPlan, way: Way, link: number): string[] {
  const direction = plan[way];
  return [
    `class add dev ${dev} parent ${LINK_CLASS} classid ${classId(plan.minor)} ${htb(direction, link)} prio ${direction.prio}`,
    ...filterLines(dev, plan, way),
  ];
}

/** Removes a session's filters, then its class (a class with filters pointing at it cannot go). */
export function removeLines(dev: string, minor: number): string[] {
  return [...removeFilterLines(dev, minor), `class del dev ${dev} classid ${classId(minor)}`];
}

export function removeFilterLines(dev: string, minor: number): string[] {
  return [4, 6].map(
    (family) => `filter del dev ${dev} parent ${ROOT} pref ${prefOf(minor, family as 4 | 6)}`,
  );
}

/** The prefs a session's filters use on one interface (one per IP version of its flow). */
export function prefsOf(plan: Pick<TcPlan, "minor" | "flow">): number[] {
  return [...new Set(pairs(plan.flow).map((p) => p.family))].map((family) => prefOf(plan.minor, family));
}
