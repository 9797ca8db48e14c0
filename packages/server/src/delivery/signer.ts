import type { ClaimedDelivery } from "../store/types.ts";

/**
 * Headers computed for each attempt as it is sent, not stored with the event: a signature covers the
 * attempt's own timestamp, so a receiver can refuse an old attempt replayed (Standard Webhooks).
 */
export interface NotificationSigner {
  /** The headers to add to this attempt of `delivery`, made at `now` (ms); `{}` for none. */
  headersFor(delivery: ClaimedDelivery, now: number): Promise<Record<string, string>>;
}

/** No signatures: the notification carries only its stored headers. */
export const UNSIGNED: NotificationSigner = { headersFor: async () => ({}) };
