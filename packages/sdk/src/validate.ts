import { ValidationError } from "./errors.ts";
import type { CreateQodSessionParams, DeviceIdentifiers, PortsSpec } from "./types.ts";

const E164 = /^\+[1-9][0-9]{4,14}$/;

/**
 * Checks a device locally and normalises its phone number ("36721601234567" → "+36721601234567").
 * @throws ValidationError without any identifier, or with a malformed one.
 */
export function checkDevice(device: DeviceIdentifiers): DeviceIdentifiers {
  const { phoneNumber, ipv4Address, ipv6Address, networkAccessIdentifier } = device;
  if (
    phoneNumber === undefined &&
    ipv4Address === undefined &&
    ipv6Address === undefined &&
    networkAccessIdentifier === undefined
  ) {
    throw new ValidationError(
      "device",
      "give at least one of phoneNumber, ipv4Address, ipv6Address, networkAccessIdentifier",
    );
  }
  const normalised: DeviceIdentifiers = { ...device };
  if (phoneNumber !== undefined) {
    const withPlus = /^\d/.test(phoneNumber) ? `+${phoneNumber}` : phoneNumber;
    if (!E164.test(withPlus)) {
      throw new ValidationError(
        "phoneNumber",
        `"${phoneNumber}" is not an E.164 number (digits only, optional leading +)`,
      );
    }
    normalised.phoneNumber = withPlus;
  }
  if (ipv4Address !== undefined) {
    if (!isIpv4(ipv4Address.publicAddress))
      throw new ValidationError("ipv4Address.publicAddress", "is not an IPv4 address");
    if (ipv4Address.privateAddress !== undefined && !isIpv4(ipv4Address.privateAddress)) {
      throw new ValidationError("ipv4Address.privateAddress", "is not an IPv4 address");
    }
    if (ipv4Address.privateAddress === undefined && ipv4Address.publicPort === undefined) {
      throw new ValidationError("ipv4Address", "needs privateAddress or publicPort besides publicAddress");
    }
    if (ipv4Address.publicPort !== undefined) checkPort(ipv4Address.publicPort, "ipv4Address.publicPort");
  }
  return normalised;
}

/** @throws ValidationError for anything the server would refuse for sure. */
export function checkCreateParams(params: CreateQodSessionParams): void {
  if (typeof params.profile !== "string" || params.profile === "")
    throw new ValidationError("profile", "is required");
  if (params.serviceIpv4 === undefined && params.serviceIpv6 === undefined) {
    throw new ValidationError("serviceIpv4", "give serviceIpv4 or serviceIpv6 (the application server)");
  }
  if (params.serviceIpv4 !== undefined && !isIpv4(params.serviceIpv4.split("/")[0] ?? "")) {
    throw new ValidationError("serviceIpv4", `"${params.serviceIpv4}" is not an IPv4 address`);
  }
  if (params.duration !== undefined && (!Number.isInteger(params.duration) || params.duration < 1)) {
    throw new ValidationError("duration", "must be a whole number of seconds, at least 1");
  }
  if (params.servicePorts !== undefined) checkPorts(params.servicePorts, "servicePorts");
  if (params.devicePorts !== undefined) checkPorts(params.devicePorts, "devicePorts");
  const url = params.notificationUrl ?? params.sink;
  if (
    params.notificationUrl !== undefined &&
    params.sink !== undefined &&
    params.notificationUrl !== params.sink
  ) {
    throw new ValidationError("notificationUrl", "notificationUrl and sink name the same thing; give one");
  }
  if (url !== undefined && !URL.canParse(url))
    throw new ValidationError("notificationUrl", `"${url}" is not an absolute URL`);
  if (
    url === undefined &&
    (params.notificationAuthToken !== undefined || params.sinkCredential !== undefined)
  ) {
    throw new ValidationError("notificationAuthToken", "a token without a notificationUrl is never sent");
  }
}

function checkPorts(spec: PortsSpec, field: string): void {
  if ((spec.ports?.length ?? 0) === 0 && (spec.ranges?.length ?? 0) === 0)
    throw new ValidationError(field, "needs ports or ranges");
  for (const [i, p] of (spec.ports ?? []).entries()) checkPort(p, `${field}.ports[${i}]`);
  spec.ranges?.forEach((r, i) => {
    checkPort(r.from, `${field}.ranges[${i}].from`);
    checkPort(r.to, `${field}.ranges[${i}].to`);
    if (r.from > r.to)
      throw new ValidationError(`${field}.ranges[${i}]`, `from (${r.from}) is greater than to (${r.to})`);
  });
}

function checkPort(port: number, field: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ValidationError(field, `${port} is not a port (0-65535)`);
}

function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}
