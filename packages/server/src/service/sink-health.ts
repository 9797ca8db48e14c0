import type { Clock } from "../clock.ts";
import { ApiError } from "../errors.ts";
import type { PausedBy, SinkRecord, Store } from "../store/store.ts";
import type { Caller } from "./notification-service.ts";

/** How many of an origin's newest attempts its success rate covers. */
export const HEALTH_WINDOW = 100;
/** How many origins one listing shows at most, by origin. */
export const MAX_SINKS = 500;

/** A sink origin's health as the notifications API shows it. Times are RFC 3339. */
export interface SinkHealth {
  origin: string;
  state: "active" | "paused";
  pausedBy?: PausedBy;
  pausedAt?: string;
  /** When a breaker-paused sink is next probed. */
  nextProbeAt?: string;
  /** Failed attempts since its last success, whoever's notifications they carried. */
  consecutiveFailures: number;
  failingSince?: string;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  /** How many of its newest HEALTH_WINDOW attempts there are, and the share of them delivered (0 to 1). */
  recentAttempts: number;
  recentSuccessRate?: number;
  /** The caller's pending notifications to it (an operator's: everyone's). */
  backlog: number;
}

type Deps = { store: Store; clock: Clock };

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
const latest = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

async function healthOf(store: Store, origin: string, record: SinkRecord | undefined, caller: Caller) {
  const [recent, backlog] = await Promise.all([
    store.sinkHealth.recent(origin, HEALTH_WINDOW),
    store.sinkHealth.backlog(origin, caller?.clientId),
  ]);
  const times = {
    pausedAt: iso(record?.pausedAt ?? null),
    nextProbeAt: iso(record?.probeAt ?? null),
    failingSince: iso(record?.failingSince ?? null),
    // The breaker's record has it only when a success ended a run of failures; the attempts have the rest.
    lastSuccessAt: iso(latest(recent.lastDeliveredAt, record?.lastSuccessAt ?? null)),
    lastFailureAt: iso(record?.lastFailureAt ?? null),
  };
  const health: SinkHealth = {
    origin,
    state: record?.pausedBy == null ? "active" : "paused",
    ...(record?.pausedBy == null ? {} : { pausedBy: record.pausedBy }),
    ...Object.fromEntries(Object.entries(times).filter(([, v]) => v !== undefined)),
    consecutiveFailures: record?.consecutiveFailures ?? 0,
    recentAttempts: recent.attempts,
    ...(recent.attempts === 0 ? {} : { recentSuccessRate: recent.delivered / recent.attempts }),
    backlog,
  };
  return health;
}

/**
 * The health of every sink origin the caller's notifications go to (an operator's: every origin with
 * notifications or a breaker record), by origin, at most MAX_SINKS. Health is the origin's, across
 * clients (a host down is down for all); the backlog is the caller's own.
 * @throws ApiError 403 PERMISSION_DENIED for a token bound to a device: sinks and their backlog are
 *   the whole client's, and a user's consent for one device does not reach the others' notifications.
 */
export async function listSinks(deps: Deps, caller: Caller): Promise<SinkHealth[]> {
  if (caller?.device != null) {
    throw new ApiError(
      "PERMISSION_DENIED",
      "Sinks belong to the whole API client: use its own credential, not a token bound to a device.",
    );
  }
  const origins = await deps.store.sinkHealth.origins(caller?.clientId, MAX_SINKS);
  const records = new Map((await deps.store.sinks(origins)).map((r) => [r.origin, r]));
  return Promise.all(origins.map((o) => healthOf(deps.store, o, records.get(o), caller)));
}

/** `origin` as stored (URL.origin). @throws ApiError 400 INVALID_ARGUMENT for anything but scheme://host[:port]. */
export function parseOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {}
  if (
    url === undefined ||
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== ""
  ) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `origin must be an http or https origin, scheme://host[:port] with no path, such as https://receiver.example:8443; got "${text}".`,
    );
  }
  return url.origin;
}

function operatorOnly(caller: Caller): void {
  if (caller !== null) {
    throw new ApiError(
      "PERMISSION_DENIED",
      "Only an operator (openqod:operator, not bound to a device) may pause or resume a sink.",
    );
  }
}

/**
 * An operator pauses `origin`: nothing is attempted there, not even a probe, until it is resumed by
 * hand; its notifications stay queued in order. An origin never seen before may be paused ahead.
 * @throws ApiError 400 INVALID_ARGUMENT, 403 PERMISSION_DENIED.
 */
export async function pauseSink(deps: Deps, caller: Caller, origin: string): Promise<SinkHealth> {
  operatorOnly(caller);
  const parsed = parseOrigin(origin);
  const record = await deps.store.pauseSink(parsed, deps.clock.now());
  return healthOf(deps.store, parsed, record, caller);
}

/**
 * An operator resumes `origin` (paused by hand or by its breaker): its failures are forgotten and its
 * whole backlog is due now, sent at once in order. An active origin is answered as it is, unchanged.
 * @throws ApiError 400 INVALID_ARGUMENT, 403 PERMISSION_DENIED, 404 NOT_FOUND (an origin with no
 *   record: it never failed nor was paused, or not within the delivery retention).
 */
export async function resumeSink(deps: Deps, caller: Caller, origin: string): Promise<SinkHealth> {
  operatorOnly(caller);
  const parsed = parseOrigin(origin);
  const record = await deps.store.resumeSink(parsed, deps.clock.now());
  if (record === undefined) {
    throw new ApiError(
      "NOT_FOUND",
      `The sink ${parsed} has never failed nor been paused: there is nothing to resume.`,
    );
  }
  return healthOf(deps.store, parsed, record, caller);
}
