import { ApiError } from "../errors.ts";
import { canonicalAddress } from "./ip.ts";
import type { Device } from "./types.ts";

/** The identifier OpenQoD acts on, with the canonical key that sessions of the same device share. */
export interface ChosenDevice {
  device: Device;
  key: string;
}

/**
 * Chooses one identifier from a request's device, in the order phoneNumber, ipv4Address, ipv6Address.
 * A networkAccessIdentifier is accepted alongside others but never chosen: CAMARA reserves it for
 * future use.
 * @throws ApiError 422 MISSING_IDENTIFIER without a device, UNSUPPORTED_IDENTIFIER with only a
 *   networkAccessIdentifier, 400 INVALID_ARGUMENT for an ipv4Address with neither privateAddress nor publicPort.
 */
export function chooseDeviceIdentifier(device: Device | undefined): ChosenDevice {
  if (device === undefined) {
    throw new ApiError("MISSING_IDENTIFIER", "The device cannot be identified: provide a `device` object.");
  }
  const ipv4 = device.ipv4Address;
  if (ipv4 !== undefined && ipv4.privateAddress === undefined && ipv4.publicPort === undefined) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      "device.ipv4Address needs publicAddress plus privateAddress and/or publicPort.",
    );
  }
  if (device.phoneNumber !== undefined) {
    return { device: { phoneNumber: device.phoneNumber }, key: `tel:${device.phoneNumber}` };
  }
  if (ipv4 !== undefined) {
    const key = `ipv4:${ipv4.publicAddress}|${ipv4.privateAddress ?? ""}|${ipv4.publicPort ?? ""}`;
    return { device: { ipv4Address: ipv4 }, key };
  }
  if (device.ipv6Address !== undefined) {
    return {
      device: { ipv6Address: device.ipv6Address },
      key: `ipv6:${canonicalAddress(device.ipv6Address)}`,
    };
  }
  if (device.networkAccessIdentifier !== undefined) {
    throw new ApiError(
      "UNSUPPORTED_IDENTIFIER",
      "networkAccessIdentifier is not supported on its own: add phoneNumber, ipv4Address or ipv6Address.",
    );
  }
  throw new ApiError("MISSING_IDENTIFIER", "The device cannot be identified: it has no identifier.");
}
