import { createHash } from "node:crypto";
import type { QodEvent, Rejection } from "./types.ts";

/** CloudEvent types that announce a QoD status change: CAMARA v1 and the variants seen in the field. */
export const QOS_STATUS_CHANGED_TYPES: ReadonlySet<string> = new Set([
  "org.camaraproject.quality-on-demand.v1.qos-status-changed",
  "org.camaraproject.quality-on-demand.v0.qos-status-changed",
  "org.camaraproject.qod.v1.qos-status-changed",
  "org.camaraproject.qod.v0.qos-status-changed",
]);

const STATUSES = new Set(["AVAILABLE", "UNAVAILABLE", "REQUESTED"]);

export type ParseResult =
  | { kind: "event"; event: QodEvent }
  | { kind: "ignored"; reason: string }
  | ({ kind: "rejected" } & Rejection);

const reject = (status: Rejection["status"], reason: string): ParseResult => ({
  kind: "rejected",
  status,
  reason,
});

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** True for `application/json`, `application/cloudevents+json` and other `+json` types, with parameters. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === "application/json" || contentType === "application/cloudevents+json") return true;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

function detail(
  data: unknown,
): { sessionId: string; qosStatus: QodEvent["qosStatus"]; statusInfo?: string } | null {
  if (!isObject(data)) return null;
  const sessionId = str(data.sessionId);
  const qosStatus = str(data.qosStatus);
  if (sessionId === undefined || qosStatus === undefined || !STATUSES.has(qosStatus)) return null;
  const statusInfo = str(data.statusInfo);
  return {
    sessionId,
    qosStatus: qosStatus as QodEvent["qosStatus"],
    ...(statusInfo === undefined ? {} : { statusInfo }),
  };
}

/**
 * Parses a notification body: a CAMARA CloudEvent (structured mode), the Network-as-Code envelope of
 * the seed (a CloudEvent with `event` and `data`), or the legacy `{event: {eventType, eventTime, eventDetail}}`.
 * Another CloudEvent type is "ignored" (answer 2xx, so the sender stops); a broken body is rejected 400;
 * a body that is not JSON is rejected 415.
 */
export function parseNotification(body: string | Buffer, contentType: string | undefined): ParseResult {
  if (!isJsonContentType(contentType))
    return reject(415, `content type ${contentType ?? "(none)"} is not JSON`);
  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch {
    return reject(400, "body is not valid JSON");
  }
  if (!isObject(json)) return reject(400, "body is not a JSON object");

  if (json.specversion !== undefined || json.type !== undefined) {
    const type = str(json.type);
    if (type === undefined) return reject(400, "CloudEvent without type");
    if (!QOS_STATUS_CHANGED_TYPES.has(type)) return { kind: "ignored", reason: `event type ${type}` };
    const id = str(json.id);
    const source = str(json.source);
    if (id === undefined || source === undefined) return reject(400, "CloudEvent without id or source");
    const data = detail(json.data) ?? detail(isObject(json.event) ? json.event.eventDetail : undefined);
    if (data === null) return reject(400, "event data without sessionId and a known qosStatus");
    const time =
      str(json.time) ??
      (isObject(json.event) ? str(json.event.eventTime) : undefined) ??
      new Date().toISOString();
    return {
      kind: "event",
      event: {
        id,
        source,
        time,
        ...data,
        format: isObject(json.event) ? "nac" : "cloudevent",
        type,
        original: json,
      },
    };
  }

  if (isObject(json.event)) {
    const eventType = str(json.event.eventType);
    if (eventType !== "QOS_STATUS_CHANGED")
      return { kind: "ignored", reason: `event type ${eventType ?? "(none)"}` };
    const data = detail(json.event.eventDetail);
    if (data === null) return reject(400, "eventDetail without sessionId and a known qosStatus");
    const time = str(json.event.eventTime) ?? new Date().toISOString();
    // The legacy shape has no id: the body's hash stands in, so a resend is still recognised.
    const id = createHash("sha256").update(JSON.stringify(json)).digest("hex").slice(0, 32);
    return {
      kind: "event",
      event: { id, source: "legacy", time, ...data, format: "legacy", type: eventType, original: json },
    };
  }
  return reject(400, "not a QoD notification");
}
