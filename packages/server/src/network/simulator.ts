import type { ChosenDevice } from "../domain/device.ts";
import type {
  CreateOutcome,
  DeviceCheck,
  NetworkAdapter,
  NetworkEventSink,
  NetworkSessionRequest,
  Reservation,
} from "./adapter.ts";

/** What the simulator does for a device: answer an error, refuse its sessions, or grant them. */
export type DeviceOutcome = "NOT_FOUND" | "SERVICE_NOT_APPLICABLE" | "REFUSE" | "GRANT";

/** One entry of the simulator's device registry; it matches a device by any one identifier. */
export interface DeviceRule {
  phoneNumber?: string;
  networkAccessIdentifier?: string;
  ipv4PublicAddress?: string;
  ipv6Address?: string;
  outcome: DeviceOutcome;
}

export interface SimulatorOptions {
  /** How long the network takes to grant or refuse a session. @default 0 (AVAILABLE in the 201) */
  activationDelayMs: number;
  /** Registry entries checked before the test identifiers; the first match wins. */
  rules: readonly DeviceRule[];
  /** What happens to a device no rule matches. @default "GRANT" (any well-formed device is known) */
  unknownDevices: DeviceOutcome;
  /**
   * Whether reservations() answers: not when several instances share a database, each with its own
   * simulator that knows only the sessions it created or restored. @default true
   */
  listsReservations: boolean;
}

/**
 * Test identifiers that trigger the error paths in any sandbox, documented in the README.
 * The +999 country code is reserved for future use, so no real subscriber has these numbers.
 */
export const TEST_DEVICES: readonly DeviceRule[] = [
  { phoneNumber: "+99999990404", outcome: "NOT_FOUND" },
  { phoneNumber: "+99999990422", outcome: "SERVICE_NOT_APPLICABLE" },
  { phoneNumber: "+99999990503", outcome: "REFUSE" },
];

function matches(rule: DeviceRule, device: ChosenDevice["device"]): boolean {
  return (
    (rule.phoneNumber !== undefined && rule.phoneNumber === device.phoneNumber) ||
    (rule.networkAccessIdentifier !== undefined &&
      rule.networkAccessIdentifier === device.networkAccessIdentifier) ||
    (rule.ipv4PublicAddress !== undefined && rule.ipv4PublicAddress === device.ipv4Address?.publicAddress) ||
    (rule.ipv6Address !== undefined && rule.ipv6Address === device.ipv6Address)
  );
}

/** The built-in network: a device registry and sessions that are granted (or refused) on a timer. */
export class NetworkSimulator implements NetworkAdapter {
  readonly name = "simulator";
  readonly #options: SimulatorOptions;
  /** What the simulated network holds, by session id: the reservation's ref. */
  readonly #reservations = new Map<string, string>();
  #sink: NetworkEventSink | null = null;

  constructor(options: Partial<SimulatorOptions> = {}) {
    this.#options = {
      activationDelayMs: 0,
      rules: [],
      unknownDevices: "GRANT",
      listsReservations: true,
      ...options,
    };
  }

  outcomeFor(device: ChosenDevice): DeviceOutcome {
    const rule = [...this.#options.rules, ...TEST_DEVICES].find((r) => matches(r, device.device));
    return rule?.outcome ?? this.#options.unknownDevices;
  }

  async checkDevice(device: ChosenDevice): Promise<DeviceCheck> {
    const outcome = this.outcomeFor(device);
    const status = outcome === "NOT_FOUND" || outcome === "SERVICE_NOT_APPLICABLE" ? outcome : "KNOWN";
    return { status, profiles: null };
  }

  async create(request: NetworkSessionRequest): Promise<CreateOutcome> {
    const ref = `sim-${request.sessionId}`;
    this.#reservations.set(request.sessionId, ref);
    const verdict = this.outcomeFor(request.device) === "REFUSE" ? "REFUSE" : "GRANT";
    const afterMs = this.#options.activationDelayMs;
    if (verdict === "GRANT" && afterMs === 0) return { state: "GRANTED", ref };
    return { state: "PENDING", ref, scheduled: { verdict, afterMs } };
  }

  async extend(_target: { sessionId: string; ref: string }, _duration: number): Promise<void> {}

  async release(target: { sessionId: string }): Promise<void> {
    this.#reservations.delete(target.sessionId);
  }

  async reservations(): Promise<Reservation[] | null> {
    if (!this.#options.listsReservations) return null;
    return [...this.#reservations].map(([sessionId, ref]) => ({ sessionId, ref }));
  }

  async restore(live: readonly Reservation[]): Promise<void> {
    for (const { sessionId, ref } of live) this.#reservations.set(sessionId, ref);
  }

  onEvent(sink: NetworkEventSink): void {
    this.#sink = sink;
  }

  /** The sink events go to (the sandbox's injections use it). */
  get sink(): NetworkEventSink | null {
    return this.#sink;
  }

  async close(): Promise<void> {}
}
