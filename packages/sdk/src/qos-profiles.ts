import type { Context } from "./context.ts";
import { ValidationError } from "./errors.ts";
import type { QosProfile, QosProfileFilter } from "./types.ts";
import { checkDevice } from "./validate.ts";

/** `client.qosProfiles`: the provider's QoS profile catalogue (CAMARA QoS Profiles v1). */
export class QosProfiles {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  #base(): string {
    if (this.#ctx.qosProfilesUrl === null) {
      throw new ValidationError(
        "qosProfilesUrl",
        "this target has no QoS Profiles API; set qosProfilesUrl in the client options",
      );
    }
    return this.#ctx.qosProfilesUrl;
  }

  /**
   * Profiles matching every filter given (all of them without filters); with a device-bound token, those
   * of that device.
   * @throws ValidationError for a `device` on a device-bound client, before sending.
   */
  async list(filter: QosProfileFilter = {}): Promise<QosProfile[]> {
    const { signal, device, ...rest } = filter;
    if (device !== undefined && this.#ctx.boundDevice !== null)
      throw new ValidationError(
        "device",
        "this client's token is bound to a device (CIBA): the provider filters by it; give no device",
      );
    const { data } = await this.#ctx.transport.request<QosProfile[]>({
      method: "POST",
      url: `${this.#base()}/retrieve-qos-profiles`,
      body: { ...rest, ...(device === undefined ? {} : { device: checkDevice(device) }) },
      idempotent: true,
      signal,
    });
    return data ?? [];
  }

  /** @throws NotFoundError for an unknown name. */
  async get(name: string, options: { signal?: AbortSignal } = {}): Promise<QosProfile> {
    const { data } = await this.#ctx.transport.request<QosProfile>({
      method: "GET",
      url: `${this.#base()}/qos-profiles/${encodeURIComponent(name)}`,
      idempotent: true,
      signal: options.signal,
    });
    return data;
  }
}
