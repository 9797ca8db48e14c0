import { duration, integer } from "../setting-kinds.ts";
import { DEFAULT_BREAKER } from "../store/sink-breaker.ts";

/**
 * The circuit breaker's settings (store/sink-breaker.ts), spread into SETTINGS (settings.ts). Five
 * failures in a row is about a minute into the default retry schedule for one notification (0, 5 s, 5 min
 * ...), and a handful of notifications failing at once for a busy sink: enough to tell a sink that is down
 * from one that failed once, and little enough that a dead sink stops taking attempts within minutes.
 */
export const BREAKER_SETTINGS = {
  sinkBreakerFailures: {
    flag: "sink-breaker-failures",
    variable: "OPENQOD_SINK_BREAKER_FAILURES",
    kind: integer(0, 1_000_000),
    fallback: DEFAULT_BREAKER.failures,
    defaultText: "`5`",
    doc: "failed attempts in a row (anything but 2xx or 410) that pause a sink origin (`0`: never)",
  },
  sinkProbeIntervalMs: {
    flag: "sink-probe-interval",
    variable: "OPENQOD_SINK_PROBE_INTERVAL",
    kind: duration(100),
    fallback: DEFAULT_BREAKER.probeIntervalMs,
    defaultText: "`5s`",
    doc: "a paused sink origin's first probe comes this long after the pause; doubles per failed probe",
  },
  sinkProbeMaxMs: {
    flag: "sink-probe-max",
    variable: "OPENQOD_SINK_PROBE_MAX",
    kind: duration(100),
    fallback: DEFAULT_BREAKER.probeMaxMs,
    defaultText: "`60s`",
    doc: "the longest wait between two probes of a paused sink origin",
  },
} as const;
