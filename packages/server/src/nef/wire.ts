import { type Static, type TSchema, Type } from "@sinclair/typebox";
import {
  Dnn,
  DurationSec,
  ExternalGroupId,
  Gpsi,
  Ipv4Addr,
  Ipv6Addr,
  Link,
  MacAddr48,
  Snssai,
  SupportedFeatures,
  Volume,
} from "./common-data.ts";

export * from "./common-data.ts";

/**
 * TS 29.122 (V18.4.0) AsSessionWithQoS: the subscription an AF (OpenQoD) asks a NEF for, its merge patch
 * and the NEF's notifications, as TypeBox schemas and their types. Written from
 * TS29122_AsSessionWithQoS.yaml; TypeBox only, so the NEF adapter and the NEF emulator share them.
 *
 * Objects OpenQoD sends are closed (`additionalProperties: false`), as a strict NEF treats unknown fields.
 * They model the attributes of the spec that carry plain data; the rest (Ethernet flows, multi-modal flows,
 * TSC and QoS monitoring requirements, …) are in UNMODELLED_SUBSCRIPTION_FIELDS, so a validator can say
 * "defined by the spec, not supported" instead of "unknown".
 */

const closed = { additionalProperties: false } as const;

/** Every value of the spec's UserPlaneEvent enumeration. */
export const USER_PLANE_EVENTS = [
  "SESSION_TERMINATION",
  "LOSS_OF_BEARER",
  "RECOVERY_OF_BEARER",
  "RELEASE_OF_BEARER",
  "USAGE_REPORT",
  "FAILED_RESOURCES_ALLOCATION",
  "QOS_GUARANTEED",
  "QOS_NOT_GUARANTEED",
  "QOS_MONITORING",
  "SUCCESSFUL_RESOURCES_ALLOCATION",
  "ACCESS_TYPE_CHANGE",
  "PLMN_CHG",
  "L4S_NOT_AVAILABLE",
  "L4S_AVAILABLE",
  "BAT_OFFSET_INFO",
  "RT_DELAY_TWO_QOS_FLOWS",
  "PACK_DELAY_VAR",
] as const;

/**
 * A user plane event. The spec also admits any other string "for forward compatibility"; a subscription
 * may only name the values above (a NEF cannot subscribe to an event it does not know), and a receiver
 * of notifications should ignore reports of events it does not know rather than reject them.
 */
export const UserPlaneEvent = Type.Union(USER_PLANE_EVENTS.map((event) => Type.Literal(event)));
export type UserPlaneEvent = Static<typeof UserPlaneEvent>;

/**
 * One IP flow: up to two IPFilterRule strings (TS 29.214 clause 5.3.8, e.g.
 * "permit out ip from 198.51.100.1 80 to 203.0.113.5"), uplink and/or downlink.
 */
export const FlowInfo = Type.Object(
  {
    flowId: Type.Integer(),
    flowDescriptions: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 2 })),
    tosTC: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{4}$" })),
  },
  closed,
);
export type FlowInfo = Static<typeof FlowInfo>;

/** When the NEF ends the session: after `duration` seconds, or after so many bytes. */
export const UsageThreshold = Type.Object(
  {
    duration: Type.Optional(DurationSec),
    totalVolume: Type.Optional(Volume),
    downlinkVolume: Type.Optional(Volume),
    uplinkVolume: Type.Optional(Volume),
  },
  closed,
);
export type UsageThreshold = Static<typeof UsageThreshold>;

/** UsageThreshold in a merge patch: null removes a value (or the whole threshold). */
export const UsageThresholdRm = Type.Union([
  Type.Object(
    {
      duration: Type.Optional(Type.Union([DurationSec, Type.Null()])),
      totalVolume: Type.Optional(Type.Union([Volume, Type.Null()])),
      downlinkVolume: Type.Optional(Type.Union([Volume, Type.Null()])),
      uplinkVolume: Type.Optional(Type.Union([Volume, Type.Null()])),
    },
    closed,
  ),
  Type.Null(),
]);
export type UsageThresholdRm = Static<typeof UsageThresholdRm>;

export const SponsorInformation = Type.Object({ sponsorId: Type.String(), aspId: Type.String() }, closed);
export type SponsorInformation = Static<typeof SponsorInformation>;

/**
 * The subscription resource: the body of a create (POST) or replace (PUT), and what GET answers. `self`
 * is the resource's URL, set by the NEF (a client may send it back on PUT; the NEF ignores it).
 * Which UE identifier is given (exactly one of ueIpv4Addr / ueIpv6Addr / macAddr, or a gpsi) is a rule of
 * the spec's text (clause 5.14.2.1.2), not of this schema; so is `supportedFeatures` being required on POST.
 */
