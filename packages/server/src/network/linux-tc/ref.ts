import { parseAddressRange } from "../../domain/ip.ts";
import { MAX_MINOR, MIN_MINOR } from "./commands.ts";
import type { TcDirection, TcFlow, TcPlan } from "./plan.ts";

const PREFIX = "linux-tc:";

/**
 * The session's ref is its whole plan: the kernel keeps no name for a class, so what OpenQoD stored
 * with the session is what rebuilds it after a restart (a reboot that emptied the kernel) or a repair.
 */
export function encodeRef(plan: TcPlan): string {
  const { minor, down, up, flow } = plan;
  return PREFIX + JSON.stringify({ minor, down, up, flow });
}

const isWhole = (v: unknown, min: number, max: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
const isDirection = (v: unknown): v is TcDirection => {
  if (typeof v !== "object" || v === null) return false;
  const { rate, ceil, prio } = v as Record<string, unknown>;
  return isWhole(rate, 1, 1e13) && isWhole(ceil, 1, 1e13) && rate <= ceil && isWhole(prio, 0, 6);
};
const isPorts = (v: unknown): v is TcFlow["devicePorts"] =>
  v === null ||
  (Array.isArray(v) &&
    v.length > 0 &&
    v.every(
      (r) => Array.isArray(r) && r.length === 2 && isWhole(r[0], 0, 65535) && isWhole(r[1], r[0], 65535),
    ));
const isCidrs = (v: unknown): v is string[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((s) => typeof s === "string" && /\/\d+$/.test(s) && parseAddressRange(s) !== null);

/**
 * The plan a ref names, or null for another network's ref (the simulator's, a NEF's) or a damaged one:
 * checked strictly, since a value the kernel would change (a priority it clamps) never reads back equal
 * and would be replaced at every repair.
 */
export function decodeRef(sessionId: string, ref: string): TcPlan | null {
  if (!ref.startsWith(PREFIX)) return null;
  let value: unknown;
  try {
    value = JSON.parse(ref.slice(PREFIX.length));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { minor, down, up, flow } = value as Record<string, unknown>;
  if (!isWhole(minor, MIN_MINOR, MAX_MINOR)) return null;
  if (!isDirection(down) || !isDirection(up) || typeof flow !== "object" || flow === null) return null;
  const f = flow as Record<string, unknown>;
  if (!isCidrs(f.device) || !isCidrs(f.servers) || !isPorts(f.devicePorts) || !isPorts(f.serverPorts))
    return null;
  return {
    sessionId,
    minor,
    down,
    up,
    flow: { device: f.device, servers: f.servers, devicePorts: f.devicePorts, serverPorts: f.serverPorts },
  };
}
