import type { SessionRecord } from "../domain/types.ts";
import type { OutboxEvent } from "../store/types.ts";

/**
 * Wraps a rendered notification for the outbox: the body is serialised once, here, so every retry
 * sends the same bytes; the Authorization header is computed from the session's token by the dialect.
 */
export function toOutboxEvent(
  session: SessionRecord & { sink: string },
  event: { id: string },
  contentType: string,
  authorization: (token: string) => string,
  now: number,
): OutboxEvent {
  const headers: Record<string, string> = { "content-type": contentType };
  if (session.sinkToken !== null) headers.authorization = authorization(session.sinkToken);
  return {
    eventId: event.id,
    sessionId: session.id,
    sink: session.sink,
    headers,
    body: JSON.stringify(event),
    tokenExpiresAt: session.sinkTokenExpiresAt,
    createdAt: now,
  };
}
