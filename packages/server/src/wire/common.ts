import { type Static, Type } from "@sinclair/typebox";
import { closed, EXPECTED } from "./kit.ts";

/**
 * The CAMARA types both APIs (Quality-On-Demand and QoS Profiles) and both dialects share: devices,
 * application servers, ports and durations in seconds. Each schema and its type have one name.
 * Checks JSON Schema cannot express well (IP prefixes, from <= to, which device identifier) live in domain/.
 */

/** A signed 32-bit number of seconds, as CAMARA types durations; ranges are the domain's business. */
export const Seconds = Type.Integer({
  minimum: -2_147_483_648,
  maximum: 2_147_483_647,
  [EXPECTED]: "a whole number of seconds",
});

export const Port = Type.Integer({
  minimum: 0,
  maximum: 65_535,
  description: "TCP or UDP port number",
  [EXPECTED]: "a port number from 0 to 65535",
});

export const PortRange = Type.Object({ from: Port, to: Port }, closed);
export type PortRange = Static<typeof PortRange>;

export const PortsSpec = Type.Object(
  {
    ranges: Type.Optional(Type.Array(PortRange, { minItems: 1 })),
    ports: Type.Optional(Type.Array(Port, { minItems: 1 })),
  },
  { ...closed, minProperties: 1 },
);
export type PortsSpec = Static<typeof PortsSpec>;

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
export type DeviceIpv4Addr = Static<typeof DeviceIpv4Addr>;

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
export type Device = Static<typeof Device>;

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
export type ApplicationServer = Static<typeof ApplicationServer>;
