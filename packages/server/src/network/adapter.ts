import type { ChosenDevice } from "../domain/device.ts";
import type { Flow } from "../domain/flow.ts";

/** What the network says of a device before any session is requested for it. */
export type DeviceStatus = "KNOWN" | "NOT_FOUND" | "SERVICE_NOT_APPLICABLE";

/** The network's answer to a session request: granted or refused, after some time. */
export interface SessionVerdict {
  verdict: "GRANT" | "REFUSE";
  /** 0 when the answer is immediate (the session is AVAILABLE in the 201). */
  afterMs: number;
}

export interface SessionRequest {
  sessionId: string;
  device: ChosenDevice;
  flow: Flow;
  qosProfile: string;
  duration: number;
}

/**
 * The seam between OpenQoD and a mobile network: the built-in simulator, or an adapter for a real
 * network exposure function (3GPP TS 29.122 AsSessionWithQoS).
 */
export interface NetworkAdapter {
  checkDevice(device: ChosenDevice): Promise<DeviceStatus>;
  requestSession(request: SessionRequest): Promise<SessionVerdict>;
  releaseSession(sessionId: string): Promise<void>;
}
