import type { Transition } from "../domain/lifecycle.ts";
import type { Dialect, SessionRecord } from "../domain/types.ts";
import type { WriteTx } from "../store/store.ts";
import type { NotificationRenderer } from "./session-inputs.ts";
import { storyOf } from "./session-story.ts";

/** A session the network is holding resources for: every end of it owes the network a release. */
export function isLive(session: SessionRecord): boolean {
  return session.qosStatus === "REQUESTED" || session.qosStatus === "AVAILABLE";
}

/**
 * Writes session transitions with what they owe, in the caller's transaction: the consumer's
 * notification, and when a live session ends, the release of its reservation in the network (retried
 * by the network worker until the network confirms), and the line of its story (session_events). Every way a session changes goes through here,
 * so none can forget either.
 */
export class TransitionWriter {
  readonly #renderers: Record<Dialect, NotificationRenderer>;

  constructor(renderers: Record<Dialect, NotificationRenderer>) {
    this.#renderers = renderers;
  }

  /** Updates `before` to the transition's session (or inserts it, when `before` is null). */
  async write(tx: WriteTx, before: SessionRecord | null, transition: Transition, now: number): Promise<void> {
    if (before === null) await tx.insertSession(transition.session);
    else await tx.updateSession(transition.session);
    await this.tell(tx, before, transition.session, now);
    await this.notify(tx, transition, now);
    if (before !== null && isLive(before) && !isLive(transition.session)) {
      await tx.queueRelease(before.id, before.networkRef, now);
    }
  }

  /** Appends what the change `before` → `after` adds to the session's story (session-story.ts). */
  async tell(tx: WriteTx, before: SessionRecord | null, after: SessionRecord, now: number): Promise<void> {
    for (const event of storyOf(before, after, now)) await tx.recordSessionEvent(event);
  }

  /** Queues the notification a transition owes, if any, in the session's dialect. */
  async notify(tx: WriteTx, transition: Transition, now: number): Promise<void> {
    const { session, change } = transition;
    if (change === null) return;
    const event = this.#renderers[session.dialect](session, change, now);
    if (event !== null) await tx.enqueue(event, session.clientId);
  }
}
