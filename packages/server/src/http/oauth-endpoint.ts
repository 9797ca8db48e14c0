import type { FastifyInstance, FastifyRequest } from "fastify";
import { OAuthError } from "../auth/oauth-error.ts";
import type { Clock } from "../clock.ts";
import { type RateLimit, RateLimiter } from "../rate-limiter.ts";
import { installFormParser } from "./form-body.ts";
import { callerKey } from "./rate-limits.ts";

/**
 * What every form endpoint of the authorization server (token, CIBA) shares, installed in its own plugin
 * scope: form bodies only (anything else is an `invalid_request`, RFC 6749 §3.2), and answers, errors
 * included, never cached (§5.1).
 */
export function formEndpoint(app: FastifyInstance, name: string): void {
  app.removeAllContentTypeParsers();
  installFormParser(app);
  app.addContentTypeParser("*", (_request, _payload, done) => {
    done(
      new OAuthError("invalid_request", `${name} takes application/x-www-form-urlencoded only`),
      undefined,
    );
  });
  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store").header("pragma", "no-cache");
  });
}

/**
 * An onRequest hook holding each caller address to `limit` (per instance; perSecond 0 = off): a 429
 * with `Retry-After`, in OAuth's and CAMARA's shape; `onLimited` counts it (the `token_callers` metric).
 */
export function addressLimit(
  limit: RateLimit,
  options: { what: string; clock?: Clock; onLimited?: () => void },
): (request: FastifyRequest) => Promise<void> {
  const limiter =
    limit.perSecond === 0
      ? null
      : new RateLimiter(limit, options.clock === undefined ? {} : { clock: options.clock });
  return async (request) => {
    const waitMs = limiter === null ? 0 : limiter.take(callerKey(request.ip));
    if (waitMs === 0) return;
    options.onLimited?.();
    throw new OAuthError("rate_limited", `too many ${options.what} from this address`, {
      status: 429,
      headers: { "retry-after": String(Math.ceil(waitMs / 1000)) },
    });
  };
}
