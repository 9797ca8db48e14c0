import type { SessionRecord } from "../domain/types.ts";

/**
 * What one write changes beyond its rows. Every write of a unit of work states its effect (see
 * UnitOfWork.write), so what a commit must invalidate and whom it must wake follows from what was
 * written: there is nothing to remember to mark afterwards.
 */
export type Effect =
  /** Inserted or updated: the session cache takes them once committed; their due times wake schedulers. */
  | { readonly kind: "sessions-written"; readonly sessions: readonly SessionRecord[] }
  | { readonly kind: "session-deleted"; readonly id: string }
  /** Sessions chosen by a condition, not by id: no cached session can be trusted after the commit. */
  | { readonly kind: "sessions-changed" }
  /** Events queued, settled, rescheduled or made due: dispatchers look again. */
  | { readonly kind: "outbox-changed" }
  /** A command to the network queued or rescheduled: the network workers look again at `dueAt`. */
  | { readonly kind: "network-queued"; readonly dueAt: number }
  /** Leases and attempt records: only the dispatchers read them, and they wake nobody. */
  | { readonly kind: "bookkeeping" };

export const OUTBOX_CHANGED: Effect = { kind: "outbox-changed" };
export const SESSIONS_CHANGED: Effect = { kind: "sessions-changed" };
export const BOOKKEEPING: Effect = { kind: "bookkeeping" };

/** What a commit brought the workers, here and on other instances, so they wake without polling. */
export interface CommitInfo {
  outboxChanged: boolean;
  /** The earliest `dueAt` a write set (a session's or a network command's), if any (ms). */
  earliestDueAt: number | null;
}

/** The effects of one batch's writes, gathered as they run and applied once the batch commits. */
export class CommitEffects implements CommitInfo {
  outboxChanged = false;
  earliestDueAt: number | null = null;
  /** Sessions written (the record) or deleted (null), by id, in the order written. */
  readonly sessions = new Map<string, SessionRecord | null>();
  /** A write changed sessions in bulk: the whole session cache is stale. */
  sessionsStale = false;

  record(effect: Effect): void {
    switch (effect.kind) {
      case "sessions-written":
        for (const session of effect.sessions) {
          this.sessions.set(session.id, session);
          if (session.dueAt !== null) {
            const current = this.earliestDueAt;
            this.earliestDueAt = current === null ? session.dueAt : Math.min(current, session.dueAt);
          }
        }
        return;
      case "network-queued":
        this.earliestDueAt =
          this.earliestDueAt === null ? effect.dueAt : Math.min(this.earliestDueAt, effect.dueAt);
        return;
      case "session-deleted":
        this.sessions.set(effect.id, null);
        return;
      case "sessions-changed":
        this.sessionsStale = true;
        return;
      case "outbox-changed":
        this.outboxChanged = true;
        return;
      case "bookkeeping":
        return;
    }
  }

  /** Whether the commit brought a worker anything to do. */
  get isNews(): boolean {
    return this.outboxChanged || this.earliestDueAt !== null;
  }
}
