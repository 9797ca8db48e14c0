import type { ChosenDevice } from "../domain/device.ts";
import type { SessionRecord } from "../domain/types.ts";
import { ApiError } from "../errors.ts";

/**
 * Whom a session operation acts for: the API client that owns the sessions, narrowed to one device
 * when the credential is a device-bound (three-legged) token. CAMARA: such a token names the device,
 * so the request must not, and it reaches only that device's sessions.
 */
export interface Owner {
  clientId: string;
  /** The device the token is bound to; null for a two-legged credential (API key, client credentials). */
  device: ChosenDevice | null;
}

/** A two-legged owner: the whole client. */
export const clientOwner = (clientId: string): Owner => ({ clientId, device: null });

/**
 * The session if `owner` may act on it.
 * @throws ApiError 404 NOT_FOUND, 403 PERMISSION_DENIED (another client's session, or another device's
 *   for a device-bound token).
 */
export function owned(session: SessionRecord | undefined, owner: Owner): SessionRecord {
  if (session === undefined) throw new ApiError("NOT_FOUND", "The specified session is not found.");
  if (session.clientId !== owner.clientId) {
    throw new ApiError("PERMISSION_DENIED", "This session belongs to another API client.");
  }
  if (owner.device !== null && session.deviceKey !== owner.device.key) {
    throw new ApiError(
      "PERMISSION_DENIED",
      "This session is of another device than the one the access token is bound to.",
    );
  }
  return session;
}

/**
 * The device a request acts on: the body's for a two-legged credential, the token's for a device-bound
 * one (which must then come without a body device).
 * @throws ApiError 422 UNNECESSARY_IDENTIFIER (both), and what `choose` throws for the body's device.
 */
export function deviceOf<D>(
  owner: Owner,
  bodyDevice: D | undefined,
  choose: (device: D | undefined) => ChosenDevice,
): ChosenDevice {
  if (owner.device === null) return choose(bodyDevice);
  if (bodyDevice !== undefined) {
    throw new ApiError(
      "UNNECESSARY_IDENTIFIER",
      "The device is already identified by the access token: leave `device` out of the request.",
    );
  }
  return owner.device;
}
