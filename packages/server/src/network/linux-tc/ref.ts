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

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isDirection = (v: unknown): v is TcDirection =>
  typeof v === "object" &&
  v !== null &&
  isNumber((v as TcDirection).rate) &&
  isNumber((v as TcDirection).ceil) &&
  isNumber((v as TcDirection).prio);
const isPorts = (v: unknown): v is TcFlow["devicePorts"] =>
  v === null ||
  (Array.isArray(v) &&
    v.every((r) => Array.isArray(r) && r.length === 2 && isNumber(r[0]) && isNumber(r[1])));
const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === "string" && /^[0-9a-fA-F.:]+\/\d+$/.test(s));

/** The plan a ref names, or null for another network's ref (the simulator's, a NEF's) or a damaged one. */
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
  if (!isNumber(minor) || minor < MIN_MINOR || minor > MAX_MINOR) return null;
  if (!isDirection(down) || !isDirection(up) || typeof flow !== "object" || flow === null) return null;
  const f = flow as Record<string, unknown>;
  if (!isStrings(f.device) || !isStrings(f.servers) || !isPorts(f.devicePorts) || !isPorts(f.serverPorts))
    return null;
  return {
    sessionId,
    minor,
    down,
    up,
    flow: { device: f.device, servers: f.servers, devicePorts: f.devicePorts, serverPorts: f.serverPorts },
  };
}
