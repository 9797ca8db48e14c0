import { type Kysely, sql } from "kysely";
import type { Commit } from "./group-commit.ts";
import { NamedQuery, type Param } from "./named-query.ts";
import type { Database } from "./schema.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/** A release the network owes, as a worker claims it. */
export interface NetworkCommand {
  sessionId: string;
  ref: string | null;
  /** Claims so far, this one included: completing checks it, so a newer claim is never undone. */
  attempts: number;
  createdAt: number;
}

/** What a create's final transaction learns from its guard. */
export type GuardState =
  /** Still waiting: the create may commit; `earlyEvent` is what the network said meanwhile (JSON). */
  | { state: "waiting"; earlyEvent: string | null }
  /** Gone or already claimed by a worker: the reservation is being released, the create must fail. */
  | { state: "firing" };

/** The statements that differ by engine: PostgreSQL locks and skips rows other instances hold. */
export interface NetworkEngineStatements {
  /** A create's guard, locked until the transaction ends. */
  readonly guard: NamedQuery<"sessionId">;
  /** Up to `limit` due commands, oldest due first, that no other instance is claiming. */
  readonly due: NamedQuery<"now" | "limit">;
  /** Inserts a release due `now`, or brings an existing command forward to `now`. */
  readonly queueRelease: NamedQuery<"sessionId" | "ref" | "now">;
}

const guardRow = (db: Kysely<Database>, p: Param<"sessionId">) =>
  db
    .selectFrom("network_commands")
    .select(["kind", "attempts", "early_event"])
    .where("session_id", "=", p("sessionId"));
const dueRows = (db: Kysely<Database>, p: Param<"now" | "limit">) =>
  db
    .selectFrom("network_commands")
    .select(["session_id", "ref", "attempts", "created_at"])
    .where("due_at", "<=", p("now"))
    .orderBy("due_at")
    .limit(p("limit"));
const release = (db: Kysely<Database>, p: Param<"sessionId" | "ref" | "now">, earlier: "min" | "least") =>
  db
    .insertInto("network_commands")
    .values({
      session_id: p("sessionId"),
      // Literals, not parameters: the statement is compiled once with named parameters only.
      kind: sql.lit("release"),
      ref: p("ref"),
      due_at: p("now"),
      created_at: p("now"),
    })
    .onConflict((oc) =>
      oc.column("session_id").doUpdateSet({
        kind: sql.lit("release"),
        // A known reference is never replaced by an unknown one; a guard's deadline gives way to now.
        ref: sql`coalesce(excluded.ref, network_commands.ref)`,
        due_at: sql`${sql.raw(earlier)}(network_commands.due_at, excluded.due_at)`,
      }),
    )
    .compile();

export function sqliteNetworkStatements(db: Kysely<Database>): NetworkEngineStatements {
  return {
    guard: NamedQuery.build((p) => guardRow(db, p).compile()),
    due: NamedQuery.build((p) => dueRows(db, p).compile()),
    queueRelease: NamedQuery.build((p) => release(db, p, "min")),
  };
}

export function postgresNetworkStatements(db: Kysely<Database>): NetworkEngineStatements {
  return {
    guard: NamedQuery.build((p) => guardRow(db, p).forUpdate().compile()),
    due: NamedQuery.build((p) => dueRows(db, p).forUpdate().skipLocked().compile()),
    queueRelease: NamedQuery.build((p) => release(db, p, "least")),
  };
}

/**
 * Commands to the network that must happen although the server may die at any instant (migration
 * 0007): one row per session, a release due at `due_at`. The same row first guards a create in
 * progress (due at its deadline) and is deleted when the session commits; a session that ends queues
 * it again, due now. Workers claim due rows with a lease (due_at moves on), so a crashed worker's claim
 * falls due again.
 */
export class NetworkCommandRepository {
  readonly #db: Kysely<Database>;
  readonly #commit: Commit;
  readonly #engine: NetworkEngineStatements;

  constructor(db: Kysely<Database>, commit: Commit, engine: NetworkEngineStatements) {
    this.#db = db;
    this.#commit = commit;
    this.#engine = engine;
  }

  // ---- in a unit of work -------------------------------------------------------------------------

  /** Guards a create: unless the session commits first, its reservation is released at `deadline`. */
  async guard(unit: UnitOfWork, sessionId: string, deadline: number, now: number): Promise<void> {
    const query = this.#db
      .insertInto("network_commands")
      .values({ session_id: sessionId, kind: "guard", ref: null, due_at: deadline, created_at: now })
      .compile();
    await unit.write(query, { kind: "network-queued", dueAt: deadline });
  }

  /**
   * Ends the guard of a create about to commit, locked until the transaction ends so that a network
   * event for the session either lands in it first (early_event) or finds the session committed.
   */
  async takeGuard(unit: UnitOfWork, sessionId: string): Promise<GuardState> {
    const [row] = await unit.query<{ kind: string; attempts: number; early_event: string | null }>(
      this.#engine.guard.bind({ sessionId }),
    );
    if (row === undefined || row.kind !== "guard" || Number(row.attempts) > 0) return { state: "firing" };
    const remove = this.#db.deleteFrom("network_commands").where("session_id", "=", sessionId).compile();
    await unit.write(remove, { kind: "bookkeeping" });
    return { state: "waiting", earlyEvent: row.early_event };
  }

