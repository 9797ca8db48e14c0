import { type Kysely, type QueryCreator, type Selectable, sql } from "kysely";
import { OUTBOX_CHANGED } from "./effects.ts";
import type { Database, SinksTable } from "./schema.ts";
import { type PausedBy, resumeIn } from "./sinks.ts";
import type { AttemptResult } from "./types.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/** When the circuit breaker pauses a sink origin and how it probes it (settings --sink-breaker-*). */
export interface BreakerPolicy {
  /**
   * Consecutive failed attempts (anything but 2xx and 410), across all of an origin's notifications,
   * that pause it; 0 turns the breaker off (failures are still counted). @default 5
   */
  failures: number;
  /** From the pause to the first probe (ms); doubles with each failed probe. @default 5_000 */
  probeIntervalMs: number;
  /** The longest wait between two probes (ms). @default 60_000 */
  probeMaxMs: number;
  /** Jitter source for the probe backoff, injectable for tests. @default Math.random */
  random?: () => number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { failures: 5, probeIntervalMs: 5_000, probeMaxMs: 60_000 };

/** A sink origin paused or resumed: by its breaker, by an operator, or by a probe that got through. */
export interface SinkTransition {
  origin: string;
  to: "paused" | "resumed";
  by: PausedBy | "probe";
  /** The origin's consecutive failed attempts when it changed (0 once resumed). */
  consecutiveFailures: number;
  /** When (ms since the epoch). */
  at: number;
}

/**
 * The wait before the next probe after `probeFailures` failed ones (ms): the interval doubled per
 * failure, capped at the maximum, spread by ±10% so instances and origins paused together do not probe
 * in step.
 */
export function probeDelayMs(policy: BreakerPolicy, probeFailures: number, random = Math.random): number {
  const base = Math.min(policy.probeMaxMs, policy.probeIntervalMs * 2 ** Math.min(probeFailures, 30));
  return Math.max(1, Math.round(base * (1 + 0.1 * (2 * random() - 1))));
}

/**
 * After a success, the origin's failure count starts again, if it had one: a conditional update that
 * normally matches no row (a healthy sink has none, or one at 0), so the healthy path stays one index
 * probe on a table of a few rows. Built with named placeholders (named-query.ts) for the origin and
 * the attempt's time.
 */
export const resetFailures = (qc: QueryCreator<Database>, p: (name: "origin" | "attemptedAt") => never) =>
  qc
    .updateTable("sinks")
    .set({
      consecutive_failures: sql.lit(0),
      failing_since: sql`null`,
      last_success_at: p("attemptedAt"),
      updated_at: p("attemptedAt"),
    })
    .where("origin", "=", p("origin"))
    .where("consecutive_failures", ">", sql.lit(0));

/** Whether an attempt counts against its sink: anything but a 2xx or a 410 (which has its own meaning). */
export function countsAsFailure(result: AttemptResult): boolean {
  return result.local !== true && result.state !== "delivered" && result.state !== "gone";
}

/** Whether an attempt's unit writes its origin's shared `sinks` row (so it is not disjoint, group-commit.ts). */
export function writesSinkRow(result: AttemptResult): boolean {
  return result.local !== true && (result.probe || countsAsFailure(result));
}

/**
 * In the attempt's own unit: what the attempt does to its origin's breaker. A failure is counted and,
 * at the threshold, pauses the origin; a probe's success resumes it (its backlog due now), a probe's
 * failure moves the next probe out. A plain success is not handled here: its reset rides in the
 * attempt's own statement (delivery-attempts.ts), so the healthy path costs nothing more.
 * @returns the change of state, or null.
 */
export async function breakerAfterAttempt(
  unit: UnitOfWork,
  db: Kysely<Database>,
  result: AttemptResult,
  policy: BreakerPolicy,
): Promise<SinkTransition | null> {
  const { origin, attemptedAt: now } = result;
  const random = policy.random ?? Math.random;
  // Nothing reached the sink: its breaker learns nothing (a probe so held is tried again after its lease).
  if (result.local === true) return null;
  if (result.probe) {
    if (!countsAsFailure(result)) return resumeAfterProbe(unit, db, origin, now);
    const [row] = await unit.query<Pick<Selectable<SinksTable>, "probe_failures">>(
      db.selectFrom("sinks").select("probe_failures").where("origin", "=", origin).compile(),
    );
    const failures = row === undefined ? 0 : Number(row.probe_failures);
    await unit.write(
      db
        .updateTable("sinks")
        .set({
          probe_failures: sql`probe_failures + 1`,
          probe_at: now + probeDelayMs(policy, failures + 1, random),
          consecutive_failures: sql`consecutive_failures + 1`,
          last_failure_at: now,
          updated_at: now,
        })
        .where("origin", "=", origin)
        .where("paused_by", "=", "breaker")
        .compile(),
      OUTBOX_CHANGED,
    );
    return null;
  }
  if (!countsAsFailure(result)) return null;
  await unit.write(
    db
      .insertInto("sinks")
      .values({
        origin,
        consecutive_failures: 1,
        failing_since: now,
        last_failure_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column("origin").doUpdateSet({
          consecutive_failures: sql`sinks.consecutive_failures + 1`,
          failing_since: sql`coalesce(sinks.failing_since, excluded.failing_since)`,
          last_failure_at: now,
          updated_at: now,
        }),
      )
      .compile(),
    OUTBOX_CHANGED,
  );
  if (policy.failures === 0) return null;
  const tripped = await unit.write<{ consecutive_failures: number | string }>(
    db
      .updateTable("sinks")
      .set({
        paused_by: "breaker",
        paused_at: now,
        probe_at: now + probeDelayMs(policy, 0, random),
        probe_failures: 0,
        updated_at: now,
      })
      .where("origin", "=", origin)
      .where("paused_by", "is", null)
      .where("consecutive_failures", ">=", policy.failures)
      .returning("consecutive_failures")
      .compile(),
    OUTBOX_CHANGED,
  );
  const [row] = tripped;
  if (row === undefined) return null;
  return {
    origin,
    to: "paused",
    by: "breaker",
    consecutiveFailures: Number(row.consecutive_failures),
    at: now,
  };
}

/**
 * A probe got through (or was told 410: nothing more goes there): the origin resumes and its backlog is
 * due now. Only a breaker's pause ends so: an operator who paused it meanwhile keeps it paused.
 */
async function resumeAfterProbe(
  unit: UnitOfWork,
  db: Kysely<Database>,
  origin: string,
  now: number,
): Promise<SinkTransition | null> {
  const resumed = await unit.write<{ origin: string }>(
    db
      .updateTable("sinks")
      .set({ paused_by: null, updated_at: now, last_success_at: now })
      .where("origin", "=", origin)
      .where("paused_by", "=", "breaker")
      .returning("origin")
      .compile(),
    OUTBOX_CHANGED,
  );
  if (resumed.length === 0) return null;
  await resumeIn(unit, db, origin, now);
  return { origin, to: "resumed", by: "probe", consecutiveFailures: 0, at: now };
}
