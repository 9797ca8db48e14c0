import type { NefAttempt } from "./client.ts";

/** One log line for one attempt of a NEF call. */
export interface NefLogLine {
  level: "debug" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

/**
 * How an attempt is logged: a 2xx at `debug` (quiet at the default level), a failure at `warn`, and a 401 at
 * `error`, since that is OpenQoD's own configuration (a token or client secret the NEF refuses) and no
 * client can fix it (unless a new token is being fetched). Fields: operation, method, status, outcome, attempt, ms and the one-line reason;
 * never a header, a body, a token or a URL (a callback URL carries a secret).
 */
export function nefAttemptLine(attempt: NefAttempt): NefLogLine {
  const fields = {
    operation: attempt.operation,
    method: attempt.method,
    status: attempt.status,
    outcome: attempt.outcome,
    attempt: attempt.attempt,
    retried: attempt.retried,
    ms: Math.round(attempt.durationMs * 100) / 100,
    ...(attempt.error === null ? {} : { error: attempt.error }),
  };
  if (attempt.status === 401 && !attempt.retried)
    return {
      level: "error",
      fields,
      message:
        attempt.operation === "token"
          ? "the NEF's token endpoint refused OpenQoD's client credentials: check OPENQOD_NEF_OAUTH_*"
          : "the NEF refused OpenQoD's token: check OPENQOD_NEF_TOKEN or OPENQOD_NEF_OAUTH_*",
    };
  if (attempt.outcome === "2xx") return { level: "debug", fields, message: "NEF call" };
  if (attempt.retried) return { level: "warn", fields, message: "NEF call failed, trying again" };
  return { level: "warn", fields, message: "NEF call failed" };
}
