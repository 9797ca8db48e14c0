import { type Static, type TSchema, Type } from "@sinclair/typebox";

/**
 * JSON Schemas of the CAMARA QoD 1.1.0 and QoS Profiles 1.1.0 wire types, written from the spec.
 * Objects are closed (`additionalProperties: false`); the server relaxes that by configuration.
 * Checks JSON Schema cannot express well (IP prefixes, from <= to, which device identifier) live in domain/.
 */
const closed = { additionalProperties: false } as const;

export const XCorrelatorPattern = "^[a-zA-Z0-9-_:;.\\/<>{}]{0,256}$";

export const Port = Type.Integer({ minimum: 0, maximum: 65_535, description: "TCP or UDP port number" });

export const PortsSpec = Type.Object(
  {
    ranges: Type.Optional(Type.Array(Type.Object({ from: Port, to: Port }, closed), { minItems: 1 })),
    ports: Type.Optional(Type.Array(Port, { minItems: 1 })),
  },
  { ...closed, minProperties: 1 },
);

export const PhoneNumber = Type.String({
  pattern: "^\\+[1-9][0-9]{4,14}$",
  description: "E.164 with a leading +",
});

export const DeviceIpv4Addr = Type.Object(
  {
    publicAddress: Type.String({ format: "ipv4" }),
    privateAddress: Type.Optional(Type.String({ format: "ipv4" })),
    publicPort: Type.Optional(Port),
  },
  closed,
);

export const Device = Type.Object(
  {
    phoneNumber: Type.Optional(PhoneNumber),
    networkAccessIdentifier: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    ipv4Address: Type.Optional(DeviceIpv4Addr),
    ipv6Address: Type.Optional(Type.String({ format: "ipv6" })),
  },
  { ...closed, minProperties: 1 },
);

export const ApplicationServer = Type.Object(
  {
    ipv4Address: Type.Optional(
      Type.String({ maxLength: 18, description: "IPv4 address, optionally /prefix" }),
    ),
    ipv6Address: Type.Optional(
      Type.String({ maxLength: 43, description: "IPv6 address, optionally /prefix" }),
    ),
  },
  { ...closed, minProperties: 1 },
);

export const QosProfileName = Type.String({ minLength: 3, maxLength: 256, pattern: "^[a-zA-Z0-9_.-]+$" });

/** Loose on purpose: PLAIN and REFRESHTOKEN must reach the handler to earn their specific error codes. */
export const SinkCredential = Type.Object(
  {
    credentialType: Type.Union([
      Type.Literal("PLAIN"),
      Type.Literal("ACCESSTOKEN"),
      Type.Literal("REFRESHTOKEN"),
    ]),
    accessToken: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    accessTokenExpiresUtc: Type.Optional(Type.String({ format: "date-time" })),
    accessTokenType: Type.Optional(Type.String()),
    identifier: Type.Optional(Type.String()),
    secret: Type.Optional(Type.String()),
    refreshToken: Type.Optional(Type.String()),
    refreshTokenEndpoint: Type.Optional(Type.String()),
  },
  closed,
);

export const CreateSession = Type.Object(
  {
    device: Type.Optional(Device),
    applicationServer: ApplicationServer,
    devicePorts: Type.Optional(PortsSpec),
    applicationServerPorts: Type.Optional(PortsSpec),
    qosProfile: QosProfileName,
    sink: Type.Optional(Type.String({ format: "uri", maxLength: 2048 })),
    sinkCredential: Type.Optional(SinkCredential),
    // The range (>= 1, within the profile) is checked by the domain, which answers DURATION_OUT_OF_RANGE.
    duration: Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }),
  },
  closed,
);
export type CreateSession = Static<typeof CreateSession>;

export const ExtendSessionDuration = Type.Object(
  { requestedAdditionalDuration: Type.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 }) },
  closed,
);

export const RetrieveSessionsInput = Type.Object({ device: Type.Optional(Device) }, closed);

export const SessionIdParams = Type.Object({ sessionId: Type.String({ format: "uuid" }) });

const QosStatus = Type.Union([
  Type.Literal("REQUESTED"),
  Type.Literal("AVAILABLE"),
  Type.Literal("UNAVAILABLE"),
]);
const StatusInfo = Type.Union([
  Type.Literal("DURATION_EXPIRED"),
  Type.Literal("NETWORK_TERMINATED"),
  Type.Literal("DELETE_REQUESTED"),
]);

/** Response schema: fast-json-stringify writes only these fields, so no secret can slip out. */
export const SessionInfo = Type.Object({
  device: Type.Optional(Device),
  applicationServer: ApplicationServer,
  devicePorts: Type.Optional(PortsSpec),
  applicationServerPorts: Type.Optional(PortsSpec),
  qosProfile: Type.String(),
  sink: Type.Optional(Type.String()),
  sessionId: Type.String({ format: "uuid" }),
  duration: Type.Integer(),
  startedAt: Type.Optional(Type.String({ format: "date-time" })),
  expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  qosStatus: QosStatus,
  statusInfo: Type.Optional(StatusInfo),
});
export type SessionInfo = Static<typeof SessionInfo>;

export const ErrorInfo = Type.Object({ status: Type.Integer(), code: Type.String(), message: Type.String() });

const Rate = Type.Object(
  {
    value: Type.Integer({ minimum: 0, maximum: 1024 }),
    unit: Type.Union(["bps", "kbps", "Mbps", "Gbps", "Tbps"].map((u) => Type.Literal(u))),
  },
  closed,
);
const Duration = Type.Object(
  {
    value: Type.Integer({ minimum: 1 }),
    unit: Type.Union(
      ["Days", "Hours", "Minutes", "Seconds", "Milliseconds", "Microseconds", "Nanoseconds"].map((u) =>
        Type.Literal(u),
      ),
    ),
  },
  closed,
);
export const QosProfileStatus = Type.Union([
  Type.Literal("ACTIVE"),
  Type.Literal("INACTIVE"),
  Type.Literal("DEPRECATED"),
]);

export const QosProfile = Type.Object(
  {
    name: QosProfileName,
    description: Type.Optional(Type.String()),
    status: QosProfileStatus,
    countryAvailability: Type.Optional(
      Type.Array(
        Type.Object(
          {
            countryName: Type.String({ pattern: "^[A-Z]{2}$" }),
            networks: Type.Optional(Type.Array(Type.String())),
          },
          closed,
        ),
      ),
    ),
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
    l4sQueueType: Type.Optional(
      Type.Union([Type.Literal("non-l4s-queue"), Type.Literal("l4s-queue"), Type.Literal("mixed-queue")]),
    ),
    serviceClass: Type.Optional(
      Type.Union(
        [
          "microsoft_voice",
          "microsoft_audio_video",
          "real_time_interactive",
          "multimedia_streaming",
          "broadcast_video",
          "low_latency_data",
          "high_throughput_data",
          "low_priority_data",
          "standard",
        ].map((c) => Type.Literal(c)),
      ),
    ),
  },
  closed,
);

export const QosProfileDeviceRequest = Type.Object(
  {
    device: Type.Optional(Device),
    name: Type.Optional(QosProfileName),
    status: Type.Optional(QosProfileStatus),
  },
  closed,
);

export const QosProfileNameParams = Type.Object({ name: QosProfileName });

/** Error responses for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorInfo]));
}
