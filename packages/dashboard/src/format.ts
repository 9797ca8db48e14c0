import type { Device, PortsSpec, SessionInfo } from "./wire.ts";

/** A device by the identifier a person recognises first. */
export function deviceLabel(device: Device | undefined): string {
  if (device === undefined) return "(the token's device)";
  return (
    device.phoneNumber ??
    device.networkAccessIdentifier ??
    device.ipv4Address?.publicAddress ??
    device.ipv6Address ??
    "(no identifier)"
  );
}

function ports(spec: PortsSpec | undefined): string {
  if (spec === undefined) return "";
  const parts = [...(spec.ports ?? []).map(String), ...(spec.ranges ?? []).map((r) => `${r.from}-${r.to}`)];
  return parts.length === 0 ? "" : `:${parts.join(",")}`;
}

/** device[:ports] → server[:ports] */
export function flowLabel(session: SessionInfo): string {
  const server = session.applicationServer.ipv4Address ?? session.applicationServer.ipv6Address ?? "?";
  return `${deviceLabel(session.device)}${ports(session.devicePorts)} → ${server}${ports(session.applicationServerPorts)}`;
}

/** What is left of a session at `now`: "12m 05s", "—" when it has ended or not started. */
export function timeLeft(session: SessionInfo, now: number): string {
  if (session.qosStatus !== "AVAILABLE" || session.expiresAt === undefined) return "—";
  const seconds = Math.max(0, Math.round((Date.parse(session.expiresAt) - now) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
}

/** A time as the browser's locale writes it, to the second. */
export function when(iso: string | undefined): string {
  if (iso === undefined) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** "UNAVAILABLE DURATION_EXPIRED", "AVAILABLE" */
export function statusLabel(status: string, info: string | undefined): string {
  return info === undefined ? status : `${status} ${info}`;
}
