/**
 * The outbox of paused sink origins: which event probes a breaker-paused origin and when, and the
 * events that expire while their origin is paused. Claims (outbox-claim.ts) leave paused origins out
 * altogether; this is the only way their events move until they are resumed.
 */
import { type Kysely, sql } from "kysely";
import type { CredentialSql } from "./credentials.ts";
import { BOOKKEEPING } from "./effects.ts";
import type { ClaimDialect } from "./outbox-claim.ts";
import type { Database } from "./schema.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/**
 * In the claim's unit: for each breaker-paused origin whose probe time has come, its oldest pending
 * event that is next in its session and not leased, to be sent alone as the probe. The origin's next
 * probe moves a lease ahead at once, so no other claim (here or on another instance) probes it too
 * while this one is in flight; the probe's outcome sets the real next time (sink-breaker.ts).
 * PostgreSQL skips an origin or an event another instance is claiming right now.
 * @returns the events' seqs, at most `limit`.
 */
export async function claimProbesIn(
  unit: UnitOfWork,
  db: Kysely<Database>,
  dialect: ClaimDialect,
  request: { now: number; leaseMs: number; limit: number },
): Promise<number[]> {
  const { now } = request;
  const due = await unit.query<{ origin: string }>(
    sql<{ origin: string }>`select origin from sinks
      where paused_by = 'breaker' and probe_at <= ${now}
      order by probe_at limit ${request.limit} ${dialect.lockCandidates}`.compile(db),
  );
  const seqs: number[] = [];
  for (const { origin } of due) {
    const [event] = await unit.query<{ seq: number | string }>(
      sql<{ seq: number | string }>`select d.seq from outbox d
        where d.state = 'pending' and d.sink_origin = ${origin}
          and (d.lease_until is null or d.lease_until <= ${now})
          and not exists (select 1 from outbox p
            where p.session_id = d.session_id and p.state = 'pending' and p.seq < d.seq)
        order by d.seq limit 1 ${dialect.lockCandidates}`.compile(db),
    );
    // Nothing to send: no probe is owed until an event comes (nextProbeAt waits for one too).
    if (event === undefined) continue;
    seqs.push(Number(event.seq));
    await unit.write(
      db
        .updateTable("sinks")
        .set({ probe_at: now + request.leaseMs })
        .where("origin", "=", origin)
        .compile(),
      // Like the claim's leases: nothing another dispatcher could do sooner; its next wake-up reads it.
      BOOKKEEPING,
    );
  }
  return seqs;
}

/**
 * The earliest probe time of a breaker-paused origin with an event to probe with (one next in its
 * session and not leased past that time), or null. An origin with nothing pending wakes nobody.
 */
export async function nextProbeAt(db: Kysely<Database>): Promise<number | null> {
  const { rows } = await db.executeQuery(
    sql<{ due: number | string | null }>`select min(s.probe_at) as due from sinks s
      where s.paused_by = 'breaker' and exists (select 1 from outbox d
        where d.state = 'pending' and d.sink_origin = s.origin
          and (d.lease_until is null or d.lease_until <= s.probe_at)
          and not exists (select 1 from outbox p
            where p.session_id = d.session_id and p.state = 'pending' and p.seq < d.seq))`.compile(db),
  );
  const due = rows[0]?.due;
  return due === null || due === undefined ? null : Number(due);
}

/** Why a paused origin's event expired unsent (its last_error). */
export const EXPIRED_WHILE_PAUSED = {
  token: "access token expired while the sink was paused",
  horizon: "older than the retry horizon while the sink was paused",
} as const;

/**
 * In `unit`: the pending events of paused origins that can no longer be delivered settle as `expired`,
 * without an attempt and with their credential removed: those whose access token has expired, and
 * those queued longer ago than `horizonMs` (the retry schedule's length: a sink that stayed up but
 * failing would have had them fail by then), counted from their creation or from when a redelivery or
 * recovery queued them again. Events in flight (a probe) are left to their attempt.
 * Nothing else of a paused origin is ever settled.
 * @returns how many expired.
 */
export async function expirePausedIn(
  unit: UnitOfWork,
  db: Kysely<Database>,
  credentials: CredentialSql,
  request: { now: number; horizonMs: number },
): Promise<number> {
  const { now } = request;
  const expire = (reason: string) =>
    db
      .updateTable("outbox")
      .set({
        state: "expired",
        settled_at: now,
        lease_until: null,
        last_error: reason,
        headers: credentials.withoutAuthorization,
        credential_removed: credentials.removedFlag,
      })
      .where("state", "=", "pending")
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
      .where("sink_origin", "in", (eb) =>
        eb.selectFrom("sinks").select("origin").where("paused_by", "is not", null),
      );
  const byToken = await unit.write<{ seq: number }>(
    expire(EXPIRED_WHILE_PAUSED.token)
      .where("token_expires_at", "is not", null)
      .where("token_expires_at", "<=", now)
      .returning("seq")
      .compile(),
    // Nothing of a paused origin becomes claimable by this: no dispatcher needs waking.
    BOOKKEEPING,
  );
  const byAge = await unit.write<{ seq: number }>(
    expire(EXPIRED_WHILE_PAUSED.horizon)
      .where(sql`coalesce(requeued_at, created_at)`, "<=", now - request.horizonMs)
      .returning("seq")
      .compile(),
    BOOKKEEPING,
  );
  return byToken.length + byAge.length;
}

/** The events still to be delivered, by whether their origin takes attempts (`pending`) or is `paused`. */
export async function backlog(db: Kysely<Database>): Promise<{ pending: number; paused: number }> {
  const { rows } = await db.executeQuery(
    sql<{ paused: number | string; n: number | string }>`select
        case when s.paused_by is null then 0 else 1 end as paused, count(*) as n
      from outbox o left join sinks s on s.origin = o.sink_origin
      where o.state = 'pending' group by 1`.compile(db),
  );
  const count = (paused: number) => Number(rows.find((r) => Number(r.paused) === paused)?.n ?? 0);
  return { pending: count(0), paused: count(1) };
}
