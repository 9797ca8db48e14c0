import { randomBytes } from "node:crypto";
import type { Clock } from "../clock.ts";
import { ApiError } from "../errors.ts";
import { uuidv7 } from "../ids.ts";
import type { Store, WebhookSecretRecord } from "../store/store.ts";
import type { Owner } from "./owner.ts";

/** Bytes of key in a new secret: 256 bits, the HMAC-SHA256 block's worth of entropy and then some. */
const SECRET_BYTES = 32;

/** A new Standard Webhooks secret: `whsec_` and the base64 of SECRET_BYTES random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(SECRET_BYTES).toString("base64")}`;

/** A secret as the API shows it: its value, when it was made and, while retiring, when it stops signing. */
export interface WebhookSecret {
  id: string;
  secret: string;
  createdAt: string;
  /** Absent for the current secret. */
  retiresAt?: string;
}

/** The longest grace a rotation may give the previous secret (ms): 7 days, as the API's graceSeconds. */
export const MAX_WEBHOOK_SECRET_GRACE_MS = 7 * 24 * 3_600_000;

/** Who holds the secrets: an API client, by a two-legged credential or the admin command (`clientId` alone). */
export type SecretOwner = Pick<Owner, "clientId"> & Partial<Pick<Owner, "device">>;

/**
 * Each API client's webhook signing secrets: signing is on for a client while it has one. A rotation
 * makes a new current secret and leaves the previous one signing for a grace period, so a receiver can
 * move to the new one without refusing a notification meanwhile.
 */
export class WebhookSecretService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #defaultGraceMs: number;
  readonly #changed: (clientId: string) => void;

  /**
   * @param options.defaultGraceMs how long a rotated-out secret still signs (OPENQOD_WEBHOOK_SECRET_GRACE).
   * @param options.changed told of each change, so this server's signer stops using what it cached.
   */
  constructor(options: {
    store: Store;
    clock: Clock;
    defaultGraceMs: number;
    changed?: (clientId: string) => void;
  }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#defaultGraceMs = options.defaultGraceMs;
    this.#changed = options.changed ?? (() => undefined);
  }

  /** The secrets that sign the owner's notifications now, the current one first; none: unsigned. */
  async list(owner: SecretOwner): Promise<WebhookSecret[]> {
    const records = await this.#store.webhookSecrets(clientOf(owner), this.#clock.now());
    return records.map(toWebhookSecret);
  }

  /**
   * Makes a new current secret (the first turns signing on). The previous current one keeps signing for
   * `graceMs` (default: the server's setting; 0 stops it at once).
   * @returns the secrets afterwards, the new one first.
   */
  async rotate(owner: SecretOwner, graceMs = this.#defaultGraceMs): Promise<WebhookSecret[]> {
    const clientId = clientOf(owner);
    const now = this.#clock.now();
    const records = await this.#store.rotateWebhookSecret(
      clientId,
      { id: uuidv7(now), secret: newWebhookSecret() },
      now,
      graceMs,
    );
    this.#changed(clientId);
    return records.map(toWebhookSecret);
  }

  /** Deletes every secret of the owner: its notifications go out unsigned from now on. */
  async delete(owner: SecretOwner): Promise<void> {
    const clientId = clientOf(owner);
    await this.#store.deleteWebhookSecrets(clientId);
    this.#changed(clientId);
  }
}

/**
 * The client whose secrets these are.
 * @throws ApiError 403 PERMISSION_DENIED for a device-bound token: the secrets sign every notification
 *   of the client, not one device's, so a user's consent for one device does not reach them.
 */
function clientOf(owner: SecretOwner): string {
  if (owner.device != null) {
    throw new ApiError(
      "PERMISSION_DENIED",
      "Webhook secrets belong to the whole API client: use its own credential, not a token bound to a device.",
    );
  }
  return owner.clientId;
}

function toWebhookSecret(record: WebhookSecretRecord): WebhookSecret {
  return {
    id: record.id,
    secret: record.secret,
    createdAt: new Date(record.createdAt).toISOString(),
    ...(record.retiresAt === null ? {} : { retiresAt: new Date(record.retiresAt).toISOString() }),
  };
}
