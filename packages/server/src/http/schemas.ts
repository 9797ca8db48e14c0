import { type SchemaOptions, type Static, type TSchema, Type } from "@sinclair/typebox";
import { EXPECTED } from "./validation-messages.ts";

/**
 * JSON Schemas of the CAMARA QoD 1.1.0 and QoS Profiles 1.1.0 wire types, written from the spec.
 * Objects are closed (`additionalProperties: false`); the server relaxes that by configuration.
 * Checks JSON Schema cannot express well (IP prefixes, from <= to, which device identifier) live in domain/.
 * Every `pattern` carries an `x-expected` (EXPECTED) annotation: the words a validation message uses.
 */
const closed = { additionalProperties: false } as const;

/**
 * A string that is one of `values`: a union of literals, which TypeBox's `Value.Check` understands
 * too (catalogue-files.ts checks operator files with these schemas); messages list the values.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Union(
    values.map((value: T[number]) => Type.Literal(value)),
    options,
  );
}

/** A signed 32-bit number of seconds, as CAMARA types durations; ranges are the domain's business. */
export const Seconds = Type.Integer({
  minimum: -2_147_483_648,
  maximum: 2_147_483_647,
  [EXPECTED]: "a whole number of seconds",
});

export const XCorrelatorPattern = "^[a-zA-Z0-9-_:;.\\/<>{}]{0,256}$";

export const Port = Type.Integer({
  minimum: 0,
  maximum: 65_535,
  description: "TCP or UDP port number",
  [EXPECTED]: "a port number from 0 to 65535",
});

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
  [EXPECTED]: "a phone number in E.164 format: a + and 5 to 15 digits, the first not 0, e.g. +36721601234567",
});

export const DeviceIpv4Addr = Type.Object(
  {
    publicAddress: Type.String({ format: "ipv4" }),
    privateAddress: Type.Optional(Type.String({ format: "ipv4" })),
    publicPort: Type.Optional(Port),
  },
  closed,
);

// In the order OpenQoD chooses among them (networkAccessIdentifier is reserved), which messages list.
export const Device = Type.Object(
  {
    phoneNumber: Type.Optional(PhoneNumber),
    ipv4Address: Type.Optional(DeviceIpv4Addr),
    ipv6Address: Type.Optional(Type.String({ format: "ipv6" })),
    networkAccessIdentifier: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { ...closed, minProperties: 1 },
);

export const ApplicationServer = Type.Object(
  {
    ipv4Address: Type.Optional(
      Type.String({
        maxLength: 18,
        description: "IPv4 address, optionally /prefix",
        [EXPECTED]: "an IPv4 address or prefix, e.g. 233.252.0.2 or 233.252.0.0/24",
      }),
    ),
    ipv6Address: Type.Optional(
      Type.String({
        maxLength: 43,
        description: "IPv6 address, optionally /prefix",
        [EXPECTED]: "an IPv6 address or prefix, e.g. 2001:db8::1 or 2001:db8::/64",
      }),
    ),
  },
  { ...closed, minProperties: 1 },
);

export const QosProfileName = Type.String({
  minLength: 3,
  maxLength: 256,
  pattern: "^[a-zA-Z0-9_.-]+$",
  [EXPECTED]: '3 to 256 characters: letters, digits, "_", ".", "-"',
});

/** Loose on purpose: PLAIN and REFRESHTOKEN must reach the handler to earn their specific error codes. */
export const SinkCredential = Type.Object(
  {
    credentialType: StringEnum(["PLAIN", "ACCESSTOKEN", "REFRESHTOKEN"]),
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
    duration: Seconds,
  },
  closed,
);
export type CreateSession = Static<typeof CreateSession>;

export const ExtendSessionDuration = Type.Object({ requestedAdditionalDuration: Seconds }, closed);

export const RetrieveSessionsInput = Type.Object({ device: Type.Optional(Device) }, closed);

export const SessionIdParams = Type.Object({
  sessionId: Type.String({
    format: "uuid",
    description: "The session's id, as its create answered",
    examples: ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
  }),
});

export const QosStatus = StringEnum(["REQUESTED", "AVAILABLE", "UNAVAILABLE"]);
export const StatusInfo = StringEnum(["DURATION_EXPIRED", "NETWORK_TERMINATED", "DELETE_REQUESTED"]);

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
    unit: StringEnum(["bps", "kbps", "Mbps", "Gbps", "Tbps"]),
  },
  closed,
);
const Duration = Type.Object(
  {
    value: Type.Integer({ minimum: 1 }),
    unit: StringEnum(["Days", "Hours", "Minutes", "Seconds", "Milliseconds", "Microseconds", "Nanoseconds"]),
  },
  closed,
);
export const QosProfileStatus = StringEnum(["ACTIVE", "INACTIVE", "DEPRECATED"]);

export const QosProfile = Type.Object(
  {
    name: QosProfileName,
    description: Type.Optional(Type.String()),
    status: QosProfileStatus,
    countryAvailability: Type.Optional(
      Type.Array(
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
    l4sQueueType: Type.Optional(StringEnum(["non-l4s-queue", "l4s-queue", "mixed-queue"])),
    serviceClass: Type.Optional(
      StringEnum([
        "microsoft_voice",
        "microsoft_audio_video",
        "real_time_interactive",
        "multimedia_streaming",
        "broadcast_video",
        "low_latency_data",
        "high_throughput_data",
        "low_priority_data",
        "standard",
      ]),
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

export const QosProfileNameParams = Type.Object({
  name: Type.String({ ...QosProfileName, description: "The profile's name", examples: ["QOS_L"] }),
});

/** Error responses without examples; docs.ts `errors()` gives them examples and descriptions. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorInfo]));
}
