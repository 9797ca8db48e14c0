import { BUILT_IN_PROFILES } from "../domain/profiles.ts";
import type { Example } from "./docs.ts";

/**
 * The example values of the OpenAPI document: the quickstart's device, server and profile, so what
 * /docs shows is what the sandbox answers. test/openapi.test.ts sends every request example.
 */

export const EXAMPLE_SESSION_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const phoneNumber = "+36721601234567";
const applicationServer = { ipv4Address: "233.252.0.2" };
const startedAt = "2026-06-01T12:00:00.000Z";
const expiresAt = "2026-06-01T13:00:00.000Z";

export const createSessionExamples: Record<string, Example> = {
  minimal: {
    summary: "A phone, a server, a profile and a duration",
    value: { device: { phoneNumber }, applicationServer, qosProfile: "QOS_L", duration: 3600 },
  },
  withPortsAndSink: {
    summary: "Ports, and notifications to a webhook with a bearer token",
    value: {
      device: { ipv4Address: { publicAddress: "203.0.113.7", privateAddress: "192.0.2.25" } },
      applicationServer: { ipv4Address: "233.252.0.0/24" },
      devicePorts: { ports: [5060] },
      applicationServerPorts: { ranges: [{ from: 5010, to: 5020 }], ports: [5060] },
      qosProfile: "QOS_E",
      duration: 600,
      sink: "https://application-server.example.com/notifications",
      sinkCredential: {
        credentialType: "ACCESSTOKEN",
        accessToken: "replace-with-your-webhook-token",
        accessTokenExpiresUtc: "2030-01-01T00:00:00Z",
        accessTokenType: "bearer",
      },
    },
  },
};

const sessionInfo = {
  device: { phoneNumber },
  applicationServer,
  qosProfile: "QOS_L",
  sessionId: EXAMPLE_SESSION_ID,
  duration: 3600,
  startedAt,
  expiresAt,
  qosStatus: "AVAILABLE",
};

export const sessionExamples: Record<string, Example> = {
  available: { summary: "Granted by the network", value: sessionInfo },
};

export const endedSessionExamples: Record<string, Example> = {
  ...sessionExamples,
  expired: {
    summary: "Ended; readable until it is removed",
    value: { ...sessionInfo, qosStatus: "UNAVAILABLE", statusInfo: "DURATION_EXPIRED" },
  },
};

export const extendedSessionExamples: Record<string, Example> = {
  extended: {
    summary: "Ten minutes longer",
    value: { ...sessionInfo, duration: 4200, expiresAt: "2026-06-01T13:10:00.000Z" },
  },
};

export const sessionListExamples: Record<string, Example> = {
  one: { summary: "The device's sessions of this client", value: [sessionInfo] },
  none: { summary: "No sessions", value: [] },
};

export const extendExamples: Record<string, Example> = {
  tenMinutes: { summary: "Ten more minutes", value: { requestedAdditionalDuration: 600 } },
};

export const retrieveSessionsExamples: Record<string, Example> = {
  byPhone: { summary: "The sessions of one phone", value: { device: { phoneNumber } } },
};

const unix = (iso: string) => Date.parse(iso) / 1000;

export const createSessionV0Examples: Record<string, Example> = {
  asTheSeedSends: {
    summary: "What Network-as-Code SDKs send: a webhook with a plain token",
    value: {
      device: { phoneNumber },
      applicationServer,
      qosProfile: "QOS_L",
      duration: 3600,
      webhook: {
        notificationUrl: "https://application-server.example.com/notifications",
        notificationAuthToken: "replace-with-your-webhook-token",
      },
    },
  },
  noDuration: {
    summary: "No duration: the session lasts the profile's maximum, at most a day",
    value: { device: { phoneNumber }, applicationServer, qosProfile: "QOS_L" },
  },
};

const sessionInfoV0 = {
  sessionId: EXAMPLE_SESSION_ID,
  duration: 3600,
  device: { phoneNumber },
  applicationServer,
  qosProfile: "QOS_L",
  webhook: { notificationUrl: "https://application-server.example.com/notifications" },
  startedAt: unix(startedAt),
  expiresAt: unix(expiresAt),
  qosStatus: "AVAILABLE",
};

export const sessionV0Examples: Record<string, Example> = {
  available: { summary: "Granted by the network; times in Unix seconds", value: sessionInfoV0 },
};

export const createdSessionV0Examples: Record<string, Example> = {
  ...sessionV0Examples,
  defaultDuration: {
    summary: "Created without a duration",
    value: {
      ...sessionInfoV0,
      duration: 86_400,
      expiresAt: unix(startedAt) + 86_400,
      messages: [{ severity: "INFO", description: "No duration was given: the session lasts 86400 s." }],
    },
  },
};

export const extendedSessionV0Examples: Record<string, Example> = {
  extended: {
    summary: "Ten minutes longer",
    value: { ...sessionInfoV0, duration: 4200, expiresAt: unix(expiresAt) + 600 },
  },
};

export const sessionListV0Examples: Record<string, Example> = {
  one: { summary: "The device's sessions of this client", value: [sessionInfoV0] },
};

const qosL = BUILT_IN_PROFILES.find((p) => p.name === "QOS_L");

export const qosProfileExamples: Record<string, Example> = {
  QOS_L: { summary: "A built-in profile", value: qosL },
};

export const qosProfileListExamples: Record<string, Example> = {
  all: { summary: "Every profile", value: BUILT_IN_PROFILES },
};

export const retrieveQosProfilesExamples: Record<string, Example> = {
  active: { summary: "Every ACTIVE profile", value: { status: "ACTIVE" } },
  byName: { summary: "One profile by name", value: { name: "QOS_L" } },
  forDevice: {
    summary: "What one device can use",
    value: { device: { phoneNumber }, status: "ACTIVE" },
  },
};
