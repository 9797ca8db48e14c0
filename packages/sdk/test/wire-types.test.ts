import assert from "node:assert/strict";
import { test } from "node:test";
import type { Static } from "@sinclair/typebox";
import type { SessionRecord } from "../../server/src/domain/types.ts";
import type {
  DeliveryAttempt as DeliveryAttemptSchema,
  Notification as NotificationSchema,
  NotificationState as NotificationStateSchema,
  RecoverRequest as RecoverRequestSchema,
  RecoverResult as RecoverResultSchema,
  Sink as SinkSchema,
} from "../../server/src/http/schemas-notifications.ts";
import type { CreateSessionV0, SessionInfoV0 } from "../../server/src/http/schemas-v0.ts";
import { toSessionInfoV0 } from "../../server/src/http/session-info-v0.ts";
import { toSessionInfo } from "../../server/src/http/session-info-v1.ts";
import type { Notification as ServiceNotification } from "../../server/src/service/notification.ts";
import type { RecoveryOutcome as ServiceRecoveryOutcome } from "../../server/src/service/recovery.ts";
import type { SinkHealth as ServiceSinkHealth } from "../../server/src/service/sink-health.ts";
import type {
  DeviceIpv4Addr,
  Device as ServerDevice,
  PortRange as ServerPortRange,
  PortsSpec as ServerPortsSpec,
} from "../../server/src/wire/common.ts";
import type {
  Duration as ServerDuration,
  QosProfile as ServerQosProfile,
  QosProfileStatus as ServerQosProfileStatus,
  Rate as ServerRate,
  ServiceClass as ServerServiceClass,
} from "../../server/src/wire/qos-profiles.ts";
import type {
  AccessTokenCredential,
  CreateSession,
  QosStatus as ServerQosStatus,
  SinkCredential as ServerSinkCredential,
  StatusInfo as ServerStatusInfo,
  SessionInfo,
} from "../../server/src/wire/quality-on-demand.ts";
import {
  type CreateSessionWireV0,
  type CreateSessionWireV1,
  camaraV1,
  nacV0,
  type WireV0,
  type WireV1,
} from "../src/dialects.ts";
import type * as sdk from "../src/types.ts";
import type { SessionData } from "../src/types.ts";

/**
 * The SDK's wire types are written by hand (the SDK depends on nothing); the server's come from its
 * schemas. These checks pin one to the other, so a drift on either side fails `tsc -b`.
 */

type Assert<T extends true> = T;

/** Each is assignable to the other. Too weak alone: an optional field one side lacks still passes. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The same type: every field, optional or not, on both sides, with the same types, at every depth. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** What the SDK sends, the server accepts, and the SDK names no field the server's schema lacks. */
type Accepts<Server, Sent> = [Sent] extends [Server]
  ? [keyof Sent] extends [keyof Server]
    ? true
    : false
  : false;

/** Responses: what the server sends is exactly what the SDK declares. */
export type ResponsePins = [
  Assert<Same<sdk.QosStatus, ServerQosStatus>>,
  Assert<Same<sdk.StatusInfo, ServerStatusInfo>>,
  Assert<Same<sdk.QosProfileStatus, ServerQosProfileStatus>>,
  Assert<Same<sdk.DeviceIpv4Addr, DeviceIpv4Addr>>,
  Assert<Same<sdk.DeviceIdentifiers, ServerDevice>>,
  Assert<Same<sdk.PortRange, ServerPortRange>>,
  Assert<Same<sdk.PortsSpec, ServerPortsSpec>>,
  Assert<Same<sdk.Rate, ServerRate>>,
  Assert<Same<sdk.Duration, ServerDuration>>,
  Assert<Same<sdk.ServiceClass, ServerServiceClass>>,
  Assert<Same<sdk.QosProfile, ServerQosProfile>>,
  Assert<Same<WireV1, SessionInfo>>,
  Assert<Same<WireV0, SessionInfoV0>>,
  Assert<Same<sdk.NotificationState, Static<typeof NotificationStateSchema>>>,
  Assert<Same<sdk.AttemptOutcome, Static<typeof DeliveryAttemptSchema>["outcome"]>>,
  Assert<Same<sdk.DeliveryAttempt, Static<typeof DeliveryAttemptSchema>>>,
  Assert<Same<sdk.Notification, Static<typeof NotificationSchema>>>,
  // The server's service writes its notification type by hand too; through the SDK's, it is pinned as well.
  Assert<Same<sdk.Notification, ServiceNotification>>,
  Assert<Same<sdk.RecoverResult, Static<typeof RecoverResultSchema>>>,
  Assert<Same<sdk.RecoverResult, ServiceRecoveryOutcome>>,
  Assert<Same<sdk.Sink, Static<typeof SinkSchema>>>,
  Assert<Same<sdk.Sink, ServiceSinkHealth>>,
];

