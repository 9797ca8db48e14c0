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
import { admit, guaranteedInKernel } from "./admission.ts";
import {
  addLines,
  classId,
  LINK_CLASS,
  MAX_MINOR,
  MAX_SESSIONS,
  MIN_MINOR,
  removeFilterLines,
  removeLines,
  type Way,
} from "./commands.ts";
import type { TcKernel } from "./kernel.ts";
import { planSession, type TcLinks, type TcPlan, tcFlowsOverlap } from "./plan.ts";
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
  /** Told of what the kernel refused, with tc's words, which the client does not see. */
  onKernelError?(error: unknown): void;
  /** Run at close (the claims on the interfaces). */
  onClose?(): void;
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
   * @throws ApiError 422 UNSUPPORTED_IDENTIFIER, 400 INVALID_ARGUMENT (planSession); 409 CONFLICT when
   *   another session's filters would take the flow's packets; 422 QOS_PROFILE_NOT_APPLICABLE when the
   *   links have no room left for its guaranteed rates, or every session slot is taken.
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
      for (const other of this.#plans.values()) {
        if (tcFlowsOverlap(planned.flow, other.flow)) {
          throw new ApiError(
            "CONFLICT",
            "Conflict with an existing session: it already boosts traffic of this device that overlaps this flow (same address, server and ports).",
          );
        }
      }
      const kernel = await this.#kernelClasses();
      admit(planned, profile.name, kernel.used, this.#links);
      const plan: TcPlan = { ...planned, minor: this.#freeMinor(kernel.minors) };
      const lines = this.#interfaces.flatMap(({ way, dev, link }) => addLines(dev, plan, way, link));
      try {
        await this.#o.kernel.batch(lines);
      } catch (error) {
        // tc -batch stops at the failing line: what it added before goes again.
        await this.#o.kernel.batch(this.#removal(plan.minor), { force: true });
        this.#o.onKernelError?.(error);
        throw new ApiError(
          "UNAVAILABLE",
          "The network could not set up the session's traffic control; try again.",
          {
            headers: { "retry-after": "5" },
          },
        );
      }
      this.#plans.set(plan.sessionId, plan);
      return { state: "GRANTED", ref: encodeRef(plan) };
    });
  }

  /** The classes each interface holds: what they guarantee already, and every minor in use. */
  async #kernelClasses(): Promise<{ used: { down: number; up: number }; minors: Set<number> }> {
    const used = { down: 0, up: 0 };
    const minors = new Set([...this.#plans.values()].map((p) => p.minor));
    for (const { way, dev } of this.#interfaces) {
      const classes = await this.#o.kernel.classes(dev);
      used[way] = guaranteedInKernel(classes);
      for (const c of classes) minors.add(Number.parseInt(c.classId.split(":")[1] ?? "", 16));
    }
    return { used, minors };
  }

  /** The lowest minor neither planned nor in the kernel (a leftover the next repair removes). */
  #freeMinor(taken: ReadonlySet<number>): number {
    for (let minor = MIN_MINOR; minor <= MAX_MINOR; minor++) if (!taken.has(minor)) return minor;
    throw new ApiError(
      "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
      `This network shapes at most ${MAX_SESSIONS} sessions at once, and every one is taken: try again when sessions end.`,
    );
  }

  #removal(minor: number): string[] {
    return this.#interfaces.flatMap(({ dev }) => removeLines(dev, minor));
  }

  /** Nothing changes in the kernel: OpenQoD ends the session (and removes its classes) when its time is up. */
  async extend(target: { sessionId: string; ref: string }, _duration: number): Promise<void> {
    if (!this.#plans.has(target.sessionId)) {
      throw new ApiError(
        "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED",
        `The network no longer holds session ${target.sessionId}; it cannot be extended.`,
      );
    }
  }

  /** By session id alone: the plan this process holds is the truth, whatever ref the command carries. */
  release(target: { sessionId: string; ref: string | null }): Promise<void> {
    return this.#serial(async () => {
      const plan = this.#plans.get(target.sessionId);
      // Unknown here: never created, or created by a process that died before its commit; the next
      // repair removes anything of it from the kernel, since no live session has its minor.
      if (plan === undefined) return;
      const id = classId(plan.minor);
      const ours = async (dev: string) =>
        (await this.#o.kernel.classes(dev)).find((c) => c.classId === id && c.parent === LINK_CLASS);
      const lines: string[] = [];
      for (const { dev } of this.#interfaces) {
        // A class of that minor under someone else's class is theirs (a plan repair could not apply).
        lines.push(...((await ours(dev)) === undefined ? removeFilterLines : removeLines)(dev, plan.minor));
      }
      await this.#o.kernel.batch(lines, { force: true });
      for (const { dev } of this.#interfaces) {
        if ((await ours(dev)) !== undefined)
          throw new Error(`session ${plan.sessionId}'s class ${id} is still on ${dev}`);
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
      const { failed, errors } = await repair(this.#o.kernel, this.#interfaces, [...this.#plans.values()]);
      for (const error of errors) this.#o.onKernelError?.(error);
      // A plan the kernel refuses is not held: reconcile() ends that session as the network terminated it.
      return [...this.#plans.values()]
        .filter((plan) => !failed.has(plan.sessionId))
        .map((plan) => ({ sessionId: plan.sessionId, ref: encodeRef(plan) }));
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
    this.#o.onClose?.();
  }

  /** What the kernel must hold for a session, if anything (tests and logs). */
  plan(sessionId: string): TcPlan | undefined {
    return this.#plans.get(sessionId);
  }
}
