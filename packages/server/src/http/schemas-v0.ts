/**
 * The Network-as-Code dialect: CAMARA QoD v0.10 bodies, as Nokia's SDKs send them. Device, servers
 * and ports are the same types as v1; the sink is a `webhook` with a plain token, and times are Unix seconds.
 */

import { type Static, Type } from "@sinclair/typebox";
import { ApplicationServer, Device, PortsSpec, Seconds } from "../wire/common.ts";
import { closed, StringEnum } from "../wire/kit.ts";
import { QosProfileName } from "../wire/qos-profiles.ts";
import { QosStatus, StatusInfo } from "../wire/quality-on-demand.ts";

export const Webhook = Type.Object(
  {
    notificationUrl: Type.String({ format: "uri", maxLength: 2048 }),
    notificationAuthToken: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  closed,
);

export const CreateSessionV0 = Type.Object(
  {
    device: Type.Optional(Device),
    applicationServer: ApplicationServer,
    devicePorts: Type.Optional(PortsSpec),
    applicationServerPorts: Type.Optional(PortsSpec),
    qosProfile: QosProfileName,
    // Optional here: the default (and maximum) is 86 400 s.
    duration: Type.Optional(Seconds),
    webhook: Type.Optional(Webhook),
  },
  closed,
);
export type CreateSessionV0 = Static<typeof CreateSessionV0>;

const Message = Type.Object({
  severity: StringEnum(["INFO", "WARNING"]),
  description: Type.String(),
});
export type Message = Static<typeof Message>;

/** Response schema: the token is not part of it, so it can never be written out. */
export const SessionInfoV0 = Type.Object({
  sessionId: Type.String({ format: "uuid" }),
  duration: Type.Integer(),
  device: Type.Optional(Device),
  applicationServer: ApplicationServer,
  devicePorts: Type.Optional(PortsSpec),
  applicationServerPorts: Type.Optional(PortsSpec),
  qosProfile: Type.String(),
  webhook: Type.Optional(Type.Object({ notificationUrl: Type.String() })),
  startedAt: Type.Optional(Type.Integer({ description: "Unix seconds" })),
  expiresAt: Type.Optional(Type.Integer({ description: "Unix seconds" })),
  qosStatus: QosStatus,
  statusInfo: Type.Optional(StatusInfo),
  messages: Type.Optional(Type.Array(Message)),
});
export type SessionInfoV0 = Static<typeof SessionInfoV0>;
