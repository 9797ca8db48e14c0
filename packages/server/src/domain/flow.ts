import { ApiError } from "../errors.ts";
import { type AddressRange, parseAddressRange, rangesOverlap } from "./ip.ts";
import type { ApplicationServer, PortsSpec } from "./types.ts";

/** The traffic a session boosts, in a form that can be compared with another session's. */
export interface Flow {
  serverRanges: AddressRange[];
  /** null means every port. */
  devicePorts: PortRangeList | null;
  serverPorts: PortRangeList | null;
}

type PortRangeList = Array<[number, number]>;

/**
 * Validates a session's application server and ports beyond what JSON Schema can say: address
 * prefixes valid for their IP version and ranges with `from <= to`.
 * @throws ApiError 400 INVALID_ARGUMENT naming the offending field.
 */
export function parseFlow(
  applicationServer: ApplicationServer,
  devicePorts: PortsSpec | null,
  serverPorts: PortsSpec | null,
): Flow {
  const serverRanges: AddressRange[] = [];
  for (const [field, version] of [
    ["ipv4Address", 4],
    ["ipv6Address", 6],
  ] as const) {
    const text = applicationServer[field];
    if (text === undefined) continue;
    const range = parseAddressRange(text, version);
    if (range === null) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `applicationServer.${field} must be an IPv${version} address with an optional prefix length (0-${version === 4 ? 32 : 128}); got "${text}".`,
      );
    }
    serverRanges.push(range);
  }
  if (serverRanges.length === 0) {
    throw new ApiError("INVALID_ARGUMENT", "applicationServer needs an ipv4Address or an ipv6Address.");
  }
  return {
    serverRanges,
    devicePorts: portRanges(devicePorts, "devicePorts"),
    serverPorts: portRanges(serverPorts, "applicationServerPorts"),
  };
}

function portRanges(spec: PortsSpec | null, field: string): PortRangeList | null {
  if (spec === null) return null;
  const list: PortRangeList = [];
  for (const [i, range] of (spec.ranges ?? []).entries()) {
    if (range.from > range.to) {
      throw new ApiError(
        "OUT_OF_RANGE",
        `${field}.ranges[${i}]: from (${range.from}) must not be greater than to (${range.to}).`,
      );
    }
    list.push([range.from, range.to]);
  }
  for (const port of spec.ports ?? []) list.push([port, port]);
  if (list.length === 0) throw new ApiError("INVALID_ARGUMENT", `${field} needs ranges or ports.`);
  return list;
}

function portsOverlap(a: PortRangeList | null, b: PortRangeList | null): boolean {
  if (a === null || b === null) return true;
  return a.some(([aFrom, aTo]) => b.some(([bFrom, bTo]) => aFrom <= bTo && bFrom <= aTo));
}

/** Two flows of one device conflict when some packet could belong to both. */
export function flowsOverlap(a: Flow, b: Flow): boolean {
  const serversMeet = a.serverRanges.some((ra) => b.serverRanges.some((rb) => rangesOverlap(ra, rb)));
  return (
    serversMeet && portsOverlap(a.devicePorts, b.devicePorts) && portsOverlap(a.serverPorts, b.serverPorts)
  );
}
