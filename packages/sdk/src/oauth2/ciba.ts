import { type Auth, accessTokenOf, tokenAuth } from "../auth.ts";
import { type Clock, systemClock, untilAborted } from "../clock.ts";
import { OAuthError, ValidationError } from "../errors.ts";
import type { DeviceIdentifiers } from "../types.ts";
import { endpointResolver } from "./discovery.ts";
import { type FormPoster, formPoster } from "./form-request.ts";
import type { AccessToken, ClientAuthentication, OAuth2Endpoints } from "./types.ts";

/** The token grant of CIBA (OpenID CIBA §10.1). */
export const CIBA_GRANT = "urn:openid:params:grant-type:ciba";

/** Who the user is, as CAMARA's CIBA names a device: `tel:+36…`, `ipv4:…` or `ipv6:…`. */
export type LoginHint = `tel:+${string}` | `ipv4:${string}` | `ipv6:${string}`;

export type CibaOptions = OAuth2Endpoints &
  ClientAuthentication & {
    clientId: string;
    /** The device (and so its user) to authenticate. */
    loginHint: LoginHint;
    /** Space-separated scopes; "openid" is added when missing, as CIBA requires it. */
    scope: string;
    /** A short text the device shows its user (OpenID CIBA §7.1 `binding_message`). */
    bindingMessage?: string;
    /** The backchannel authentication endpoint, with `tokenUrl` (no discovery). */
    backchannelAuthenticationUrl?: string;
    /** @default globalThis.fetch; calls of the client that uses this auth go through the client's. */
    fetch?: typeof fetch;
    /** The waits between polls and the token's lifetime. @default the system clock */
    clock?: Clock;
    /** Per HTTP request of the first authentication, in ms. @default 30_000 */
    timeoutMs?: number;
    /** Ends the first authentication (its polling included). */
    signal?: AbortSignal;
  };

/** An `Auth` whose tokens are bound to one device: calls made with it send no device identifiers. */
export interface CibaAuth extends Auth {
  readonly loginHint: LoginHint;
  readonly boundDevice: DeviceIdentifiers;
}

/**
 * A device-bound (three-legged) token by CIBA in poll mode (OpenID CIBA §7, §10): POSTs the
 * backchannel authentication request for `loginHint`, then polls the token endpoint with
 * `grant_type=urn:openid:params:grant-type:ciba`, waiting `interval` seconds (5 when the server gives
 * none) between polls and 5 s more after each `slow_down`, until the user approves. Resolves once the
 * first token is in hand. When that token expires (or after a 401) the next call runs the flow again,
 * waiting at most that call's `timeoutMs`.
 * @throws OAuthError `access_denied` (the user refused), `expired_token` (no answer before the request
 *   expired), or any other refusal of the server; ValidationError for a malformed `loginHint`.
 */
export async function cibaAuth(options: CibaOptions): Promise<CibaAuth> {
  const boundDevice = deviceOf(options.loginHint);
  const clock = options.clock ?? systemClock;
  const endpoints = endpointResolver(options);
  const post = formPoster(options, clock);
  const scopes = options.scope.split(/\s+/).filter((s) => s !== "");
  const scope = (scopes.includes("openid") ? scopes : ["openid", ...scopes]).join(" ");

  const authenticate = async (fetchImpl: typeof fetch, signal: AbortSignal): Promise<AccessToken> => {
    const { tokenEndpoint, backchannelAuthenticationEndpoint } = await endpoints(fetchImpl, signal);
    if (backchannelAuthenticationEndpoint === undefined)
      throw unusable(
        "DISCOVERY_FAILED",
        "the discovery document names no backchannel_authentication_endpoint; give backchannelAuthenticationUrl with tokenUrl",
        null,
      );
    const params = new URLSearchParams({ scope, login_hint: options.loginHint });
    if (options.bindingMessage !== undefined) params.set("binding_message", options.bindingMessage);
    const started = await post(backchannelAuthenticationEndpoint, params, { fetch: fetchImpl, signal });
    if (typeof started.auth_req_id !== "string")
      throw unusable(
        "TOKEN_REQUEST_FAILED",
        `${backchannelAuthenticationEndpoint} answered without an auth_req_id`,
        started,
      );
    return poll(post, tokenEndpoint, started, {
      fetch: fetchImpl,
      signal,
      clock,
      loginHint: options.loginHint,
    });
  };

  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Each request of the first run has its own timeout; the polling between them is bounded by the server's expires_in.
  const timed: typeof fetch = (input, init) =>
    fetchImpl(input, {
      ...init,
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(init?.signal ? [init.signal] : [])]),
    });
  const first = await authenticate(timed, options.signal ?? new AbortController().signal);
  return {
    ...tokenAuth(authenticate, clock, first),
    loginHint: options.loginHint,
    boundDevice,
  };
}

