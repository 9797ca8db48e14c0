import type { Dialect } from "./dialects.ts";
import type { Transport } from "./transport.ts";
import type { DeviceIdentifiers } from "./types.ts";

/** What resources share: the request path, the dialect, and where each API lives. */
export interface Context {
  transport: Transport;
  dialect: Dialect;
  /** Base of `/sessions` and `/retrieve-sessions`, e.g. http://127.0.0.1:9091/quality-on-demand/v1. */
  qodUrl: string;
  /** Base of the QoS Profiles API, or null when the target has none. */
  qosProfilesUrl: string | null;
  /** The OpenQoD server's root, for its own APIs (notifications, sandbox); null on other targets. */
  openqodUrl: string | null;
  /** The device the credentials' tokens are bound to (three-legged), or null: then requests carry none. */
  boundDevice: DeviceIdentifiers | null;
}
