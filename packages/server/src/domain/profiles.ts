import { ApiError } from "../errors.ts";
import type { Duration, QosProfile, QosProfileStatus } from "./types.ts";

const SECONDS_PER_UNIT: Record<Duration["unit"], number> = {
  Days: 86_400,
  Hours: 3_600,
  Minutes: 60,
  Seconds: 1,
  Milliseconds: 1e-3,
  Microseconds: 1e-6,
  Nanoseconds: 1e-9,
};

export function durationSeconds(duration: Duration): number {
  return duration.value * SECONDS_PER_UNIT[duration.unit];
}

const DAY: Duration = { value: 86_400, unit: "Seconds" };
const ONE_SECOND: Duration = { value: 1, unit: "Seconds" };

/**
 * The sandbox catalogue, shaped after CAMARA's QoS profile mapping table: QOS_E for stable low latency,
 * QOS_S/M/L for growing throughput. Sessions last 1 s to 24 h.
 */
export const BUILT_IN_PROFILES: readonly QosProfile[] = [
  {
    name: "QOS_E",
    description: "Stable low latency and jitter for real-time interaction (gaming, remote control, AR)",
    status: "ACTIVE",
    targetMinUpstreamRate: { value: 2, unit: "Mbps" },
    maxUpstreamRate: { value: 10, unit: "Mbps" },
    targetMinDownstreamRate: { value: 5, unit: "Mbps" },
    maxDownstreamRate: { value: 20, unit: "Mbps" },
    minDuration: ONE_SECOND,
    maxDuration: DAY,
    priority: 10,
    packetDelayBudget: { value: 10, unit: "Milliseconds" },
    jitter: { value: 5, unit: "Milliseconds" },
    packetErrorLossRate: 4,
    serviceClass: "real_time_interactive",
  },
  {
    name: "QOS_S",
    description: "Small guaranteed throughput (voice, telemetry, standard-definition video)",
    status: "ACTIVE",
    targetMinUpstreamRate: { value: 500, unit: "kbps" },
    maxUpstreamRate: { value: 2, unit: "Mbps" },
    targetMinDownstreamRate: { value: 2, unit: "Mbps" },
    maxDownstreamRate: { value: 4, unit: "Mbps" },
    minDuration: ONE_SECOND,
    maxDuration: DAY,
    priority: 40,
    packetDelayBudget: { value: 100, unit: "Milliseconds" },
    jitter: { value: 30, unit: "Milliseconds" },
    packetErrorLossRate: 3,
    serviceClass: "low_latency_data",
  },
  {
    name: "QOS_M",
    description: "Medium guaranteed throughput (HD video calls and streaming)",
    status: "ACTIVE",
    targetMinUpstreamRate: { value: 2, unit: "Mbps" },
    maxUpstreamRate: { value: 5, unit: "Mbps" },
    targetMinDownstreamRate: { value: 10, unit: "Mbps" },
    maxDownstreamRate: { value: 20, unit: "Mbps" },
    minDuration: ONE_SECOND,
    maxDuration: DAY,
    priority: 30,
    packetDelayBudget: { value: 100, unit: "Milliseconds" },
    jitter: { value: 20, unit: "Milliseconds" },
    packetErrorLossRate: 3,
    serviceClass: "multimedia_streaming",
  },
  {
    name: "QOS_L",
    description: "Large guaranteed throughput (4K video, live broadcast uplink, bulk transfer)",
    status: "ACTIVE",
    targetMinUpstreamRate: { value: 10, unit: "Mbps" },
    maxUpstreamRate: { value: 20, unit: "Mbps" },
    targetMinDownstreamRate: { value: 50, unit: "Mbps" },
    maxDownstreamRate: { value: 100, unit: "Mbps" },
    minDuration: ONE_SECOND,
    maxDuration: DAY,
    priority: 20,
    packetDelayBudget: { value: 100, unit: "Milliseconds" },
    jitter: { value: 20, unit: "Milliseconds" },
    packetErrorLossRate: 3,
    serviceClass: "broadcast_video",
  },
];

/** The QoS profiles an OpenQoD instance offers, looked up by name. */
export class ProfileCatalogue {
  readonly #byName: ReadonlyMap<string, QosProfile>;

  constructor(profiles: readonly QosProfile[]) {
    this.#byName = new Map(profiles.map((p) => [p.name, p]));
  }

  get(name: string): QosProfile | undefined {
    return this.#byName.get(name);
  }

  /** The profiles that pass every filter given; `names` keeps only those named (null = all). */
  list(
    filter: { name?: string; status?: QosProfileStatus; names?: readonly string[] | null } = {},
  ): QosProfile[] {
    const { names } = filter;
    return [...this.#byName.values()].filter(
      (p) =>
        (filter.name === undefined || p.name === filter.name) &&
        (filter.status === undefined || p.status === filter.status) &&
        (names === undefined || names === null || names.includes(p.name)),
    );
  }

  /** Session duration limits in whole seconds; a profile without limits allows 1 s to 24 h. */
  durationLimits(profile: QosProfile): { min: number; max: number } {
    const min = profile.minDuration ? Math.ceil(durationSeconds(profile.minDuration)) : 1;
    const max = profile.maxDuration ? Math.floor(durationSeconds(profile.maxDuration)) : 86_400;
    return { min: Math.max(1, min), max };
  }
}

/**
 * Checks that a device may use a profile, given the names the network allows it (null = all).
 * @throws ApiError 422 QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE when it may not.
 */
export function checkProfileForDevice(profile: string, deviceProfiles: readonly string[] | null): void {
  if (deviceProfiles === null || deviceProfiles.includes(profile)) return;
  throw new ApiError(
    "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
    `The requested QoS Profile ${profile} is not available for this device; see retrieve-qos-profiles with the device.`,
  );
}
