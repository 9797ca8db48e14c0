import type { Context } from "./context.ts";
import { ClearSessionsError, ValidationError } from "./errors.ts";
import { QodSession } from "./session.ts";
import type { CreateQodSessionParams, DeviceIdentifiers, DeviceIpv4Addr } from "./types.ts";
import { checkCreateParams, checkDevice } from "./validate.ts";

/** A mobile device, as the identifiers you know of it. Making one sends nothing. */
export class Device {
  readonly #ctx: Context;
  readonly networkAccessIdentifier: string | undefined;
  readonly ipv4Address: DeviceIpv4Addr | undefined;
  readonly ipv6Address: string | undefined;
  readonly phoneNumber: string | undefined;
  /** The client's token is bound to this device: requests name no device, the provider takes the token's. */
  readonly bound: boolean;

  /** @internal Use `client.devices.get(...)`. */
  constructor(ctx: Context, identifiers: DeviceIdentifiers) {
    this.#ctx = ctx;
    this.bound = ctx.boundDevice !== null;
    const checked = this.bound ? identifiers : checkDevice(identifiers);
    this.networkAccessIdentifier = checked.networkAccessIdentifier;
    this.ipv4Address = checked.ipv4Address;
    this.ipv6Address = checked.ipv6Address;
    this.phoneNumber = checked.phoneNumber;
  }

  /** What requests say of the device: its identifiers, or nothing when the token is bound to it. */
  #wire(): DeviceIdentifiers | null {
    return this.bound ? null : this.toJSON();
  }

  /** The identifiers as the APIs take them. */
  toJSON(): DeviceIdentifiers {
    return {
      ...(this.networkAccessIdentifier === undefined
        ? {}
        : { networkAccessIdentifier: this.networkAccessIdentifier }),
      ...(this.ipv4Address === undefined ? {} : { ipv4Address: this.ipv4Address }),
      ...(this.ipv6Address === undefined ? {} : { ipv6Address: this.ipv6Address }),
      ...(this.phoneNumber === undefined ? {} : { phoneNumber: this.phoneNumber }),
    };
  }

  /**
   * Asks the network to boost this device's flow to the service. Never retried blindly: a create whose
   * answer was lost may have happened, so only a 429/503 (nothing done) is tried again.
   * @throws ValidationError before sending anything; BadRequestError, ConflictError, NotFoundError,
   *   UnprocessableEntityError… from the provider.
   */
  async createQodSession(params: CreateQodSessionParams): Promise<QodSession> {
    checkCreateParams(params);
    const { data } = await this.#ctx.transport.request<unknown>({
      method: "POST",
      url: `${this.#ctx.qodUrl}/sessions`,
      body: this.#ctx.dialect.createBody(this.#wire(), params, Date.now()),
      idempotent: false,
      signal: params.signal,
    });
    return new QodSession(this.#ctx, this.#ctx.dialect.parseSession(data));
  }

  /** This device's sessions (those your client created). */
  async sessions(options: { signal?: AbortSignal } = {}): Promise<QodSession[]> {
    const device = this.#wire();
    const { data } = await this.#ctx.transport.request<unknown[]>({
      method: "POST",
      url: `${this.#ctx.qodUrl}/retrieve-sessions`,
      body: device === null ? {} : { device },
      idempotent: true,
      signal: options.signal,
    });
    return (data ?? []).map((wire) => new QodSession(this.#ctx, this.#ctx.dialect.parseSession(wire)));
  }

  /**
   * Deletes every session of this device, waiting for each.
   * @returns the ids deleted.
   * @throws ClearSessionsError listing the ones that failed (the others are deleted).
   */
  async clearSessions(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const sessions = await this.sessions(options);
    const results = await Promise.allSettled(sessions.map((s) => s.delete(options)));
    const deleted: string[] = [];
    const failures: Array<{ sessionId: string; error: unknown }> = [];
    results.forEach((result, i) => {
      const sessionId = sessions[i]?.id ?? "";
      if (result.status === "fulfilled") deleted.push(sessionId);
      else failures.push({ sessionId, error: result.reason });
    });
    if (failures.length > 0) throw new ClearSessionsError(deleted, failures);
    return deleted;
  }
}

/** `client.devices`. */
export class Devices {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * A device object for these identifiers (no request is sent). With a device-bound token (`cibaAuth`)
   * give none: the device is the token's, and requests name no device.
   * @throws ValidationError with no identifier or a malformed one; with any on a device-bound client.
   */
  get(identifiers?: DeviceIdentifiers): Device {
    const bound = this.#ctx.boundDevice;
    if (bound === null) return new Device(this.#ctx, identifiers ?? {});
    if (identifiers !== undefined)
      throw new ValidationError(
        "device",
        "this client's token is bound to a device (CIBA): call client.devices.get() without identifiers",
      );
    return new Device(this.#ctx, bound);
  }
}
