import { isIPv4, isIPv6 } from "node:net";
import type { Static } from "@sinclair/typebox";
import { chooseDeviceIdentifier } from "../domain/device.ts";
import type { QosStatus } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type { SessionListing } from "../service/session-listing.ts";
import type { SessionListQuery } from "./schemas-notifications.ts";

const STATUSES: readonly QosStatus[] = ["REQUESTED", "AVAILABLE", "UNAVAILABLE"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PHONE = /^\+[1-9][0-9]{4,14}$/;
/** RFC 3339 with a zone, as the API writes times (fractions allowed). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
/** @default page size */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

const invalid = (message: string) => new ApiError("INVALID_ARGUMENT", message);

/** The cursor is the last session id of a page, base64url-encoded so callers treat it as opaque. */
export const encodeCursor = (id: string) => Buffer.from(id, "utf8").toString("base64url");

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!UUID.test(id)) {
    throw invalid(
      "cursor is not one this API returned: pass the nextCursor of the previous page, or leave it out to start again.",
    );
  }
  return id;
}

/** An RFC 3339 time as ms. @throws ApiError 400 INVALID_ARGUMENT naming `name`. */
export function parseTime(name: string, text: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalid(`${name} must be an RFC 3339 date-time such as 2026-06-01T12:00:00Z; got "${text}".`);
  return ms;
}

/**
 * The device filter as the store matches it: the canonical key sessions are stored under
 * (domain/device.ts), or for an IPv4 address, every session of that public address whatever its
 * private address or port (neither fits in a query parameter).
 */
function deviceFilter(
  query: Static<typeof SessionListQuery>,
): Pick<SessionListing, "deviceKey" | "deviceKeyPrefix"> {
  const given = (["phoneNumber", "ipv4Address", "ipv6Address"] as const).filter(
    (k) => query[k] !== undefined,
  );
  if (given.length > 1)
    throw invalid(`Filter by one device identifier at a time; got ${given.join(" and ")}.`);
  const { phoneNumber, ipv4Address, ipv6Address } = query;
  if (phoneNumber !== undefined) {
    if (!PHONE.test(phoneNumber)) {
      throw invalid(
        `phoneNumber must be in E.164 form with a leading +, such as +123456789; got "${phoneNumber}".`,
      );
    }
    return { deviceKey: chooseDeviceIdentifier({ phoneNumber }).key };
  }
  if (ipv4Address !== undefined) {
    if (!isIPv4(ipv4Address))
      throw invalid(`ipv4Address must be an IPv4 address (the public one); got "${ipv4Address}".`);
    return { deviceKeyPrefix: `ipv4:${ipv4Address}|` };
  }
  if (ipv6Address !== undefined) {
    if (!isIPv6(ipv6Address)) throw invalid(`ipv6Address must be an IPv6 address; got "${ipv6Address}".`);
    return { deviceKey: chooseDeviceIdentifier({ ipv6Address }).key };
  }
  return {};
}

/**
 * listSessions' query as the service takes it.
 * @throws ApiError 400 INVALID_ARGUMENT naming the parameter that is wrong.
 */
export function parseSessionListQuery(query: Static<typeof SessionListQuery>): SessionListing {
  const parsed: SessionListing = { limit: DEFAULT_LIMIT, ...deviceFilter(query) };
  if (query.status !== undefined) {
    const status = STATUSES.find((s) => s === query.status);
    if (status === undefined) {
      throw invalid(`status must be one of ${STATUSES.join(", ")}; got "${query.status}".`);
    }
    parsed.status = status;
  }
  if (query.limit !== undefined) {
    const limit = /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      throw invalid(`limit must be a whole number from 1 to ${MAX_LIMIT}; got "${query.limit}".`);
    }
    parsed.limit = limit;
  }
  if (query.createdAfter !== undefined) parsed.createdAfter = parseTime("createdAfter", query.createdAfter);
  if (query.createdBefore !== undefined)
    parsed.createdBefore = parseTime("createdBefore", query.createdBefore);
  if (query.clientId !== undefined) parsed.clientId = query.clientId;
  if (query.cursor !== undefined) parsed.afterId = decodeCursor(query.cursor);
  return parsed;
}
