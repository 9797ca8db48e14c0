import type { Context } from "./context.ts";
import type { DeviceIdentifiers, PortsSpec, QosStatus, SessionData, StatusInfo } from "./types.ts";

/**
 * A QoD session. Its fields are what the provider last said; `refresh()` asks again. Times are
 * `Date`s whichever dialect reported them.
 */
export class QodSession implements SessionData {
  readonly #ctx: Context;
  id!: string;
  profile!: string;
  status!: QosStatus;
  statusInfo!: StatusInfo | undefined;
  duration!: number;
  startedAt!: Date | undefined;
  expiresAt!: Date | undefined;
  device!: DeviceIdentifiers;
  serviceIpv4!: string | undefined;
  serviceIpv6!: string | undefined;
  servicePorts!: PortsSpec | undefined;
  devicePorts!: PortsSpec | undefined;
  notificationUrl!: string | undefined;

  /** @internal Built by the SDK from a provider's answer. */
  constructor(ctx: Context, data: SessionData) {
    this.#ctx = ctx;
    Object.assign(this, data);
  }

  /**
   * Adds `seconds` to the session; the provider may cap the total at the profile's maximum.
   * @throws ConflictError (QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED) unless AVAILABLE.
   */
  async extend(seconds: number, options: { signal?: AbortSignal } = {}): Promise<this> {
    const { data } = await this.#ctx.transport.request<unknown>({
      method: "POST",
      url: `${this.#ctx.qodUrl}/sessions/${encodeURIComponent(this.id)}/extend`,
      body: { requestedAdditionalDuration: seconds },
      idempotent: false,
      signal: options.signal,
    });
    Object.assign(this, this.#ctx.dialect.parseSession(data));
    return this;
  }

  /** Ends the session (an AVAILABLE one is notified as UNAVAILABLE / DELETE_REQUESTED). */
  async delete(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#ctx.transport.request<undefined>({
      method: "DELETE",
      url: `${this.#ctx.qodUrl}/sessions/${encodeURIComponent(this.id)}`,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Reloads the session from the provider. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<this> {
    Object.assign(this, await fetchSession(this.#ctx, this.id, options.signal));
    return this;
  }

  /** The session's data without its connection (private fields are not own enumerable properties). */
  toJSON(): SessionData {
    return { ...this };
  }
}

export async function fetchSession(
  ctx: Context,
  id: string,
  signal: AbortSignal | undefined,
): Promise<SessionData> {
  const { data } = await ctx.transport.request<unknown>({
    method: "GET",
    url: `${ctx.qodUrl}/sessions/${encodeURIComponent(id)}`,
    idempotent: true,
    signal,
  });
  return ctx.dialect.parseSession(data);
}

/** `client.sessions`: sessions by id, whatever device they belong to. */
export class Sessions {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /** @throws NotFoundError, PermissionDeniedError (another client's session). */
  async get(id: string, options: { signal?: AbortSignal } = {}): Promise<QodSession> {
    return new QodSession(this.#ctx, await fetchSession(this.#ctx, id, options.signal));
  }
}
