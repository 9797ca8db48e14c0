import type { ChosenDevice } from "../../domain/device.ts";
import type { Flow } from "../../domain/flow.ts";
import { type AddressRange, parseAddressRange } from "../../domain/ip.ts";
import type { AsSessionWithQoSSubscription, UserPlaneEvent } from "../../nef/wire.ts";
import type { NetworkSessionRequest } from "../adapter.ts";
import { addressText, type FlowEnd, flowDescriptions } from "./ip-filter-rule.ts";

/**
 * How a QoD session request becomes a TS 29.122 AsSessionWithQoSSubscription. Pure: the adapter adds
 * nothing but the HTTP call.
 */

/** The events OpenQoD subscribes to: each becomes a session transition (see events.ts). */
export const SUBSCRIBED_EVENTS: readonly UserPlaneEvent[] = [
  "SESSION_TERMINATION",
  "QOS_GUARANTEED",
  "QOS_NOT_GUARANTEED",
  "SUCCESSFUL_RESOURCES_ALLOCATION",
  "FAILED_RESOURCES_ALLOCATION",
];

/**
 * The spec's text requires `supportedFeatures` on a create (TS 29.122 clause 5.14.2.1.2); OpenQoD uses
 * none of the optional features, so the bitmask is empty.
 */
export const SUPPORTED_FEATURES = "0";

type UeIdentifier = Pick<AsSessionWithQoSSubscription, "ueIpv4Addr" | "ueIpv6Addr" | "gpsi">;

/**
 * The UE as the NEF knows it: the public IPv4 address (what the network sees behind NAT), the IPv6
 * address in RFC 5952 form (the NEF's Ipv6Addr pattern wants it), or the phone number as a GPSI.
 * The chosen device has exactly one of them (chooseDeviceIdentifier).
 */
export function ueIdentifier(device: ChosenDevice): UeIdentifier {
  const { phoneNumber, ipv4Address, ipv6Address } = device.device;
  if (phoneNumber !== undefined) return { gpsi: `msisdn-${phoneNumber.replace(/^\+/, "")}` };
  if (ipv4Address !== undefined) return { ueIpv4Addr: ipv4Address.publicAddress };
  if (ipv6Address !== undefined) {
    const range = parseAddressRange(ipv6Address.split("/")[0] ?? ipv6Address, 6);
    return { ueIpv6Addr: range === null ? ipv6Address : addressText(range) };
  }
  throw new Error("a chosen device has a phone number, an IPv4 or an IPv6 address");
}

/** The device's own address, when known, as the rules' device end. */
function deviceAddress(device: ChosenDevice): AddressRange | null {
  const { ipv4Address, ipv6Address } = device.device;
  if (ipv4Address !== undefined) return parseAddressRange(ipv4Address.publicAddress, 4);
  if (ipv6Address !== undefined) return parseAddressRange(ipv6Address.split("/")[0] ?? ipv6Address, 6);
  return null;
}

/**
 * The flow as one FlowInfo (flowId 1) per application-server address: each with its downlink and
 * uplink rule. The device end is its address when the session names one of the server's IP version,
 * else `any` (a phone number; the UE's other family): the NEF binds the flow to the UE anyway.
 */
export function flowInfo(
  device: ChosenDevice,
  flow: Flow,
): NonNullable<AsSessionWithQoSSubscription["flowInfo"]> {
  const ue = deviceAddress(device);
  return flow.serverRanges.map((range, i) => {
    const server: FlowEnd = { address: range, ports: flow.serverPorts };
    const deviceEnd: FlowEnd = {
      address: ue !== null && ue.version === range.version ? ue : "any",
      ports: flow.devicePorts,
    };
    return { flowId: i + 1, flowDescriptions: flowDescriptions(server, deviceEnd) };
  });
}

/** The create body of a session; `notificationDestination` is its callback URL (callback-url.ts). */
export function subscriptionFor(
  request: NetworkSessionRequest,
  options: { qosReference: string; notificationDestination: string },
): AsSessionWithQoSSubscription {
  return {
    supportedFeatures: SUPPORTED_FEATURES,
    notificationDestination: options.notificationDestination,
    ...ueIdentifier(request.device),
    flowInfo: flowInfo(request.device, request.flow),
    qosReference: options.qosReference,
    usageThreshold: { duration: request.duration },
    events: [...SUBSCRIBED_EVENTS],
  };
}