  /**
   * Queues a release due now (or makes a guard fire now). Keeps a known ref over an unknown one, so
   * queueing twice releases once, with the best reference.
   */
  async queueRelease(unit: UnitOfWork, sessionId: string, ref: string | null, now: number): Promise<void> {
    const query = this.#engine.queueRelease.bind({ sessionId, ref, now });
    await unit.write(query, { kind: "network-queued", dueAt: now });
  }

  /**
   * Keeps a network event for a session whose create has not committed yet, unless it would hide a
   * weightier one: an end is never replaced, a grant replaces nothing. With `keep` false it only
   * answers whether such a create is under way.
   * @returns false when no create of that session is under way (it committed meanwhile, or never was).
   */
  async keepEarlyEvent(
    unit: UnitOfWork,
    sessionId: string,
    event: { json: string; ends: boolean },
    keep: boolean,
  ): Promise<boolean> {
    const replace = keep ? (event.ends ? 2 : 1) : 0;
    const query = this.#db
      .updateTable("network_commands")
      .set({
        early_event: sql`case when ${replace} = 2 or (${replace} = 1 and early_event is null) then ${event.json} else early_event end`,
      })
      .where("session_id", "=", sessionId)
      .where("kind", "=", "guard")
      .where("attempts", "=", 0)
      .returning("session_id")
      .compile();
    const rows = await unit.write<{ session_id: string }>(query, { kind: "bookkeeping" });
    return rows.length > 0;
  }

  // ---- workers -----------------------------------------------------------------------------------

  /** Claims up to `limit` due commands for `leaseMs`, oldest due first; other instances skip them. */
  claim(now: number, limit: number, leaseMs: number): Promise<NetworkCommand[]> {
    return this.#commit(async (unit) => {
      const rows = await unit.query<{
        session_id: string;
        ref: string | null;
        attempts: number;
        created_at: number | string;
      }>(this.#engine.due.bind({ now, limit }));
      const claimed: NetworkCommand[] = [];
      for (const row of rows) {
        const attempts = Number(row.attempts) + 1;
        const lease = this.#db
          .updateTable("network_commands")
          .set({ due_at: now + leaseMs, attempts })
          .where("session_id", "=", row.session_id)
          .compile();
        await unit.write(lease, { kind: "network-queued", dueAt: now + leaseMs });
        claimed.push({
          sessionId: row.session_id,
          ref: row.ref,
          attempts,
          createdAt: Number(row.created_at),
        });
      }
      return claimed;
    });
  }

  /** The network confirmed: the command is done, unless it was claimed again since. */
  async complete(command: NetworkCommand): Promise<void> {
    await this.#commit(async (unit) => {
      // Unless it was claimed again, or given a better reference (a create that returned after its
      // guard fired): then the release it now names is still owed.
      const query = this.#db
        .deleteFrom("network_commands")
        .where("session_id", "=", command.sessionId)
        .where("attempts", "=", command.attempts)
        .where((eb) => (command.ref === null ? eb("ref", "is", null) : eb("ref", "=", command.ref)))
        .compile();
      await unit.write(query, { kind: "bookkeeping" });
    });
  }

  /** The network failed: try again at `retryAt`. */
  async failed(command: NetworkCommand, retryAt: number, error: string): Promise<void> {
    await this.#commit(async (unit) => {
      const query = this.#db
        .updateTable("network_commands")
        .set({ due_at: retryAt, last_error: error.slice(0, 500) })
        .where("session_id", "=", command.sessionId)
        .where("attempts", "=", command.attempts)
        .compile();
      await unit.write(query, { kind: "network-queued", dueAt: retryAt });
    });
  }

  /** Every session id with a command (a create in progress or a release owed). */
  async sessionIds(): Promise<Set<string>> {
    const rows = await this.#db.selectFrom("network_commands").select("session_id").execute();
    return new Set(rows.map((r) => r.session_id));
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom("network_commands")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** When the next command falls due (ms), or null. */
  async nextDueAt(): Promise<number | null> {
    const row = await this.#db
      .selectFrom("network_commands")
      .select((eb) => eb.fn.min("due_at").as("due"))
      .executeTakeFirst();
    return row?.due == null ? null : Number(row.due);
  }

  /** The commands and their last errors, for operators (admin and tests). */
  async list(): Promise<
    { sessionId: string; ref: string | null; dueAt: number; attempts: number; lastError: string | null }[]
  > {
    const rows = await this.#db.selectFrom("network_commands").selectAll().orderBy("due_at").execute();
    return rows.map((r) => ({
      sessionId: r.session_id,
      ref: r.ref,
      dueAt: Number(r.due_at),
      attempts: Number(r.attempts),
      lastError: r.last_error,
    }));
  }
}