/** Requests: what the SDK sends fits the server's schemas, field names included. */
export type RequestPins = [
  Assert<Same<sdk.SinkCredential, AccessTokenCredential>>,
  Assert<Accepts<ServerSinkCredential, sdk.SinkCredential>>,
  Assert<Accepts<CreateSession, CreateSessionWireV1>>,
  Assert<Accepts<CreateSessionV0, CreateSessionWireV0>>,
  Assert<Same<sdk.RecoverRequest, Static<typeof RecoverRequestSchema>>>,
];

/** A v1 session as an SDK would declare it had it missed `sink` (a drift the pins must catch). */
interface SessionInfoWithoutSink {
  device?: sdk.DeviceIdentifiers;
  applicationServer: { ipv4Address?: string; ipv6Address?: string };
  devicePorts?: sdk.PortsSpec;
  applicationServerPorts?: sdk.PortsSpec;
  qosProfile: string;
  sessionId: string;
  duration: number;
  startedAt?: string;
  expiresAt?: string;
  qosStatus: sdk.QosStatus;
  statusInfo?: sdk.StatusInfo;
}

/** The pins are strict enough: that drift fails `Same`, though mutual assignability lets it through. */
export type DriftIsCaught = [
  // @ts-expect-error a field the server sends and the SDK does not declare is a drift
  Assert<Same<SessionInfoWithoutSink, SessionInfo>>,
  Assert<Mutual<SessionInfoWithoutSink, SessionInfo>>,
  // @ts-expect-error a session field the server's create does not know is a drift
  Assert<Accepts<CreateSession, CreateSessionWireV1 & { notificationUrl?: string }>>,
];

test("a session the server renders reads the same through the SDK, in both dialects", () => {
  const startedAt = Date.parse("2030-01-01T12:00:00Z");
  const session: SessionRecord = {
    id: "0190a0a0-0000-7000-8000-000000000001",
    clientId: "client",
    dialect: "v1",
    device: { phoneNumber: "+36721601234567" },
    deviceKey: "phone:+36721601234567",
    applicationServer: { ipv4Address: "233.252.0.0/24" },
    devicePorts: { ports: [5060] },
    applicationServerPorts: { ranges: [{ from: 5010, to: 5020 }] },
    qosProfile: "QOS_L",
    sink: "https://app.example.com/notifications",
    sinkToken: "secret",
    sinkTokenExpiresAt: null,
    duration: 600,
    qosStatus: "AVAILABLE",
    statusInfo: null,
    createdAt: startedAt,
    startedAt,
    expiresAt: startedAt + 600_000,
    dueAt: startedAt + 600_000,
    networkVerdict: null,
    networkRef: null,
  };
  const expected: SessionData = {
    id: session.id,
    profile: "QOS_L",
    status: "AVAILABLE",
    statusInfo: undefined,
    duration: 600,
    startedAt: new Date(startedAt),
    expiresAt: new Date(startedAt + 600_000),
    device: { phoneNumber: "+36721601234567" },
    serviceIpv4: "233.252.0.0/24",
    serviceIpv6: undefined,
    servicePorts: { ranges: [{ from: 5010, to: 5020 }] },
    devicePorts: { ports: [5060] },
    notificationUrl: "https://app.example.com/notifications",
  };
  assert.deepEqual(camaraV1.parseSession(toSessionInfo(session)), expected);
  assert.deepEqual(nacV0.parseSession(toSessionInfoV0(session)), expected);
});
