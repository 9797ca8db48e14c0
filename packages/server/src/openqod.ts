import { mkdirSync } from "node:fs";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { buildApp } from "./app.ts";
import type { ApiKeys } from "./auth/api-keys.ts";
import type { AuthorizationServer } from "./auth/authorization-server.ts";
import type { ExternalIdpTimings } from "./auth/external-issuer.ts";
import { loadDevicesFile, loadProfilesFile } from "./catalogue-files.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { Dispatcher, defaultSinkConcurrency } from "./delivery/dispatcher.ts";
import { renderV0Notification } from "./delivery/envelope-v0.ts";
import { renderV1Notification } from "./delivery/envelope-v1.ts";
import { type Sender, UndiciSender } from "./delivery/sender.ts";
import { WebhookSigner } from "./delivery/webhook-signer.ts";
import { BUILT_IN_PROFILES, ProfileCatalogue } from "./domain/profiles.ts";
import { WorkerEvents } from "./events.ts";
import { RateLimits } from "./http/rate-limits.ts";
import { createMetrics } from "./metrics.ts";
import type { NetworkAdapter } from "./network/adapter.ts";
import { createNetwork } from "./network/create-network.ts";
import type { DeviceRegistry } from "./network/device-registry.ts";
import { ensureSandboxClient, type SandboxClient, sandboxSignIn } from "./sandbox-client.ts";
import { NetworkWorker } from "./scheduler/network-worker.ts";
import { OutboxSweeper } from "./scheduler/outbox-sweeper.ts";
import { Scheduler } from "./scheduler/scheduler.ts";
import { createSecurity } from "./security.ts";
import { SessionService } from "./service/session-service.ts";
import { WebhookSecretService } from "./service/webhook-secrets.ts";
import { openStore } from "./store/open-store.ts";
import type { Store } from "./store/store.ts";

export interface OpenQodOptions {
  config: Readonly<Config>;
  /** @default the system clock */
  clock?: Clock;
  /** @default an undici sender with pooled connections */
  sender?: Sender;
  /** @default the built-in simulator, configured from `config` */
  network?: NetworkAdapter;
  /** Jitter source for retries. @default Math.random */
  random?: () => number;
  logger?: FastifyServerOptions["logger"];
  /** How the OPENQOD_OAUTH_ISSUER verifier caches and retries (tests shorten them). @default ExternalIssuer's */
  externalIdp?: ExternalIdpTimings;
}

/** A wired OpenQoD: the HTTP app plus the workers, sharing one store. */
export interface OpenQod {
  app: FastifyInstance;
  store: Store;
  sessions: SessionService;
  /** Each API client's webhook signing secrets. */
  webhookSecrets: WebhookSecretService;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  /** Carries out releases in the network and reconciles with it. */
  networkWorker: NetworkWorker;
  network: NetworkAdapter;
  apiKeys: ApiKeys;
  events: WorkerEvents;
  /** The sandbox client's key (sandbox mode only), for the quickstart. */
  sandboxKey: string | null;
  /** The sandbox client's id and OAuth2 secret (sandbox mode only), for the quickstart. */
  sandboxClient: { clientId: string; secret: string | null } | null;
  /** The built-in authorization server, or null with OPENQOD_OAUTH_SERVER=off. */
  authorizationServer: AuthorizationServer | null;
  /**
   * Starts the scheduler, the dispatcher and the outbox sweeper in the background; once (later calls do
   * nothing), and not after close().
   */
  startWorkers(): void;
  /**
   * Stops the workers (finishing attempts in flight), closes the app and the store. Every step runs even
   * when one before it fails, so the store (and the data folder's lock) is always released; the first
   * failure is rethrown. Idempotent: every call shares the first call's promise.
   */
  close(): Promise<void>;
}

/**
 * The composition root: opens the store (SQLite in `config.dataDir`, or PostgreSQL), loads
 * catalogues, wires the service, workers and HTTP app. Nothing listens; main.ts does.
 * @throws ConfigError for an unreadable or invalid profiles/devices file.
 */
