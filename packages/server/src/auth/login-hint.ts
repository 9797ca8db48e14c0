import { isIPv4, isIPv6 } from "node:net";
import type { Device } from "../domain/types.ts";
import { OAuthError } from "./oauth-error.ts";

/** CAMARA's phoneNumber: E.164 with its leading "+". */
const E164 = /^\+[1-9][0-9]{4,14}$/;
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/;

/**
 * The device a CIBA `login_hint` names, in CAMARA's forms: `tel:+E164`, `ipv4:a.b.c.d` optionally with
 * `:port`, `ipv6:address`. An IPv4 address without a port is taken as not behind NAT, so it is both the
 * public and the private address, as CAMARA's DeviceIpv4Addr says to state such a device.
 * @throws OAuthError invalid_request for any other form.
 */
export function deviceOfLoginHint(hint: string): Device {
  const colon = hint.indexOf(":");
  const scheme = colon < 0 ? "" : hint.slice(0, colon);
  const value = hint.slice(colon + 1);
  if (scheme === "tel" && E164.test(value)) return { phoneNumber: value };
  if (scheme === "ipv4") {
    const match = IPV4_WITH_PORT.exec(value);
    const address = match?.[1];
    if (address !== undefined && isIPv4(address)) {
      const port = match?.[2] === undefined ? undefined : Number(match[2]);
      if (port === undefined) return { ipv4Address: { publicAddress: address, privateAddress: address } };
      if (port <= 65535) return { ipv4Address: { publicAddress: address, publicPort: port } };
    }
  }
  // node:net accepts a zone id (fe80::1%eth0), which names an interface of this host, not a device.
  if (scheme === "ipv6" && isIPv6(value) && !value.includes("%")) return { ipv6Address: value };
  // A "+" sent unencoded in a form arrives as a space: say so, rather than only that the form is wrong.
  if (scheme === "tel" && value.startsWith(" "))
    throw new OAuthError("invalid_request", "login_hint tel: has a space where + was meant: send + as %2B");
  throw new OAuthError(
    "invalid_request",
    `login_hint ${JSON.stringify(hint).slice(0, 100)} is not tel:+<E.164 number>, ipv4:<address>[:<port>] or ipv6:<address>`,
  );
}
