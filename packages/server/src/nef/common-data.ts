import { type Static, Type } from "@sinclair/typebox";

/**
 * The common data types of TS 29.122 (TS29122_CommonData.yaml) and TS 29.571 (TS29571_CommonData.yaml)
 * that the AsSessionWithQoS API uses, written from the published definitions (V18.4.0). Patterns are the
 * spec's own; where the spec has two (Ipv6Addr's allOf) they are joined with a lookahead, since one JSON
 * Schema string carries one pattern.
 */

/** RFC 3986 string identifying a resource (TS 29.122 Link); absolute URLs in practice. */
export const Link = Type.String({ minLength: 1 });
export type Link = Static<typeof Link>;

/** Unsigned seconds (TS 29.122 DurationSec). */
export const DurationSec = Type.Integer({ minimum: 0 });
export type DurationSec = Static<typeof DurationSec>;

/** Unsigned bytes (TS 29.122 Volume, int64). */
export const Volume = Type.Integer({ minimum: 0 });
export type Volume = Static<typeof Volume>;

const IPV4_OCTET = "([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])";

/** Dotted decimal, RFC 1166 (TS 29.571 Ipv4Addr). */
export const Ipv4Addr = Type.String({ pattern: `^(${IPV4_OCTET}\\.){3}${IPV4_OCTET}$` });
export type Ipv4Addr = Static<typeof Ipv4Addr>;

const IPV6_SHAPE = "((([^:]+:){7}([^:]+))|((([^:]+:)*[^:]+)?::(([^:]+:)*[^:]+)?))$";
const IPV6_GROUPS =
  "((:|(0?|([1-9a-f][0-9a-f]{0,3}))):)((0?|([1-9a-f][0-9a-f]{0,3})):){0,6}(:|(0?|([1-9a-f][0-9a-f]{0,3})))$";

/** RFC 5952 clause 4 (lower case, no leading zeros), no mixed IPv4 notation (TS 29.571 Ipv6Addr). */
export const Ipv6Addr = Type.String({ pattern: `^(?=${IPV6_SHAPE})${IPV6_GROUPS}` });
export type Ipv6Addr = Static<typeof Ipv6Addr>;

/** RFC 7042 hexadecimal notation with dashes (TS 29.571 MacAddr48). */
export const MacAddr48 = Type.String({ pattern: "^([0-9a-fA-F]{2})((-[0-9a-fA-F]{2}){5})$" });
export type MacAddr48 = Static<typeof MacAddr48>;

/**
 * "msisdn-<5 to 15 digits>" or "extid-<local>@<domain>" (TS 29.571 Gpsi). The spec's pattern ends in a
 * catch-all `|.+`, so any non-empty string passes it; OpenQoD sends the msisdn form.
 */
export const Gpsi = Type.String({ pattern: "^(msisdn-[0-9]{5,15}|extid-[^@]+@[^@]+|.+)$" });
export type Gpsi = Static<typeof Gpsi>;

/** "<local>@<domain>", neither containing "@" (TS 29.122 ExternalGroupId). */
export const ExternalGroupId = Type.String({ pattern: "^[^@]+@[^@]+$" });
export type ExternalGroupId = Static<typeof ExternalGroupId>;

/** Hexadecimal feature bitmask, TS 29.500 clause 6.6 (TS 29.571 SupportedFeatures). */
export const SupportedFeatures = Type.String({ pattern: "^[A-Fa-f0-9]*$" });
export type SupportedFeatures = Static<typeof SupportedFeatures>;

/** A data network name, labels separated by dots (TS 29.571 Dnn). */
export const Dnn = Type.String({ minLength: 1 });
export type Dnn = Static<typeof Dnn>;

/** A network slice (TS 29.571 Snssai). */
export const Snssai = Type.Object(
  {
    sst: Type.Integer({ minimum: 0, maximum: 255 }),
    sd: Type.Optional(Type.String({ pattern: "^[A-Fa-f0-9]{6}$" })),
  },
  { additionalProperties: false },
);
export type Snssai = Static<typeof Snssai>;

/** One rejected parameter: `param` is a JSON Pointer into the body, or a header's name (TS 29.122). */
export const InvalidParam = Type.Object(
  { param: Type.String(), reason: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type InvalidParam = Static<typeof InvalidParam>;

/**
 * An error answer (TS 29.122 ProblemDetails, `application/problem+json`). Left open: the spec extends it
 * by allOf (ProblemDetailsAsSessionWithQos adds `acceptableServInfo`), and a client must not fail on a
 * NEF's extra error detail.
 */
export const ProblemDetails = Type.Object({
  type: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  status: Type.Optional(Type.Integer()),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  cause: Type.Optional(Type.String()),
  invalidParams: Type.Optional(Type.Array(InvalidParam, { minItems: 1 })),
  supportedFeatures: Type.Optional(SupportedFeatures),
});
export type ProblemDetails = Static<typeof ProblemDetails>;
