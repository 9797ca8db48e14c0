import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from "fastify";
import { OAuthError } from "../auth/oauth-error.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import type { WorkerEvents } from "../events.ts";
import { RateLimiter } from "../rate-limiter.ts";
import type { AfterAuth } from "./auth.ts";

/** Which limit refused a request: the `limit` label of `openqod_rate_limited_total`. */
export type RateLimitName = "client" | "auth_failures" | "token_callers";

/** The settings of http/rate-limit-settings.ts; `trustProxy` defaults to none. */
export type RateLimitSettings = Pick<Config, "rateLimit" | "rateBurst" | "authFailureLimit"> &
  Partial<Pick<Config, "trustProxy">>;

/** Probes must keep answering an address that is over a limit: a load balancer's checks may share it. */
const PROBES = new Set(["/health", "/ready", "/metrics"]);

/**
 * The rate limits of one instance, in memory. They are not shared between instances on one PostgreSQL
 * database: a shared counter would put a database round trip in front of every request, for a limit
 * that is only a guard. With N instances behind a load balancer a client gets up to N times the limit.
 *
 * - per client (`client`): every request after authentication, keyed by client id, so a client's API key
 *   and its access tokens spend one budget;
 * - per caller address, failed authentications (`auth_failures`): every `401` is counted, and an address
 *   past its budget is refused before its credential is looked up;
 * - per caller address, calls to the authorization server's endpoints (`token_callers`: http/oauth-token.ts
 *   and http/oauth-ciba.ts hold their own limiter, OPENQOD_TOKEN_RATE_LIMIT, and report through `onLimited`).
 *
 * IPv6 callers are counted by their /64, which one host usually has whole.
 */
export class RateLimits {
  /** null: off (`OPENQOD_RATE_LIMIT=0`). */
  readonly client: RateLimiter | null;
  readonly authFailures: RateLimiter | null;
  /**
   * Reverse proxies (addresses, CIDR ranges) whose `X-Forwarded-For` names the caller: buildApp gives them
   * to Fastify (`trustProxy`), so `request.ip` is the caller behind them. Empty: the TCP peer.
   */
  readonly trustedProxies: readonly string[];
  /** requireAuth's hook for the per-client limit; undefined when it is off. */
  readonly afterAuth: AfterAuth | undefined;
  readonly #onLimited: (limit: RateLimitName) => void;

  /**
   * @param options.clock @default the system clock
   * @param options.events told of every refused request (`http:rate-limited`; metrics.ts counts them).
   */
  constructor(settings: RateLimitSettings, options: { clock?: Clock; events?: WorkerEvents } = {}) {
    const clock = options.clock === undefined ? {} : { clock: options.clock };
    this.trustedProxies = settings.trustProxy ?? [];
    const events = options.events;
    this.#onLimited = (limit) => events?.emit("http:rate-limited", { limit });
    this.client =
      settings.rateLimit === 0
        ? null
        : new RateLimiter({ perSecond: settings.rateLimit, burst: settings.rateBurst }, clock);
    this.authFailures =
      settings.authFailureLimit === 0
        ? null
        : new RateLimiter(
            { perSecond: settings.authFailureLimit / 60, burst: settings.authFailureLimit },
            clock,
          );
    const client = this.client;
    this.afterAuth =
      client === null
        ? undefined
        : (_request, principal) => {
            const wait = client.take(principal.clientId);
            if (wait === 0) return;
            this.#onLimited("client");
            throw tooManyRequests(
              client,
              wait,
              `This client is over its rate limit of ${client.limit.perSecond} requests a second (bursts of ${client.limit.burst}).`,
            );
          };
  }

  /**
   * Counts every `401` thrown, per caller address, and refuses an address past its budget before anything else
   * runs (so before its key or token is looked up). Probes are never refused. Install before the routes.
   */
  installAuthFailureGuard(app: FastifyInstance): void {
    const limiter = this.authFailures;
    if (limiter === null) return;
    const guard: onRequestHookHandler = (request, _reply, done) => {
      // The limiter first: the route's options are built anew on each read, and only an address over
      // its budget needs them.
      const wait = limiter.peek(callerKey(request.ip));
      if (wait === 0 || PROBES.has(request.routeOptions.url ?? "")) return done();
      this.#onLimited("auth_failures");
      done(
        tooManyRequests(
          limiter,
          wait,
          `Too many failed authentications from this address (at most ${limiter.limit.burst} a minute).`,
          { oauth: isOAuthEndpoint(request) },
        ),
      );
    };
    app.addHook("onRequest", guard);
    // Counted where the 401 is thrown (every one is: requireAuth, the token verifiers, the token endpoint's
    // invalid_client), not in onResponse: a hook on every response cost ~10 µs a request, this costs none.
    app.addHook("onError", (request, _reply, error, done) => {
      const status =
        error instanceof ApiError ? error.status : (error as { statusCode?: unknown }).statusCode;
      if (status === 401) limiter.take(callerKey(request.ip));
      done();
    });
  }

  /** Counts a refusal of a limit held elsewhere (the authorization server's per-address limit). */
  onLimited(limit: RateLimitName): void {
    this.#onLimited(limit);
  }
}

/**
 * `429 TOO_MANY_REQUESTS` with `Retry-After` in whole seconds (rounded up, so a client waiting that long
 * is let in), and the RateLimit header fields of draft-ietf-httpapi-ratelimit-headers.
 */
export function tooManyRequests(
  limiter: RateLimiter,
  waitMs: number,
  message: string,
  options: { oauth?: boolean } = {},
): ApiError {
  const seconds = String(Math.max(1, Math.ceil(waitMs / 1000)));
  const headers = {
    "retry-after": seconds,
    "ratelimit-limit": String(limiter.limit.burst),
    "ratelimit-remaining": "0",
    "ratelimit-reset": seconds,
  };
  const text = `${message} Try again in ${seconds} s.`;
  return options.oauth === true
    ? new OAuthError("rate_limited", text, { status: 429, headers })
    : new ApiError("TOO_MANY_REQUESTS", text, { headers });
}

function isOAuthEndpoint(request: FastifyRequest): boolean {
  return request.url.startsWith("/oauth2/");
}

/**
 * The key of a caller address: an IPv4 address (also when written IPv4-mapped), or an IPv6 address's /64.
 */
export function callerKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  if (/^::ffff:\d/i.test(ip)) return ip.slice(7);
  const [head = "", tail] = ip.split("%")[0]?.split("::") ?? [];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
