import type { ChosenDevice } from "../domain/device.ts";
import { ApiError } from "../errors.ts";
import type {
  CreateOutcome,
  DeviceCheck,
  NetworkAdapter,
  NetworkEvent,
  NetworkEventOutcome,
  NetworkEventSink,
  NetworkSessionRequest,
  Reservation,
} from "./adapter.ts";
import {
  behaviourOf,
  type DeviceBehaviour,
  type DeviceRegistry,
  type DeviceRule,
} from "./device-registry.ts";

/** A client's own device rules (the sandbox's registry per client, store/sandbox-devices.ts). */
export type ClientRules = (clientId: string) => Promise<readonly DeviceRule[]>;

export type { DeviceOutcome, DeviceRule } from "./device-registry.ts";
export { TEST_DEVICES } from "./device-registry.ts";

export interface SimulatorOptions extends DeviceRegistry {
  /** How long the network takes to grant or refuse a session, unless the device's rule says. @default 0 (AVAILABLE in the 201) */
  activationDelayMs: number;
  /** Every QoS profile name on offer; only needed with `restrictedProfiles`. @default [] */
  catalogue: readonly string[];
  /**
   * Whether reservations() answers: not when several instances share a database, each with its own
   * simulator that knows only the sessions it created or restored. @default true
   */
  listsReservations: boolean;
}

/** What the simulated network holds for one session. */
export interface SimulatedReservation extends Reservation {
  /** null when taken back by restore(), which knows only the ref. */
  qosProfile: string | null;
  /** Seconds overall, as created or last extended; null after restore() until an extension. */
  duration: number | null;
}

/** The event kinds a sandbox can make the simulated network send. */
export type SimulatedEventKind = NetworkEvent["kind"];

/**
 * The built-in network: a device registry, and reservations held in memory by session id. It answers
 * every create at once; a device's activation delay is given to OpenQoD as a scheduled verdict, so
 * OpenQoD's clock (not a timer here) decides when the session is granted or refused. A PENDING device's
 * sessions wait for an event. On its own it sends none: the sandbox makes it send each one (inject), or
 * lose a reservation (drop).
 */
export class NetworkSimulator implements NetworkAdapter {
  readonly name = "simulator";
  readonly inProcess: boolean = true;
  readonly #options: SimulatorOptions;
  readonly #held = new Map<string, SimulatedReservation>();
  #sink: NetworkEventSink | null = null;
  #clientRules: ClientRules | null = null;

