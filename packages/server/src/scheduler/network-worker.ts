import type { Clock } from "../clock.ts";
import type { WorkerEvents } from "../events.ts";
import { FailureBackoff } from "../failure-backoff.ts";
import type { NetworkAdapter } from "../network/adapter.ts";
import { createGuardMs } from "../service/session-create.ts";
import type { SessionService } from "../service/session-service.ts";
import type { NetworkCommand, Store } from "../store/store.ts";
import { Wakeup } from "../wakeup.ts";
import { type ReconcileReport, reconcile } from "./reconcile.ts";

export interface NetworkWorkerOptions {
  store: Store;
  network: NetworkAdapter;
  sessions: SessionService;
  clock: Clock;
  events: WorkerEvents;
  /** Time between reconciliations with the network (ms); 0 reconciles only at start. */
  reconcileIntervalMs: number;
  /** Releases attempted at once. @default 8 */
  batchSize?: number;
  /**
   * How long a claimed release is this worker's before another instance may take it (ms). @default the
   * adapter's create timeout and 10 s, as for a create's guard: a release takes no longer than a create
   */
  leaseMs?: number;
}

/** When a failed release is tried again, by attempts so far (ms): quickly at first, then every 5 minutes. */
const RELEASE_RETRY_MS = [1_000, 5_000, 30_000, 120_000, 300_000];
const MAX_SLEEP_MS = 60_000;

export function releaseRetryDelay(attempts: number): number {
  return RELEASE_RETRY_MS[Math.min(attempts, RELEASE_RETRY_MS.length) - 1] ?? 1_000;
}

/**
 * Keeps the network in line with the sessions: carries out the releases the sessions owe (queued in
 * the transactions that ended them, or left by a create that never committed), retrying each until
 * the network confirms; and reconciles at start and every `reconcileIntervalMs` (reconcile.ts).
 * Several instances may run one: each claims different releases.
 */
export class NetworkWorker {
  readonly #o: Required<NetworkWorkerOptions>;
  readonly #wakeup = new Wakeup();
  readonly #backoff = new FailureBackoff();
  readonly #reconcileBackoff = new FailureBackoff();
  #nextWake = Number.POSITIVE_INFINITY;

  constructor(options: NetworkWorkerOptions) {
    this.#o = { batchSize: 8, leaseMs: createGuardMs(options.network), ...options };
    options.store.onCommit((info) => {
      if (info.earliestDueAt !== null && info.earliestDueAt <= this.#nextWake) this.#wakeup.notify();
    });
  }

  /** Attempts every release due now; returns how many the network confirmed. */
  async runOnce(): Promise<number> {
    const { store, clock, batchSize, leaseMs } = this.#o;
    let released = 0;
    for (let round = 0; round < 100; round++) {
      const commands = await store.claimNetworkCommands(clock.now(), batchSize, leaseMs);
      const results = await Promise.all(commands.map((command) => this.#release(command)));
      released += results.filter(Boolean).length;
      if (commands.length < batchSize) break;
    }
    return released;
  }

  async #release(command: NetworkCommand): Promise<boolean> {
    const { network, store, clock, events } = this.#o;
    const started = clock.now();
    try {
      await network.release({ sessionId: command.sessionId, ref: command.ref });
      await store.completeNetworkCommand(command);
      events.emit("network:release", {
        sessionId: command.sessionId,
        attempts: command.attempts,
        error: null,
      });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryAt = clock.now() + releaseRetryDelay(command.attempts);
      await store.failNetworkCommand(command, retryAt, message).catch(() => undefined);
      events.emit("network:release", {
        sessionId: command.sessionId,
        attempts: command.attempts,
        error: message,
        durationMs: clock.now() - started,
      });
      return false;
    }
  }

  /**
   * Reconciles and returns when to do it next. A network that cannot list now (its list call failing
   * while its deletes work) must not hold up the releases: the failure is reported and retried later,
   * on the release loop's own backoff.
   */
  async #reconcileOrBackOff(): Promise<number> {
    const { clock, events, reconcileIntervalMs } = this.#o;
    try {
      const report = await this.reconcile();
      if (report !== null) events.emit("network:reconciled", report);
      this.#reconcileBackoff.succeeded();
      return reconcileIntervalMs === 0 ? Number.POSITIVE_INFINITY : clock.now() + reconcileIntervalMs;
    } catch (error) {
      events.emit("worker:error", { worker: "network", error });
      return clock.now() + this.#reconcileBackoff.failed() * 6;
    }
  }

  /** One reconciliation (reconcile.ts); null when the adapter cannot list its reservations. */
  reconcile(): Promise<ReconcileReport | null> {
    return reconcile(this.#o);
  }

  /**
   * Reconciles, then carries out releases until `signal` aborts, reconciling every interval. A failure is emitted as `worker:error` and retried within seconds.
   */
  async run({ signal }: { signal: AbortSignal }): Promise<void> {
    const onAbort = () => this.#wakeup.notify();
    signal.addEventListener("abort", onAbort);
    const { store, clock, events } = this.#o;
    // An in-process network was just rebuilt from the live sessions (restore): at start it agrees with
    // them by construction, and reading every live session twice would only delay the first requests.
    let nextReconcile =
      this.#o.network.inProcess === true && this.#o.reconcileIntervalMs > 0
        ? clock.now() + this.#o.reconcileIntervalMs
        : clock.now();
    try {
      while (!signal.aborted) {
        this.#nextWake = Number.POSITIVE_INFINITY;
        let delay: number;
        try {
          if (clock.now() >= nextReconcile) nextReconcile = await this.#reconcileOrBackOff();
          await this.runOnce();
          const next = await store.nextNetworkCommandAt();
          this.#backoff.succeeded();
          const now = clock.now();
          const until = Math.min(next ?? Number.POSITIVE_INFINITY, nextReconcile);
          delay = Math.min(MAX_SLEEP_MS, Math.max(0, until - now));
        } catch (error) {
          events.emit("worker:error", { worker: "network", error });
          delay = this.#backoff.failed();
        }
        this.#nextWake = clock.now() + delay;
        await this.#wakeup.wait(delay);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
