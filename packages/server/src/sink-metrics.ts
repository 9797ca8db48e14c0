import { Counter, Gauge, type Registry } from "prom-client";
import type { WorkerEvents } from "./events.ts";
import type { Store } from "./store/store.ts";

/**
 * The most sink origins `openqod_sink_attempts_total` names; attempts at any other count as `other`.
 * Origins come from clients (each session names its sink), so without a cap a client making sessions
 * with ever new hosts would grow every scrape without bound. 200 covers the deployments we know of (a
 * handful of applications, one webhook host each) with room to spare.
 */
export const MAX_ORIGIN_LABELS = 200;

/**
 * The delivery backlog and the sinks' health: events still to be delivered by state (counted at
 * scrape), attempts per sink origin by outcome, the breakers' transitions, and origins paused now.
 */
export function sinkMetrics(registry: Registry, store: Store, events: WorkerEvents): void {
  new Gauge({
    name: "openqod_notifications_backlog",
    help: "Notifications still to be delivered: pending (their sink takes attempts) or paused (its sink is paused)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const counts = await store.backlog();
      this.set({ state: "pending" }, counts.pending);
      this.set({ state: "paused" }, counts.paused);
    },
  });
  new Gauge({
    name: "openqod_sinks_paused",
    help: "Sink origins paused now, by who paused them (breaker, operator)",
    labelNames: ["by"],
    registers: [registry],
    async collect() {
      const paused = await store.sinksPaused();
      for (const by of ["breaker", "operator"] as const) this.set({ by }, paused[by]);
    },
  });
  const attempts = new Counter({
    name: "openqod_sink_attempts_total",
    help: `Delivery attempts by sink origin and outcome (the first ${MAX_ORIGIN_LABELS} origins seen by name, then "other")`,
    labelNames: ["origin", "outcome"],
    registers: [registry],
  });
  const named = new Set<string>();
  events.on("delivery:attempt", (e) => {
    if (!named.has(e.origin) && named.size < MAX_ORIGIN_LABELS) named.add(e.origin);
    attempts.inc({
      origin: named.has(e.origin) ? e.origin : "other",
      outcome: e.probe ? `probe_${e.outcome}` : e.outcome,
    });
  });
  const transitions = new Counter({
    name: "openqod_sink_breaker_transitions_total",
    help: "Sink origins paused or resumed, by whom (breaker, operator, probe)",
    labelNames: ["to", "by"],
    registers: [registry],
  });
  events.on("sink:breaker", (e) => transitions.inc({ to: e.to, by: e.by }));
}
