import type { Clock } from "../clock.ts";
import type { StatusChange } from "../domain/lifecycle.ts";
import type { ProfileCatalogue } from "../domain/profiles.ts";
import type { SinkPolicy } from "../domain/sink.ts";
import type { Dialect, SessionRecord } from "../domain/types.ts";
import type { NetworkAdapter } from "../network/adapter.ts";
import type { Store } from "../store/store.ts";
import type { OutboxEvent } from "../store/types.ts";
import type { CreateSession } from "../wire/quality-on-demand.ts";

/** What the session service is given: its collaborators, the requests it takes and its policies. */

/** A session request, whichever dialect it came in: CAMARA's `CreateSession`, as the edge maps it. */
export interface CreateSessionInput extends CreateSession {
  /** A token for the sink taken as it is, with no expiry, instead of `sinkCredential`. */
  sinkToken?: string;
}

/** How far an extension may go: the edge of each dialect says. */
export interface ExtensionPolicy {
  /**
   * When set, the session may end at most this long after the extension (ms), whatever the profile's
   * maximum. @default unset: the overall duration stays within the profile's maximum.
   */
  maxRemainingMs?: number;
}

/** Renders the notification of a status change in the dialect that created the session. */
export type NotificationRenderer = (
  session: SessionRecord,
  change: StatusChange,
  now: number,
) => OutboxEvent | null;

export interface SessionServiceOptions {
  store: Store;
  network: NetworkAdapter;
  profiles: ProfileCatalogue;
  clock: Clock;
  renderers: Record<Dialect, NotificationRenderer>;
  sinkPolicy: SinkPolicy;
  /** How long an UNAVAILABLE session stays readable before it is removed (ms). @default 360_000 */
  retentionMs: number;
  /** How long a session may stay REQUESTED without the network's word before it ends (ms). */
  grantTimeoutMs: number;
}
