import { performance } from "node:perf_hooks";
import type { Clock } from "../clock.ts";
import type { WorkerEvents } from "../events.ts";
import { FailureBackoff } from "../failure-backoff.ts";
import { type BreakerPolicy, DEFAULT_BREAKER } from "../store/sink-breaker.ts";
import type { Store } from "../store/store.ts";
import type { ClaimedDelivery } from "../store/types.ts";
import { Wakeup } from "../wakeup.ts";
import { parseRetryAfter, type RetryPolicy } from "./retry-policy.ts";
import type { Sender } from "./sender.ts";
import { type NotificationSigner, UNSIGNED } from "./signer.ts";
import { verdict } from "./verdict.ts";

export interface DispatcherOptions {
  store: Store;
  sender: Sender;
  clock: Clock;
  events: WorkerEvents;
  policy: RetryPolicy;
  /** Attempts in flight at once. @default 64 */
  concurrency?: number;
  /**
   * Attempts in flight at once to one sink origin (scheme://host[:port]), so a sink that hangs holds
   * only these slots. Per dispatcher: with several instances, each allows this many.
   * @default three quarters of `concurrency`
   */
  sinkConcurrency?: number;
  /** How long a claim lasts before another dispatcher may take the event over (ms). @default 30_000 */
  leaseMs?: number;
  /** Per-attempt timeout (ms), headers and body. @default 10_000 */
  attemptTimeoutMs?: number;
  /** Jitter source, injectable for tests. @default Math.random */
  random?: () => number;
  /** Headers made for each attempt (Standard Webhooks signatures). @default none */
  signer?: NotificationSigner;
  /** When a failing sink origin is paused and probed. @default DEFAULT_BREAKER (5 failures, 5 s, 60 s) */
  breaker?: BreakerPolicy;
}

/**
 * Three quarters of the slots: one busy sink (the usual app with one webhook) keeps nearly all the
 * throughput, and a sink that hangs still leaves a quarter to everyone else.
 */
export function defaultSinkConcurrency(concurrency: number): number {
  return Math.max(1, Math.floor((concurrency * 3) / 4));
}

/** Longest sleep between checks, so a clock jump or a missed wake-up costs at most this (ms). */
const MAX_SLEEP_MS = 60_000;
/** A pause when due work is being claimed by another instance (ms); a commit ends it early. */
const BUSY_ELSEWHERE_MS = 50;
/** The least time between two sweeps of paused origins' expired events (ms). */
const MIN_SWEEP_MS = 1_000;

/**
 * Delivers outbox events at least once: claims due events, POSTs each to its sink with its token and
 * records every attempt. A session's events go out in order (see Store.claimDeliveries).
 */
