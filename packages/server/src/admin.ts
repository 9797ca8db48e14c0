import { ApiKeys } from "./api-keys.ts";
import { systemClock } from "./clock.ts";
import type { Notification } from "./service/notification.ts";
import { NotificationService } from "./service/notification-service.ts";
import { type DatabaseSettings, openStore } from "./store/open-store.ts";
import type { ClientRecord } from "./store/types.ts";

/** Why an operator function refused: the client name is taken, unknown, or not a valid name. */
export class AdminError extends Error {
  readonly code: "CLIENT_EXISTS" | "CLIENT_NOT_FOUND" | "INVALID_CLIENT_NAME";

  constructor(code: AdminError["code"], message: string) {
    super(message);
    this.name = "AdminError";
    this.code = code;
  }
}

/** `clients.create` of a name that already exists (rotate gives it a new key). */
export class ClientExistsError extends AdminError {
  constructor(name: string) {
    super("CLIENT_EXISTS", `client ${name} already exists; rotate its key for a new one`);
    this.name = "ClientExistsError";
  }
}

/** `clients.rotate` of a name no client has. */
export class ClientNotFoundError extends AdminError {
  constructor(name: string) {
    super("CLIENT_NOT_FOUND", `no client ${name}`);
    this.name = "ClientNotFoundError";
  }
}

/** A client name is 1 to 64 letters, digits, "_", "." or "-". */
export const CLIENT_NAME = /^[\w.-]{1,64}$/;

/** An API client as operators see it; its key is never stored, only its hash. Times: ms since the epoch. */
export type AdminClient = ClientRecord;

/** Operator functions on a server's database, opened directly (beside a running server, or with none). */
export interface Admin {
  clients: {
    /**
     * Creates an API client. @returns its id and API key, shown this once.
     * @throws ClientExistsError, AdminError INVALID_CLIENT_NAME.
     */
    create(name: string): Promise<{ clientId: string; key: string }>;
    /** Every client, oldest first, revoked ones included. */
    list(): Promise<AdminClient[]>;
    /**
     * Gives a client a new key (a revoked one is reinstated); the old key stops working within 5 s.
     * @throws ClientNotFoundError.
     */
    rotate(name: string): Promise<string>;
    /** Revokes a client's key. @returns false when there is no active client of that name. */
    revoke(name: string): Promise<boolean>;
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
 * @throws DatabaseStartError (PostgreSQL unreachable or too old), Error (SQLite file unreadable).
 */
export async function openAdmin(config: DatabaseSettings): Promise<Admin> {
  const store = await openStore(
    { ...config, databasePoolSize: Math.min(config.databasePoolSize, 2) },
    { asServer: false },
  );
  const keys = new ApiKeys(store);
  const notifications = new NotificationService({ store, clock: systemClock });
  let closed: Promise<void> | null = null;
  return {
    clients: {
      async create(name) {
        if (!CLIENT_NAME.test(name)) {
          throw new AdminError(
            "INVALID_CLIENT_NAME",
            `"${name}" is not a client name: 1 to 64 letters, digits, "_", "." or "-"`,
          );
        }
        if (await store.clientByName(name)) throw new ClientExistsError(name);
        return keys.create(name, Date.now());
      },
      list: () => store.listClients(),
      async rotate(name) {
        if (!(await store.clientByName(name))) throw new ClientNotFoundError(name);
        return keys.rotate(name);
      },
      revoke: (name) => store.revokeClient(name, Date.now()),
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
