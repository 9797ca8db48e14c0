import type { AddressRange } from "../../domain/ip.ts";

/**
 * IPFilterRule strings (RFC 6733 §4.3, as TS 29.214 §5.4.2 restricts them for Flow-Description):
 * `permit out ip from <server> [ports] to <device> [ports]` for the downlink and `permit in ip from
 * <device> [ports] to <server> [ports]` for the uplink. A port list is the grammar's own
 * `{port | port-port},...`, so any number of ports and ranges fits in one rule.
 */

/** Inclusive port ranges; null means every port (no port list in the rule). */
export type PortList = ReadonlyArray<readonly [number, number]> | null;

/** One end of a flow: an address range (or `any`, the device's address being unknown) and its ports. */
export interface FlowEnd {
  address: AddressRange | "any";
  ports: PortList;
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".");
}

/** RFC 5952's form: lower case, no leading zeros, the longest run (2 or more) of zero groups as `::`. */
function ipv6Text(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
}

/** `address` for a single address, `address/bits` for a prefix. */
export function addressText(range: AddressRange): string {
  const bits = range.version === 4 ? 32 : 128;
  const size = range.last - range.first + 1n;
  const hostBits = size.toString(2).length - 1;
  const text = range.version === 4 ? ipv4Text(range.first) : ipv6Text(range.first);
  return hostBits === 0 ? text : `${text}/${bits - hostBits}`;
}

function portsText(ports: PortList): string {
  if (ports === null) return "";
  return ` ${ports.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(",")}`;
}

function endText(end: FlowEnd): string {
  return `${end.address === "any" ? "any" : addressText(end.address)}${portsText(end.ports)}`;
}

/** The downlink and the uplink rule between an application server and the device. */
export function flowDescriptions(server: FlowEnd, device: FlowEnd): [string, string] {
  return [
    `permit out ip from ${endText(server)} to ${endText(device)}`,
    `permit in ip from ${endText(device)} to ${endText(server)}`,
  ];
}
