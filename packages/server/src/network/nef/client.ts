import type { Dispatcher } from "undici";
import { request } from "undici";
import type { TokenSource } from "./token-source.ts";

/** What OpenQoD asks a NEF; the label of every metric and log line of a call. */
export type NefOperation = "create" | "extend" | "release" | "list" | "token";

export interface NefCall {
  operation: NefOperation;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  /** Sent as JSON. */
  body?: unknown;
  /** @default "application/json" (a PATCH sends "application/merge-patch+json") */
  contentType?: string;
}

/** The NEF's answer, whatever its status: the adapter decides what each status means. */
export interface NefAnswer {
  status: number;
  /** Absolute (resolved against the request's URL); undefined when the answer had none. */
  location: string | undefined;
  retryAfter: string | undefined;
  /** Parsed JSON, or null for an empty or non-JSON body. */
  body: unknown;
}

/** A call that got no answer: the NEF was not reached, or did not answer within the timeout. */
export class NefUnreachable extends Error {
  override name = "NefUnreachable";
  constructor(
    readonly operation: NefOperation,
    readonly kind: "timeout" | "connection_error",
    message: string,
  ) {
    super(message);
  }
}

/** One attempt, for metrics and logs: never a header, a body or a token. */
export interface NefAttempt {
  operation: NefOperation;
  method: string;
  /** null when no answer came. */
  status: number | null;
  /** The status class (`2xx`, `4xx`, …), `timeout` or `connection_error`. */
  outcome: string;
  durationMs: number;
  /** 1 for the first attempt of a call. */
  attempt: number;
  /** Whether the client tries again after this attempt. */
  retried: boolean;
  error: string | null;
}

export interface NefClientOptions {
  /** Per attempt, including the body (ms). */
  timeoutMs: number;
  /** null: requests carry no Authorization header. */
  tokens: TokenSource | null;
  dispatcher: Dispatcher;
  onAttempt?: (attempt: NefAttempt) => void;
  /** Attempts of a call that is safe to repeat. @default 3 */
  attempts?: number;
  /** Backoff before the second attempt, doubled after each (ms). @default 100 */
  backoffMs?: number;
  /** The longest wait between attempts, a `Retry-After` included; longer ones are not waited for (ms). @default 2000 */
  maxWaitMs?: number;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);

/** Seconds or an HTTP date, in ms from now; null when absent or malformed. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Every call to the NEF goes through call(): a bearer token, a timeout on each attempt, JSON both ways,
 * and retries only where they are safe. GET, PATCH (the same merge patch) and DELETE are idempotent, so
 * they are repeated after a connection failure, a timeout, a 429 or a 502/503/504 (waiting as
 * `Retry-After` says, when that is short). A POST creates a subscription each time it lands, so it is
 * repeated only when the connection was refused, before any byte was sent; never after a timeout, when the
 * NEF may have created it. A 401 fetches a new token once and repeats the call, whatever its method: the
 * NEF did nothing with an unauthenticated request.
 */
export class NefClient {
  readonly #o: NefClientOptions;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: NefClientOptions) {
    this.#o = options;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * @throws NefUnreachable when no attempt got an answer.
   * @throws NefTokenError when no token could be had.
   */
  async call(call: NefCall): Promise<NefAnswer> {
    const attempts = call.method === "POST" ? 2 : (this.#o.attempts ?? 3);
    const maxWaitMs = this.#o.maxWaitMs ?? 2_000;
    let refreshed = false;
    // `failures` counts toward the limit; a repeat after a token refresh does not.
    for (let sent = 1, failures = 0; ; sent++) {
      const token = this.#o.tokens === null ? null : await this.#o.tokens.token();
      const started = performance.now();
      const report = (status: number | null, outcome: string, error: string | null, retried: boolean) =>
        this.#o.onAttempt?.({
          operation: call.operation,
          method: call.method,
          status,
          outcome,
          durationMs: performance.now() - started,
          attempt: sent,
          retried,
          error,
        });
      let answer: NefAnswer;
      try {
        answer = await this.#send(call, token);
      } catch (error) {
        const failure = describe(error);
        failures++;
        const retry = (call.method === "POST" ? failure.refused : true) && failures < attempts;
        report(null, failure.kind, failure.message, retry);
        if (retry) {
          await this.#sleep(this.#backoff(failures));
          continue;
        }
        throw new NefUnreachable(
          call.operation,
          failure.kind,
          `${call.method} ${call.url}: ${failure.message}`,
        );
      }
      const outcome = `${Math.floor(answer.status / 100)}xx`;
      if (answer.status === 401 && token !== null && this.#o.tokens?.refreshable && !refreshed) {
        report(answer.status, outcome, "token refused, fetching a new one", true);
        refreshed = true;
        this.#o.tokens.invalidate(token);
        continue;
      }
      if (call.method !== "POST" && RETRIED_STATUSES.has(answer.status) && failures + 1 < attempts) {
        const waitMs = retryAfterMs(answer.retryAfter) ?? this.#backoff(failures + 1);
        if (waitMs <= maxWaitMs) {
          failures++;
          report(answer.status, outcome, null, true);
          await this.#sleep(waitMs);
          continue;
        }
      }
      report(answer.status, outcome, null, false);
      return answer;
    }
  }

  #backoff(attempt: number): number {
    return Math.min((this.#o.backoffMs ?? 100) * 2 ** (attempt - 1), this.#o.maxWaitMs ?? 2_000);
  }

  async #send(call: NefCall, token: string | null): Promise<NefAnswer> {
    const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (call.body !== undefined) headers["content-type"] = call.contentType ?? "application/json";
    const response = await request(call.url, {
      method: call.method,
      headers,
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      dispatcher: this.#o.dispatcher,
      // One bound for the whole attempt, the body included; the agent bounds the connect.
      signal: AbortSignal.timeout(this.#o.timeoutMs),
    });
    const text = await response.body.text();
    let body: unknown = null;
    if (text !== "" && /json/i.test(String(response.headers["content-type"] ?? ""))) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    const header = (name: string) => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const location = header("location");
    return {
      status: response.statusCode,
      location: location === undefined ? undefined : new URL(location, call.url).href,
      retryAfter: header("retry-after"),
      body,
    };
  }
}

/** What went wrong with an attempt that got no answer, and whether the request surely never left. */
function describe(error: unknown): { kind: NefUnreachable["kind"]; refused: boolean; message: string } {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (
    name === "TimeoutError" ||
    name === "AbortError" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT"
  )
    return { kind: "timeout", refused: false, message: "timed out" };
  return {
    kind: "connection_error",
    refused: code === "ECONNREFUSED",
    message: code === undefined ? (message ?? String(error)) : `${code} ${message ?? ""}`.trim(),
  };
}
