import type { FastifyInstance } from "fastify";
import { type Clock, systemClock } from "../clock.ts";
import type { UserPlaneEvent } from "../nef/wire.ts";
import { buildEmulatorApp } from "./app.ts";
import type { Outage, UeBehaviour } from "./behaviour.ts";
import { Credentials, type OAuthClient } from "./credentials.ts";
import { API_PATH } from "./nef-routes.ts";
import { EmulatedNetwork } from "./network.ts";
import { type NotificationRecord, Notifier } from "./notifier.ts";
import { TOKEN_PATH } from "./oauth-routes.ts";
import type { RequestRecord } from "./request-log.ts";
import type { EmulatedSubscription } from "./subscriptions.ts";

export interface NefEmulatorOptions {
  /** The SCS/AS identifiers the NEF knows. @default ["openqod"] */
  scsAsIds?: readonly string[];
  /** Static bearer tokens accepted. With none and no OAuth2 client, calls need no credentials. @default [] */
  tokens?: readonly string[];
  /** Clients of the token endpoint at /oauth/token (client_credentials). @default [] */
  oauthClients?: readonly OAuthClient[];
  /** Lifetime of issued tokens, seconds. @default 3600 */
  tokenLifetimeSeconds?: number;
  /** Between a 201 and its allocation report, ms; 0 = as soon as the 201 is out. @default 0 */
  allocationDelayMs?: number;
  /** Token expiry and durations are read on this clock. @default the system clock */
  clock?: Clock;
  /** Attempts per notification (5xx and connection failures are retried). @default 3 */
  notificationAttempts?: number;
  /** Pause between notification attempts, ms, times the attempt number. @default 200 */
  notificationRetryDelayMs?: number;
  /** Serve HTTPS with this certificate and key (PEM), e.g. one signed by a private CA. @default plain HTTP */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How many requests and notifications the logs keep, the newest. @default 10000 */
  logLimit?: number;
  /** Called once each NEF or token request is answered (the CLI prints them). */
  onRequest?: (record: RequestRecord) => void;
  /** Called once each notification is final. */
  onNotification?: (record: NotificationRecord) => void;
}

/**
 * A NEF that follows TS 29.122 AsSessionWithQoS, for tests and for rehearsing an integration: strict
 * request validation, ProblemDetails errors, notifications to notificationDestination, and injected
 * faults. Everything is in memory. Controls are methods here and HTTP routes under /emulator/v1.
 */
export class NefEmulator {
  readonly clock: Clock;
  readonly network: EmulatedNetwork;
  readonly credentials: Credentials;
  readonly #notifier: Notifier;
  readonly #requests: RequestRecord[] = [];
  readonly #app: FastifyInstance;
  readonly #scsAsIds: readonly string[];
  readonly #tls: boolean;
  #origin: string | null = null;

