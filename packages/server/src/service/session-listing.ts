import type { QosStatus, SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import type { Owner } from "./owner.ts";

/** Which sessions `SessionService.list` pages through; times in ms, `createdBefore` exclusive. */
export interface SessionListing {
  /** Only this client's: an operator's filter (anyone else may name only itself). */
  clientId?: string;
  status?: QosStatus;
  /** Only this device's (its canonical key, domain/device.ts). */
  deviceKey?: string;
  /** Only devices whose key starts so: an IPv4 device by its public address. */
  deviceKeyPrefix?: string;
  createdAfter?: number;
  createdBefore?: number;
  afterId?: string;
  limit: number;
}

/** A page of sessions, and whether more follow it. */
export interface SessionPage {
  sessions: SessionRecord[];
  more: boolean;
}

/**
 * A page of the caller's sessions (of every device, or the bound token's), oldest first (UUIDv7 ids);
 * `owner` null is an operator: every client's, or `query.clientId`'s.
 * @throws ApiError 403 PERMISSION_DENIED when a client names another client's `clientId`.
 */
export async function listSessions(
  store: Store,
  owner: Owner | null,
  query: SessionListing,
): Promise<SessionPage> {
  const { clientId, deviceKey, ...rest } = query;
  if (owner !== null && clientId !== undefined && clientId !== owner.clientId) {
    throw new ApiError("PERMISSION_DENIED", "Only an operator may list another API client's sessions.");
  }
  // A device-bound token and a device filter both narrow: a filter for another device finds nothing.
  const deviceKeys = [owner?.device?.key, deviceKey].filter((k) => k !== undefined);
  const client = owner?.clientId ?? clientId;
  const found = await store.sessionsOfClient({
    ...rest,
    ...(client === undefined ? {} : { clientId: client }),
    ...(deviceKeys.length === 0 ? {} : { deviceKeys }),
    limit: query.limit + 1,
  });
  return { sessions: found.slice(0, query.limit), more: found.length > query.limit };
}
