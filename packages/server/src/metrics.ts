import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WorkerEvents } from "./events.ts";
import { sinkMetrics } from "./sink-metrics.ts";
import type { Store } from "./store/store.ts";

/**
 * Prometheus metrics: sessions by status and releases owed to the network (counted at scrape time),
 * delivery attempts by outcome, the latency from an event's commit to its successful delivery,
 * the network's releases, events and reconciliations, and the requests the rate limits refused.
 */
export function createMetrics(store: Store, events: WorkerEvents): Registry {
  const registry = new Registry();
  new Gauge({
    name: "openqod_sessions",
    help: "QoD sessions by qosStatus",
    labelNames: ["qos_status"],
    registers: [registry],
    async collect() {
      const counts = await store.countSessionsByStatus();
      for (const status of ["REQUESTED", "AVAILABLE", "UNAVAILABLE"])
        this.set({ qos_status: status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: "openqod_network_releases_owed",
    help: "Releases the network owes (queued, retrying, or guarding a create in progress)",
    registers: [registry],
    async collect() {
      this.set(await store.countNetworkCommands());
    },
  });
  const attempts = new Counter({
    name: "openqod_delivery_attempts_total",
    help: "Notification delivery attempts by outcome (delivered, retry, failed, gone)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "openqod_delivery_latency_seconds",
    help: "Time from a status change's commit to its notification's successful delivery",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 36_000],
    registers: [registry],
  });
  const errors = new Counter({
    name: "openqod_worker_errors_total",
    help: "Errors in background workers",
    labelNames: ["worker"],
    registers: [registry],
  });
  const releases = new Counter({
    name: "openqod_network_releases_total",
    help: "Releases attempted in the network, by outcome (released, failed)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const networkEvents = new Counter({
    name: "openqod_network_events_total",
    help: "Events the network reported on its own, by kind and what OpenQoD did with them",
    labelNames: ["kind", "outcome"],
    registers: [registry],
  });
  const reconciled = new Counter({
    name: "openqod_network_reconciled_total",
    help: "What reconciliation with the network repaired: orphaned reservations released, lost sessions ended",
    labelNames: ["repair"],
    registers: [registry],
  });
  events.on("network:release", (e) => releases.inc({ outcome: e.error === null ? "released" : "failed" }));
  events.on("network:event", (e) => networkEvents.inc({ kind: e.kind, outcome: e.outcome }));
  events.on("network:reconciled", (e) => {
    reconciled.inc({ repair: "orphaned" }, e.orphaned);
    reconciled.inc({ repair: "lost" }, e.lost);
  });
  events.on("delivery:attempt", (e) => {
    attempts.inc({ outcome: e.outcome });
    if (e.outcome === "delivered") latency.observe(e.latencyMs / 1000);
  });
  events.on("worker:error", (e) => errors.inc({ worker: e.worker }));
  sinkMetrics(registry, store, events);
  const limited = new Counter({
    name: "openqod_rate_limited_total",
    help: "Requests refused with 429 TOO_MANY_REQUESTS, by limit (client, auth_failures, token_callers)",
    labelNames: ["limit"],
    registers: [registry],
  });
  events.on("http:rate-limited", (e) => limited.inc({ limit: e.limit }));
  const nefRequests = new Counter({
    name: "openqod_nef_requests_total",
    help: "Attempts of calls to the NEF by operation and outcome (2xx, 4xx, 5xx, timeout, connection_error)",
    labelNames: ["operation", "outcome"],
    registers: [registry],
  });
  const nefDuration = new Histogram({
    name: "openqod_nef_request_duration_seconds",
    help: "Time of one attempt of a call to the NEF, answered or not",
    labelNames: ["operation"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  events.on("nef:request", (e) => {
    nefRequests.inc({ operation: e.operation, outcome: e.outcome });
    nefDuration.observe({ operation: e.operation }, e.durationMs / 1000);
  });
  return registry;
}
