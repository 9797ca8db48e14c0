import { type Static, Type } from "@sinclair/typebox";
import { Device } from "./common.ts";
import { closed, EXPECTED, StringEnum } from "./kit.ts";

/** CAMARA QoS Profiles 1.1.0: what a profile promises and the request that finds profiles. */

export const QosProfileName = Type.String({
  minLength: 3,
  maxLength: 256,
  pattern: "^[a-zA-Z0-9_.-]+$",
  [EXPECTED]: '3 to 256 characters: letters, digits, "_", ".", "-"',
});

export const Rate = Type.Object(
  {
    value: Type.Integer({ minimum: 0, maximum: 1024 }),
    unit: StringEnum(["bps", "kbps", "Mbps", "Gbps", "Tbps"]),
  },
  closed,
);
export type Rate = Static<typeof Rate>;

export const Duration = Type.Object(
  {
    value: Type.Integer({ minimum: 1 }),
    unit: StringEnum(["Days", "Hours", "Minutes", "Seconds", "Milliseconds", "Microseconds", "Nanoseconds"]),
  },
  closed,
);
export type Duration = Static<typeof Duration>;

export const QosProfileStatus = StringEnum(["ACTIVE", "INACTIVE", "DEPRECATED"]);
export type QosProfileStatus = Static<typeof QosProfileStatus>;

/** CAMARA's `Availability`: the countries (ISO 3166-1 alpha-2) and networks (PLMN ids) a profile is offered in. */
export const CountryAvailability = Type.Array(
  Type.Object(
    {
      countryName: Type.String({
        pattern: "^[A-Z]{2}$",
        [EXPECTED]: "a country code of two capital letters (ISO 3166-1 alpha-2), e.g. FI",
      }),
      networks: Type.Optional(Type.Array(Type.String())),
    },
    closed,
  ),
);
export type CountryAvailability = Static<typeof CountryAvailability>;

/** The service classes CAMARA names (RFC 4594 classes and Microsoft QOS_TRAFFIC_TYPE values). */
export const ServiceClass = StringEnum([
  "microsoft_voice",
  "microsoft_audio_video",
  "real_time_interactive",
  "multimedia_streaming",
  "broadcast_video",
  "low_latency_data",
  "high_throughput_data",
  "low_priority_data",
  "standard",
]);
export type ServiceClass = Static<typeof ServiceClass>;

export const QosProfile = Type.Object(
  {
    name: QosProfileName,
    description: Type.Optional(Type.String()),
    status: QosProfileStatus,
    countryAvailability: Type.Optional(CountryAvailability),
    targetMinUpstreamRate: Type.Optional(Rate),
    maxUpstreamRate: Type.Optional(Rate),
    maxUpstreamBurstRate: Type.Optional(Rate),
    targetMinDownstreamRate: Type.Optional(Rate),
    maxDownstreamRate: Type.Optional(Rate),
    maxDownstreamBurstRate: Type.Optional(Rate),
    minDuration: Type.Optional(Duration),
    maxDuration: Type.Optional(Duration),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    packetDelayBudget: Type.Optional(Duration),
    jitter: Type.Optional(Duration),
    packetErrorLossRate: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    l4sQueueType: Type.Optional(StringEnum(["non-l4s-queue", "l4s-queue", "mixed-queue"])),
    serviceClass: Type.Optional(ServiceClass),
  },
  closed,
);
export type QosProfile = Static<typeof QosProfile>;

export const QosProfileDeviceRequest = Type.Object(
  {
    device: Type.Optional(Device),
    name: Type.Optional(QosProfileName),
    status: Type.Optional(QosProfileStatus),
  },
  closed,
);
export type QosProfileDeviceRequest = Static<typeof QosProfileDeviceRequest>;
