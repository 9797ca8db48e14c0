import { type Clock, untilAborted } from "./clock.ts";
import { OAuthError } from "./errors.ts";
import type { AccessToken } from "./oauth2/types.ts";
import type { DeviceIdentifiers } from "./types.ts";

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
  /**
   * The device its tokens are bound to (a three-legged token, e.g. by `cibaAuth`): the provider deduces
   * the device from the token, so calls send no device identifiers.
   */
  readonly boundDevice?: DeviceIdentifiers;
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

/** Fetches a new access token, on the signal of the request that concurrent callers share. */
export type TokenSource = (fetchImpl: typeof fetch, signal: AbortSignal) => Promise<AccessToken>;

/**
 * Bearer tokens from `source`: reused until 30 s before they expire (by `clock`), fetched again after a
 * 401. Concurrent requests share one token request, which runs on its own signal and timeout: a caller
 * that aborts stops waiting for it, the others keep waiting, and it is cancelled only once no caller
 * waits any more. `initial` is a token already in hand (CIBA's first one).
 */
export function tokenAuth(source: TokenSource, clock: Clock, initial?: AccessToken): Auth {
  let token: { value: string; until: number } | null = null;
  let shared: SharedRequest | null = null;
  const keep = (fresh: AccessToken) => {
    token = { value: fresh.value, until: clock.now() + Math.max(0, fresh.expiresIn - 30) * 1000 };
    return fresh.value;
  };
  if (initial !== undefined) keep(initial);

  function startRequest(fetchImpl: typeof fetch, timeoutMs: number): SharedRequest {
    const controller = new AbortController();
    // A real timer, like the per-attempt one: a token endpoint that never answers must not hold every
    // later call that joins this request.
    const timer = setTimeout(() => controller.abort(new Error("timeout")), timeoutMs);
    const request: SharedRequest = {
      controller,
      waiting: 0,
      token: source(fetchImpl, controller.signal)
        .then(keep)
        .finally(() => {
          clearTimeout(timer);
          if (shared === request) shared = null;
        }),
    };
    // Every waiter gets the rejection; this only keeps one nobody waits for from being "unhandled".
    request.token.catch(() => {});
    return request;
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

/** The token endpoint's answer as an access token. @throws OAuthError when it holds none. */
export function accessTokenOf(json: Record<string, unknown>, url: string): AccessToken {
  if (typeof json.access_token !== "string")
    throw new OAuthError({
      status: 200,
      code: "TOKEN_REQUEST_FAILED",
      error: undefined,
      message: `${url} answered without an access_token`,
      body: JSON.stringify(json),
      headers: new Headers(),
      correlator: undefined,
    });
  return {
    value: json.access_token,
    expiresIn: typeof json.expires_in === "number" ? json.expires_in : 300,
  };
}
