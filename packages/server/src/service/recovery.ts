import type { Clock } from "../clock.ts";
import { sinkAuthorization } from "../delivery/sink-authorization.ts";
import type { SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type { RecoveryItem, Store } from "../store/store.ts";
import { redactSink } from "./notification.ts";
import type { Caller } from "./notification-service.ts";
import { parseOrigin } from "./sink-health.ts";

/** The widest window one recovery covers (ms): 7 days, beyond the ~28 h retry horizon. */
export const RECOVERY_WINDOW_MS = 7 * 24 * 3_600_000;
/** How many notifications one call takes at most; beyond, `more` and `nextSince` say where to go on. */
export const RECOVERY_BATCH = 1_000;

/** What to recover: one sink's (its URL as the API shows it) or one origin's, created in [since, until). */
export interface RecoveryRequest {
  sink?: string;
  origin?: string;
  /** ms */
  since: number;
  /** ms; @default now */
  until?: number;
}

/** What a recovery did. */
export interface RecoveryOutcome {
  /** Failed or expired notifications made pending again, due now. */
  recovered: number;
  /** Pending notifications (waiting for a retry, or paused) made due now. */
  alreadyPending: number;
  /** Not sent: the access token has expired, or settling removed it and the session holds none for the sink. */
  skipped: number;
  /** More notifications of the window follow: call again with `since` = nextSince. */
  more: boolean;
  nextSince?: string;
}

const invalid = (message: string) => new ApiError("INVALID_ARGUMENT", message);

/** The origin the request names, and the sink URL to match exactly when it named one. */
function target(request: RecoveryRequest): { origin: string; sink?: string } {
  if ((request.sink === undefined) === (request.origin === undefined)) {
    throw invalid(
      "Name exactly one of sink (a sink URL, as the notifications show it) and origin (scheme://host[:port]).",
    );
  }
  const text = request.sink ?? request.origin ?? "";
  const name = request.sink === undefined ? "origin" : "sink";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${name} must be an http or https URL; got "${text}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalid(`${name} must be an http or https URL; got "${text}".`);
  }
  if (request.sink !== undefined) return { origin: url.origin, sink: redactSink(text) };
  return { origin: parseOrigin(text) };
}

/**
 * Redelivers every notification of one sink that was never delivered (pending, failed, expired but
 * with an access token still valid), created in [since, until), the caller's only (an operator's:
 * every client's), oldest first, at most `deps.batch` (@default RECOVERY_BATCH) a call, in one
 * transaction. Delivered ones are never sent again, and a second call finds the first one's still
 * pending and only makes them due now again: each is sent once. A 410 ("gone") is the sink's own
 * refusal and is not recovered.
 * @throws ApiError 400 INVALID_ARGUMENT (no or two targets, a bad URL, until not after since, a window
 *   over RECOVERY_WINDOW_MS).
 */
export async function recover(
  deps: { store: Store; clock: Clock; batch?: number },
  caller: Caller,
  request: RecoveryRequest,
): Promise<RecoveryOutcome> {
  const { store, clock, batch = RECOVERY_BATCH } = deps;
  const now = clock.now();
  const { origin, sink } = target(request);
  const until = request.until ?? now;
  if (until <= request.since) throw invalid("until must be after since.");
  if (until - request.since > RECOVERY_WINDOW_MS) {
    throw invalid(
      "The window from since to until is at most 7 days: recover a longer outage in several calls.",
    );
  }
  const found = await store.recovery.candidates({
    origin,
    ...(caller === null ? {} : { clientId: caller.clientId }),
    since: request.since,
    until,
    limit: batch + 1,
  });
  const next = found[batch];
  const rows = found.slice(0, batch).filter((r) => sink === undefined || redactSink(r.sink) === sink);
  const sessions = new Map<string, SessionRecord | undefined>();
  for (const id of new Set(rows.map((r) => r.sessionId))) sessions.set(id, await store.getSession(id));

  const items: RecoveryItem[] = [];
  let skipped = 0;
  let alreadyPending = 0;
  for (const row of rows) {
    const session = sessions.get(row.sessionId);
    // A device-bound token speaks for its device only: events of other devices, or of removed
    // sessions (which no longer say whose device), are not its to recover.
    if (caller?.device != null && session?.deviceKey !== caller.device.key) continue;
    if (row.tokenExpiresAt !== null && now >= row.tokenExpiresAt) {
      skipped++;
      continue;
    }
    if (row.state === "pending") {
      alreadyPending++;
      items.push({ eventId: row.eventId, sessionId: row.sessionId, authorization: null });
      continue;
    }
    const authorization =
      row.credentialRemoved && session?.sink === row.sink ? sinkAuthorization(session) : null;
    if (row.credentialRemoved && authorization === null) {
      skipped++;
      continue;
    }
    items.push({ eventId: row.eventId, sessionId: row.sessionId, authorization });
  }
  const reopened = items.length === 0 ? new Set<string>() : await store.recovery.apply(origin, items, now);
  const settled = items.length - alreadyPending;
  return {
    recovered: reopened.size,
    alreadyPending,
    skipped: skipped + (settled - reopened.size),
    more: next !== undefined,
    ...(next === undefined ? {} : { nextSince: new Date(next.createdAt).toISOString() }),
  };
}
