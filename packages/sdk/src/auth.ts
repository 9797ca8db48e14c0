import { type Clock, systemClock, untilAborted } from "./clock.ts";
import { APIConnectionError, APIError } from "./errors.ts";

/** What the credentials of one attempt may need: how to fetch, that attempt's signal and timeout. */
export interface AuthContext {
  fetch: typeof fetch;
  /** The attempt's: the caller's signal and its per-attempt timeout. Ends this attempt's wait only. */
  signal: AbortSignal;
  /** Per attempt (ms); also the deadline of a token request shared by several attempts. */
  timeoutMs: number;
}

/** Supplies the credentials of each request. */
export interface Auth {
  headers(context: AuthContext): Promise<Record<string, string>>;
  /** Called after a 401: drop a cached token so the next attempt fetches a new one. Returns true if that may help. */
  invalidate(): boolean;
}

/** A static key: `Authorization: Bearer <key>`, or `x-rapidapi-key` for Network as Code. */
export function keyAuth(key: string, scheme: "bearer" | "rapidapi", rapidApiHost?: string): Auth {
  const headers: Record<string, string> =
    scheme === "bearer"
      ? { authorization: `Bearer ${key}` }
      : { "x-rapidapi-key": key, ...(rapidApiHost === undefined ? {} : { "x-rapidapi-host": rapidApiHost }) };
  return { headers: async () => headers, invalidate: () => false };
}

/** A token request that concurrent attempts share, and how many of them still wait for it. */
interface SharedRequest {
  token: Promise<string>;
  controller: AbortController;
  waiting: number;
}

export interface OAuth2ClientCredentials {
  /** The provider's token endpoint. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes, e.g. "quality-on-demand:sessions:create quality-on-demand:sessions:read". */
  scope?: string;
}

/**
 * OAuth2 client credentials (RFC 6749 §4.4): fetches an access token, reuses it until 30 s before it
 * expires (by `clock`), and fetches a new one after a 401. Concurrent requests share one token request,
 * which runs on its own signal and timeout: a caller that aborts stops waiting for it, the others keep
 * waiting, and it is cancelled only once no caller waits any more.
 */
export function oauth2Auth(credentials: OAuth2ClientCredentials, clock: Clock = systemClock): Auth {
  let token: { value: string; until: number } | null = null;
  let shared: SharedRequest | null = null;

  function startRequest(fetchImpl: typeof fetch, timeoutMs: number): SharedRequest {
    const controller = new AbortController();
    // A real timer, like the per-attempt one: a token endpoint that never answers must not hold every
    // later call that joins this request.
    const timer = setTimeout(() => controller.abort(new Error("timeout")), timeoutMs);
    const request: SharedRequest = {
      controller,
      waiting: 0,
      token: fetchToken(fetchImpl, controller.signal).finally(() => {
        clearTimeout(timer);
        if (shared === request) shared = null;
      }),
    };
    // Every waiter gets the rejection; this only keeps one nobody waits for from being "unhandled".
    request.token.catch(() => {});
    return request;
  }

  async function fetchToken(fetchImpl: typeof fetch, signal: AbortSignal): Promise<string> {
    const body = new URLSearchParams({ grant_type: "client_credentials" });
    if (credentials.scope) body.set("scope", credentials.scope);
    // btoa rather than Buffer: the SDK runs wherever fetch does. The URI-encoded pair is ASCII.
    const basic = btoa(
      `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
    );
    let response: Response;
    try {
      response = await fetchImpl(credentials.tokenUrl, {
        method: "POST",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: body.toString(),
        signal,
      });
    } catch (cause) {
      throw new APIConnectionError(`token request to ${credentials.tokenUrl} failed`, { cause });
    }
    const text = await response.text();
    let json: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } =
      {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {}
    if (!response.ok || typeof json.access_token !== "string") {
      throw new APIError({
        status: response.status,
        code: typeof json.error === "string" ? json.error : "TOKEN_REQUEST_FAILED",
        message:
          typeof json.error_description === "string"
            ? json.error_description
            : `token endpoint answered ${response.status}`,
        body: text,
        headers: response.headers,
        correlator: undefined,
      });
    }
    const lifetime = typeof json.expires_in === "number" ? json.expires_in : 300;
    token = { value: json.access_token, until: clock.now() + Math.max(0, lifetime - 30) * 1000 };
    return json.access_token;
  }

  return {
    async headers({ fetch: fetchImpl, signal, timeoutMs }) {
      if (token !== null && token.until > clock.now()) return { authorization: `Bearer ${token.value}` };
      shared ??= startRequest(fetchImpl, timeoutMs);
      const request = shared;
      request.waiting++;
      try {
        return { authorization: `Bearer ${await untilAborted(request.token, signal)}` };
      } finally {
        if (--request.waiting === 0 && shared === request) {
          // Every caller gave up: cancel it, and let the next caller start afresh.
          shared = null;
          request.controller.abort(new Error("no call waits for this token any more"));
        }
      }
    },
    invalidate() {
      token = null;
      return true;
    },
  };
}
