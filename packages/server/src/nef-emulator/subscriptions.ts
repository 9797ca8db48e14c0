import type { AsSessionWithQoSSubscription, UserPlaneEvent } from "../nef/wire.ts";

/**
 * Where an emulated subscription stands: waiting for the network's allocation report, allocated,
 * failed (FAILED_RESOURCES_ALLOCATION sent; the resource lives until the AF deletes it), or allocated
 * but currently not guaranteed.
 */
export type SubscriptionState = "PENDING" | "ALLOCATED" | "FAILED" | "NOT_GUARANTEED";

export interface EmulatedSubscription {
  id: string;
  scsAsId: string;
  /** The resource's absolute URL: the `Location` of the 201 and `self`. */
  url: string;
  /** The body as the NEF holds it (what GET answers), `self` included. */
  body: AsSessionWithQoSSubscription;
  state: SubscriptionState;
  /** Epoch ms, on the emulator's clock. */
  createdAt: number;
  /** When usageThreshold.duration runs out (epoch ms), or null without a duration. */
  expiresAt: number | null;
}

/** Whether the subscriber asked for this event (a NEF reports only subscribed events). */
export function subscribed(subscription: EmulatedSubscription, event: UserPlaneEvent): boolean {
  return subscription.body.events?.includes(event) ?? false;
}

/** The end of a subscription's duration, counted from its creation. */
export function expiryOf(body: AsSessionWithQoSSubscription, createdAt: number): number | null {
  const duration = body.usageThreshold?.duration;
  return duration === undefined ? null : createdAt + duration * 1000;
}

/** A JSON merge patch (RFC 7396) of `patch` onto `target`; null removes. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
