import type { AsSessionWithQoSSubscription } from "../nef/wire.ts";

/**
 * What the emulated network does for a UE: the faults a test (or an operator rehearsing) injects.
 * Rules are keyed by a UE identifier exactly as it appears in the subscription (ueIpv4Addr, ueIpv6Addr,
 * macAddr or gpsi value), or "*" for every UE no own rule matches.
 */
export interface UeBehaviour {
  /** The NEF answers the create this late (slow NEF: exercises the client's timeout). @default 0 */
  createDelayMs?: number;
  /** The create is refused with this ProblemDetails status and cause (e.g. 403 REQUESTED_SERVICE_NOT_AUTHORIZED). */
  refuse?: { status: number; cause: string; detail?: string };
  /**
   * Not known to the network: a create answers 500 PDU_SESSION_NOT_AVAILABLE, as a NEF relays the PCF's
   * failure to bind the address to a PDU session (TS 29.514 Table 5.7.3-1).
   */
  unknown?: boolean;
  /**
   * What the network reports after a create: SUCCESSFUL_RESOURCES_ALLOCATION, FAILED_RESOURCES_ALLOCATION,
   * or nothing at all (the subscription stays pending). @default "SUCCESSFUL"
   */
  allocation?: "SUCCESSFUL" | "FAILED" | "NONE";
  /** Overrides the emulator's allocationDelayMs for this UE. */
  allocationDelayMs?: number;
  /**
   * The allocation report is delivered before the 201 is sent (a PCF faster than the NEF's answer):
   * the client hears of the allocation before it knows the subscription. @default false
   */
  allocateBeforeAnswer?: boolean;
}

/** An outage: every NEF and token call answers 503 with Retry-After, or has its connection destroyed. */
export interface Outage {
  mode: "503" | "destroy";
  /** Seconds, sent as Retry-After with a 503. @default 1 */
  retryAfterSeconds?: number;
}

/** The UE identifiers of a subscription, in the order rules are looked up. */
export function ueIdentifiers(body: AsSessionWithQoSSubscription): string[] {
  return [body.ueIpv4Addr, body.ueIpv6Addr, body.macAddr, body.gpsi].filter((id) => id !== undefined);
}

/** The behaviour rules by UE identifier; the first identifier with a rule wins, then "*". */
export class Behaviours {
  readonly #rules = new Map<string, UeBehaviour>();

  /** Sets (replaces) the rule for one UE identifier, or "*". */
  set(ue: string, behaviour: UeBehaviour): void {
    this.#rules.set(ue, { ...behaviour });
  }

  delete(ue: string): boolean {
    return this.#rules.delete(ue);
  }

  clear(): void {
    this.#rules.clear();
  }

  for(body: AsSessionWithQoSSubscription): UeBehaviour {
    for (const id of ueIdentifiers(body)) {
      const rule = this.#rules.get(id);
      if (rule !== undefined) return rule;
    }
    return this.#rules.get("*") ?? {};
  }

  list(): Record<string, UeBehaviour> {
    return Object.fromEntries(this.#rules);
  }
}
