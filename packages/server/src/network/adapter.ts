import type { ChosenDevice } from "../domain/device.ts";
import type { Flow } from "../domain/flow.ts";
import type { Device } from "../domain/types.ts";

/** What the network says of a device before any session is requested for it. */
export type DeviceStatus = "KNOWN" | "NOT_FOUND" | "SERVICE_NOT_APPLICABLE";

/** The network's view of a device: whether it can be served, and with which QoS profiles. */
export interface DeviceCheck {
  status: DeviceStatus;
  /** The QoS profiles this device may use; null when every profile of the catalogue applies. */
  profiles: readonly string[] | null;
}

export interface NetworkSessionRequest {
  /** OpenQoD's session id: the network echoes it in reservations() and in every event. */
  sessionId: string;
  /** The session owner's client id: the sandbox's simulator answers by that client's own device rules. */
  clientId?: string;
  device: ChosenDevice;
  /**
   * Every identifier the request gave for the device (`device` is the one OpenQoD chose): a network
   * that matches traffic by address (linux-tc) needs the addresses when a phone number was chosen.
   * @default device.device
   */
  identifiers?: Device;
  flow: Flow;
  qosProfile: string;
  /** Seconds. */
  duration: number;
}

/**
 * The network's answer to a create. `ref` is its own name for the reservation (a NEF subscription's
 * URL), stored with the session and given back on extend and release.
 * - GRANTED: the QoS applies now (the session is AVAILABLE in the 201).
 * - PENDING: the network decides later and says so with a GRANTED or REFUSED event. A network that
 *   already knows its answer and when it lands (the simulator's activation delay) says so in `scheduled`,
 *   and OpenQoD applies it at that time without an event.
 * - REFUSED: the network will not provide it; the session ends UNAVAILABLE / NETWORK_TERMINATED.
 */
export type CreateOutcome =
  | { state: "GRANTED"; ref: string }
  | {
      state: "PENDING";
      ref: string;
      scheduled?: { verdict: "GRANT" | "REFUSE"; afterMs: number };
    }
  | { state: "REFUSED"; ref: string | null; reason: string };

/** What the network reports on its own about one reservation, at any time. */
export interface NetworkEvent {
  sessionId: string;
  /** The reservation, when the network names it; events are matched on `sessionId`. */
  ref: string | null;
  kind: "GRANTED" | "REFUSED" | "NOT_GUARANTEED" | "GUARANTEED" | "TERMINATED";
  /** The network's own words, for logs (e.g. the NEF event name). */
  detail?: string;
}

/**
 * What became of a network event, once committed:
 * - applied: the session changed (and its consumer is notified);
 * - kept: the session is still being created; the event is applied as it commits;
 * - ignored: it changes nothing (an ended session, QoS guaranteed again, …);
 * - unknown: OpenQoD has no such session (a NEF gets a 404).
 */
export type NetworkEventOutcome = "applied" | "kept" | "ignored" | "unknown";

/**
 * Applies a network event durably (session transition, notification, release) and resolves once it
 * is committed; rejects when it could not be, so the network may send it again.
 */
export type NetworkEventSink = (event: NetworkEvent) => Promise<NetworkEventOutcome>;

/** A reservation the network holds for OpenQoD. */
export interface Reservation {
  sessionId: string;
  ref: string;
}

/**
 * The seam between OpenQoD and a mobile network: the built-in simulator, or an adapter for a real
 * network exposure function (3GPP TS 29.122 AsSessionWithQoS).
 *
 * OpenQoD keeps these promises on top of it (see scheduler/network-worker.ts): a create is guarded by a
 * durable release that fires if the session never commits; every end of a session queues a release that is
 * retried until the network confirms; reconcile() compares reservations() with the live sessions.
 *
 * Methods throw ApiError for answers the client must see (404 IDENTIFIER_NOT_FOUND, 503 UNAVAILABLE with
 * a retry hint, …); any other error is a 503 as well.
 */
export interface NetworkAdapter {
  /** "simulator", "nef", …: for logs and metrics. */
  readonly name: string;
  /**
   * The network lives in OpenQoD's process (the simulator): a crash takes its reservations with it and
   * restore() rebuilds them from the committed sessions, so its creates need no durable guard.
   * @default false
   */
  readonly inProcess?: boolean;
  /** `clientId` is the caller's (the sandbox's simulator answers by that client's own device rules). */
  checkDevice(device: ChosenDevice, clientId?: string): Promise<DeviceCheck>;
  /**
   * The longest a create may take to answer or fail, retries and token fetches included (ms). A create
   * is guarded that long (and 10 s more) before its guard releases what a dead server left.
   * @default 50 000
   */
  readonly createTimeoutMs?: number;
  /** Asks for the session. Not retried by OpenQoD: whatever happens, a release by sessionId follows a failure. */
  create(request: NetworkSessionRequest): Promise<CreateOutcome>;
  /** The session now lasts `duration` seconds overall (from when it started). Safe to repeat. */
  extend(target: { sessionId: string; ref: string }, duration: number): Promise<void>;
  /**
   * Releases what the network holds for the session; resolves once it holds nothing, also when it never
   * held anything (a NEF's 404). With `ref` null (a create that died unanswered), finds it by sessionId.
   * Safe to repeat.
   */
  release(target: { sessionId: string; ref: string | null }): Promise<void>;
  /**
   * Every reservation the network holds for this OpenQoD, for reconciliation; null when this adapter
   * cannot know them all (a simulator in each of several instances knows only its own).
   */
  reservations(): Promise<Reservation[] | null>;
  /**
   * A network that lives in OpenQoD's process (the simulator) forgets everything on restart; it is given
   * the live sessions' reservations back at start, before the first reconcile. Real networks omit it.
   */
  restore?(live: readonly Reservation[]): Promise<void>;
  /** Where the adapter sends the events it receives; set once, before any create. */
  onEvent(sink: NetworkEventSink): void;
  /** Stops timers and connections. */
  close(): Promise<void>;
}
