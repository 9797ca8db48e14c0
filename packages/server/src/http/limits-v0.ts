import type { ProfileCatalogue } from "../domain/profiles.ts";
import type { ExtensionPolicy } from "../service/session-service.ts";
import type { Message } from "./schemas-v0.ts";

/**
 * How long a Network-as-Code (v0) session may last. These are the dialect's rules, not CAMARA v1's,
 * so they live at the v0 edge and reach the service as plain limits.
 */

/** A v0 session lasts at most a day (seconds), whatever its profile allows. */
export const V0_MAX_DURATION = 86_400;

/** A v0 extension may take the session to at most a day from now, whatever its profile allows. */
export const V0_EXTENSION_POLICY: ExtensionPolicy = { maxRemainingMs: V0_MAX_DURATION * 1000 };

/**
 * The duration of a v0 create that gives none: the profile's maximum, at most a day, and the message
 * that says so. An unknown profile gets a day here; the create then refuses the profile.
 */
export function defaultDurationV0(
  profiles: ProfileCatalogue,
  qosProfile: string,
): { duration: number; message: Message } {
  const profile = profiles.get(qosProfile);
  const duration = Math.min(
    V0_MAX_DURATION,
    profile ? profiles.durationLimits(profile).max : V0_MAX_DURATION,
  );
  return {
    duration,
    message: { severity: "INFO", description: `No duration was given: the session lasts ${duration} s.` },
  };
}
