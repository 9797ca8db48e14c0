import type {
  CreateQodSessionParams,
  DeviceIdentifiers,
  PortsSpec,
  QosStatus,
  SessionData,
  SinkCredential,
  StatusInfo,
} from "./types.ts";

/** The wire format of one QoD API generation: where sessions live, what a create sends, what a session looks like. */
export interface Dialect {
  name: "v1" | "v0";
  /** `device` null: a device-bound token names it, so the body must not (CAMARA: UNNECESSARY_IDENTIFIER). */
  createBody(device: DeviceIdentifiers | null, params: CreateQodSessionParams, now: number): unknown;
  parseSession(wire: unknown): SessionData;
}

/** The fields a session has in both dialects. */
interface WireCommon {
  sessionId: string;
  qosProfile: string;
  qosStatus: QosStatus;
  statusInfo?: StatusInfo;
  duration: number;
  device?: DeviceIdentifiers;
  applicationServer: { ipv4Address?: string; ipv6Address?: string };
  devicePorts?: PortsSpec;
  applicationServerPorts?: PortsSpec;
}

/**
 * A session as CAMARA QoD v1 sends it (`SessionInfo`). The wire types here are written by hand, so the
 * SDK needs nothing; a type test in this package's tests pins them to the OpenQoD server's schemas.
 */
export interface WireV1 extends WireCommon {
  startedAt?: string;
  expiresAt?: string;
  sink?: string;
}

/** A session as Network as Code (v0) sends it: Unix-second times, `webhook`, and `messages` on a create. */
export interface WireV0 extends WireCommon {
  startedAt?: number;
  expiresAt?: number;
  webhook?: { notificationUrl: string };
  messages?: Array<{ severity: "INFO" | "WARNING"; description: string }>;
}

/** What a create sends in both dialects. */
interface CreateWireCommon {
  device?: DeviceIdentifiers;
  applicationServer: { ipv4Address?: string; ipv6Address?: string };
  devicePorts?: PortsSpec;
  applicationServerPorts?: PortsSpec;
  qosProfile: string;
}

/** The body of a CAMARA QoD v1 create (`CreateSession`), as this SDK sends it. */
export interface CreateSessionWireV1 extends CreateWireCommon {
  duration: number;
  sink?: string;
  sinkCredential?: SinkCredential;
}

/** The body of a Network-as-Code v0 create, as this SDK sends it. */
export interface CreateSessionWireV0 extends CreateWireCommon {
  duration?: number;
  webhook?: { notificationUrl: string; notificationAuthToken?: string };
}

const RETRY_HORIZON_MS = 28 * 3_600_000;

function common(params: CreateQodSessionParams, device: DeviceIdentifiers | null): CreateWireCommon {
  return {
    ...(device === null ? {} : { device }),
    applicationServer: {
      ...(params.serviceIpv4 === undefined ? {} : { ipv4Address: params.serviceIpv4 }),
      ...(params.serviceIpv6 === undefined ? {} : { ipv6Address: params.serviceIpv6 }),
    },
    ...(params.devicePorts === undefined ? {} : { devicePorts: params.devicePorts }),
    ...(params.servicePorts === undefined ? {} : { applicationServerPorts: params.servicePorts }),
    qosProfile: params.profile,
  };
}

function session(
  wire: WireCommon,
  times: { startedAt: Date | undefined; expiresAt: Date | undefined },
  url: string | undefined,
): SessionData {
  return {
    id: wire.sessionId,
    profile: wire.qosProfile,
    status: wire.qosStatus,
    statusInfo: wire.statusInfo,
    duration: wire.duration,
    ...times,
    device: wire.device ?? {},
    serviceIpv4: wire.applicationServer?.ipv4Address,
    serviceIpv6: wire.applicationServer?.ipv6Address,
    servicePorts: wire.applicationServerPorts,
    devicePorts: wire.devicePorts,
    notificationUrl: url,
  };
}

/** CAMARA Quality-On-Demand v1: `sink` + `sinkCredential`, RFC 3339 times. */
export const camaraV1: Dialect = {
  name: "v1",
  createBody(device, params, now) {
    const duration = params.duration ?? 3600;
    const sink = params.notificationUrl ?? params.sink;
    let sinkCredential: SinkCredential | undefined = params.sinkCredential;
    if (sinkCredential === undefined && params.notificationAuthToken !== undefined) {
      const expires =
        params.notificationAuthTokenExpiresAt ?? new Date(now + duration * 1000 + RETRY_HORIZON_MS);
      sinkCredential = {
        credentialType: "ACCESSTOKEN",
        // Network-as-Code habit: the token may come prefixed; CAMARA wants the bare token.
        accessToken: params.notificationAuthToken.replace(/^Bearer\s+/i, ""),
        accessTokenExpiresUtc: expires.toISOString(),
        accessTokenType: "bearer",
      };
    }
    const body: CreateSessionWireV1 = {
      ...common(params, device),
      duration,
      ...(sink === undefined ? {} : { sink }),
      ...(sinkCredential === undefined ? {} : { sinkCredential }),
    };
    return body;
  },
  parseSession(wire) {
    const w = wire as WireV1;
    return session(
      w,
      {
        startedAt: w.startedAt === undefined ? undefined : new Date(w.startedAt),
        expiresAt: w.expiresAt === undefined ? undefined : new Date(w.expiresAt),
      },
      w.sink,
    );
  },
};

/** Network as Code (CAMARA QoD v0.10): `webhook`, Unix-second times. */
export const nacV0: Dialect = {
  name: "v0",
  createBody(device, params) {
    const url = params.notificationUrl ?? params.sink;
    const token = params.notificationAuthToken ?? params.sinkCredential?.accessToken;
    const body: CreateSessionWireV0 = {
      ...common(params, device),
      ...(params.duration === undefined ? {} : { duration: params.duration }),
      ...(url === undefined
        ? {}
        : {
            webhook: {
              notificationUrl: url,
              ...(token === undefined ? {} : { notificationAuthToken: token }),
            },
          }),
    };
    return body;
  },
  parseSession(wire) {
    const w = wire as WireV0;
    return session(
      w,
      {
        startedAt: w.startedAt === undefined ? undefined : new Date(w.startedAt * 1000),
        expiresAt: w.expiresAt === undefined ? undefined : new Date(w.expiresAt * 1000),
      },
      w.webhook?.notificationUrl,
    );
  },
};
