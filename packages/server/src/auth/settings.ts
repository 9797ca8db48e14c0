import { apiKey, boolean, duration, Invalid, type Kind, parseDurationMs } from "../setting-kinds.ts";

/** A duration with an upper bound too (a token that lives for days cannot be taken back). */
function boundedDuration(minMs: number, maxMs: number): Kind<number> {
  const inner = duration(minMs);
  return {
    ...inner,
    expects: `${inner.expects}, at most ${maxMs / 1000} s`,
    parse: (raw): number | Invalid => {
      const ms = parseDurationMs(raw);
      return ms !== null && ms >= minMs && ms <= maxMs
        ? ms
        : new Invalid(`must be a duration from ${minMs / 1000} s to ${maxMs / 1000} s, like 900 or 1h`);
    },
  };
}

/** A rate: 0 (off) or a positive number (requests per second may be fractional: 0.5 is one every two seconds). */
const rate: Kind<number> = {
  expects: "0 (off) or a number above 0",
  placeholder: "n",
  parse: (raw) => {
    const n = Number(raw);
    return Number.isFinite(n) && n >= 0 ? n : new Invalid("must be 0 (off) or a number above 0");
  },
};

/** Requests at once (a whole number, at least 1). */
const burst: Kind<number> = {
  expects: "a whole number from 1 to 100000",
  placeholder: "n",
  parse: (raw) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= 1 && n <= 100_000
      ? n
      : new Invalid("must be a whole number from 1 to 100000");
  },
};

/**
 * The settings of the built-in authorization server (OAuth2 token endpoint, discovery, JWKS). Declared
 * here, spread into SETTINGS (settings.ts), so the README table and --help list them.
 */
export const AUTH_SETTINGS = {
  oauthServer: {
    flag: "oauth-server",
    variable: "OPENQOD_OAUTH_SERVER",
    kind: boolean,
    fallback: true,
    defaultText: "on",
    doc: "serve the built-in OAuth2 authorization server (`/oauth2/v1/token`, discovery, JWKS); off: those paths are 404",
  },
  accessTokenTtlMs: {
    flag: "access-token-ttl",
    variable: "OPENQOD_ACCESS_TOKEN_TTL",
    kind: boundedDuration(60_000, 86_400_000),
    fallback: 3_600_000,
    defaultText: "`3600` (seconds; 60 s to 24 h)",
    doc: "lifetime of the access tokens the built-in authorization server issues",
  },
  signingKeyRotationMs: {
    flag: "signing-key-rotation",
    variable: "OPENQOD_SIGNING_KEY_ROTATION",
    kind: duration(0),
    fallback: 30 * 86_400_000,
    defaultText: "`720h` (30 days)",
    doc: "age at which the token signing key is replaced (the old one verifies until its tokens expired; `0`: never)",
  },
  tokenRateLimit: {
    flag: "token-rate-limit",
    variable: "OPENQOD_TOKEN_RATE_LIMIT",
    kind: rate,
    fallback: 10,
    defaultText: "`10`",
    doc: "requests per second per caller address to the token and CIBA endpoints, sustained (per server; `0`: off)",
  },
  tokenRateBurst: {
    flag: "token-rate-burst",
    variable: "OPENQOD_TOKEN_RATE_BURST",
    kind: burst,
    fallback: 20,
    defaultText: "`20`",
    doc: "token endpoint requests per caller IP allowed at once above that rate",
  },
  sandboxSecret: {
    flag: "sandbox-secret",
    variable: "OPENQOD_SANDBOX_SECRET",
    kind: apiKey,
    fallback: null,
    defaultText: "generated on first start, kept in `DATA_DIR/sandbox-secret` (0600)",
    doc: "the sandbox client's OAuth2 client secret",
  },
} as const;
