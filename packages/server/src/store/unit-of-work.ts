import type { CompiledQuery } from "kysely";
import type { CommitEffects, Effect } from "./effects.ts";
import type { StatementRunner } from "./engine.ts";

/**
 * One unit of work inside a group-committed transaction: the statements it runs, how many of them
 * wrote, and the effects of its writes. Repositories run their statements through it; a write cannot
 * be run without stating its effect.
 */
export class UnitOfWork {
  readonly #run: StatementRunner;
  readonly #effects: CommitEffects;
  /** How many writes this unit did; a unit that fails before its first write needs no rollback. */
  writes = 0;
  /**
   * A statement of this unit failed. On PostgreSQL that aborts the whole transaction (and its COMMIT
   * silently rolls back), so the batch must not go on as if only this unit had failed.
   */
  statementFailed = false;

  constructor(run: StatementRunner, effects: CommitEffects) {
    this.#run = run;
    this.#effects = effects;
  }

  /** Runs a statement that changes no rows (a locking read, a planner setting). */
  async query<R>(query: CompiledQuery): Promise<R[]> {
    try {
      const rows = this.#run(query);
      // A synchronous answer (SQLite) is used as is: awaiting it would only cost a turn.
      return (rows instanceof Promise ? await rows : rows) as R[];
    } catch (error) {
      this.statementFailed = true;
      throw error;
    }
  }

  /** Runs a statement that changes rows; once it has run, its `effect` is kept for the commit. */
  async write<R>(query: CompiledQuery, effect: Effect): Promise<R[]> {
    this.writes++;
    try {
      const pending = this.#run(query);
      const rows = (pending instanceof Promise ? await pending : pending) as R[];
      this.#effects.record(effect);
      return rows;
    } catch (error) {
      this.statementFailed = true;
      throw error;
    }
  }
}
