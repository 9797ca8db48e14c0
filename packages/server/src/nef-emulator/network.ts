import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../clock.ts";
import type {
  AsSessionWithQoSSubscription,
  AsSessionWithQoSSubscriptionPatch,
  UserPlaneEvent,
} from "../nef/wire.ts";
import { Behaviours, type Outage, ueIdentifiers } from "./behaviour.ts";
import type { NotificationRecord, Notifier } from "./notifier.ts";
import { NefProblem } from "./problem.ts";
import { type EmulatedSubscription, expiryOf, mergePatch, subscribed } from "./subscriptions.ts";
import { checkSubscription } from "./validation.ts";

export interface EmulatedNetworkOptions {
  clock: Clock;
  notifier: Notifier;
  /** The SCS/AS identifiers the NEF knows; any other is a 404. */
  scsAsIds: readonly string[];
  /** Between the 201 and the allocation report, ms; 0 sends it as soon as the 201 is out. */
  allocationDelayMs: number;
}

// setTimeout's limit; a longer wait is re-armed when it fires.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The emulated NEF behind the HTTP routes: subscriptions in memory, the allocation report after each
 * create, SESSION_TERMINATION when a duration runs out, and the faults tests inject. Knows no HTTP.
 */
export class EmulatedNetwork {
  readonly behaviours = new Behaviours();
  outage: Outage | null = null;
  readonly #options: EmulatedNetworkOptions;
  readonly #subscriptions = new Map<string, EmulatedSubscription>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abort = new AbortController();
  #expiryTimer: NodeJS.Timeout | null = null;

  constructor(options: EmulatedNetworkOptions) {
    this.#options = options;
  }

  /** @throws NefProblem 404 for an SCS/AS the NEF does not know */
  requireScsAs(scsAsId: string): void {
    if (!this.#options.scsAsIds.includes(scsAsId)) {
      throw new NefProblem(404, `unknown SCS/AS ${scsAsId}`, { cause: "RESOURCE_URI_STRUCTURE_NOT_FOUND" });
    }
  }

  /**
   * Creates a subscription (its body already checked), after any injected delay, unless an injected
   * refusal or unknown UE says otherwise. `collectionUrl` is the absolute URL of the collection.
   * @throws NefProblem the injected refusal, or 500 PDU_SESSION_NOT_AVAILABLE for an unknown UE
   */
  async create(scsAsId: string, collectionUrl: string, body: AsSessionWithQoSSubscription) {
    const behaviour = this.behaviours.for(body);
    if ((behaviour.createDelayMs ?? 0) > 0) {
      await sleep(behaviour.createDelayMs, undefined, { signal: this.#abort.signal });
    }
    if (behaviour.unknown === true) {
      throw new NefProblem(500, `no PDU session for ${ueIdentifiers(body).join(", ")}`, {
        cause: "PDU_SESSION_NOT_AVAILABLE",
      });
    }
    if (behaviour.refuse !== undefined) {
      const { status, cause, detail } = behaviour.refuse;
      throw new NefProblem(status, detail ?? `refused for ${ueIdentifiers(body).join(", ")}`, { cause });
    }
    const id = randomUUID();
    const url = `${collectionUrl}/${id}`;
    const createdAt = this.#options.clock.now();
    const subscription: EmulatedSubscription = {
      id,
      scsAsId,
      url,
      body: { ...body, self: url },
      state: "PENDING",
      createdAt,
      expiresAt: expiryOf(body, createdAt),
    };
    this.#subscriptions.set(id, subscription);
    this.#scheduleExpiry();
    return subscription;
  }

  /**
   * For a UE whose allocation is reported before the answer: reports it now and waits for its delivery.
   * @returns whether it did (then allocateAfterAnswer must not be called).
   */
  async allocateBeforeAnswer(subscription: EmulatedSubscription): Promise<boolean> {
    const behaviour = this.behaviours.for(subscription.body);
    if (behaviour.allocateBeforeAnswer !== true || (behaviour.allocation ?? "SUCCESSFUL") === "NONE") {
      return false;
    }
    const event =
      behaviour.allocation === "FAILED" ? "FAILED_RESOURCES_ALLOCATION" : "SUCCESSFUL_RESOURCES_ALLOCATION";
    await this.report(subscription.id, event);
    return true;
  }

  /** Called once the 201 of `subscription` has left: the network reports the allocation later. */
  allocateAfterAnswer(subscription: EmulatedSubscription): void {
    const behaviour = this.behaviours.for(subscription.body);
    const allocation = behaviour.allocation ?? "SUCCESSFUL";
    if (allocation === "NONE") return;
    const delay = behaviour.allocationDelayMs ?? this.#options.allocationDelayMs;
    this.#later(delay, () => {
      if (this.#subscriptions.get(subscription.id) !== subscription || subscription.state !== "PENDING")
        return;
      const event =
        allocation === "SUCCESSFUL" ? "SUCCESSFUL_RESOURCES_ALLOCATION" : "FAILED_RESOURCES_ALLOCATION";
      void this.report(subscription.id, event);
    });
  }

  /** @throws NefProblem 404 for a subscription this SCS/AS does not have */
  get(scsAsId: string, id: string): EmulatedSubscription {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined || subscription.scsAsId !== scsAsId) {
      throw new NefProblem(404, `no subscription ${id}`, { cause: "CONTEXT_NOT_FOUND" });
    }
    return subscription;
  }

