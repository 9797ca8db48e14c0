import type { SessionRecord } from "../domain/types.ts";
import { webhookAuthorization } from "./envelope-v0.ts";

/** The `Authorization` header of a /quality-on-demand/v1 notification: the sinkCredential's bearer token. */
export const bearerAuthorization = (token: string): string => `Bearer ${token}`;

/**
 * The `Authorization` header the session's notifications carry, in its dialect's words, or null when
 * it has no token. A redelivery takes it from here once settling removed the event's own copy.
 */
export function sinkAuthorization(session: SessionRecord): string | null {
  if (session.sinkToken === null) return null;
  return session.dialect === "v0"
    ? webhookAuthorization(session.sinkToken)
    : bearerAuthorization(session.sinkToken);
}
