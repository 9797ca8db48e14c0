import { chooseDeviceIdentifier } from "../domain/device.ts";
import { parseFlow } from "../domain/flow.ts";
import { checkDuration, end, extend, whenDue } from "../domain/lifecycle.ts";
import { checkProfileForDevice } from "../domain/profiles.ts";
import { checkSink } from "../domain/sink.ts";
import type { Device, Dialect, SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";
import { uuidv7 } from "../ids.ts";
import type { NetworkEvent, NetworkEventOutcome } from "../network/adapter.ts";
import { applyNetworkEvent } from "./network-events.ts";
import { NotificationService } from "./notification-service.ts";
import { deviceOf, type Owner, owned } from "./owner.ts";
import { asApiError, provisionSession } from "./session-create.ts";
import { SessionEventService } from "./session-events.ts";
import type {
  CreateSessionInput,
  ExtensionPolicy,
  NotificationRenderer,
  SessionServiceOptions,
} from "./session-inputs.ts";
import { listSessions, type SessionListing, type SessionPage } from "./session-listing.ts";
import { storyLine } from "./session-story.ts";
import { isLive, TransitionWriter } from "./transitions.ts";

export type { CreateSessionInput, ExtensionPolicy, NotificationRenderer, SessionServiceOptions };

/**
 * The QoD use cases, shared by every dialect: each changes a session and queues its notification in
 * one transaction. Ownership is checked here, so no route can forget it.
 */
export class SessionService {
  readonly #o: SessionServiceOptions;
  /** The sessions' notifications and their delivery (same store and clock). */
  readonly notifications: NotificationService;
  /** The sessions' stories: timelines, the live stream, delivery statistics. */
  readonly events: SessionEventService;
  readonly #writer: TransitionWriter;

  constructor(options: SessionServiceOptions) {
    this.#o = options;
    this.notifications = new NotificationService({ store: options.store, clock: options.clock });
    this.events = new SessionEventService({ store: options.store, clock: options.clock });
    this.#writer = new TransitionWriter(options.renderers);
  }

  /**
   * Creates a session: validates everything, asks the network, stores the session (AVAILABLE at once
   * when the network grants immediately) and queues the AVAILABLE notification.
   * `options.maxDuration` narrows the profile's maximum (a dialect's own limit).
   * @throws ApiError 400 (INVALID_ARGUMENT, OUT_OF_RANGE, DURATION_OUT_OF_RANGE, INVALID_SINK, INVALID_CREDENTIAL,
   *   INVALID_TOKEN), 404 IDENTIFIER_NOT_FOUND, 409 CONFLICT, 422 (MISSING_IDENTIFIER, UNSUPPORTED_IDENTIFIER,
   *   SERVICE_NOT_APPLICABLE, QOS_PROFILE_NOT_APPLICABLE).
   */
  async create(
    owner: Owner,
    input: CreateSessionInput,
    dialect: Dialect,
    options: { maxDuration?: number } = {},
  ): Promise<SessionRecord> {
    const { profiles, clock, network, store } = this.#o;
    const profile = profiles.get(input.qosProfile);
    if (profile === undefined) {
      throw new ApiError(
        "INVALID_ARGUMENT",
        `qosProfile "${input.qosProfile}" does not exist; see /qos-profiles/v1.`,
      );
    }
    if (profile.status !== "ACTIVE") {
      throw new ApiError(
        "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
        `The requested QoS Profile ${profile.name} is currently not available for session creation (status ${profile.status}).`,
      );
    }
    const limits = profiles.durationLimits(profile);
    const max = Math.min(limits.max, options.maxDuration ?? limits.max);
    const duration = checkDuration(input.duration, { min: limits.min, max }, profile.name);
    const flow = parseFlow(
      input.applicationServer,
      input.devicePorts ?? null,
      input.applicationServerPorts ?? null,
    );
    const now = clock.now();
    const sink =
      input.sinkToken === undefined
        ? checkSink(input.sink, input.sinkCredential, this.#o.sinkPolicy, now)
        : { ...checkSink(input.sink, undefined, this.#o.sinkPolicy, now), token: input.sinkToken };
    const device = deviceOf(owner, input.device, chooseDeviceIdentifier);
    const check = await network.checkDevice(device, owner.clientId);
    if (check.status === "NOT_FOUND") throw new ApiError("IDENTIFIER_NOT_FOUND");
    if (check.status === "SERVICE_NOT_APPLICABLE") throw new ApiError("SERVICE_NOT_APPLICABLE");
    checkProfileForDevice(profile.name, check.profiles);
    const requested: SessionRecord = {
      id: uuidv7(),
      clientId: owner.clientId,
      dialect,
      device: device.device,
      deviceKey: device.key,
      applicationServer: input.applicationServer,
      devicePorts: input.devicePorts ?? null,
      applicationServerPorts: input.applicationServerPorts ?? null,
      qosProfile: profile.name,
      sink: input.sink ?? null,
      sinkToken: sink.token,
      sinkTokenExpiresAt: sink.tokenExpiresAt,
      duration,
      qosStatus: "REQUESTED",
      statusInfo: null,
      createdAt: now,
      startedAt: null,
      expiresAt: null,
      dueAt: null,
      networkVerdict: null,
      networkRef: null,
    };
    return provisionSession(
      {
        store,
        clock,
        network,
        writer: this.#writer,
        retentionMs: this.#o.retentionMs,
        grantTimeoutMs: this.#o.grantTimeoutMs,
      },
      requested,
      flow,
      // With a device-bound token the request names no device (deviceOf): the token's is all there is.
      input.device ?? device.device,
    );
  }

  /** @throws ApiError 404 NOT_FOUND, 403 PERMISSION_DENIED (another client's session). */
  async get(owner: Owner, sessionId: string): Promise<SessionRecord> {
    return owned(await this.#o.store.getSession(sessionId), owner);
  }

  /**
   * Extends an AVAILABLE session, capped at the profile's maximum duration (or as `policy` says).
   * @throws ApiError 404, 403, 409 SESSION_EXTENSION_NOT_ALLOWED, 400 DURATION_OUT_OF_RANGE (additional < 1).
   */
  async extend(
    owner: Owner,
    sessionId: string,
    additional: number,
    policy: ExtensionPolicy = {},
  ): Promise<SessionRecord> {
    if (additional < 1) {
      throw new ApiError(
        "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE",
        `requestedAdditionalDuration must be at least 1 second; got ${additional}.`,
      );
    }
    const now = this.#o.clock.now();
    const extendOf = (session: SessionRecord): SessionRecord => {
      const profile = this.#o.profiles.get(session.qosProfile);
      const profileMax =
        profile === undefined ? session.duration : this.#o.profiles.durationLimits(profile).max;
      const max =
        policy.maxRemainingMs !== undefined && session.startedAt !== null
          ? Math.floor((now + policy.maxRemainingMs - session.startedAt) / 1000)
          : profileMax;
      return extend(session, additional, max);
    };
    // The network first: if it refuses, nothing changed. If the server dies after the network
    // extended, the session ends at its old time and its release ends the longer reservation too.
    const base = owned(await this.#o.store.getSession(sessionId), owner);
    const planned = extendOf(base);
    const ref = planned.networkRef;
    let told = base.duration;
    const tell = async (duration: number): Promise<void> => {
      if (ref !== null) await this.#o.network.extend({ sessionId, ref }, duration);
      told = duration;
    };
    await tell(planned.duration).catch((error: unknown) => {
      throw asApiError(error);
    });
    const extended = await this.#o.store.write(async (tx) => {
      const current = owned(await tx.getSession(sessionId), owner);
      const fresh = extendOf(current);
      await tx.updateSession(fresh);
      await this.#writer.tell(tx, current, fresh, this.#o.clock.now());
      return fresh;
    });
    // The network may hold longer than the session (its release ends it at the session's end), never
    // shorter. Another extension that committed meanwhile may have been planned from the same start:
    // the network is told again until it holds at least what is committed (durations only grow).
    for (let round = 0; round < 5 && ref !== null; round++) {
      const current = await this.#o.store.getSession(sessionId);
      if (current === undefined || current.qosStatus !== "AVAILABLE" || current.duration <= told) break;
      await tell(current.duration).catch(() => undefined);
    }
    return extended;
  }

  /**
   * Deletes a session and releases its resources. An AVAILABLE session ends with UNAVAILABLE /
   * DELETE_REQUESTED, notified; an UNAVAILABLE one goes silently.
   * @throws ApiError 404, 403.
   */
  async delete(owner: Owner, sessionId: string): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.store.write(async (tx) => {
      const session = owned(await tx.getSession(sessionId), owner);
      const ended = session.qosStatus === "AVAILABLE" ? end(session, now, "DELETE_REQUESTED", 0) : null;
      if (ended !== null) await this.#writer.notify(tx, ended, now);
      await tx.recordSessionEvent(storyLine(ended?.session ?? session, "deleted", now));
      if (isLive(session)) await tx.queueRelease(sessionId, session.networkRef, now);
      await tx.deleteSession(sessionId);
    });
  }

  /**
   * The caller's sessions of one device (by the identifier OpenQoD chooses from it).
   * @throws ApiError 422 MISSING_IDENTIFIER / UNSUPPORTED_IDENTIFIER, 404 IDENTIFIER_NOT_FOUND, 400.
   */
  async retrieve(owner: Owner, device: Device | undefined): Promise<SessionRecord[]> {
    const chosen = deviceOf(owner, device, chooseDeviceIdentifier);
    const { status } = await this.#o.network.checkDevice(chosen, owner.clientId);
    if (status === "NOT_FOUND") throw new ApiError("IDENTIFIER_NOT_FOUND");
    if (status === "SERVICE_NOT_APPLICABLE") throw new ApiError("SERVICE_NOT_APPLICABLE");
    return this.#o.store.sessionsOfDevice(owner.clientId, chosen.key);
  }

  /**
   * The network ends a session on its own (the simulator does it on demand): UNAVAILABLE /
   * NETWORK_TERMINATED, notified, kept for the retention period.
   * @throws ApiError 404, 403, 409 CONFLICT when the session has already ended.
   */
  networkTerminate(owner: Owner, sessionId: string): Promise<SessionRecord> {
    return this.#endNow(owner, sessionId, "NETWORK_TERMINATED");
  }

  /**
   * The sandbox's "expire now": the session ends as if its duration had run out (UNAVAILABLE /
   * DURATION_EXPIRED), notified like a real expiry and kept for the retention period.
   * @throws ApiError 404, 403, 409 CONFLICT when the session has already ended.
   */
  expireNow(owner: Owner, sessionId: string): Promise<SessionRecord> {
    return this.#endNow(owner, sessionId, "DURATION_EXPIRED");
  }

  async #endNow(
    owner: Owner,
    sessionId: string,
    reason: "NETWORK_TERMINATED" | "DURATION_EXPIRED",
  ): Promise<SessionRecord> {
    const now = this.#o.clock.now();
    return this.#o.store.write(async (tx) => {
      const session = owned(await tx.getSession(sessionId), owner);
      if (session.qosStatus === "UNAVAILABLE") {
        throw new ApiError("CONFLICT", `Session ${sessionId} has already ended (${session.statusInfo}).`);
      }
      const transition = end(session, now, reason, this.#o.retentionMs);
      await this.#writer.write(tx, session, transition, now);
      return transition.session;
    });
  }

  /** See session-listing.ts listSessions. */
  list(owner: Owner | null, query: SessionListing): Promise<SessionPage> {
    return listSessions(this.#o.store, owner, query);
  }

  /**
   * Applies what is due at `now` (activation, refusal, expiry, removal) to up to `limit` due sessions,
   * oldest first, in one transaction. With several instances, each takes sessions no other is handling.
   * @returns how many sessions changed and when the oldest of them fell due.
   */
  async processDue(now: number, limit: number): Promise<{ count: number; oldestDueAt: number | null }> {
    return await this.#o.store.write(async (tx) => {
      const due = await tx.dueSessions(now, limit);
      for (const session of due) {
        const transition = whenDue(session, now, this.#o.retentionMs);
        if (transition === "remove") {
          await tx.deleteSession(session.id);
          await tx.recordSessionEvent(storyLine(session, "removed", now));
          continue;
        }
        await this.#writer.write(tx, session, transition, now);
      }
      return { count: due.length, oldestDueAt: due[0]?.dueAt ?? null };
    });
  }

  /**
   * Applies what the network reports on its own (adapter.ts): a session granted, refused, terminated
   * or lost, in one transaction with its notification and release. An event for a session still being
   * created is kept with its guard and applied as it commits.
   */
  applyNetworkEvent(event: NetworkEvent): Promise<NetworkEventOutcome> {
    const { store, clock, retentionMs } = this.#o;
    return applyNetworkEvent({ store, writer: this.#writer, retentionMs }, event, clock.now());
  }
}