  constructor(options: NefEmulatorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#scsAsIds = options.scsAsIds ?? ["openqod"];
    this.#notifier = new Notifier({
      clock: this.clock,
      ...(options.notificationAttempts === undefined ? {} : { attempts: options.notificationAttempts }),
      ...(options.notificationRetryDelayMs === undefined
        ? {}
        : { retryDelayMs: options.notificationRetryDelayMs }),
      ...(options.onNotification === undefined ? {} : { onFinal: options.onNotification }),
      limit: options.logLimit ?? 10_000,
    });
    this.network = new EmulatedNetwork({
      clock: this.clock,
      notifier: this.#notifier,
      scsAsIds: this.#scsAsIds,
      allocationDelayMs: options.allocationDelayMs ?? 0,
    });
    this.credentials = new Credentials({
      clock: this.clock,
      tokens: options.tokens ?? [],
      oauthClients: options.oauthClients ?? [],
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    });
    this.#tls = options.tls !== undefined;
    this.#app = buildEmulatorApp({
      emulator: this,
      requests: this.#requests,
      logLimit: options.logLimit ?? 10_000,
      ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
  }

  /** Listens; resolves with the apiRoot (e.g. "http://127.0.0.1:8090"). @default port 0 (any free port) */
  async start(listen: { host?: string; port?: number } = {}): Promise<string> {
    const host = listen.host ?? "127.0.0.1";
    await this.#app.listen({ host, port: listen.port ?? 0 });
    const address = this.#app.server.address();
    const port = typeof address === "object" && address !== null ? address.port : listen.port;
    const scheme = this.#tls ? "https" : "http";
    this.#origin = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
    return this.#origin;
  }

  /** The apiRoot. @throws Error before start() */
  get apiRoot(): string {
    if (this.#origin === null) throw new Error("the NEF emulator is not started");
    return this.#origin;
  }

  /** `{apiRoot}/3gpp-as-session-with-qos/v1/{scsAsId}/subscriptions` for the first (or given) SCS/AS. */
  subscriptionsUrl(scsAsId: string = this.#scsAsIds[0] ?? "openqod"): string {
    return `${this.apiRoot}${API_PATH}/${encodeURIComponent(scsAsId)}/subscriptions`;
  }

  /** The token endpoint's URL (answers only with OAuth2 clients configured). */
  get tokenUrl(): string {
    return `${this.apiRoot}${TOKEN_PATH}`;
  }

  /** Stops listening, pending timers and notification retries. */
  async close(): Promise<void> {
    this.network.close();
    this.#notifier.close();
    await this.#app.close();
  }

  // ---- introspection

  /** The subscriptions the NEF holds now (copies: changing them changes nothing). */
  subscriptions(): EmulatedSubscription[] {
    return this.network.list().map((s) => structuredClone(s));
  }

  /** The NEF and token requests received, oldest first, the newest `logLimit` (control requests are not recorded). */
  requests(): RequestRecord[] {
    return [...this.#requests];
  }

  /** The notifications that are final (delivered, rejected, failed or dropped), in that order, the newest `logLimit`. */
  notifications(): NotificationRecord[] {
    return this.#notifier.records();
  }

  /** The first final notification that matches, waiting up to `timeoutMs`. @throws Error on timeout */
  waitForNotification(
    match: (r: NotificationRecord) => boolean,
    timeoutMs?: number,
  ): Promise<NotificationRecord> {
    return this.#notifier.waitFor(match, timeoutMs);
  }

  /** Resolves once every notification under way is final. */
  notificationsSettled(): Promise<void> {
    return this.#notifier.settled();
  }

  // ---- injection

  /** Sets how the network treats a UE identifier (as in the subscription body), or "*" for all. */
  setUeBehaviour(ue: string, behaviour: UeBehaviour): void {
    this.network.behaviours.set(ue, behaviour);
  }

  clearUeBehaviour(ue: string): void {
    this.network.behaviours.delete(ue);
  }

  /** Starts (or with null ends) an outage of the NEF and token endpoints. */
  setOutage(outage: Outage | null): void {
    this.network.outage = outage;
  }

  /** Loses the next `count` notifications. */
  dropNotifications(count: number): void {
    this.#notifier.dropNext(count);
  }

  /** Ends a subscription from the network's side: SESSION_TERMINATION, and the resource is gone. */
  terminate(subscriptionId: string): Promise<NotificationRecord | null> {
    return this.network.terminate(subscriptionId);
  }

  /** Reports an event now (QOS_NOT_GUARANTEED, QOS_GUARANTEED, …), if the subscription asked for it. */
  report(subscriptionId: string, event: UserPlaneEvent): Promise<NotificationRecord | null> {
    return this.network.report(subscriptionId, event);
  }

  /** Terminates the subscriptions whose usageThreshold.duration has run out on the clock. */
  expireDue(): Promise<void> {
    return this.network.expireDue();
  }

  /** Makes every issued OAuth2 token expire now. */
  expireTokens(): void {
    this.credentials.expireIssued();
  }

  /** Forgets subscriptions, behaviours, the outage, notifications to drop and the logs. */
  reset(): void {
    this.network.reset();
    this.#notifier.reset();
    this.#requests.length = 0;
  }
}
