import type { ChosenDevice } from "../domain/device.ts";

/**
 * What the simulator does for a device: answer an error, refuse its sessions, grant them, or leave
 * them pending until the sandbox sends an event (or OpenQoD's grant timeout ends them).
 */
export type DeviceOutcome = "NOT_FOUND" | "SERVICE_NOT_APPLICABLE" | "REFUSE" | "GRANT" | "PENDING";

/** One entry of the simulator's device registry; it matches a device by any one identifier. */
export interface DeviceRule {
  phoneNumber?: string;
  networkAccessIdentifier?: string;
  ipv4PublicAddress?: string;
  ipv6Address?: string;
  outcome: DeviceOutcome;
  /**
   * How long this device's sessions stay REQUESTED before they are granted or refused (ms).
   * @default the simulator's global activation delay
   */
  activationDelayMs?: number;
  /** The QoS profile names this device may use, restricted ones included; `[]` = none. @default every unrestricted profile */
  qosProfiles?: readonly string[];
  /** What the device's user answers to a CIBA request (three-legged token). @default "ALLOW" */
  consent?: "ALLOW" | "DENY";
  /** How long the user takes to answer it (ms). @default 0 */
  consentDelayMs?: number;
}

/** The simulator's device registry, as the devices file (OPENQOD_DEVICES_FILE) states it. */
export interface DeviceRegistry {
  /** Checked before the test identifiers; the first match wins. */
  rules: readonly DeviceRule[];
  /** What happens to a device no rule matches. @default "GRANT" (any well-formed device is known) */
  unknownDevices: DeviceOutcome;
  /**
   * Profiles kept for some devices: only a device whose rule names one in `qosProfiles` may use it.
   * Stated per profile rather than as a device list per profile, so a device is written once, with
   * everything it may do, whichever identifiers it is matched by. @default none
   */
  restrictedProfiles: readonly string[];
}

/** What the network does for one device: its outcome, its activation delay and its profiles. */
export interface DeviceBehaviour {
  outcome: DeviceOutcome;
  activationDelayMs: number;
  /** The profile names it may use; null = all of them. */
  profiles: string[] | null;
}

/**
 * Test identifiers that trigger the error paths in any sandbox, documented in the README. The last
 * three digits say what happens, after an HTTP status. The +999 country code is reserved for future
 * use, so no real subscriber has these numbers.
 */
export const TEST_DEVICES: readonly DeviceRule[] = [
  { phoneNumber: "+99999990404", outcome: "NOT_FOUND" },
  { phoneNumber: "+99999990422", outcome: "SERVICE_NOT_APPLICABLE" },
  { phoneNumber: "+99999990503", outcome: "REFUSE" },
  // 202 Accepted: REQUESTED for 2 s, then AVAILABLE (CAMARA's tests of a REQUESTED session).
  { phoneNumber: "+99999990202", outcome: "GRANT", activationDelayMs: 2_000 },
  // 102 Processing: REQUESTED until the network sends GRANTED or REFUSED (sandbox network-events).
  { phoneNumber: "+99999990102", outcome: "PENDING" },
  // 204 No Content: known, but may use no QoS profile.
  { phoneNumber: "+99999990204", outcome: "GRANT", qosProfiles: [] },
  // 403 Forbidden: the device's user denies every CIBA request (access_denied).
  { phoneNumber: "+99999990403", outcome: "GRANT", consent: "DENY" },
  // 100 Continue: the device's user consents to a CIBA request after 5 s (authorization_pending until then).
  { phoneNumber: "+99999990100", outcome: "GRANT", consentDelayMs: 5_000 },
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

/**
 * What the registry says of a device: the first matching rule (the operator's, then the test
 * identifiers), else `unknownDevices`. `catalogue` is every profile name on offer, needed only to
 * leave the restricted ones out for a device whose rule does not list its profiles.
 */
export function behaviourOf(
  registry: DeviceRegistry,
  device: ChosenDevice,
  defaults: { activationDelayMs: number; catalogue: readonly string[] },
): DeviceBehaviour {
  const rule = [...registry.rules, ...TEST_DEVICES].find((r) => matches(r, device.device));
  const restricted = new Set(registry.restrictedProfiles);
  const profiles =
    rule?.qosProfiles !== undefined
      ? [...rule.qosProfiles]
      : restricted.size === 0
        ? null
        : defaults.catalogue.filter((name) => !restricted.has(name));
  return {
    outcome: rule?.outcome ?? registry.unknownDevices,
    activationDelayMs: rule?.activationDelayMs ?? defaults.activationDelayMs,
    profiles,
  };
}

/**
 * The consent the device's user gives to a CIBA request, by the same rules: the first matching
 * rule's `consent` and `consentDelayMs`, else at once. Shaped as auth/ciba.ts's ConsentPolicy wants.
 */
export function consentOf(
  registry: Pick<DeviceRegistry, "rules">,
  device: ChosenDevice,
): { decision: "ALLOW" | "DENY"; delayMs: number } {
  const rule = [...registry.rules, ...TEST_DEVICES].find((r) => matches(r, device.device));
  return { decision: rule?.consent ?? "ALLOW", delayMs: rule?.consentDelayMs ?? 0 };
}

/**
 * The registry's profile names that the catalogue does not offer (a typo, or a devices file written
 * for another profiles file), each as a problem to report at start.
 */
export function unknownProfileNames(registry: DeviceRegistry, catalogue: readonly string[]): string[] {
  const offered = new Set(catalogue);
  const problems: string[] = [];
  for (const name of registry.restrictedProfiles) {
    if (!offered.has(name)) problems.push(`restrictedProfiles names ${name}, which is not a QoS profile`);
  }
  registry.rules.forEach((rule, index) => {
    for (const name of rule.qosProfiles ?? []) {
      if (!offered.has(name))
        problems.push(`devices/${index}/qosProfiles names ${name}, which is not a QoS profile`);
    }
  });
  return problems;
}