  list(scsAsId?: string): EmulatedSubscription[] {
    return [...this.#subscriptions.values()].filter((s) => scsAsId === undefined || s.scsAsId === scsAsId);
  }

  /** PUT: replaces the body; the UE cannot change. @throws NefProblem 404, 403 MODIFICATION_NOT_ALLOWED */
  replace(scsAsId: string, id: string, body: AsSessionWithQoSSubscription): EmulatedSubscription {
    const subscription = this.get(scsAsId, id);
    if (ueIdentifiers(body).join() !== ueIdentifiers(subscription.body).join()) {
      throw new NefProblem(403, "the UE of a subscription cannot change", {
        cause: "MODIFICATION_NOT_ALLOWED",
      });
    }
    subscription.body = { ...body, self: subscription.url };
    subscription.expiresAt = expiryOf(subscription.body, subscription.createdAt);
    this.#scheduleExpiry();
    return subscription;
  }

  /** PATCH: a merge patch; the result must still be a valid subscription. @throws NefProblem 404, 400 */
  patch(scsAsId: string, id: string, patch: AsSessionWithQoSSubscriptionPatch): EmulatedSubscription {
    const subscription = this.get(scsAsId, id);
    const merged = checkSubscription(mergePatch(subscription.body, patch), false);
    subscription.body = { ...merged, self: subscription.url };
    subscription.expiresAt = expiryOf(subscription.body, subscription.createdAt);
    this.#scheduleExpiry();
    return subscription;
  }

  /** DELETE. @throws NefProblem 404 */
  delete(scsAsId: string, id: string): void {
    this.get(scsAsId, id);
    this.#subscriptions.delete(id);
  }

  /**
   * Sends `event` for a subscription, if the subscription asked for it, and moves its state. Resolves
   * with the delivery record (null when not subscribed or no such subscription).
   */
  async report(id: string, event: UserPlaneEvent): Promise<NotificationRecord | null> {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) return null;
    if (event === "SUCCESSFUL_RESOURCES_ALLOCATION" || event === "QOS_GUARANTEED")
      subscription.state = "ALLOCATED";
    if (event === "FAILED_RESOURCES_ALLOCATION") subscription.state = "FAILED";
    if (event === "QOS_NOT_GUARANTEED") subscription.state = "NOT_GUARANTEED";
    if (event === "SESSION_TERMINATION") this.#subscriptions.delete(id);
    if (!subscribed(subscription, event)) return null;
    const report =
      event === "SESSION_TERMINATION"
        ? { event, accumulatedUsage: { duration: this.#usedSeconds(subscription) } }
        : event === "SUCCESSFUL_RESOURCES_ALLOCATION" && subscription.body.qosReference !== undefined
          ? { event, appliedQosRef: subscription.body.qosReference }
          : { event };
    return this.#options.notifier.send(subscription.id, subscription.body.notificationDestination, {
      transaction: subscription.url,
      eventReports: [report],
    });
  }

  /** The network ends a subscription now: SESSION_TERMINATION, and the resource is gone. */
  terminate(id: string): Promise<NotificationRecord | null> {
    return this.report(id, "SESSION_TERMINATION");
  }

  /** Terminates every subscription whose duration has run out on the clock. */
  async expireDue(): Promise<void> {
    const now = this.#options.clock.now();
    const due = this.list().filter((s) => s.expiresAt !== null && s.expiresAt <= now);
    await Promise.all(due.map((s) => this.terminate(s.id)));
    this.#scheduleExpiry();
  }

  /** Forgets every subscription and injected behaviour (no notifications). */
  reset(): void {
    this.#subscriptions.clear();
    this.behaviours.clear();
    this.outage = null;
    this.#scheduleExpiry();
  }

  close(): void {
    this.#abort.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
  }

  #usedSeconds(subscription: EmulatedSubscription): number {
    const end = Math.min(this.#options.clock.now(), subscription.expiresAt ?? Number.POSITIVE_INFINITY);
    return Math.max(0, Math.round((end - subscription.createdAt) / 1000));
  }

  #later(ms: number, run: () => void): void {
    if (this.#abort.signal.aborted) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  // One timer for the earliest expiry, read on the clock; with a manual clock, tests call expireDue().
  #scheduleExpiry(): void {
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    if (this.#abort.signal.aborted) return;
    const next = Math.min(...this.list().map((s) => s.expiresAt ?? Number.POSITIVE_INFINITY));
    if (next === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.#options.clock.now()));
    this.#expiryTimer = setTimeout(() => void this.expireDue(), delay);
    this.#expiryTimer.unref();
  }
}