export async function createOpenQod(options: OpenQodOptions): Promise<OpenQod> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const profiles = new ProfileCatalogue(
    config.profilesFile === null ? BUILT_IN_PROFILES : await loadProfilesFile(config.profilesFile),
  );
  const catalogue = profiles.list().map((p) => p.name);
  const registry =
    config.devicesFile === null ? { rules: [] } : await loadDevicesFile(config.devicesFile, catalogue);
  const events = new WorkerEvents();
  const network = options.network ?? (await createNetwork(config, { profiles, registry, events, clock }));
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore(config, {
    asServer: true,
    onError: (error) => events.emit("worker:error", { worker: "database", error }),
  });
  try {
    return await wire(options, { clock, profiles, network, events, store, registry });
  } catch (error) {
    // A failed start leaves nothing open (connections, LISTEN, the data folder's lock).
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** Everything created after the store opened; createOpenQod closes the store if this throws. */
async function wire(
  options: OpenQodOptions,
  parts: {
    clock: Clock;
    profiles: ProfileCatalogue;
    network: NetworkAdapter;
    events: WorkerEvents;
    store: Store;
    registry: Pick<DeviceRegistry, "rules">;
  },
): Promise<OpenQod> {
  const { config } = options;
  const { clock, profiles, network, events, store, registry } = parts;
  // Breaker changes made here (the dispatcher's attempts, an operator's pause) reach logs and metrics.
  store.onSinkChange((transition) => events.emit("sink:breaker", transition));
  const sessions = new SessionService({
    store,
    network,
    profiles,
    clock,
    renderers: {
      v1: (s, change, now) => renderV1Notification(s, change, now, config.publicUrl),
      v0: (s, change, now) => renderV0Notification(s, change, now, config.publicUrl),
    },
    sinkPolicy: { allowLoopbackHttp: config.sandbox, allowNonPublicHosts: config.sandbox },
    retentionMs: config.retentionMs,
    grantTimeoutMs: config.networkGrantTimeoutMs,
  });
  network.onEvent(async (event) => {
    const outcome = await sessions.applyNetworkEvent(event);
    events.emit("network:event", {
      sessionId: event.sessionId,
      kind: event.kind,
      outcome,
      detail: event.detail ?? null,
    });
    return outcome;
  });
  // A network living in this process (the simulator) starts empty: it gets the live sessions back.
  if (network.restore !== undefined) {
    const live = await store.liveReservations();
    await network.restore(live.map((r) => ({ sessionId: r.sessionId, ref: r.ref ?? r.sessionId })));
  }
  const sinkConcurrency =
    config.deliverySinkConcurrency ?? defaultSinkConcurrency(config.deliveryConcurrency);
  // A connection for every attempt a sink may have in flight: none waits in the pool on its timeout.
  const sender =
    options.sender ??
    new UndiciSender({ publicOnly: !config.sandbox, connectionsPerOrigin: sinkConcurrency });
  const signer = new WebhookSigner({ secrets: (clientId, now) => store.webhookSecrets(clientId, now) });
  const webhookSecrets = new WebhookSecretService({
    store,
    clock,
    defaultGraceMs: config.webhookSecretGraceMs,
    changed: (clientId) => signer.forget(clientId),
  });
  const dispatcher = new Dispatcher({
    store,
    sender,
    clock,
    events,
    policy: { scheduleMs: config.retryScheduleMs, jitter: 0.1 },
    concurrency: config.deliveryConcurrency,
    sinkConcurrency,
    leaseMs: config.deliveryLeaseMs,
    attemptTimeoutMs: config.deliveryTimeoutMs,
    signer,
    breaker: {
      failures: config.sinkBreakerFailures,
      probeIntervalMs: config.sinkProbeIntervalMs,
      probeMaxMs: config.sinkProbeMaxMs,
      ...(options.random === undefined ? {} : { random: options.random }),
    },
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const scheduler = new Scheduler({ store, sessions, clock, events });
  const networkWorker = new NetworkWorker({
    store,
    network,
    sessions,
    clock,
    events,
    reconcileIntervalMs: config.networkReconcileIntervalMs,
  });
  const retentionMs = config.deliveryRetentionMs;
  const sweeper = retentionMs === 0 ? null : new OutboxSweeper({ store, clock, events, retentionMs });
  const { apiKeys, authorizationServer, externalIssuer, authenticator, oauth } = createSecurity(config, {
    store,
    clock,
    network,
    registry,
    events,
    ...(options.externalIdp === undefined ? {} : { externalIdp: options.externalIdp }),
  });
  let closing: Promise<void> | null = null;
  let sandbox: SandboxClient | null, app: FastifyInstance;
  try {
    // The first signing key is made (or found) now, so a broken key table fails the start, not a request.
    await authorizationServer?.keys.reload();
    sandbox = config.sandbox ? await ensureSandboxClient(apiKeys, store, config, clock) : null;
    app = await buildApp({
      sessions,
      webhookSecrets,
      profiles,
      network,
      apiKeys,
      authenticator,
      metrics: createMetrics(store, events),
      // A trivial query, not a count: probes come every few seconds from every orchestrator.
      ready: async () => closing === null && (await store.ping().then(() => true)),
      strictProperties: config.strictProperties,
      sandbox: config.sandbox && { devices: store.db, clock },
      sandboxSignIn: sandbox === null ? null : sandboxSignIn(sandbox, config),
      logger: options.logger ?? false,
      publicUrl: config.publicUrl,
      oauth,
      rateLimits: new RateLimits(config, { clock, events }),
    });
  } catch (error) {
    await sender.close().catch(() => undefined);
    throw error;
  }

  const abort = new AbortController();
  let workers: Promise<unknown> | null = null;
  // Every step runs even when one before it failed, so the store is always closed; close() rejects
  // with the first failure.
  const shutDown = async (): Promise<void> => {
    const steps: (() => Promise<unknown>)[] = [
      () => app.close(),
      async () => {
        abort.abort();
        await workers;
      },
      () => sender.close(),
      () => network.close(),
      () => store.close(),
    ];
    let failure: { error: unknown } | null = null;
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  };
  return {
    app,
    store,
    sessions,
    webhookSecrets,
    dispatcher,
    scheduler,
    networkWorker,
    network,
    apiKeys,
    events,
    sandboxKey: sandbox?.key ?? null,
    sandboxClient: sandbox === null ? null : { clientId: sandbox.clientId, secret: sandbox.secret },
    authorizationServer,
    startWorkers() {
      if (workers !== null || closing !== null) return;
      externalIssuer?.discover().catch(() => undefined); // onUnreachable logs it; tokens retry
      workers = Promise.all([
        scheduler.run({ signal: abort.signal }),
        dispatcher.run({ signal: abort.signal }),
        networkWorker.run({ signal: abort.signal }),
        ...(sweeper === null ? [] : [sweeper.run({ signal: abort.signal })]),
      ]);
    },
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}
