/** What the linux-tc tests share: the built-in profiles, a device, a session's request, an ApiError check. */
import assert from "node:assert/strict";
import { parseFlow } from "../../src/domain/flow.ts";
import { BUILT_IN_PROFILES, ProfileCatalogue } from "../../src/domain/profiles.ts";
import type { Device } from "../../src/domain/types.ts";
import { ApiError } from "../../src/errors.ts";
import type { NetworkSessionRequest } from "../../src/network/adapter.ts";

export const profiles = new ProfileCatalogue(BUILT_IN_PROFILES);
export const DEVICE: Device = { ipv4Address: { publicAddress: "198.18.1.2", privateAddress: "198.18.1.2" } };
export const LINKS = { down: 100e6, up: 100e6 };

export function request(
  overrides: Partial<NetworkSessionRequest> & { ports?: number[] } = {},
): NetworkSessionRequest {
  const { ports = [5202], ...rest } = overrides;
  return {
    sessionId: "0190a000-0000-7000-8000-000000000001",
    device: { device: DEVICE, key: "ipv4:198.18.1.2" },
    identifiers: DEVICE,
    flow: parseFlow({ ipv4Address: "198.18.2.2" }, { ports }, null),
    qosProfile: "QOS_L",
    duration: 60,
    ...rest,
  };
}

export function apiError(status: number, code: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}
