import type { UserPlaneEvent } from "../../nef/wire.ts";
import type { NetworkEvent } from "../adapter.ts";

/**
 * A NEF event as the network event OpenQoD applies. SUCCESSFUL_RESOURCES_ALLOCATION and QOS_GUARANTEED
 * grant a REQUESTED session (on an AVAILABLE one, GRANTED means "guaranteed again");
 * FAILED_RESOURCES_ALLOCATION refuses a REQUESTED session and ends an AVAILABLE one; SESSION_TERMINATION
 * ends it; QOS_NOT_GUARANTEED leaves it AVAILABLE (CAMARA has no degraded status) but is counted and logged.
 * Events OpenQoD did not subscribe to are ignored (null).
 */
export function networkEventKind(event: UserPlaneEvent): NetworkEvent["kind"] | null {
  switch (event) {
    case "SUCCESSFUL_RESOURCES_ALLOCATION":
    case "QOS_GUARANTEED":
      return "GRANTED";
    case "FAILED_RESOURCES_ALLOCATION":
      return "REFUSED";
    case "SESSION_TERMINATION":
      return "TERMINATED";
    case "QOS_NOT_GUARANTEED":
      return "NOT_GUARANTEED";
    default:
      return null;
  }
}
