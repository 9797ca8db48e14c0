import type { Context } from "./context.ts";
import { camaraV1 } from "./dialects.ts";
import { openqodUrl } from "./openqod-only.ts";
import { QodSession } from "./session.ts";

/**
 * `client.sandbox`: make an OpenQoD sandbox's network do what a real one does on its own, so your app
 * can be tested against it (`/sandbox/v1`, only on a server in sandbox mode).
 */
export class Sandbox {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * The network terminates the session: UNAVAILABLE / NETWORK_TERMINATED, notified.
   * @throws ValidationError on a target other than OpenQoD; NotFoundError, PermissionDeniedError,
   *   ConflictError (already ended).
   */
  networkTerminate(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<QodSession> {
    return this.#act(sessionId, "network-terminate", "sandbox.networkTerminate", options.signal);
  }

  /**
   * The session's time runs out now: UNAVAILABLE / DURATION_EXPIRED, notified like a real expiry.
   * @throws ValidationError on a target other than OpenQoD; NotFoundError, PermissionDeniedError,
   *   ConflictError (already ended).
   */
  expire(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<QodSession> {
    return this.#act(sessionId, "expire", "sandbox.expire", options.signal);
  }

  /**
   * The simulated network reports `kind` for the session, through the path a real network's
   * notification takes: GRANTED (a REQUESTED session becomes AVAILABLE), REFUSED or TERMINATED
   * (UNAVAILABLE / NETWORK_TERMINATED), NOT_GUARANTEED or GUARANTEED (it stays AVAILABLE, not notified).
   * @returns the session once the server applied the event.
   * @throws ValidationError on a target other than OpenQoD; NotFoundError, PermissionDeniedError,
   *   ConflictError (already ended, or the network no longer holds it).
   */
  networkEvent(
    sessionId: string,
    kind: "GRANTED" | "REFUSED" | "NOT_GUARANTEED" | "GUARANTEED" | "TERMINATED",
    options: { signal?: AbortSignal } = {},
  ): Promise<QodSession> {
    return this.#act(sessionId, "network-events", "sandbox.networkEvent", options.signal, { kind });
  }

  /**
   * The simulated network loses the session's reservation and tells nobody: the session reads as
   * before until the server's reconciliation ends it (UNAVAILABLE / NETWORK_TERMINATED, notified).
   * @throws ValidationError on a target other than OpenQoD; NotFoundError, PermissionDeniedError,
   *   ConflictError (already ended, or already lost).
   */
  async networkLoss(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const base = openqodUrl(this.#ctx, "sandbox.networkLoss");
    await this.#ctx.transport.request<undefined>({
      method: "POST",
      url: `${base}/sandbox/v1/sessions/${encodeURIComponent(sessionId)}/network-loss`,
      idempotent: false,
      signal: options.signal,
    });
  }

  async #act(
    sessionId: string,
    action: "network-terminate" | "network-events" | "expire",
    what: string,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<QodSession> {
    const base = openqodUrl(this.#ctx, what);
    // A repeat after a lost answer is a 409 (already ended), never a second effect.
    const { data } = await this.#ctx.transport.request<unknown>({
      method: "POST",
      url: `${base}/sandbox/v1/sessions/${encodeURIComponent(sessionId)}/${action}`,
      ...(body === undefined ? {} : { body }),
      idempotent: false,
      signal,
    });
    return new QodSession(this.#ctx, camaraV1.parseSession(data));
  }
}
