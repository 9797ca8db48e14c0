import type { Auth } from "./auth.ts";
import { type Clock, untilAborted } from "./clock.ts";
import { APIConnectionError, APIError, APITimeoutError, OpenQodError } from "./errors.ts";

export interface TransportOptions {
  auth: Auth;
  fetch: typeof fetch;
  /** Per attempt (ms). */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Longest wait between attempts, whatever Retry-After or the backoff say (ms). */
  maxRetryDelayMs: number;
  /** The backoff's jitter, in [0, 1). */
  random: () => number;
  clock: Clock;
}

export interface RequestOptions {
  method: "GET" | "POST" | "DELETE";
  url: string;
  body?: unknown;
  /**
   * Safe to repeat after a lost answer (reads, deletes). A create or an extend is not: it is retried
   * only when the server said it did nothing (429, 503), never after a connection error or timeout.
   */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  headers: Headers;
  correlator: string;
}

/** Milliseconds from a Retry-After header (seconds or HTTP date, relative to `now`), or null. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with full jitter: 0.5 s, 1 s, 2 s … each scaled by a random 50–100 %. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  return 500 * 2 ** retry * (0.5 + random() / 2);
}

/**
 * The one request path: authentication, `x-correlator`, timeout, caller's AbortSignal, retries with
 * backoff and Retry-After, and mapping of error answers to typed errors.
 */
export class Transport {
  readonly #o: TransportOptions;

  constructor(options: TransportOptions) {
    this.#o = options;
  }

  async request<T>(options: RequestOptions): Promise<ApiResponse<T>> {
    const correlator = crypto.randomUUID();
    let refreshedAuth = false;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      const retriesLeft = attempt < this.#o.maxRetries;
      // A timer of our own rather than AbortSignal.timeout(), which is unref'd: a call that is still
      // waiting must keep the process alive until it times out.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error("timeout")), this.#o.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
      let response: Response;
      let text: string;
      try {
        const headers: Record<string, string> = {
          accept: "application/json",
          "x-correlator": correlator,
          ...(await this.#o.auth.headers({ fetch: this.#o.fetch, signal, timeoutMs: this.#o.timeoutMs })),
        };
        if (options.body !== undefined) headers["content-type"] = "application/json";
        response = await this.#o.fetch(options.url, {
          method: options.method,
          headers,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          signal,
          redirect: "error",
        });
        text = await response.text();
      } catch (cause) {
        // The auth step's own errors (token endpoint) are already typed.
        if (cause instanceof OpenQodError) throw cause;
        if (options.signal?.aborted) throw options.signal.reason;
        const timedOut = timeout.signal.aborted;
        if (options.idempotent && retriesLeft) {
          await this.#wait(attempt, null, options.signal);
          continue;
        }
        const message = timedOut
          ? `${options.method} ${options.url}: no answer within ${this.#o.timeoutMs} ms`
          : `${options.method} ${options.url}: ${cause instanceof Error ? cause.message : String(cause)}`;
        throw timedOut
          ? new APITimeoutError(message, { cause, correlator })
          : new APIConnectionError(message, { cause, correlator });
      } finally {
        clearTimeout(timer);
      }

      let data: unknown = text;
      if (text !== "" && (response.headers.get("content-type") ?? "").includes("json")) {
        try {
          data = JSON.parse(text);
        } catch {}
      }
      const echoed = response.headers.get("x-correlator") ?? correlator;
      if (response.ok)
        return {
          status: response.status,
          data: (text === "" ? undefined : data) as T,
          headers: response.headers,
          correlator: echoed,
        };

      if (response.status === 401 && !refreshedAuth && this.#o.auth.invalidate()) {
        refreshedAuth = true;
        attempt--;
        continue;
      }
      const notProcessed = response.status === 429 || response.status === 503;
      const serverFault = response.status >= 500;
      if (retriesLeft && (notProcessed || (serverFault && options.idempotent))) {
        await this.#wait(attempt, response.headers.get("retry-after"), options.signal);
        continue;
      }
      const info = data as { code?: unknown; message?: unknown } | null;
      throw APIError.from({
        status: response.status,
        code: typeof info?.code === "string" ? info.code : "UNKNOWN",
        message:
          typeof info?.message === "string"
            ? info.message
            : `${options.method} ${options.url} answered ${response.status}`,
        body: data,
        headers: response.headers,
        correlator: echoed,
      });
    }
  }

  /**
   * The one place a retry waits: what Retry-After asks, else the backoff, never longer than
   * `maxRetryDelayMs`. Rejects with the caller's reason as soon as its signal aborts.
   */
  #wait(attempt: number, retryAfter: string | null, signal: AbortSignal | undefined): Promise<void> {
    const { clock, maxRetryDelayMs, random } = this.#o;
    const asked = retryAfterMs(retryAfter, clock.now());
    const ms = Math.min(maxRetryDelayMs, asked ?? backoffMs(attempt, random));
    return untilAborted(clock.sleep(ms, signal), signal);
  }
}
