import { ApiKeys } from "./auth/api-keys.ts";
import { keyInfo, rotateSigningKey, type SigningKeyInfo } from "./auth/signing-keys.ts";
import { systemClock } from "./clock.ts";
import {
  AdminError,
  ClientNotFoundError,
  ClientService,
  type ClientSettings,
  type CreatedClient,
} from "./service/clients.ts";
import type { Notification } from "./service/notification.ts";
import { NotificationService } from "./service/notification-service.ts";
import {
  MAX_WEBHOOK_SECRET_GRACE_MS,
  type WebhookSecret,
  WebhookSecretService,
} from "./service/webhook-secrets.ts";
import { SETTINGS } from "./settings.ts";
import { type DatabaseSettings, openStore } from "./store/open-store.ts";
import { SigningKeyRepository } from "./store/signing-keys.ts";
import type { ClientRecord } from "./store/types.ts";

/** Every scope a client may be given (`clients create --scopes`); a client made without scopes has all. */
export { ALL_SCOPES, KNOWN_SCOPES } from "./auth/scopes.ts";
export {
  AdminError,
  CLIENT_NAME,
  ClientExistsError,
  ClientNotFoundError,
  type ClientSettings,
  type CreatedClient,
} from "./service/clients.ts";
export type { WebhookSecret } from "./service/webhook-secrets.ts";
export type { JwksDocument } from "./store/types.ts";

/** An API client as operators see it; its key is never stored, only its hash. Times: ms since the epoch. */
export type AdminClient = ClientRecord;

/** Operator functions on a server's database, opened directly (beside a running server, or with none). */
export interface Admin {
  clients: {
    /**
     * Creates an API client. @returns its id and API key, shown this once.
     * @throws ClientExistsError, AdminError INVALID_CLIENT_NAME.
     */
    create(name: string, settings?: ClientSettings): Promise<CreatedClient>;
    /** Every client, oldest first, revoked ones included. */
    list(): Promise<AdminClient[]>;
    /**
     * Gives a client a new key; the old key stops working within 5 s. A revoked client is reinstated with
     * that key alone: its secret is dropped and no token issued before counts again.
     * @throws ClientNotFoundError.
     */
    rotate(name: string): Promise<string>;
    /**
     * Gives a client a new OAuth2 client secret; the old one stops working at once. A revoked client is
     * reinstated with that secret alone: its old key and no token issued before count again.
     * @throws ClientNotFoundError.
     */
    rotateSecret(name: string): Promise<string>;
    /**
     * Changes a client's scopes or private_key_jwt keys; a field left out stays. Tokens already issued
     * keep the scopes they were issued with until they expire.
     * @throws ClientNotFoundError, AdminError INVALID_SCOPES, INVALID_CLIENT_KEYS.
     */
    update(name: string, settings: ClientSettings): Promise<AdminClient>;
    /**
     * Revokes a client: its key, its secret and every token issued to it stop working (within 5 s).
     * @returns false when there is no active client of that name.
     */
    revoke(name: string): Promise<boolean>;
  };
  /**
   * Each client's webhook signing secrets (Standard Webhooks), the current one first; signing is on
   * while it has one. Running servers take a change within 5 s.
   */
  webhookSecrets: {
    /** @throws ClientNotFoundError. */
    get(name: string): Promise<WebhookSecret[]>;
    /**
     * A new current secret; the previous one still signs for `graceMs` (at most 7 days, as over the
     * API; default: `webhookSecretGraceMs` given to openAdmin, OPENQOD_WEBHOOK_SECRET_GRACE).
     * @returns the secrets afterwards. @throws ClientNotFoundError, AdminError INVALID_GRACE.
     */
    rotate(name: string, graceMs?: number): Promise<WebhookSecret[]>;
    /** Deletes every secret: the client's notifications go out unsigned. @throws ClientNotFoundError. */
    delete(name: string): Promise<void>;
  };
  /** The authorization server's token signing keys (never their private halves). */
  signingKeys: {
    /**
     * Makes a new key sign; the old one stays in the JWKS and verifies until its tokens have expired.
     * Running servers sign with the new key within a minute. @returns the new signing key.
     */
    rotate(): Promise<SigningKeyInfo>;
    /** Every key still kept, newest first. */
    list(): Promise<SigningKeyInfo[]>;
  };
  /** Any client's session's notifications, oldest first, with every attempt (empty if none). */
  deliveries(sessionId: string): Promise<Notification[]>;
  /**
   * Makes a notification (pending, failed or delivered) due now. A running server attempts it at once
   * (SQLite: within a second; PostgreSQL: on the commit's notification).
   * @returns it as it now is, or undefined when there is no notification with that id.
   * @throws ApiError 409 CONFLICT when its access token has expired.
   */
  redeliver(notificationId: string): Promise<Notification | undefined>;
  /** Closes the database. */
  close(): Promise<void>;
}

/**
 * Opens the configured database (SQLite in `config.dataDir`, or `config.databaseUrl`) for operator
 * work. It takes no lock and frees no delivery claim, so a server may run on the same database.
 * `config.webhookSecretGraceMs` is a rotation's default grace, as the server's (@default 24 h).
 * @throws DatabaseStartError (PostgreSQL unreachable or too old), Error (SQLite file unreadable).
 */
export async function openAdmin(
  config: DatabaseSettings & { webhookSecretGraceMs?: number },
): Promise<Admin> {
  const store = await openStore(
    { ...config, databasePoolSize: Math.min(config.databasePoolSize, 2) },
    { asServer: false },
  );
  const clients = new ClientService(new ApiKeys(store), systemClock);
  const notifications = new NotificationService({ store, clock: systemClock });
  const signingKeys = new SigningKeyRepository(store.db);
  const secrets = new WebhookSecretService({
    store,
    clock: systemClock,
    defaultGraceMs: config.webhookSecretGraceMs ?? SETTINGS.webhookSecretGraceMs.fallback,
  });
  const ownerNamed = async (name: string) => {
    const client = await store.clientByName(name);
    if (client === undefined) throw new ClientNotFoundError(name);
    return { clientId: client.id };
  };
  let closed: Promise<void> | null = null;
  return {
    clients,
    webhookSecrets: {
      get: async (name) => secrets.list(await ownerNamed(name)),
      async rotate(name, graceMs) {
        if (graceMs !== undefined && !(graceMs >= 0 && graceMs <= MAX_WEBHOOK_SECRET_GRACE_MS)) {
          throw new AdminError(
            "INVALID_GRACE",
            `the grace is from 0 to 7 days (168h), as over the API; got ${graceMs / 3_600_000}h`,
          );
        }
        return secrets.rotate(await ownerNamed(name), graceMs);
      },
      delete: async (name) => secrets.delete(await ownerNamed(name)),
    },
    signingKeys: {
      rotate: () => rotateSigningKey(signingKeys, Date.now()),
      list: async () => (await signingKeys.list()).map(keyInfo),
    },
    deliveries: (sessionId) => notifications.ofSession(null, sessionId),
    async redeliver(notificationId) {
      if ((await store.outboxEvent(notificationId)) === undefined) return undefined;
      return notifications.redeliver(null, notificationId);
    },
    close() {
      closed ??= store.close();
      return closed;
    },
  };
}
