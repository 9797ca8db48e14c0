import type {
  CreateOutcome,
  NetworkEventOutcome,
  NetworkSessionRequest,
  Reservation,
} from "../../src/network/adapter.ts";
import { NetworkSimulator } from "../../src/network/simulator.ts";

/** One call the core made to the network. */
export type NetworkCall =
  | { op: "create"; sessionId: string }
  | { op: "extend"; sessionId: string; ref: string; duration: number }
  | { op: "release"; sessionId: string; ref: string | null };

/**
 * The simulator with a script: tests decide what a create answers (or throw), make releases fail, and
 * see every call the core made, in order. Everything else is the simulator's own behaviour.
 */
export class ScriptedNetwork extends NetworkSimulator {
  /** It stands for a network outside the process (a NEF): creates are guarded. */
  override readonly inProcess = false;
  readonly calls: NetworkCall[] = [];
  /** Replaces the simulator's answer to a create (called after the simulator recorded the reservation). */
  onCreate: ((request: NetworkSessionRequest, simulated: CreateOutcome) => Promise<CreateOutcome>) | null =
    null;
  /** Failures left before releases succeed. */
  failReleases = 0;

  override async create(request: NetworkSessionRequest): Promise<CreateOutcome> {
    this.calls.push({ op: "create", sessionId: request.sessionId });
    const simulated = await super.create(request);
    return this.onCreate === null ? simulated : this.onCreate(request, simulated);
  }

  override async extend(target: { sessionId: string; ref: string }, duration: number): Promise<void> {
    this.calls.push({ op: "extend", ...target, duration });
    await super.extend(target, duration);
  }

  override async release(target: { sessionId: string; ref: string | null }): Promise<void> {
    this.calls.push({ op: "release", ...target });
    if (this.failReleases > 0) {
      this.failReleases--;
      throw new Error("the network is unreachable");
    }
    await super.release(target);
  }

  /** Sends an event as the network would, through the sink the server registered. */
  send(sessionId: string, kind: "GRANTED" | "REFUSED" | "NOT_GUARANTEED" | "GUARANTEED" | "TERMINATED") {
    const sink = this.sink;
    if (sink === null) throw new Error("no sink registered");
    return sink({ sessionId, ref: null, kind }) as Promise<NetworkEventOutcome>;
  }

  /** The session ids the network holds reservations for. */
  async held(): Promise<string[]> {
    return ((await this.reservations()) ?? []).map((r: Reservation) => r.sessionId).sort();
  }

  releasesOf(sessionId: string): number {
    return this.calls.filter((c) => c.op === "release" && c.sessionId === sessionId).length;
  }
}
