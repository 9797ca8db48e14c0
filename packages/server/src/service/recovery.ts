import type { Clock } from "../clock.ts";
import { sinkAuthorization } from "../delivery/sink-authorization.ts";
import type { SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import type { RecoveryItem, RecoveryPosition, Store } from "../store/store.ts";
import { redactSink } from "./notification.ts";
import type { Caller } from "./notification-service.ts";
import { parseOrigin } from "./sink-health.ts";

/** The widest window one recovery covers (ms): 7 days, beyond the ~28 h retry horizon. */
export const RECOVERY_WINDOW_MS = 7 * 24 * 3_600_000;
/** How many notifications one call takes at most; beyond, `more` and `nextCursor` say where to go on. */
export const RECOVERY_BATCH = 1_000;

/** What to recover: one sink's (its URL as the API shows it) or one origin's, created in [since, until). */
export interface RecoveryRequest {
  sink?: string;
  origin?: string;
  /** ms */
  since: number;
  /** ms; @default now */
  until?: number;
  /** A previous answer's `nextCursor` (with the same target and window): go on after what it took. */
  cursor?: string;
}

/** What a recovery did. */
export interface RecoveryOutcome {
  /** Failed or expired notifications made pending again, due now. */
  recovered: number;
  /** Pending notifications (waiting for a retry, or paused) made due now. */
  alreadyPending: number;
  /** Not sent: the access token has expired, or settling removed it and the session holds none for the sink. */
  skipped: number;
  /** More notifications of the window follow: call again with `cursor` = nextCursor. */
  more: boolean;
  /** Opaque (base64url); present while `more` is true. */
  nextCursor?: string;
}

const invalid = (message: string) => new ApiError("INVALID_ARGUMENT", message);

/**
 * The cursor names the last event a call took by (created_at, seq), the order candidates are read in.
 * A time alone would not do: more than a batch created in one millisecond (one scheduler pass) would
 * send every call back to the same first batch.
 */
function encodeCursor(after: RecoveryPosition): string {
  return Buffer.from(`${after.createdAt}.${after.seq}`).toString("base64url");
}

/** @throws ApiError 400 INVALID_ARGUMENT for anything but a cursor encodeCursor made. */
function decodeCursor(cursor: string): RecoveryPosition {
  const match = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString("latin1"));
  if (match === null || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid("cursor must be a nextCursor of an earlier recovery, unchanged.");
  }
  return { createdAt: Number(match[1]), seq: Number(match[2]) };
}

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
 * refusal and is not recovered. Beyond the batch, `nextCursor` goes on after the last one taken.
 * @throws ApiError 400 INVALID_ARGUMENT (no or two targets, a bad URL, until not after since, a window
 *   over RECOVERY_WINDOW_MS, a cursor this function did not make).
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
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  const found = await store.recovery.candidates({
    origin,
    ...(caller === null ? {} : { clientId: caller.clientId }),
    since: request.since,
    until,
    ...(after === undefined ? {} : { after }),
    limit: batch + 1,
  });
  const more = found.length > batch;
  const last = found[batch - 1];
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
    more,
    ...(more && last !== undefined ? { nextCursor: encodeCursor(last) } : {}),
  };
}
