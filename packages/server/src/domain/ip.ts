import { isIPv4, isIPv6 } from "node:net";

/** An inclusive range of addresses of one IP version, as integers. */
export interface AddressRange {
  version: 4 | 6;
  first: bigint;
  last: bigint;
}

function ipv4ToBigint(address: string): bigint {
  return address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigint(address: string): bigint {
  let text = address;
  // An embedded dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipv4ToBigint(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill("0");
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

/**
 * Parses `address` or `address/prefix` (IPv4 or IPv6). Returns null when the address or the
 * prefix length is not valid for its IP version (e.g. `10.0.0.0/33`, `::1/129`, `1.2.3.4/`).
 */
export function parseAddressRange(text: string, version?: 4 | 6): AddressRange | null {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const detected = isIPv4(address) ? 4 : isIPv6(address) && !address.includes("%") ? 6 : undefined;
  if (detected === undefined || (version !== undefined && detected !== version)) return null;
  const bits = detected === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > bits) return null;
  }
  const value = detected === 4 ? ipv4ToBigint(address) : ipv6ToBigint(address);
  const hostBits = BigInt(bits - prefix);
  const first = (value >> hostBits) << hostBits;
  return { version: detected, first, last: first | ((1n << hostBits) - 1n) };
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.version === b.version && a.first <= b.last && b.first <= a.last;
}

/** The canonical text of a single address, so that `2001:DB8::1` and `2001:db8:0::1` compare equal. */
export function canonicalAddress(text: string): string {
  const range = parseAddressRange(text);
  if (range === null) return text;
  return `${range.version}:${range.first.toString(16)}/${range.last.toString(16)}`;
}

/** True for loopback addresses (127.0.0.0/8, ::1) and the name `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare === "localhost") return true;
  const range = parseAddressRange(bare);
  if (range === null) return false;
  return range.version === 4 ? range.first >> 24n === 127n : range.first === 1n;
}

/** Ranges no public webhook lives in: loopback, private, shared, link-local, multicast, reserved. */
const NON_PUBLIC = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "::/127",
  "::ffff:0:0/96",
  "64:ff9b::/96",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
].map((r) => parseAddressRange(r) as AddressRange);

/**
 * True when `address` (an IP literal) is not a public unicast address. IPv4-mapped IPv6 addresses
 * count as non-public too, so `::ffff:10.0.0.1` cannot slip past as "IPv6".
 */
export function isNonPublicAddress(address: string): boolean {
  const range = parseAddressRange(address.startsWith("[") ? address.slice(1, -1) : address);
  if (range === null) return false;
  return NON_PUBLIC.some((r) => rangesOverlap(r, range));
}
