// Over 300 lines: a facade of one-line methods, one per repository query the services and workers use.
import type { Kysely } from "kysely";
import type { SessionRecord } from "../domain/types.ts";
import { ClientRepository } from "./clients.ts";
import { AttemptRepository } from "./delivery-attempts.ts";
import { DeliveryStatsReads } from "./delivery-stats.ts";
import type { CommitInfo } from "./effects.ts";
import type { Engine } from "./engine.ts";
import { GroupCommit, type WriteOptions } from "./group-commit.ts";
import { type NetworkCommand, NetworkCommandRepository } from "./network-commands.ts";
import { OutboxRepository } from "./outbox.ts";
import type { ClaimRequest } from "./outbox-claim.ts";
import { OutboxRecovery } from "./recovery.ts";
import { OutboxRedelivery, type RedeliveryRequest } from "./redelivery.ts";
import { RetentionRepository, type SweptRows } from "./retention.ts";
import type { Database } from "./schema.ts";
import { SessionEventRepository } from "./session-events.ts";
import { SessionRepository } from "./sessions.ts";
import type { BreakerPolicy, SinkTransition } from "./sink-breaker.ts";
import { SinkHealthReads } from "./sink-health.ts";
import { backlog, expirePausedIn } from "./sink-probes.ts";
import { type PausedBy, probeNowIn, type SinkRecord, SinkRepository } from "./sinks.ts";
import type {
  AttemptResult,
  ClaimedDelivery,
  ClientCredentialsRecord,
  ClientRecord,
  DeliveryAttemptRow,
  DeliveryState,
  NewClient,
  OutboxRow,
  SessionPageQuery,
} from "./types.ts";
import { type WebhookSecretRecord, WebhookSecretRepository } from "./webhook-secrets.ts";
import { WriteTx } from "./write-tx.ts";

export type { CommitInfo } from "./effects.ts";
export type { WriteOptions } from "./group-commit.ts";
export type { GuardState, NetworkCommand } from "./network-commands.ts";
export type { RecoveryItem, RecoveryPosition, RecoveryScope } from "./recovery.ts";
export type { RedeliveryRequest } from "./redelivery.ts";
export type { SweptRows } from "./retention.ts";
export type { BreakerPolicy, SinkTransition } from "./sink-breaker.ts";
export type { PausedBy, SinkRecord } from "./sinks.ts";
export type { WebhookSecretRecord } from "./webhook-secrets.ts";
export type { WriteTx } from "./write-tx.ts";

/**
 * OpenQoD's persistence, as the services and workers use it: one facade over the repositories
 * (sessions.ts, outbox.ts, delivery-attempts.ts, clients.ts), the group commit that their writes share
 * (group-commit.ts) and the engine underneath (sqlite.ts or postgres.ts, opened by open-store.ts).
 */
export class Store {
  /** The query builder on the database, for tests and tools that look at rows directly. */
  readonly db: Kysely<Database>;
  /** Recovering a sink's undelivered events (the notifications API's recover). */
  readonly recovery: OutboxRecovery;
  /** Per-sink health reads: origins, recent attempts, backlog. */
  readonly sinkHealth: SinkHealthReads;
  /** Every session's story (timeline, live stream, retention). */
  readonly sessionEvents: SessionEventRepository;
  /** The dashboard's charts: sessions by status, attempts per minute. */
  readonly deliveryStats: DeliveryStatsReads;
  readonly #engine: Engine;
  readonly #commits: GroupCommit;
  readonly #sessions: SessionRepository;
  readonly #outbox: OutboxRepository;
  readonly #attempts: AttemptRepository;
  readonly #redelivery: OutboxRedelivery;
  readonly #retention: RetentionRepository;
  readonly #clients: ClientRepository;
  readonly #network: NetworkCommandRepository;
  readonly #sinks: SinkRepository;
  readonly #webhookSecrets: WebhookSecretRepository;
  readonly #listeners = new Set<(info: CommitInfo) => void>();
  readonly #sinkListeners = new Set<(transition: SinkTransition) => void>();
  readonly #onError: (error: Error) => void;

