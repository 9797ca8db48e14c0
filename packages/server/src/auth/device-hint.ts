import { isIPv4, isIPv6 } from "node:net";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { chooseDeviceIdentifier } from "../domain/device.ts";
import { ApiError } from "../errors.ts";
import { Device } from "../wire/common.ts";

/**
 * A device as an identity provider names it: a CAMARA `Device` object, or one of the strings CAMARA's
 * CIBA `login_hint` uses, `tel:+36721601234567`, `ipv4:203.0.113.7` (a device not behind NAT: its
 * private address is its public one), `ipv4:203.0.113.7:5000` (public address and port) or
 * `ipv6:2001:db8::1`.
 * @returns the one identifier OpenQoD acts on (chooseDeviceIdentifier), or a reason it names no device.
 */
export function deviceFromHint(value: unknown): Device | { invalid: string } {
  const device = typeof value === "string" ? fromString(value) : fromObject(value);
  if ("invalid" in device) return device;
  try {
    return chooseDeviceIdentifier(device).device;
  } catch (error) {
    if (error instanceof ApiError) return { invalid: error.message };
    throw error;
  }
}

function fromString(text: string): Device | { invalid: string } {
  const colon = text.indexOf(":");
  const scheme = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (colon > 0 && scheme === "tel") return fromObject({ phoneNumber: rest });
  if (colon > 0 && scheme === "ipv6") return fromObject({ ipv6Address: rest });
  if (colon > 0 && scheme === "ipv4") {
    const [address = "", port, extra] = rest.split(":");
    if (extra !== undefined) return { invalid: "an ipv4: device has the form ipv4:ADDRESS[:PORT]" };
    if (port === undefined)
      return fromObject({ ipv4Address: { publicAddress: address, privateAddress: address } });
    if (!/^\d{1,5}$/.test(port)) return { invalid: `the port of ${text.slice(0, 64)} is not a number` };
    return fromObject({ ipv4Address: { publicAddress: address, publicPort: Number(port) } });
  }
  return { invalid: "a device string must start with tel:, ipv4: or ipv6:" };
}

/**
 * Checks a Device against its wire schema. TypeBox has no `ipv4`/`ipv6` formats registered (ajv checks
 * them on requests), so those are checked here with node:net instead of a global format registry.
 */
function fromObject(value: unknown): Device | { invalid: string } {
  const error = [...Value.Errors(Device, value)].find((e) => e.type !== ValueErrorType.StringFormatUnknown);
  if (error !== undefined) return { invalid: `${error.path || "the device"}: ${error.message}` };
  const device = value as Device;
  const v4 = device.ipv4Address;
  const badV4 = [v4?.publicAddress, v4?.privateAddress].find((a) => a !== undefined && !isIPv4(a));
  if (badV4 !== undefined) return { invalid: `${badV4.slice(0, 64)} is not an IPv4 address` };
  // A zone id (fe80::1%eth0) names an interface of this host, not a device.
  if (device.ipv6Address !== undefined && (!isIPv6(device.ipv6Address) || device.ipv6Address.includes("%")))
    return { invalid: `${device.ipv6Address.slice(0, 64)} is not an IPv6 address` };
  return device;
}
