import type { ChosenDevice } from "../../domain/device.ts";
import type { AsSessionWithQoSSubscriptionPatch } from "../../nef/wire.ts";
import type {
  CreateOutcome,
  DeviceCheck,
  NetworkAdapter,
  NetworkEventSink,
  NetworkSessionRequest,
  Reservation,
} from "../adapter.ts";
import { errorForAnswer, unavailable, unreachableAsApiError } from "./answers.ts";
import type { CallbackUrls } from "./callback-url.ts";
import type { NefAnswer, NefCall, NefClient } from "./client.ts";
import { subscriptionFor } from "./mapping.ts";

export interface NefAdapterOptions {
  /** The NEF's apiRoot, without a trailing slash. */
  apiRoot: string;
  scsAsId: string;
  client: NefClient;
  callbacks: CallbackUrls;
  /** Profile name → qosReference; a profile not in it is sent by its own name. */
  qosReferences: ReadonlyMap<string, string>;
  /** The longest a create may take, token fetches and retries included (ms): see createTimeoutMs. */
  createTimeoutMs: number;
  /** Closes what the client's connections need (the undici agent). */
  close?: () => Promise<void>;
}

const is2xx = (answer: NefAnswer) => answer.status >= 200 && answer.status < 300;

/**
 * OpenQoD in front of a 3GPP NEF (TS 29.122 AsSessionWithQoS): a session is a subscription under
 * `{apiRoot}/3gpp-as-session-with-qos/v1/{scsAsId}/subscriptions`, named by its URL (the ref). The NEF's
 * decisions arrive later as notifications (http/nef-callback.ts hands them to the sink).
 */
export class NefAdapter implements NetworkAdapter {
  readonly name = "nef";
  readonly createTimeoutMs: number;
  readonly #o: NefAdapterOptions;
  readonly #collection: string;
  #sink: NetworkEventSink | null = null;

  constructor(options: NefAdapterOptions) {
    this.#o = options;
    this.createTimeoutMs = options.createTimeoutMs;
    this.#collection = `${options.apiRoot.replace(/\/+$/, "")}/3gpp-as-session-with-qos/v1/${encodeURIComponent(options.scsAsId)}/subscriptions`;
  }

  /** The callback URLs: the route checks a notification's secret with them. */
  get callbacks(): CallbackUrls {
    return this.#o.callbacks;
  }

  /** Where notifications go; null until the core has set it. */
  get sink(): NetworkEventSink | null {
    return this.#sink;
  }

  /**
   * The NEF has no device lookup: every well-formed device is KNOWN and may use every profile. An
   * unknown UE is found out by the create (404 IDENTIFIER_NOT_FOUND).
   */
  async checkDevice(_device: ChosenDevice): Promise<DeviceCheck> {
    return { status: "KNOWN", profiles: null };
  }

  /**
   * POSTs the subscription; PENDING with its URL (the 201's Location) until the NEF reports
   * SUCCESSFUL_RESOURCES_ALLOCATION (or its failure).
   * @throws ApiError (errorForAnswer) for a NEF error; 503 UNAVAILABLE when it cannot be reached or
   *   answers without a Location.
   */
  async create(request: NetworkSessionRequest): Promise<CreateOutcome> {
    const body = subscriptionFor(request, {
      qosReference: this.#o.qosReferences.get(request.qosProfile) ?? request.qosProfile,
      notificationDestination: this.#o.callbacks.urlFor(request.sessionId),
    });
    const answer = await this.#call({ operation: "create", method: "POST", url: this.#collection, body });
    if (answer.status !== 201) throw errorForAnswer("create", answer);
    const ref = answer.location ?? selfOf(answer.body);
    // Without its URL the subscription cannot be named; the release by sessionId that follows finds it.
    if (ref === null) throw unavailable("The network answered without the session's reference.");
    return { state: "PENDING", ref };
  }

  /** PATCHes `usageThreshold.duration` (merge patch): the overall seconds from the start. */
  async extend(target: { sessionId: string; ref: string }, duration: number): Promise<void> {
    const body: AsSessionWithQoSSubscriptionPatch = { usageThreshold: { duration } };
    const answer = await this.#call({
      operation: "extend",
      method: "PATCH",
      url: target.ref,
      body,
      contentType: "application/merge-patch+json",
    });
    if (!is2xx(answer)) throw errorForAnswer("extend", answer);
  }

  /**
   * DELETEs the subscription; a 404 means the NEF holds nothing (already released). With no ref, every
   * subscription whose notificationDestination names the session is deleted.
   */
  async release(target: { sessionId: string; ref: string | null }): Promise<void> {
    const refs =
      target.ref !== null
        ? [target.ref]
        : (await this.reservations()).filter((r) => r.sessionId === target.sessionId).map((r) => r.ref);
    for (const ref of refs) {
      const answer = await this.#call({ operation: "release", method: "DELETE", url: ref });
      if (!is2xx(answer) && answer.status !== 404) throw errorForAnswer("release", answer);
    }
  }

  /** GET of the collection: the subscriptions whose notificationDestination is one of ours. */
  async reservations(): Promise<Reservation[]> {
    const answer = await this.#call({ operation: "list", method: "GET", url: this.#collection });
    // Not a 404: that is a wrong apiRoot or SCS/AS id, and "nothing held" would end every live session.
    if (answer.status === 204) return [];
    if (!is2xx(answer)) throw errorForAnswer("list", answer);
    if (!Array.isArray(answer.body)) throw unavailable("The network's list of sessions is not a JSON array.");
    const found: Reservation[] = [];
    for (const item of answer.body as unknown[]) {
      const destination = (item as { notificationDestination?: unknown }).notificationDestination;
      const sessionId = typeof destination === "string" ? this.#o.callbacks.sessionOf(destination) : null;
      if (sessionId === null) continue;
      const ref = selfOf(item);
      // `self` is optional in TS 29.122: without it OpenQoD cannot name the subscription, and reading
      // it as "not held" would end a live session. Reconciliation waits rather than guesses.
      if (ref === null) throw unavailable("The network lists a subscription of OpenQoD without `self`.");
      found.push({ sessionId, ref: new URL(ref, this.#collection).href });
    }
    return found;
  }

  onEvent(sink: NetworkEventSink): void {
    this.#sink = sink;
  }

  async close(): Promise<void> {
    await this.#o.close?.();
  }

  async #call(call: NefCall): Promise<NefAnswer> {
    try {
      return await this.#o.client.call(call);
    } catch (error) {
      return unreachableAsApiError(error);
    }
  }
}

function selfOf(body: unknown): string | null {
  const self = typeof body === "object" && body !== null ? (body as { self?: unknown }).self : undefined;
  return typeof self === "string" && self !== "" ? self : null;
}