  /** `onError` hears of failures that fail no caller: a commit listener (onCommit) that threw. */
  constructor(engine: Engine, options: { onError?: (error: Error) => void } = {}) {
    const { db, statements } = engine;
    this.db = db;
    this.#engine = engine;
    this.#onError = options.onError ?? (() => undefined);
    this.#commits = new GroupCommit({
      engine,
      onCommitted: this.#announce,
      onListenerError: this.#listenerFailed,
    });
    const commit = this.#commits.write.bind(this.#commits);
    this.#sessions = new SessionRepository(db, engine.sessionReads, statements.sessions);
    this.#outbox = new OutboxRepository(db, commit, statements.outbox);
    this.#attempts = new AttemptRepository({
      db,
      commit,
      engine: statements.attempts,
      sessions: this.#sessions,
    });
    this.#redelivery = new OutboxRedelivery({ db, commit, credentials: statements.attempts.credentials });
    this.#retention = new RetentionRepository(commit, statements.retention);
    this.#clients = new ClientRepository(db);
    this.#network = new NetworkCommandRepository(db, commit, statements.network);
    this.#sinks = new SinkRepository(db, commit);
    this.recovery = new OutboxRecovery({ db, commit, credentials: statements.attempts.credentials });
    this.sinkHealth = new SinkHealthReads(db);
    this.sessionEvents = new SessionEventRepository(db, commit);
    this.deliveryStats = new DeliveryStatsReads(db);
    this.#webhookSecrets = new WebhookSecretRepository(db);
    // Other instances' (or, on SQLite, other processes') commits wake this store's workers too.
    engine.listen(this.#announce);
  }

  readonly #announce = (info: CommitInfo): void => {
    if (!info.outboxChanged && info.earliestDueAt === null) return;
    // One listener failing neither keeps the news from the others nor reaches the commit.
    for (const listener of this.#listeners) {
      try {
        listener(info);
      } catch (error) {
        this.#listenerFailed(error);
      }
    }
  };

  readonly #listenerFailed = (error: unknown): void => {
    this.#onError(
      error instanceof Error
        ? error
        : new Error(`a commit listener threw ${String(error)}`, { cause: error }),
    );
  };

  /**
   * Calls `listener` after every commit that brought work, here or elsewhere. Returns a function that
   * unsubscribes. A listener that throws is reported to the store's `onError`; the commit stands.
   */
  onCommit(listener: (info: CommitInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `work` in a transaction shared with other units queued meanwhile, and resolves with its result
   * once committed.
   * @throws whatever `work` throws (its writes are rolled back), or the commit's error.
   */
  write<T>(work: (tx: WriteTx) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    return this.#commits.write(
      (unit) =>
        work(
          new WriteTx(unit, {
            sessions: this.#sessions,
            outbox: this.#outbox,
            network: this.#network,
            events: this.sessionEvents,
          }),
        ),
      options,
    );
  }

  // ---- sessions ------------------------------------------------------------------------------------

  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#sessions.byId(id);
  }

  sessionsOfDevice(clientId: string, deviceKey: string): Promise<SessionRecord[]> {
    return this.#sessions.ofDevice(clientId, deviceKey);
  }

  /** A page of a client's sessions, oldest first by id. */
  sessionsOfClient(query: SessionPageQuery): Promise<SessionRecord[]> {
    return this.#sessions.ofClient(query);
  }

  countSessionsByStatus(): Promise<Record<string, number>> {
    return this.#sessions.countByStatus();
  }

  nextSessionDueAt(): Promise<number | null> {
    return this.#sessions.nextDueAt();
  }

  // ---- outbox and delivery attempts ----------------------------------------------------------------

  /**
   * See OutboxRepository.claim: a session's next event never overtakes its previous one. `fair` caps
   * attempts in flight per sink origin (default: no cap beyond `limit`).
   */
  claimDeliveries(
    now: number,
    limit: number,
    leaseMs: number,
    fair: Pick<ClaimRequest, "perOrigin" | "inFlight"> = { perOrigin: limit, inFlight: new Map() },
  ): Promise<ClaimedDelivery[]> {
    return this.#outbox.claim({ now, limit, leaseMs, ...fair });
  }

  /**
   * Records an attempt and settles or reschedules its event, in one transaction, with what it does to
   * its origin's circuit breaker (`breaker`, default DEFAULT_BREAKER in sink-breaker.ts).
   * @returns the origin's change of state, if any (onSinkChange listeners hear of it too).
   */
  async recordAttempt(result: AttemptResult, breaker?: BreakerPolicy): Promise<SinkTransition | null> {
    const transition = await this.#attempts.record(result, breaker);
    if (transition !== null) this.#sinkChanged(transition);
    return transition;
  }

  /** See expirePausedIn (sink-probes.ts). @returns how many events of paused origins expired. */
  async expirePausedEvents(now: number, horizonMs: number): Promise<number> {
    // Most of the time no sink is paused: one read of a tiny table, and no commit to wake anyone.
    const paused = await this.db
      .selectFrom("sinks")
      .select("origin")
      .where("paused_by", "is not", null)
      .limit(1)
      .executeTakeFirst();
    if (paused === undefined) return 0;
    const credentials = this.#engine.statements.attempts.credentials;
    return this.#commits.write((unit) => expirePausedIn(unit, this.db, credentials, { now, horizonMs }));
  }

  /** A breaker-paused origin is probed now rather than at its next probe time (probeNowIn, sinks.ts). */
  probeSinkNow(origin: string, now: number): Promise<void> {
    return this.#commits.write((unit) => probeNowIn(unit, this.db, origin, now));
  }

  /** The events still to be delivered: of origins taking attempts, and of paused ones. */
  backlog(): Promise<{ pending: number; paused: number }> {
    return backlog(this.db);
  }

  /** Settles an event without an attempt (e.g. its token expired). */
  settleUnsent(eventId: string, state: DeliveryState, now: number, reason: string): Promise<void> {
    return this.#attempts.settleUnsent(eventId, state, now, reason);
  }

  /** The earliest time a pending event may be attempted, or null; `full` origins' events are left out. */
  nextDeliveryAt(full: readonly string[] = []): Promise<number | null> {
    return this.#outbox.nextDeliveryAt(full);
  }

  /** See OutboxRedelivery.now. @returns the event as it now is, or undefined when there is none. */
  redeliverNow(eventId: string, request: RedeliveryRequest): Promise<OutboxRow | undefined> {
    return this.#redelivery.now(eventId, request);
  }

  /** A session's events, oldest first. */
  outboxOfSession(sessionId: string): Promise<OutboxRow[]> {
    return this.#outbox.ofSession(sessionId);
  }

  /** One event by its id (the CloudEvent id). */
  outboxEvent(eventId: string): Promise<OutboxRow | undefined> {
    return this.#outbox.byEventId(eventId);
  }

  attemptsOf(eventId: string): Promise<DeliveryAttemptRow[]> {
    return this.#attempts.ofEvent(eventId);
  }

  /** Every attempt at any of a session's events, in the order they were recorded. */
  attemptsOfSession(sessionId: string): Promise<DeliveryAttemptRow[]> {
    return this.#attempts.ofSession(sessionId);
  }

  /**
   * Deletes up to `limit` events settled before `before` (ms), oldest settled first, and their
   * attempts, in one transaction. Pending events are never deleted. Idempotent: on PostgreSQL,
   * instances sweeping at once take different rows.
   */
  deleteSettledEvents(before: number, limit: number): Promise<SweptRows> {
    return this.#retention.deleteSettled(before, limit);
  }

  // ---- sinks ----------------------------------------------------------------------------------------

  /** A sink origin's breaker and failure record; undefined when it never failed nor was paused. */
  sink(origin: string): Promise<SinkRecord | undefined> {
    return this.#sinks.get(origin);
  }

  /** The records of `origins`, or of every sink with one. */
  sinks(origins?: readonly string[]): Promise<SinkRecord[]> {
    return this.#sinks.list(origins);
  }

  /** How many sink origins are paused now, by whom (the openqod_sinks_paused gauge). */
  sinksPaused(): Promise<Record<PausedBy, number>> {
    return this.#sinks.pausedCounts();
  }

  /** Deletes up to `limit` records of active sink origins unchanged since `before` (ms); returns how many. */
  deleteIdleSinks(before: number, limit: number): Promise<number> {
    return this.#sinks.deleteIdle(before, limit);
  }

  /** An operator pauses a sink origin: no attempts and no probes until it is resumed. */
  async pauseSink(origin: string, now: number): Promise<SinkRecord> {
    const before = await this.#sinks.get(origin);
    const record = await this.#sinks.pause(origin, now);
    if (before?.pausedBy !== "operator")
      this.#sinkChanged({
        origin,
        to: "paused",
        by: "operator",
        consecutiveFailures: record.consecutiveFailures,
        at: now,
      });
    return record;
  }

  /** A sink origin takes attempts again and its backlog is due now (see resumeIn in sinks.ts). */
  async resumeSink(origin: string, now: number): Promise<SinkRecord | undefined> {
    const before = await this.#sinks.get(origin);
    const record = await this.#sinks.resume(origin, now);
    if (before?.pausedBy != null)
      this.#sinkChanged({ origin, to: "resumed", by: "operator", consecutiveFailures: 0, at: now });
    return record;
  }

  /**
   * Calls `listener` after each sink origin paused or resumed here, by its breaker, a probe or an
   * operator (metrics and logs subscribe). Returns a function that unsubscribes.
   */
  onSinkChange(listener: (transition: SinkTransition) => void): () => void {
    this.#sinkListeners.add(listener);
    return () => this.#sinkListeners.delete(listener);
  }

  #sinkChanged(transition: SinkTransition): void {
    for (const listener of this.#sinkListeners) {
      try {
        listener(transition);
      } catch (error) {
        this.#listenerFailed(error);
      }
    }
  }

  // ---- commands to the network -------------------------------------------------------------------

  /** See NetworkCommandRepository.claim. */
  claimNetworkCommands(now: number, limit: number, leaseMs: number): Promise<NetworkCommand[]> {
    return this.#network.claim(now, limit, leaseMs);
  }

  /** The network confirmed the command. */
  completeNetworkCommand(command: NetworkCommand): Promise<void> {
    return this.#network.complete(command);
  }

  /** The network failed the command: it is tried again at `retryAt`. */
  failNetworkCommand(command: NetworkCommand, retryAt: number, error: string): Promise<void> {
    return this.#network.failed(command, retryAt, error);
  }

  /** Sessions with a command: a create in progress or a release owed (reconciliation skips them). */
  networkCommandSessions(): Promise<Set<string>> {
    return this.#network.sessionIds();
  }

  countNetworkCommands(): Promise<number> {
    return this.#network.count();
  }

  nextNetworkCommandAt(): Promise<number | null> {
    return this.#network.nextDueAt();
  }

  /** Every command owed to the network, soonest first (operators, tests). */
  networkCommands(): ReturnType<NetworkCommandRepository["list"]> {
    return this.#network.list();
  }

  /** The live (REQUESTED or AVAILABLE) sessions and their references, for reconciliation. */
  liveReservations(): Promise<{ sessionId: string; ref: string | null }[]> {
    return this.#sessions.live();
  }

  // ---- API clients ---------------------------------------------------------------------------------

  insertClient(client: NewClient): Promise<void> {
    return this.#clients.insert(client);
  }

  /** A client by id (the OAuth2 client_id), revoked or not, with its secret's hash. */
  clientCredentials(id: string): Promise<ClientCredentialsRecord | undefined> {
    return this.#clients.credentials(id);
  }

  replaceClientSecret(name: string, secretHash: string, now: number, unusableKeyHash: string): Promise<void> {
    return this.#clients.replaceSecret(name, secretHash, now, unusableKeyHash);
  }

  updateClient(name: string, change: Parameters<ClientRepository["update"]>[1]): Promise<void> {
    return this.#clients.update(name, change);
  }

  clientByKeyHash(keyHash: string): Promise<ClientRecord | undefined> {
    return this.#clients.byKeyHash(keyHash);
  }

  clientByName(name: string): Promise<ClientRecord | undefined> {
    return this.#clients.byName(name);
  }

  listClients(): Promise<ClientRecord[]> {
    return this.#clients.list();
  }

  replaceClientKey(name: string, keyHash: string, now: number): Promise<void> {
    return this.#clients.replaceKey(name, keyHash, now);
  }

  revokeClient(name: string, now: number): Promise<boolean> {
    return this.#clients.revoke(name, now);
  }

  // ---- webhook signing secrets ---------------------------------------------------------------------

  /** The client's secrets that sign at `now` (ms), the current one first; none: it is not signed. */
  webhookSecrets(clientId: string, now: number): Promise<WebhookSecretRecord[]> {
    return this.#webhookSecrets.list(clientId, now);
  }

  /** See WebhookSecretRepository.rotate: `secret` becomes current, the previous one signs for `graceMs`. */
  rotateWebhookSecret(
    clientId: string,
    secret: Pick<WebhookSecretRecord, "id" | "secret">,
    now: number,
    graceMs: number,
  ): Promise<WebhookSecretRecord[]> {
    return this.#webhookSecrets.rotate(clientId, secret, now, graceMs);
  }

  /** Deletes every secret of the client (its notifications go out unsigned). @returns how many. */
  deleteWebhookSecrets(clientId: string): Promise<number> {
    return this.#webhookSecrets.deleteAll(clientId);
  }

  /** Resolves when the database answers a trivial query: cheap enough for every readiness probe. */
  ping(): Promise<void> {
    return this.#engine.ping();
  }

  /**
   * Refuses new writes, commits what is queued, then closes the engine (connections, watchers, the data
   * folder's lock).
   */
  async close(): Promise<void> {
    try {
      await this.#commits.close();
    } finally {
      await this.#engine.close();
    }
  }
}
