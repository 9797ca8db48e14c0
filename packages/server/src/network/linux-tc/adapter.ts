import type { ChosenDevice } from "../../domain/device.ts";
import type { QosProfile } from "../../domain/types.ts";
import { ApiError } from "../../errors.ts";
import type {
  CreateOutcome,
  DeviceCheck,
  NetworkAdapter,
  NetworkEventSink,
  NetworkSessionRequest,
  Reservation,
} from "../adapter.ts";
import { admit } from "./admission.ts";
import { addLines, MAX_MINOR, MIN_MINOR, removeLines, type Way } from "./commands.ts";
import type { TcKernel } from "./kernel.ts";
import { planSession, type TcLinks, type TcPlan } from "./plan.ts";
import { decodeRef, encodeRef } from "./ref.ts";
import { type Interfaces, repair, setUpRoots } from "./repair.ts";

export interface LinuxTcOptions {
  kernel: TcKernel;
  /** The interface towards the devices (downstream) and, optionally, towards the servers (upstream). */
  downlink: string;
  uplink: string | null;
  /** The capacity to share, bits per second, the same on both interfaces. */
  linkRate: number;
  profile(name: string): QosProfile | undefined;
}

/**
 * A network that is this machine's kernel: each granted session becomes an htb class per direction,
 * with the profile's guaranteed rate and ceiling, and u32 filters matching exactly its flow (see
 * commands.ts). The kernel outlives OpenQoD, so creates are guarded like a remote network's; the
 * plans of the live sessions come back at start (restore), and every reconciliation makes the kernel
 * hold exactly them (repair.ts). One OpenQoD shapes one router: instances sharing a database would each
 * shape their own kernel for every session.
 */
export class LinuxTcAdapter implements NetworkAdapter {
  readonly name = "linux-tc";
  readonly createTimeoutMs = 20_000;
  readonly #o: LinuxTcOptions;
  /** What the kernel must hold, by session: every live session's plan, and those being created. */
  readonly #plans = new Map<string, TcPlan>();
  /** Every change to the kernel runs alone, so no reading of it sees half of another. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: LinuxTcOptions) {
    this.#o = options;
  }

  get #interfaces(): Interfaces {
    const { downlink, uplink, linkRate } = this.#o;
    return [
      { way: "down", dev: downlink, link: linkRate },
      ...(uplink === null ? [] : [{ way: "up" as Way, dev: uplink, link: linkRate }]),
    ];
  }

  get #links(): TcLinks {
    return { down: this.#o.linkRate, up: this.#o.uplink === null ? null : this.#o.linkRate };
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step, step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Puts OpenQoD's root htb on each interface (or checks the one there), before any session. */
  start(): Promise<void> {
    return this.#serial(() => setUpRoots(this.#o.kernel, this.#interfaces));
  }

  async checkDevice(_device: ChosenDevice): Promise<DeviceCheck> {
    // Any device with an address can be shaped; one without is refused at create, where all its identifiers are known.
    return { status: "KNOWN", profiles: null };
  }