export const AsSessionWithQoSSubscription = Type.Object(
  {
    self: Type.Optional(Link),
    supportedFeatures: Type.Optional(SupportedFeatures),
    dnn: Type.Optional(Dnn),
    snssai: Type.Optional(Snssai),
    notificationDestination: Link,
    exterAppId: Type.Optional(Type.String()),
    extGroupId: Type.Optional(ExternalGroupId),
    gpsi: Type.Optional(Gpsi),
    flowInfo: Type.Optional(Type.Array(FlowInfo, { minItems: 1 })),
    qosReference: Type.Optional(Type.String()),
    altQoSReferences: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    disUeNotif: Type.Optional(Type.Boolean()),
    ueIpv4Addr: Type.Optional(Ipv4Addr),
    ipDomain: Type.Optional(Type.String()),
    ueIpv6Addr: Type.Optional(Ipv6Addr),
    macAddr: Type.Optional(MacAddr48),
    usageThreshold: Type.Optional(UsageThreshold),
    sponsorInfo: Type.Optional(SponsorInformation),
    qosDuration: Type.Optional(DurationSec),
    qosInactInt: Type.Optional(DurationSec),
    directNotifInd: Type.Optional(Type.Boolean()),
    requestTestNotification: Type.Optional(Type.Boolean()),
    events: Type.Optional(Type.Array(UserPlaneEvent, { minItems: 1 })),
  },
  closed,
);
export type AsSessionWithQoSSubscription = Static<typeof AsSessionWithQoSSubscription>;

/** The attributes of a subscription the spec defines and these schemas do not model. */
export const UNMODELLED_SUBSCRIPTION_FIELDS = [
  "ethFlowInfo",
  "enEthFlowInfo",
  "listUeAddrs",
  "multiModalId",
  "protoDesc",
  "altQosReqs",
  "qosMonInfo",
  "pdvMon",
  "tscQosReq",
  "l4sInfo",
  "websockNotifConfig",
  "multiModDatFlows",
  "pduSetQos",
  "rTLatencyInd",
  "periodInfo",
  "rttMon",
  "qosMonDatRate",
  "avrgWndw",
  "servAuthInfo",
  "qosMonConReq",
  "listUeConsDtRt",
] as const;

/** An optional attribute a merge patch may set to null (the spec's "Rm" types). */
const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/**
 * The body of a PATCH (`application/merge-patch+json`, RFC 7396): what may change on a live subscription.
 * OpenQoD extends a session with `{usageThreshold: {duration}}`, the new duration counted from the start.
 */
export const AsSessionWithQoSSubscriptionPatch = Type.Object(
  {
    exterAppId: Type.Optional(Type.String()),
    flowInfo: Type.Optional(Type.Array(FlowInfo, { minItems: 1 })),
    qosReference: Type.Optional(Type.String()),
    altQoSReferences: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    disUeNotif: Type.Optional(Type.Boolean()),
    usageThreshold: Type.Optional(UsageThresholdRm),
    directNotifInd: Type.Optional(Type.Boolean()),
    notificationDestination: Type.Optional(Link),
    events: Type.Optional(Type.Array(UserPlaneEvent, { minItems: 1 })),
    qosDuration: nullable(DurationSec),
    qosInactInt: nullable(DurationSec),
  },
  closed,
);
export type AsSessionWithQoSSubscriptionPatch = Static<typeof AsSessionWithQoSSubscriptionPatch>;

/** What was used so far (TS 29.122 AccumulatedUsage), reported with SESSION_TERMINATION or USAGE_REPORT. */
export const AccumulatedUsage = Type.Object(
  {
    duration: Type.Optional(DurationSec),
    totalVolume: Type.Optional(Volume),
    downlinkVolume: Type.Optional(Volume),
    uplinkVolume: Type.Optional(Volume),
  },
  closed,
);
export type AccumulatedUsage = Static<typeof AccumulatedUsage>;

/**
 * One event in a notification. Open, unlike what OpenQoD sends: a NEF may add the spec's monitoring
 * reports, RAT type or PLMN, which OpenQoD does not read and must not reject.
 */
export const UserPlaneEventReport = Type.Object({
  event: UserPlaneEvent,
  accumulatedUsage: Type.Optional(AccumulatedUsage),
  flowIds: Type.Optional(Type.Array(Type.Integer(), { minItems: 1 })),
  appliedQosRef: Type.Optional(Type.String()),
  altQosNotSuppInd: Type.Optional(Type.Boolean()),
});
export type UserPlaneEventReport = Static<typeof UserPlaneEventReport>;

/** The body a NEF POSTs to `notificationDestination`; `transaction` is the subscription's URL. */
export const UserPlaneNotificationData = Type.Object({
  transaction: Link,
  eventReports: Type.Array(UserPlaneEventReport, { minItems: 1 }),
});
export type UserPlaneNotificationData = Static<typeof UserPlaneNotificationData>;
