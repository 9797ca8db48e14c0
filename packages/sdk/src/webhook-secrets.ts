import type { Context } from "./context.ts";
import { openqodUrl } from "./openqod-only.ts";

/** A Standard Webhooks signing secret of your API client, as OpenQoD shows it. */
export interface WebhookSecret {
  id: string;
  /** `whsec_` and base64: give it to your receiver (`@openqod/receiver`'s `webhookSecret`). */
  secret: string;
  /** RFC 3339. */
  createdAt: string;
  /** When a rotated-out secret stops signing (RFC 3339); absent for the current secret. */
  retiresAt?: string;
}

/**
 * `client.webhookSecrets`: the secrets that sign your notifications (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, Standard Webhooks). Signing is on while there is one. An OpenQoD extension
 * (`/notifications/v1/webhook-secrets`).
 */
export class WebhookSecrets {
  readonly #ctx: Context;
  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  /**
   * The secrets that sign now, the current one first; empty when your notifications are not signed.
   * @throws ValidationError on a target other than OpenQoD; UnauthorizedError, PermissionDeniedError.
   */
  async get(options: { signal?: AbortSignal } = {}): Promise<WebhookSecret[]> {
    const { data } = await this.#ctx.transport.request<{ secrets: WebhookSecret[] }>({
      method: "GET",
      url: this.#url("webhookSecrets.get"),
      idempotent: true,
      signal: options.signal,
    });
    return data.secrets;
  }

  /**
   * Makes a new current secret (the first turns signing on); the previous one keeps signing for
   * `graceSeconds` (default: the server's, 24 h; 0 stops it at once). Not retried after a lost answer:
   * a second rotation would retire the secret the first one made.
   * @returns the secrets that now sign, the new one first.
   * @throws ValidationError on a target other than OpenQoD; BadRequestError (grace out of range),
   *   UnauthorizedError, PermissionDeniedError.
   */
  async rotate(options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<WebhookSecret[]> {
    const { data } = await this.#ctx.transport.request<{ secrets: WebhookSecret[] }>({
      method: "POST",
      url: `${this.#url("webhookSecrets.rotate")}/rotate`,
      body: options.graceSeconds === undefined ? {} : { graceSeconds: options.graceSeconds },
      idempotent: false,
      signal: options.signal,
    });
    return data.secrets;
  }

  /**
   * Deletes every secret: your notifications go out unsigned. Idempotent.
   * @throws ValidationError on a target other than OpenQoD; UnauthorizedError, PermissionDeniedError.
   */
  async delete(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#ctx.transport.request<unknown>({
      method: "DELETE",
      url: this.#url("webhookSecrets.delete"),
      idempotent: true,
      signal: options.signal,
    });
  }

  #url(what: string): string {
    return `${openqodUrl(this.#ctx, what)}/notifications/v1/webhook-secrets`;
  }
}