  constructor(options: Partial<SimulatorOptions> = {}) {
    this.#options = {
      activationDelayMs: 0,
      rules: [],
      unknownDevices: "GRANT",
      restrictedProfiles: [],
      catalogue: [],
      listsReservations: true,
      ...options,
    };
  }

  /**
   * Where each client's own rules come from; they are checked before the devices file's and the test
   * identifiers. Read at every check (no cache), so a rule just set applies on every instance at once.
   */
  useClientRules(rules: ClientRules): void {
    this.#clientRules = rules;
  }

  /** What the registry says of the device: the client's own rules first, when a client is named. */
  async behaviourOf(device: ChosenDevice, clientId?: string): Promise<DeviceBehaviour> {
    const own = clientId === undefined || this.#clientRules === null ? [] : await this.#clientRules(clientId);
    const rules = own.length === 0 ? this.#options.rules : [...own, ...this.#options.rules];
    return behaviourOf({ ...this.#options, rules }, device, this.#options);
  }

  async checkDevice(device: ChosenDevice, clientId?: string): Promise<DeviceCheck> {
    const { outcome, profiles } = await this.behaviourOf(device, clientId);
    const status = outcome === "NOT_FOUND" || outcome === "SERVICE_NOT_APPLICABLE" ? outcome : "KNOWN";
    return { status, profiles };
  }

  /** @throws ApiError 404 IDENTIFIER_NOT_FOUND, 422 SERVICE_NOT_APPLICABLE, as checkDevice says. */
  async create(request: NetworkSessionRequest): Promise<CreateOutcome> {
    const { outcome, activationDelayMs: afterMs } = await this.behaviourOf(request.device, request.clientId);
    if (outcome === "NOT_FOUND") throw new ApiError("IDENTIFIER_NOT_FOUND");
    if (outcome === "SERVICE_NOT_APPLICABLE") throw new ApiError("SERVICE_NOT_APPLICABLE");
    const { sessionId, qosProfile, duration } = request;
    // Named after the session, as a NEF's subscription URL is its own: readable in logs and tests.
    const ref = `sim-${sessionId}`;
    this.#held.set(sessionId, { sessionId, ref, qosProfile, duration });
    if (outcome === "PENDING") return { state: "PENDING", ref };
    const verdict = outcome === "REFUSE" ? "REFUSE" : "GRANT";
    if (verdict === "GRANT" && afterMs === 0) return { state: "GRANTED", ref };
    // A refusal is scheduled too: the session is REQUESTED first, as a real network's late refusal.
    return { state: "PENDING", ref, scheduled: { verdict, afterMs } };
  }

  /**
   * @throws ApiError 409 SESSION_EXTENSION_NOT_ALLOWED when the network holds nothing for the session (it
   *   lost it): the session is not extended, and the next reconciliation ends it.
   */
  async extend(target: { sessionId: string; ref: string }, duration: number): Promise<void> {
    const held = this.#held.get(target.sessionId);
    // With a shared database another instance's simulator may hold it: only a listing one can tell.
    if (held === undefined && !this.#options.listsReservations) return;
    if (held === undefined || held.ref !== target.ref) {
      throw new ApiError(
        "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
        `The network no longer holds session ${target.sessionId}; it cannot be extended.`,
      );
    }
    held.duration = duration;
  }

  async release(target: { sessionId: string; ref: string | null }): Promise<void> {
    const held = this.#held.get(target.sessionId);
    // A ref that is not the held one names an older reservation, already gone: nothing to release.
    if (held !== undefined && (target.ref === null || target.ref === held.ref)) {
      this.#held.delete(target.sessionId);
    }
  }

  async reservations(): Promise<Reservation[] | null> {
    if (!this.#options.listsReservations) return null;
    return [...this.#held.values()].map(({ sessionId, ref }) => ({ sessionId, ref }));
  }

  /** What it holds for a session, if anything (for tests and the sandbox). */
  reservation(sessionId: string): SimulatedReservation | undefined {
    const held = this.#held.get(sessionId);
    return held === undefined ? undefined : { ...held };
  }

  /** Takes back the live sessions' reservations after a restart (only their refs: see SimulatedReservation). */
  async restore(live: readonly Reservation[]): Promise<void> {
    for (const { sessionId, ref } of live) {
      if (this.#held.has(sessionId)) continue;
      this.#held.set(sessionId, { sessionId, ref, qosProfile: null, duration: null });
    }
  }

  onEvent(sink: NetworkEventSink): void {
    this.#sink = sink;
  }

  /** Where events go, for tests that send one with no reservation behind it (inject checks there is). */
  get sink(): NetworkEventSink | null {
    return this.#sink;
  }

  /**
   * Makes the network report `kind` for the session, as a real network does on its own; resolves once
   * OpenQoD has committed it, with what became of it. The reservation stays held: OpenQoD releases it as after a real event.
   * @throws ApiError 409 CONFLICT when the network holds nothing for the session; 503 UNAVAILABLE before
   *   OpenQoD listens; whatever the sink rejects with.
   */
  async inject(sessionId: string, kind: SimulatedEventKind): Promise<NetworkEventOutcome> {
    const held = this.#held.get(sessionId);
    // With a shared database the session may be another instance's: the event goes to the shared store.
    if (held === undefined && this.#options.listsReservations) {
      throw new ApiError("CONFLICT", `The network holds no reservation for session ${sessionId}.`);
    }
    if (this.#sink === null) throw new ApiError("UNAVAILABLE", "OpenQoD does not listen to the network yet.");
    return this.#sink({ sessionId, ref: held?.ref ?? null, kind, detail: `simulated ${kind}` });
  }

  /**
   * Forgets the session's reservation without telling OpenQoD, as a network that lost it: only a
   * reconcile notices. @returns whether it held one.
   */
  drop(sessionId: string): boolean {
    return this.#held.delete(sessionId);
  }

  /** Holds no timer or connection; forgets every reservation. */
  async close(): Promise<void> {
    this.#held.clear();
  }
}
