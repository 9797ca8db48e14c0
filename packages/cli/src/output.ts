import type { QodEvent } from "@openqod/receiver";
import type { QodSession } from "@openqod/sdk";

const useColor = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: number, text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
export const green = (text: string) => paint(32, text);
export const red = (text: string) => paint(31, text);
export const yellow = (text: string) => paint(33, text);
export const dim = (text: string) => paint(2, text);
export const bold = (text: string) => paint(1, text);

export function statusColor(status: string): string {
  return status === "AVAILABLE" ? green(status) : status === "UNAVAILABLE" ? red(status) : yellow(status);
}

export function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** One line per session: id, status, profile, duration, end. */
export function sessionLine(s: QodSession): string {
  const info = s.statusInfo ? `/${s.statusInfo}` : "";
  const until = s.expiresAt ? `until ${s.expiresAt.toISOString()}` : "";
  return `${s.id}  ${statusColor(s.status)}${info}  ${s.profile}  ${s.duration}s  ${until}`.trimEnd();
}

export function eventLine(e: QodEvent): string {
  const info = e.statusInfo ? ` ${dim(e.statusInfo)}` : "";
  return `${dim(e.time)}  ${e.sessionId}  ${statusColor(e.qosStatus)}${info}  ${dim(`(${e.format} ${e.id})`)}`;
}

/** What `notificationLines` needs of a notification, from the API or straight from the database. */
export interface NotificationView {
  id: string;
  qosStatus: string;
  statusInfo?: string | undefined;
  state: string;
  sink: string;
  createdAt: string | number;
  nextAttemptAt?: string | number | undefined;
  attempts: ReadonlyArray<{
    attemptedAt: string | number;
    outcome: string;
    statusCode?: number | null | undefined;
    durationMs: number;
    error?: string | null | undefined;
  }>;
}

const iso = (t: string | number) => new Date(t).toISOString();

/** A notification on one line, then one indented line per delivery attempt. */
export function notificationLines(n: NotificationView): string[] {
  const info = n.statusInfo ? `/${n.statusInfo}` : "";
  const next = n.nextAttemptAt === undefined ? "" : `  next ${iso(n.nextAttemptAt)}`;
  const state =
    n.state === "delivered"
      ? green(n.state)
      : n.state === "pending" || n.state === "paused"
        ? yellow(n.state)
        : red(n.state);
  return [
    `${n.id}  ${state}  ${statusColor(n.qosStatus)}${info}  ${dim(n.sink)}  created ${iso(n.createdAt)}${next}`,
    ...n.attempts.map(
      (a) =>
        `  ${dim(iso(a.attemptedAt))}  ${a.outcome}  ${a.statusCode == null ? "-" : a.statusCode}  ${a.durationMs} ms${a.error ? `  ${a.error}` : ""}`,
    ),
  ];
}
