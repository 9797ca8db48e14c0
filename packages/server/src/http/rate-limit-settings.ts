import { isIP } from "node:net";
import { Invalid, integer, type Kind } from "../setting-kinds.ts";

/** Comma-separated IP addresses or CIDR ranges, e.g. `10.0.0.0/8,::1`. */
const addressList: Kind<readonly string[]> = {
  expects: "comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.0/8,::1",
  placeholder: "addresses",
  parse: (raw) => {
    const items = raw.split(",").map((item) => item.trim());
    const bad = items.filter((item) => {
      const [address = "", prefix, extra] = item.split("/");
      const family = isIP(address);
      const bits = family === 4 ? 32 : 128;
      return (
        family === 0 ||
        extra !== undefined ||
        (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))
      );
    });
    return bad.length === 0
      ? items
      : new Invalid(`must be IP addresses or CIDR ranges (10.0.0.0/8, ::1), not ${bad.join(", ")}`);
  },
};

/**
 * The rate limits' settings, spread into SETTINGS (settings.ts) so the README table and --help list them.
 * Every limit is per instance (http/rate-limits.ts says why); `0` turns one off.
 *
 * Why these defaults: one instance on two cores answers ~17 000 reads or ~8 000 creates a second
 * (SQLite; ~2 000 creates on PostgreSQL, bench/README.md), so 100 a second is at most a few per cent of it
 * for any one client, while an app creating, reading and deleting sessions as its users act stays far
 * below it (100 a second is 8.6 million requests a day). A burst of 200 lets a backend that restarts
 * catch up at once. 30 failed authentications a minute is more than a misconfigured app retrying, and
 * makes guessing a 256-bit key or secret no cheaper than it already is while sparing the database a
 * lookup per guess. 300 calls a minute to the token endpoints leaves room for many CIBA flows polling
 * at once from one address (one poll every 5 s each), where a client should fetch a token once an hour.
 */
export const RATE_LIMIT_SETTINGS = {
  rateLimit: {
    flag: "rate-limit",
    variable: "OPENQOD_RATE_LIMIT",
    kind: integer(0, 1_000_000),
    fallback: 100,
    defaultText: "`100`",
    doc: "requests a second per API client, sustained, shared by its API key and tokens (`0`: off); over it, `429`",
  },
  rateBurst: {
    flag: "rate-burst",
    variable: "OPENQOD_RATE_BURST",
    kind: integer(1, 10_000_000),
    fallback: 200,
    defaultText: "`200`",
    doc: "requests a client may send at once above that rate after a quiet spell",
  },
  authFailureLimit: {
    flag: "auth-failure-limit",
    variable: "OPENQOD_AUTH_FAILURE_LIMIT",
    kind: integer(0, 1_000_000),
    fallback: 30,
    defaultText: "`30`",
    doc: "failed authentications (`401`) a minute per caller address, at once or spread; past it, `429` before any lookup (`0`: off)",
  },
  trustProxy: {
    flag: "trust-proxy",
    variable: "OPENQOD_TRUST_PROXY",
    kind: addressList,
    fallback: [],
    defaultText: "none: the caller is the TCP peer",
    doc: "reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the caller, for the per-address limits",
  },
} as const;
