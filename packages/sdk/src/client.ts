import { type Auth, keyAuth } from "./auth.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Context } from "./context.ts";
import { Devices } from "./device.ts";
import { camaraV1, nacV0 } from "./dialects.ts";
import { ValidationError } from "./errors.ts";
import { Notifications } from "./notifications.ts";
import { oauth2Auth } from "./oauth2/client-credentials.ts";
import type { OAuth2ClientCredentials } from "./oauth2/types.ts";
import { QosProfiles } from "./qos-profiles.ts";
import { Sandbox } from "./sandbox.ts";
import { Sessions } from "./session.ts";
import { Sinks } from "./sinks.ts";
import { Transport } from "./transport.ts";
import { WebhookSecrets } from "./webhook-secrets.ts";

/** Nokia Network as Code's QoD endpoint and the RapidAPI host its gateway expects. */
export const NETWORK_AS_CODE = {
  baseUrl: "https://quality-of-service-on-demand.p-eu.rapidapi.com",
  rapidApiHost: "quality-of-service-on-demand.nokia.rapidapi.com",
} as const;

export interface ClientOptions {
  /** Your application key / API key. Not needed with `oauth2`. */
  token?: string;
  /**
   * Who you talk to. "openqod" (default): an OpenQoD server, CAMARA v1 paths, `Authorization: Bearer`.
   * "nac": Nokia Network as Code, its base URL, the key in `x-rapidapi-key`, the v0 dialect.
   * "camara": any CAMARA provider; give `baseUrl` (and usually `oauth2`).
   * @default "openqod"
   */
  target?: "openqod" | "nac" | "camara";
  /** The provider's API root. @default "http://127.0.0.1:9091" for openqod, NETWORK_AS_CODE.baseUrl for nac */
  baseUrl?: string;
  /** Which QoD API generation to speak. @default "v1" ("v0" for nac) */
  dialect?: "v1" | "v0";
  /**
   * Path of the QoD API under `baseUrl`. @default "/quality-on-demand/v1" for v1, "/qod/v0" for v0 on
   * OpenQoD, "" on Network as Code (whose base URL is the QoD API itself)
   */
  qodPath?: string;
  /** Full URL of the QoS Profiles API. @default `${baseUrl}/qos-profiles/v1` (none on nac) */
  qosProfilesUrl?: string | null;
  /**
   * OAuth2 client credentials: the SDK fetches and refreshes the access token, from `tokenUrl` or the
   * token endpoint the `issuer`'s discovery document names, authenticating by `method`
   * (client_secret_basic, client_secret_post or private_key_jwt).
   */
  oauth2?: OAuth2ClientCredentials;
  /**
   * Credentials you built, e.g. `await cibaAuth({ … })` for a device-bound token: then
   * `client.devices.get()` (no identifiers) is that device, and calls send no device identifiers.
   */
  auth?: Auth;
  /** The fetch to use (tests, proxies, other runtimes). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per attempt, in ms. @default 30_000 */
  timeoutMs?: number;
  /** Retries after the first attempt (reads and deletes; creates only after 429/503). @default 2 */
  maxRetries?: number;
  /**
   * Longest wait between attempts, in ms, whatever Retry-After asks or the backoff (after connection
   * errors, timeouts and 5xx) would wait. @default 60_000
   */
  maxRetryDelayMs?: number;
  /**
   * Where the backoff's jitter comes from: a number in [0, 1), like `Math.random`. Tests give a fixed
   * one to know each wait. @default Math.random
   */
  random?: () => number;
  /**
   * The clock for waits between attempts, Retry-After dates and OAuth2 token lifetimes. Tests give one
   * whose `sleep` returns at once (and records the wait) so retries need no real time; the per-attempt
   * `timeoutMs` stays a real timer. @default the system clock (`Date.now`, `setTimeout`)
   */
  clock?: Clock;
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * The entry point, shaped like Nokia's Network-as-Code SDK:
 * ```ts
 * const client = new NetworkAsCodeClient({ token: "…" });
 * const device = client.devices.get({ phoneNumber: "+36721601234567" });
 * const session = await device.createQodSession({ profile: "QOS_L", serviceIpv4: "233.252.0.2" });
 * ```
 * @throws ValidationError when none of `token`, `oauth2` and `auth` is given.
 */
export class NetworkAsCodeClient {
  readonly devices: Devices;
  readonly sessions: Sessions;
  readonly qosProfiles: QosProfiles;
  /** A session's notifications and their delivery attempts; redelivery now. OpenQoD only. */
  readonly notifications: Notifications;
  /** The secrets that sign your notifications (Standard Webhooks). OpenQoD only. */
  readonly webhookSecrets: WebhookSecrets;
  /** Simulator controls of an OpenQoD sandbox. OpenQoD only. */
  readonly sandbox: Sandbox;
  /** Each sink origin's health; pausing and resuming (operators). OpenQoD only. */
  readonly sinks: Sinks;

  constructor(options: ClientOptions) {
    const target = options.target ?? "openqod";
    const dialect = options.dialect ?? (target === "nac" ? "v0" : "v1");
    const baseUrl = trimSlash(
      options.baseUrl ?? (target === "nac" ? NETWORK_AS_CODE.baseUrl : "http://127.0.0.1:9091"),
    );
    const qodPath =
      options.qodPath ?? (target === "nac" ? "" : dialect === "v0" ? "/qod/v0" : "/quality-on-demand/v1");
    const clock = options.clock ?? systemClock;
    let auth: Auth;
    if (options.auth !== undefined) auth = options.auth;
    else if (options.oauth2 !== undefined) auth = oauth2Auth(options.oauth2, clock);
    else if (options.token !== undefined && options.token !== "") {
      auth =
        target === "nac"
          ? keyAuth(options.token, "rapidapi", NETWORK_AS_CODE.rapidApiHost)
          : keyAuth(options.token, "bearer");
    } else
      throw new ValidationError(
        "token",
        "give your application key as `token`, `oauth2` client credentials, or an `auth`",
      );

    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    const ctx: Context = {
      transport: new Transport({
        auth,
        fetch: fetchImpl,
        timeoutMs: options.timeoutMs ?? 30_000,
        maxRetries: options.maxRetries ?? 2,
        maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
        random: options.random ?? Math.random,
        clock,
      }),
      dialect: dialect === "v0" ? nacV0 : camaraV1,
      qodUrl: `${baseUrl}${qodPath}`,
      qosProfilesUrl:
        options.qosProfilesUrl !== undefined
          ? options.qosProfilesUrl
          : target === "nac"
            ? null
            : `${baseUrl}/qos-profiles/v1`,
      openqodUrl: target === "openqod" ? baseUrl : null,
      boundDevice: auth.boundDevice ?? null,
    };
    this.devices = new Devices(ctx);
    this.sessions = new Sessions(ctx);
    this.qosProfiles = new QosProfiles(ctx);
    this.notifications = new Notifications(ctx);
    this.webhookSecrets = new WebhookSecrets(ctx);
    this.sandbox = new Sandbox(ctx);
    this.sinks = new Sinks(ctx);
  }
}
