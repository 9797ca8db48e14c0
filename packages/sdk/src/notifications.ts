import type { Context } from "./context.ts";
import { openqodUrl } from "./openqod-only.ts";
import type { Notification, RecoverRequest, RecoverResult } from "./types.ts";

/**
 * `client.notifications`: your sessions' status-change notifications, each with every delivery
 * attempt, and redelivery now. An OpenQoD extension (`/notifications/v1`).
 */
export class Notifications {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * A session's notifications, oldest first, also after the session itself was removed.
   * @throws ValidationError on a target other than OpenQoD; NotFoundError, PermissionDeniedError.
   */
  async list(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<Notification[]> {
    const base = openqodUrl(this.#ctx, "notifications.list");
    const { data } = await this.#ctx.transport.request<{ notifications: Notification[] }>({
      method: "GET",
      url: `${base}/notifications/v1/sessions/${encodeURIComponent(sessionId)}/notifications`,
      idempotent: true,
      signal: options.signal,
    });
    return data.notifications;
  }

  /**
   * Asks for a notification (pending, failed or delivered) to be attempted again now, with the same id;
   * the server records the attempt like any other. Safe to repeat, so it is retried like a read.
   * @returns the notification, now pending.
   * @throws ValidationError on a target other than OpenQoD; NotFoundError, PermissionDeniedError,
   *   ConflictError (its access token has expired).
   */
  async redeliver(notificationId: string, options: { signal?: AbortSignal } = {}): Promise<Notification> {
    const base = openqodUrl(this.#ctx, "notifications.redeliver");
    const { data } = await this.#ctx.transport.request<Notification>({
      method: "POST",
      url: `${base}/notifications/v1/notifications/${encodeURIComponent(notificationId)}/redeliver`,
      idempotent: true,
      signal: options.signal,
    });
    return data;
  }

  /**
   * Sends again every notification of one sink (its URL as notifications show it) or one origin that
   * was never delivered, created in [since, until) (at most 7 days; `until` defaults to now): failed
   * and expired ones are reopened, pending ones made due now. Delivered ones are never resent, so a
   * second call sends nothing twice; it is retried like a read. At most 1000 a call: while
   * `more` is true, call again with the same request and `cursor` = `nextCursor`.
   * @throws ValidationError on a target other than OpenQoD; BadRequestError (window over 7 days, a bad URL,
   *   a cursor the server did not give).
   */
  async recover(request: RecoverRequest, options: { signal?: AbortSignal } = {}): Promise<RecoverResult> {
    const base = openqodUrl(this.#ctx, "notifications.recover");
    const { data } = await this.#ctx.transport.request<RecoverResult>({
      method: "POST",
      url: `${base}/notifications/v1/recover`,
      body: request,
      idempotent: true,
      signal: options.signal,
    });
    return data;
  }
}