  /**
   * @throws ApiError 422 UNSUPPORTED_IDENTIFIER, 400 INVALID_ARGUMENT (planSession), 422
   *   QOS_PROFILE_NOT_APPLICABLE when the links have no room left for its guaranteed rates.
   */
  async create(request: NetworkSessionRequest): Promise<CreateOutcome> {
    const profile = this.#o.profile(request.qosProfile);
    if (profile === undefined) throw new ApiError("QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE");
    const planned = planSession(
      {
        sessionId: request.sessionId,
        identifiers: request.identifiers ?? request.device.device,
        flow: request.flow,
        profile,
      },
      this.#links,
    );
    return this.#serial(async () => {
      admit(planned, profile.name, [...this.#plans.values()], this.#links);
      const plan: TcPlan = { ...planned, minor: await this.#freeMinor() };
      const lines = this.#interfaces.flatMap(({ way, dev, link }) => addLines(dev, plan, way, link));
      try {
        await this.#o.kernel.batch(lines);
      } catch (error) {
        // tc -batch stops at the failing line: what it added before goes again.
        await this.#o.kernel.batch(this.#removal(plan.minor), { force: true });
        throw new ApiError(
          "UNAVAILABLE",
          `The kernel refused the session's traffic control: ${String(error)}`,
        );
      }
      this.#plans.set(plan.sessionId, plan);
      return { state: "GRANTED", ref: encodeRef(plan) };
    });
  }

  /** The lowest minor neither planned nor in the kernel (a leftover the next repair removes). */
  async #freeMinor(): Promise<number> {
    const taken = new Set([...this.#plans.values()].map((p) => p.minor));
    for (const { dev } of this.#interfaces) {
      for (const c of await this.#o.kernel.classes(dev))
        taken.add(Number.parseInt(c.classId.split(":")[1] ?? "", 16));
    }
    for (let minor = MIN_MINOR; minor <= MAX_MINOR; minor++) if (!taken.has(minor)) return minor;
    throw new ApiError("UNAVAILABLE", "Every traffic class of this network (linux-tc) is in use.");
  }

  #removal(minor: number): string[] {
    return this.#interfaces.flatMap(({ dev }) => removeLines(dev, minor));
  }

  /** Nothing changes in the kernel: OpenQoD ends the session (and removes its classes) when its time is up. */
  async extend(target: { sessionId: string; ref: string }): Promise<void> {
    if (!this.#plans.has(target.sessionId)) {
      throw new ApiError(
        "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
        `The network no longer holds session ${target.sessionId}; it cannot be extended.`,
      );
    }
  }

  release(target: { sessionId: string; ref: string | null }): Promise<void> {
    return this.#serial(async () => {
      const plan = this.#plans.get(target.sessionId);
      // Unknown here: never created, or created by a process that died before its commit; the next
      // repair removes anything of it from the kernel, since no live session has its minor.
      if (plan === undefined) return;
      if (target.ref !== null && decodeRef(target.sessionId, target.ref)?.minor !== plan.minor) return;
      await this.#o.kernel.batch(this.#removal(plan.minor), { force: true });
      for (const { dev } of this.#interfaces) {
        const left = (await this.#o.kernel.classes(dev)).some(
          (c) => c.classId === `1:${plan.minor.toString(16)}`,
        );
        if (left)
          throw new Error(
            `session ${plan.sessionId}'s class 1:${plan.minor.toString(16)} is still on ${dev}`,
          );
      }
      this.#plans.delete(plan.sessionId);
    });
  }

  /**
   * Makes the kernel hold exactly the planned sessions first (repair.ts), then lists them: a class
   * missing after a reboot is added again, a leftover of an ended session removed.
   */
  reservations(): Promise<Reservation[]> {
    return this.#serial(async () => {
      await repair(this.#o.kernel, this.#interfaces, [...this.#plans.values()]);
      return [...this.#plans.values()].map((plan) => ({ sessionId: plan.sessionId, ref: encodeRef(plan) }));
    });
  }

  /**
   * Takes back the live sessions' plans from their refs. A ref of another network (the simulator's,
   * before OPENQOD_NETWORK changed) has none: that session is not held, and the first reconciliation
   * ends it as the network terminated it.
   */
  async restore(live: readonly Reservation[]): Promise<void> {
    for (const { sessionId, ref } of live) {
      const plan = decodeRef(sessionId, ref);
      if (plan !== null) this.#plans.set(sessionId, plan);
    }
  }

  /** The kernel sends no events. */
  onEvent(_sink: NetworkEventSink): void {}

  /** The classes stay: the sessions are still live, and the next start takes them back. */
  async close(): Promise<void> {
    await this.#queue;
  }

  /** What the kernel must hold for a session, if anything (tests and logs). */
  plan(sessionId: string): TcPlan | undefined {
    return this.#plans.get(sessionId);
  }
}