async function poll(
  post: FormPoster,
  tokenEndpoint: string,
  started: Record<string, unknown>,
  context: { fetch: typeof fetch; signal: AbortSignal; clock: Clock; loginHint: string },
): Promise<AccessToken> {
  const { clock, signal, loginHint } = context;
  const expiresIn = typeof started.expires_in === "number" ? started.expires_in : 120;
  let interval = typeof started.interval === "number" && started.interval > 0 ? started.interval : 5;
  const deadline = clock.now() + expiresIn * 1000;
  // The interval only grows, so this many polls already cover expires_in: bounded even on a clock that stands still.
  const maxPolls = Math.ceil(expiresIn / interval) + 1;
  const params = new URLSearchParams({ grant_type: CIBA_GRANT, auth_req_id: String(started.auth_req_id) });
  let last: OAuthError | null = null;
  for (let i = 0; i < maxPolls && clock.now() < deadline; i++) {
    await untilAborted(clock.sleep(interval * 1000, signal), signal);
    try {
      return accessTokenOf(await post(tokenEndpoint, params, context), tokenEndpoint);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      last = error;
      if (error.error === "authorization_pending") continue;
      // OpenID CIBA §11: 5 s more "for this and all subsequent requests".
      if (error.error === "slow_down") interval += 5;
      else throw explained(error, loginHint);
    }
  }
  throw new OAuthError({
    status: last?.status ?? 400,
    code: "expired_token",
    error: "expired_token",
    message: `CIBA for ${loginHint}: not approved within the request's ${expiresIn} s`,
    body: last?.body,
    headers: last?.headers ?? new Headers(),
    correlator: undefined,
  });
}

/** A 2xx answer the flow cannot go on with. */
function unusable(code: string, message: string, body: unknown): OAuthError {
  return new OAuthError({
    status: 200,
    code,
    error: undefined,
    message,
    body,
    headers: new Headers(),
    correlator: undefined,
  });
}

/** The server's refusal, saying which device and what it means. */
function explained(error: OAuthError, loginHint: string): OAuthError {
  const detail = error.message.replace(/^\d+ \S+: /, "");
  const why =
    error.error === "access_denied"
      ? "the user denied the authentication request"
      : error.error === "expired_token"
        ? "the authentication request expired before the user approved it"
        : "the token endpoint refused";
  return new OAuthError({
    status: error.status,
    code: error.code,
    error: error.error,
    message: `CIBA for ${loginHint}: ${why} (${detail})`,
    body: error.body,
    headers: error.headers,
    correlator: undefined,
  });
}

/** The device a login hint names, as CAMARA's Device object. @throws ValidationError */
function deviceOf(hint: string): DeviceIdentifiers {
  const [, kind, value = ""] = /^(tel|ipv4|ipv6):(.+)$/.exec(hint) ?? [];
  if (kind === "tel" && /^\+[1-9]\d{4,14}$/.test(value)) return { phoneNumber: value };
  if (kind === "ipv6" && value.includes(":")) return { ipv6Address: value };
  const ipv4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(value);
  if (kind === "ipv4" && ipv4?.[1] !== undefined)
    return {
      ipv4Address: {
        publicAddress: ipv4[1],
        ...(ipv4[2] === undefined ? {} : { publicPort: Number(ipv4[2]) }),
      },
    };
  throw new ValidationError(
    "loginHint",
    `"${hint}" is not "tel:+<E.164>", "ipv4:<address>" or "ipv6:<address>"`,
  );
}
