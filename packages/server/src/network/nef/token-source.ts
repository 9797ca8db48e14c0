import type { Dispatcher } from "undici";
import { request } from "undici";
import type { Clock } from "../../clock.ts";
import { systemClock } from "../../clock.ts";

/** Where the NEF's bearer tokens come from. */
export interface TokenSource {
  /** A token to send now. @throws NefTokenError when none can be had. */
  token(): Promise<string>;
  /** The NEF refused `token` (401): forget it, so the next token() fetches a new one. */
  invalidate(token: string): void;
  /** Whether invalidate() can lead to a different token (a static one cannot change). */
  readonly refreshable: boolean;
}

/** The token endpoint could not be reached or refused OpenQoD's client credentials. */
export class NefTokenError extends Error {
  override name = "NefTokenError";
  constructor(
    message: string,
    /** The endpoint's HTTP status; null when it was not reached (connection failure, timeout). */
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** OPENQOD_NEF_TOKEN: one token for the server's lifetime. */
export function staticToken(value: string): TokenSource {
  return { token: async () => value, invalidate: () => {}, refreshable: false };
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per call to the token endpoint (ms). */
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** @default the system clock */
  clock?: Clock;
  /** Share of `expires_in` after which a token is replaced. @default 0.8 */
  refreshAt?: number;
  /** When the endpoint gives no `expires_in` (ms). @default 5 minutes */
  defaultLifetimeMs?: number;
  /** Told of every call to the endpoint: for metrics and logs. */
  onCall?: (call: { status: number | null; durationMs: number; error: string | null }) => void;
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): the client authenticates with HTTP Basic (§2.3.1). A token
 * is kept until `refreshAt` of its lifetime has passed, so a request never leaves with one about to expire;
 * callers arriving while one fetch is in flight share it (single flight). When that renewal fails, the token
 * in hand is used until it really expires.
 */
export class ClientCredentialsTokens implements TokenSource {
  readonly refreshable = true;
  readonly #o: ClientCredentialsOptions;
  readonly #clock: Clock;
  #current: { token: string; renewAt: number; expiresAt: number } | null = null;
  #inFlight: Promise<string> | null = null;

  constructor(options: ClientCredentialsOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  token(): Promise<string> {
    const current = this.#current;
    if (current !== null && this.#clock.now() < current.renewAt) return Promise.resolve(current.token);
    this.#inFlight ??= this.#fetch()
      .catch((error: unknown) => {
        // A renewal that fails early is no outage: the token in hand is good until it expires.
        const held = this.#current;
        if (held !== null && this.#clock.now() < held.expiresAt) return held.token;
        throw error;
      })
      .finally(() => {
        this.#inFlight = null;
      });
    return this.#inFlight;
  }

  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = null;
  }

  async #fetch(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, timeoutMs } = this.#o;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      "base64",
    );
    const started = performance.now();
    const report = (status: number | null, error: string | null) =>
      this.#o.onCall?.({ status, durationMs: performance.now() - started, error });
    let status: number;
    let body: unknown;
    try {
      const response = await request(tokenUrl, {
        method: "POST",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
        dispatcher: this.#o.dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      body = await response.body.json().catch(() => null);
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.name === "TimeoutError"
            ? "timed out"
            : error.message
          : String(error);
      report(null, reason);
      throw new NefTokenError(`the NEF's token endpoint ${tokenUrl} could not be reached: ${reason}`, null);
    }
    const fields = (body ?? {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (status !== 200 || typeof fields.access_token !== "string" || fields.access_token === "") {
      // RFC 6749 §5.2: `error` names the reason (invalid_client, …); never the secret we sent.
      const why = typeof fields.error === "string" ? ` (${fields.error})` : "";
      report(status, `status ${status}${why}`);
      throw new NefTokenError(
        `the NEF's token endpoint ${tokenUrl} answered ${status}${why} instead of an access token`,
        status,
      );
    }
    report(status, null);
    const lifetimeMs =
      typeof fields.expires_in === "number" && fields.expires_in > 0
        ? fields.expires_in * 1000
        : (this.#o.defaultLifetimeMs ?? 300_000);
    const token = fields.access_token;
    const now = this.#clock.now();
    this.#current = {
      token,
      renewAt: now + lifetimeMs * (this.#o.refreshAt ?? 0.8),
      expiresAt: now + lifetimeMs,
    };
    return token;
  }
}
