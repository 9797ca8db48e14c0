import { type Static, Type } from "@sinclair/typebox";
import { ApplicationServer, Device, PortsSpec, Seconds } from "./common.ts";
import { closed, StringEnum } from "./kit.ts";
import { QosProfileName } from "./qos-profiles.ts";

/** CAMARA Quality-On-Demand 1.1.0 (`/quality-on-demand/v1`): session requests and `SessionInfo`. */

export const QosStatus = StringEnum(["REQUESTED", "AVAILABLE", "UNAVAILABLE"]);
export type QosStatus = Static<typeof QosStatus>;

export const StatusInfo = StringEnum(["DURATION_EXPIRED", "NETWORK_TERMINATED", "DELETE_REQUESTED"]);
export type StatusInfo = Static<typeof StatusInfo>;

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
export type SinkCredential = Static<typeof SinkCredential>;

/**
 * The one `sinkCredential` OpenQoD accepts (domain/sink.ts narrows a SinkCredential to it). Not used
 * to validate (SinkCredential is, for the error codes); it is the type clients write against.
 */
export const AccessTokenCredential = Type.Object(
  {
    credentialType: Type.Literal("ACCESSTOKEN"),
    accessToken: Type.String(),
    accessTokenExpiresUtc: Type.String({ format: "date-time" }),
    accessTokenType: Type.Literal("bearer"),
  },
  closed,
);
export type AccessTokenCredential = Static<typeof AccessTokenCredential>;

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
export type ExtendSessionDuration = Static<typeof ExtendSessionDuration>;

export const RetrieveSessionsInput = Type.Object({ device: Type.Optional(Device) }, closed);
export type RetrieveSessionsInput = Static<typeof RetrieveSessionsInput>;

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
