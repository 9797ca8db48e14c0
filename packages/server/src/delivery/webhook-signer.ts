import { createHmac } from "node:crypto";
import { BoundedCache } from "../bounded-cache.ts";
import type { ClaimedDelivery } from "../store/types.ts";
import type { NotificationSigner } from "./signer.ts";

/** A client's secret as the signer needs it: the key's bytes and when it stops signing. */
export interface SigningSecret {
  /** `whsec_` and base64, or base64 alone. */
  secret: string;
  /** ms; null for the current secret. */
  retiresAt: number | null;
}

export interface WebhookSignerOptions {
  /** The client's secrets that sign at `now` (ms): Store.webhookSecrets. */
  secrets: (clientId: string, now: number) => Promise<readonly SigningSecret[]>;
  /**
   * How long a client's secrets are used before they are read again (ms): a rotation or a deletion made
   * on another server counts here within this time (on this server at once: forget()). A retiring
   * secret stops signing at its own time regardless.
   * @default 5000
   */
  cacheMs?: number;
  /** Clients whose secrets are held at once. @default 10000 */
  maxClients?: number;
}

interface Key {
  bytes: Buffer;
  retiresAt: number | null;
}

/**
 * Standard Webhooks signatures for each attempt: `webhook-id` (the event id, the same on every retry),
 * `webhook-timestamp` (the attempt's time, in whole seconds) and `webhook-signature`, `v1,` and the
 * base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under each secret of the session's client that still
 * signs, space-separated, the current one first. The body is the stored string, which is what is sent.
 * A client without secrets gets no headers; its empty list is cached like any other, so unsigned
 * clients cost a query per cacheMs, not per attempt. A failure to read the secrets fails the attempt
 * (retried like any other), so a signed client's notification never leaves unsigned.
 */
export class WebhookSigner implements NotificationSigner {
  readonly #secrets: WebhookSignerOptions["secrets"];
  readonly #cacheMs: number;
  readonly #cache: BoundedCache<readonly Key[]>;
  /** Reads under way, so a burst of attempts for one client makes one query. */
  readonly #reading = new Map<string, Promise<readonly Key[]>>();

  constructor(options: WebhookSignerOptions) {
    this.#secrets = options.secrets;
    this.#cacheMs = options.cacheMs ?? 5_000;
    this.#cache = new BoundedCache(options.maxClients ?? 10_000);
  }

  async headersFor(delivery: ClaimedDelivery, now: number): Promise<Record<string, string>> {
    if (delivery.clientId === null) return {};
    const keys = (await this.#keysOf(delivery.clientId, now)).filter(
      (k) => k.retiresAt === null || k.retiresAt > now,
    );
    if (keys.length === 0) return {};
    const timestamp = String(Math.floor(now / 1000));
    const signed = `${delivery.eventId}.${timestamp}.${delivery.body}`;
    return {
      "webhook-id": delivery.eventId,
      "webhook-timestamp": timestamp,
      "webhook-signature": keys
        .map((k) => `v1,${createHmac("sha256", k.bytes).update(signed, "utf8").digest("base64")}`)
        .join(" "),
    };
  }

  /** Drops what is cached for the client: its secrets changed on this server. */
  forget(clientId: string): void {
    this.#cache.delete(clientId);
    // A read begun before the change must not cache what it finds.
    this.#reading.delete(clientId);
  }

  #keysOf(clientId: string, now: number): Promise<readonly Key[]> | readonly Key[] {
    const cached = this.#cache.get(clientId, now);
    if (cached !== undefined) return cached;
    const reading = this.#reading.get(clientId);
    if (reading !== undefined) return reading;
    const read: Promise<readonly Key[]> = this.#secrets(clientId, now)
      .then((secrets) => {
        const keys = secrets.map((s) => ({ bytes: keyBytes(s.secret), retiresAt: s.retiresAt }));
        if (this.#reading.get(clientId) === read) this.#cache.set(clientId, keys, now + this.#cacheMs);
        return keys;
      })
      .finally(() => {
        if (this.#reading.get(clientId) === read) this.#reading.delete(clientId);
      });
    this.#reading.set(clientId, read);
    return read;
  }
}

/** A secret's key bytes: the base64 after `whsec_` (Standard Webhooks), or the whole value as base64. */
export function keyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}
