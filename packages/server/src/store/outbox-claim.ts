/**
 * Claiming due outbox events fairly across sinks: each sink origin gets at most its share of the
 * dispatcher's slots, so one that hangs cannot hold them all. The statements are written out with
 * Kysely's `sql` template, so every value is bound where it stands in the text (no positional list
 * that depends on a query builder's output order). Their only engine differences (how a list of origins
 * is passed, row locks) are the two fragments of ClaimDialect.
 */
import { type CompiledQuery, type ExpressionBuilder, type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "./schema.ts";
import { nextProbeAt } from "./sink-probes.ts";

/** The state of an event still to be delivered, as an SQL literal (see the partial indexes on it). */
const PENDING = sql.lit("pending");

/** What a dispatcher asks a claim for. */
export interface ClaimRequest {
  /** Now (ms since the epoch): events due at or before it are claimed. */
  now: number;
  /** The most events to claim (the dispatcher's free slots). */
  limit: number;
  /** How long the claim lasts (ms). */
  leaseMs: number;
  /** The most attempts one sink origin may have in flight at once (with this dispatcher). */
  perOrigin: number;
  /** Attempts this dispatcher has in flight now, by origin (see sinkOrigin). */
  inFlight: ReadonlyMap<string, number>;
}

/** The engine's words for the two things SQLite and PostgreSQL say differently in a claim. */
export interface ClaimDialect {
  /** `column` is none of `origins` (SQLite: a JSON array through json_each; PostgreSQL: a text[]). */
  notAmong(column: RawBuilder<unknown>, origins: readonly string[]): RawBuilder<boolean>;
  /** Appended to the select of candidates: PostgreSQL skips rows another instance is claiming. */
  lockCandidates: RawBuilder<unknown>;
  /**
   * Each origin's candidates as a LATERAL join (PostgreSQL, which would otherwise run the per-origin
   * subquery again for every outbox row: 1.9 s per claim with 10^4 events due) or as `seq in` a
   * correlated subquery (SQLite, which has no LATERAL and looks the seqs up by rowid).
   */
  lateral: boolean;
}

export const SQLITE_CLAIM: ClaimDialect = {
  notAmong: (column, origins) =>
    sql<boolean>`${column} not in (select value from json_each(${JSON.stringify(origins)}))`,
  // One writer at a time: nothing to lock.
  lockCandidates: sql``,
  lateral: false,
};

export const POSTGRES_CLAIM: ClaimDialect = {
  notAmong: (column, origins) => sql<boolean>`${column} <> all(cast(${[...origins]} as text[]))`,
  // Rows another instance is claiming right now are skipped, not waited for; the cap is per instance.
  lockCandidates: sql`for update skip locked`,
  lateral: true,
};

/**
 * The origin (scheme://host[:port], as URL.origin) of a sink URL: the unit the per-sink cap counts.
 * A URL that does not parse (none should reach the outbox) is its own origin.
 */
export function sinkOrigin(sink: string): string {
  try {
    return new URL(sink).origin;
  } catch {
    return sink;
  }
}

/**
 * Every origin with a pending event, found by one index seek per origin (the partial index
 * outbox_pending_origin), however many events each has: a loose index scan, written as a recursive
 * query because neither engine skips through an index by itself.
 */
const PENDING_ORIGINS = sql`with recursive origins(origin) as (
    select min(sink_origin) from outbox where state = 'pending'
    union all
    select (select min(x.sink_origin) from outbox x where x.state = 'pending' and x.sink_origin > origins.origin)
    from origins where origins.origin is not null
  )`;

/** For `d`, an event of the outbox: no earlier event of its session is still pending (they go in order). */
const IN_ORDER = sql`not exists (select 1 from outbox p
    where p.session_id = d.session_id and p.state = 'pending' and p.seq < d.seq)`;

/** The origins the dispatcher already has `perOrigin` attempts in flight for. */
export function fullOrigins(request: Pick<ClaimRequest, "perOrigin" | "inFlight">): string[] {
  return [...request.inFlight].filter(([, count]) => count >= request.perOrigin).map(([origin]) => origin);
}

/**
 * Due events, the oldest `min(perOrigin, limit)` of each origin not yet full, oldest first overall.
 * Walking origin by origin is what makes the cap cheap: a full origin's backlog (10^4 due events for a
 * sink that hangs) is skipped by one seek instead of being read past on every claim.
 */
export function claimCandidates(
  db: Kysely<Database>,
  dialect: ClaimDialect,
  request: ClaimRequest,
): CompiledQuery<{ seq: number; sink_origin: string }> {
  const { now } = request;
  const each = Math.max(1, Math.min(request.perOrigin, request.limit));
  const full = fullOrigins(request);
  // A paused origin (sinks.ts) is skipped like a full one: one lookup in a table of a few rows per origin.
  const notFull = full.length === 0 ? sql`true` : dialect.notAmong(sql.ref("origins.origin"), full);
  const open = sql`${notFull} and not exists (select 1 from sinks s
      where s.origin = origins.origin and s.paused_by is not null)`;
  const due = sql`select d.seq, d.sink_origin, d.next_attempt_at from outbox d
      where d.state = 'pending' and d.sink_origin = origins.origin and d.next_attempt_at <= ${now}
        and (d.lease_until is null or d.lease_until <= ${now}) and ${IN_ORDER}
      order by d.next_attempt_at, d.seq limit ${each} ${dialect.lockCandidates}`;
  const query = dialect.lateral
    ? sql<{ seq: number; sink_origin: string }>`${PENDING_ORIGINS}
      select c.seq, c.sink_origin from origins cross join lateral (${due}) c
      where origins.origin is not null and ${open}
      order by c.next_attempt_at, c.seq`
    : sql<{ seq: number; sink_origin: string }>`${PENDING_ORIGINS}
      select o.seq, o.sink_origin from origins, outbox o
      where origins.origin is not null and ${open} and o.seq in (select seq from (${due}))
      order by o.next_attempt_at, o.seq`;
  return query.compile(db);
}

/**
 * From candidates in due order, those the cap lets through: per origin, `perOrigin` minus what is in
 * flight; `limit` in all.
 */
export function withinCap<T extends { sink_origin: string }>(
  candidates: readonly T[],
  request: ClaimRequest,
): T[] {
  const counts = new Map(request.inFlight);
  const taken: T[] = [];
  for (const candidate of candidates) {
    if (taken.length >= request.limit) break;
    const count = counts.get(candidate.sink_origin) ?? 0;
    if (count >= request.perOrigin) continue;
    counts.set(candidate.sink_origin, count + 1);
    taken.push(candidate);
  }
  return taken;
}

/**
 * The earliest time an event of an origin not in `full` may be attempted by its schedule, or null:
 * a full origin's due events wait for one of its attempts to finish, which wakes the dispatcher anyway.
 */
function nextScheduledOutside(
  db: Kysely<Database>,
  dialect: ClaimDialect,
  full: readonly string[],
): CompiledQuery<{ due: number | string | null }> {
  return sql<{ due: number | string | null }>`${PENDING_ORIGINS}
    select min((select d.next_attempt_at from outbox d
      where d.state = 'pending' and d.sink_origin = origins.origin
        and (d.lease_until is null or d.lease_until <= d.next_attempt_at) and ${IN_ORDER}
      order by d.next_attempt_at, d.seq limit 1)) as due
    from origins where origins.origin is not null and ${dialect.notAmong(sql.ref("origins.origin"), full)}`.compile(
    db,
  );
}

/**
 * The earliest time a pending event may be attempted (its schedule or its lease), or null. Events
 * waiting behind their session's previous one are not due: that one's settling wakes us. Nor are
 * those of the `full` origins (at their cap): one of their attempts finishing wakes us. Nor those of
 * paused origins: a breaker-paused one wakes us at its next probe (nextProbeAt), an operator's never.
 */
export async function nextDeliveryAt(
  db: Kysely<Database>,
  dialect: ClaimDialect,
  full: readonly string[],
): Promise<number | null> {
  const paused = await db.selectFrom("sinks").select("origin").where("paused_by", "is not", null).execute();
  // With a paused origin, the per-origin walk skips its backlog by one seek; the plain walk below
  // would read through all of it.
  const skipped = paused.length === 0 ? full : [...full, ...paused.map((p) => p.origin)];
  const [scheduled, leased, probe] = await Promise.all([
    skipped.length > 0
      ? db.executeQuery(nextScheduledOutside(db, dialect, skipped)).then((r) => r.rows[0])
      : // Unleased (or leased until before its schedule): due at next_attempt_at. The partial index gives
        // them in that order, so this stops at the first one not blocked by its session.
        db
          .selectFrom("outbox as o")
          .select("o.next_attempt_at as due")
          .where("o.state", "=", PENDING)
          .where((eb) =>
            eb.or([eb("o.lease_until", "is", null), eb("o.lease_until", "<=", eb.ref("o.next_attempt_at"))]),
          )
          .where(noEarlierPendingEvent)
          .orderBy("o.next_attempt_at")
          .orderBy("o.seq")
          .limit(1)
          .executeTakeFirst(),
    // Leased: due when the lease runs out (a dead dispatcher's claim is taken over then).
    db
      .selectFrom("outbox as o")
      .select((eb) => eb.fn.min("o.lease_until").as("due"))
      .where("o.state", "=", PENDING)
      .where("o.lease_until", "is not", null)
      .whereRef("o.lease_until", ">", "o.next_attempt_at")
      .$if(paused.length > 0, (q) =>
        q.where((eb) =>
          eb.not(
            eb(
              "o.sink_origin",
              "in",
              paused.map((p) => p.origin),
            ),
          ),
        ),
      )
      .executeTakeFirst(),
    paused.length === 0 ? null : nextProbeAt(db),
  ]);
  const times = [scheduled?.due, leased?.due, probe].filter((t) => t != null).map(Number);
  return times.length === 0 ? null : Math.min(...times);
}

/**
 * For a query over `outbox as o`: no earlier event of the same session is still pending. A session's
 * events go out in order, so an event behind an unsettled one is neither due nor worth a timer.
 */
export function noEarlierPendingEvent({
  not,
  exists,
  selectFrom,
}: ExpressionBuilder<Database & { o: Database["outbox"] }, "o">) {
  return not(
    exists(
      selectFrom("outbox as p")
        .select("p.seq")
        .whereRef("p.session_id", "=", "o.session_id")
        .where("p.state", "=", PENDING)
        .whereRef("p.seq", "<", "o.seq"),
    ),
  );
}
