import type { Context } from "./context.ts";
import { camaraV1 } from "./dialects.ts";
import { ValidationError } from "./errors.ts";
import { openqodUrl } from "./openqod-only.ts";
import type {
  DeviceIdentifiers,
  ListSessionsParams,
  PortsSpec,
  QosStatus,
  SessionData,
  StatusInfo,
} from "./types.ts";

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

  /**
   * One page of your sessions of every device, oldest first; pass `nextCursor` back as `cursor` for
   * the next. An OpenQoD extension (`/notifications/v1/sessions`; CAMARA lists by device only).
   * @throws ValidationError on a target other than OpenQoD, or a `limit` outside 1..100, before sending.
   */
  async list(params: ListSessionsParams = {}): Promise<{ sessions: QodSession[]; nextCursor?: string }> {
    const base = openqodUrl(this.#ctx, "sessions.list");
    const { signal, status, limit, cursor, device, createdAfter, createdBefore, clientId } = params;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 100)) {
      throw new ValidationError("limit", `give a whole number from 1 to 100; got ${limit}`);
    }
    const query = new URLSearchParams();
    if (status !== undefined) query.set("status", status);
    if (limit !== undefined) query.set("limit", String(limit));
    if (cursor !== undefined) query.set("cursor", cursor);
    for (const [name, value] of Object.entries(device ?? {})) query.set(name, value);
    const time = (t: string | Date) => (typeof t === "string" ? t : t.toISOString());
    if (createdAfter !== undefined) query.set("createdAfter", time(createdAfter));
    if (createdBefore !== undefined) query.set("createdBefore", time(createdBefore));
    if (clientId !== undefined) query.set("clientId", clientId);
    const search = query.size === 0 ? "" : `?${query}`;
    const { data } = await this.#ctx.transport.request<{ sessions: unknown[]; nextCursor?: string }>({
      method: "GET",
      url: `${base}/notifications/v1/sessions${search}`,
      idempotent: true,
      signal,
    });
    // That API speaks CAMARA v1 whatever dialect this client uses for QoD.
    const sessions = data.sessions.map((wire) => new QodSession(this.#ctx, camaraV1.parseSession(wire)));
    return data.nextCursor === undefined ? { sessions } : { sessions, nextCursor: data.nextCursor };
  }

  /**
   * Every session of yours, oldest first, fetched a page of 100 at a time as you iterate:
   * `for await (const session of client.sessions.all()) …`. An OpenQoD extension.
   * @throws ValidationError on a target other than OpenQoD (on the first iteration).
   */
  async *all(
    params: Omit<ListSessionsParams, "limit" | "cursor"> = {},
  ): AsyncGenerator<QodSession, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...params, limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      yield* page.sessions;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
}