export class Dispatcher {
  readonly #o: Required<Omit<DispatcherOptions, "random">> & { random: () => number };
  readonly #inFlight = new Set<Promise<void>>();
  /** Attempts in flight by sink origin; an origin with none has no entry. */
  readonly #byOrigin = new Map<string, number>();
  readonly #wakeup = new Wakeup();
  readonly #backoff = new FailureBackoff();
  /** When the events of paused origins are next checked for expiry (ms since the epoch). */
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: DispatcherOptions) {
    const concurrency = options.concurrency ?? 64;
    this.#o = {
      concurrency,
      sinkConcurrency: defaultSinkConcurrency(concurrency),
      leaseMs: 30_000,
      attemptTimeoutMs: 10_000,
      random: Math.random,
      signer: UNSIGNED,
      breaker: DEFAULT_BREAKER,
      ...options,
    };
    options.store.onCommit((info) => {
      if (info.outboxChanged) this.#wakeup.notify();
    });
  }

  /** Attempts every event due now, waits for all attempts to be recorded, and returns how many. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.#claim(this.#o.concurrency);
      if (claimed.length === 0) return total;
      total += claimed.length;
      await Promise.all(claimed.map((c) => this.#deliver(c)));
    }
  }

  /**
   * Delivers until `signal` aborts, then waits for attempts in flight. One timer: the next due time.
   * A failed claim or next-due query is emitted as `worker:error` and tried again within seconds.
   */
  async run({ signal }: { signal: AbortSignal }): Promise<void> {
    const onAbort = () => this.#wakeup.notify();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        const free = this.#o.concurrency - this.#inFlight.size;
        // Claim in bulk: one claim query for a quarter of the slots, not one per finished attempt.
        const worthClaiming = this.#inFlight.size === 0 || free >= Math.max(1, this.#o.concurrency >> 2);
        if (!worthClaiming) {
          // A finished attempt wakes the loop; the timer only bounds a missed wake-up.
          await this.#wakeup.wait(MAX_SLEEP_MS);
          continue;
        }
        let claimed: ClaimedDelivery[];
        try {
          claimed = await this.#claim(free);
        } catch (error) {
          this.#o.events.emit("worker:error", { worker: "dispatcher", error });
          await this.#wakeup.wait(this.#backoff.failed());
          continue;
        }
        for (const delivery of claimed) this.#track(delivery);
        if (claimed.length === free) continue;
        let delay = await this.#sleepMs();
        // Due now, yet the claim came back short: another instance is claiming those rows this very
        // moment (they are skipped while locked). Its leases will show soon; asking again at once
        // would spin on the database meanwhile.
        if (delay === 0) delay = BUSY_ELSEWHERE_MS;
        await this.#wakeup.wait(delay);
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  async #claim(limit: number): Promise<ClaimedDelivery[]> {
    await this.#sweepPaused();
    const cap = this.#o.sinkConcurrency;
    // An origin with little room counts as full, so its slots are refilled a batch at a time (a
    // quarter of its cap, as the slots overall), not by one claim query per finished attempt.
    const inFlight = new Map(this.#byOrigin);
    for (const origin of this.#fullOrigins()) inFlight.set(origin, cap);
    const fair = { perOrigin: cap, inFlight };
    return this.#o.store.claimDeliveries(this.#o.clock.now(), limit, this.#o.leaseMs, fair);
  }

  /**
   * Every probe interval (at least a second): the events of paused origins that can no longer be
   * delivered expire (Store.expirePausedEvents), so pausing keeps nothing past its credential or past
   * the retry horizon, the time the retry schedule would have kept trying.
   */
  async #sweepPaused(): Promise<void> {
    const now = this.#o.clock.now();
    if (now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + Math.max(MIN_SWEEP_MS, this.#o.breaker.probeIntervalMs);
    const horizonMs = this.#o.policy.scheduleMs.reduce((sum, wait) => sum + wait, 0);
    await this.#o.store.expirePausedEvents(now, horizonMs);
  }

  /** Origins too close to their cap to claim for: their due events wait for attempts to finish. */
  #fullOrigins(): string[] {
    const cap = this.#o.sinkConcurrency;
    const roomNeeded = Math.max(1, cap >> 2);
    return [...this.#byOrigin].filter(([, n]) => cap - n < roomNeeded).map(([origin]) => origin);
  }

  #track(delivery: ClaimedDelivery): void {
    const { origin } = delivery;
    this.#byOrigin.set(origin, (this.#byOrigin.get(origin) ?? 0) + 1);
    const attempt = this.#deliver(delivery).finally(() => {
      const left = (this.#byOrigin.get(origin) ?? 1) - 1;
      if (left === 0) this.#byOrigin.delete(origin);
      else this.#byOrigin.set(origin, left);
      this.#inFlight.delete(attempt);
      this.#wakeup.notify();
    });
    this.#inFlight.add(attempt);
  }

  /** Until the next due event (at most MAX_SLEEP_MS); after a failed query, the failure backoff. */
  async #sleepMs(): Promise<number> {
    let next: number | null;
    try {
      next = await this.#o.store.nextDeliveryAt(this.#fullOrigins());
    } catch (error) {
      this.#o.events.emit("worker:error", { worker: "dispatcher", error });
      return this.#backoff.failed();
    }
    this.#backoff.succeeded();
    if (next === null) return MAX_SLEEP_MS;
    return Math.min(MAX_SLEEP_MS, Math.max(0, next - this.#o.clock.now()));
  }

  async #deliver(d: ClaimedDelivery): Promise<void> {
    const { store, sender, clock, events } = this.#o;
    const startedAt = clock.now();
    try {
      if (d.tokenExpiresAt !== null && startedAt >= d.tokenExpiresAt) {
        // The spec: once the consumer's token has expired, nothing more is sent with it.
        await store.settleUnsent(d.eventId, "expired", startedAt, "access token expired before delivery");
        // A probe that could not be sent: the sink is probed again at once (with another event), not
        // after the lease its claim moved the next probe to.
        if (d.probe) await store.probeSinkNow(d.origin, startedAt);
        return;
      }
      const t0 = performance.now();
      let statusCode: number | null = null;
      let retryAfterMs: number | null = null;
      let error: string | null = null;
      let responseExcerpt: string | null = null;
      let local = false;
      try {
        const signed = await this.#o.signer.headersFor(d, startedAt).catch((e: unknown) => {
          local = true;
          throw e;
        });
        const headers = { ...d.headers, ...signed };
        const response = await sender.send(d.sink, headers, d.body, this.#o.attemptTimeoutMs);
        statusCode = response.statusCode;
        responseExcerpt = response.excerpt;
        if (statusCode === 429 || statusCode === 503)
          retryAfterMs = parseRetryAfter(response.retryAfter, clock.now());
      } catch (e) {
        error = describe(e);
      }
      const durationMs = Math.round(performance.now() - t0);
      const now = clock.now();
      const outcome = { statusCode, error, retryAfterMs, now, startedAt, durationMs, responseExcerpt, local };
      const result = verdict(d, outcome, this.#o.policy, this.#o.random);
      await store.recordAttempt(result, this.#o.breaker);
      events.emit("delivery:attempt", {
        eventId: d.eventId,
        sessionId: d.sessionId,
        sink: d.sink,
        origin: d.origin,
        probe: d.probe,
        statusCode,
        outcome: result.outcome,
        durationMs,
        latencyMs: now - d.createdAt,
        error,
      });
    } catch (e) {
      // The attempt could not be recorded; the lease runs out and the event is tried again.
      events.emit("worker:error", { worker: "dispatcher", error: e });
    }
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
