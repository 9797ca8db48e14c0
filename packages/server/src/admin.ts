import { parseArgs } from "node:util";
import { ApiKeys } from "./api-keys.ts";
import { systemClock } from "./clock.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import type { Notification } from "./service/notification.ts";
import { NotificationService } from "./service/notification-service.ts";
import { openStore } from "./store/open-store.ts";
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
export async function openAdmin(
  config: Pick<
    Config,
    | "dataDir"
    | "databaseUrl"
    | "databasePoolSize"
    | "databaseStatementTimeoutMs"
    | "databaseConnectTimeoutMs"
    | "sessionCacheEntries"
    | "sqliteSynchronous"
  >,
): Promise<Admin> {
  const { store, release } = await openStore(
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
      closed ??= store.close().finally(release);
      return closed;
    },
  };
}

const USAGE = `usage:
  openqod-server clients create NAME [DB]    create an API client; prints its key once
  openqod-server clients rotate NAME [DB]    give a client a new key (the old one stops working)
  openqod-server clients revoke NAME [DB]    revoke a client's key
  openqod-server clients list [DB]
  openqod-server deliveries SESSION_ID [DB]  a session's notifications and every delivery attempt
DB: --data-dir DIR (SQLite, default ./data) or --database-url postgres://… (or OPENQOD_DATA_DIR,
OPENQOD_DATABASE_URL)
`;

/**
 * The `openqod-server clients|deliveries` commands over `openAdmin` (the `openqod` CLI has its own).
 * @returns the exit code: 0 done, 1 not found / failed, 2 usage.
 */
export async function runAdmin(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  let parsed: {
    values: { "data-dir"?: string | undefined; "database-url"?: string | undefined };
    positionals: string[];
  };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { "data-dir": { type: "string" }, "database-url": { type: "string" } },
      allowPositionals: true,
    });
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const [group, action, name] = parsed.positionals;
  const config = loadConfig(
    Object.entries(parsed.values).flatMap(([flag, value]) =>
      value === undefined ? [] : [`--${flag}`, value],
    ),
    env,
  );
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const usage = () => {
    process.stderr.write(USAGE);
    return 2;
  };
  if (group === "clients" && !["create", "rotate", "revoke", "list"].includes(action ?? "")) return usage();
  if (group === "clients" && action !== "list" && (name === undefined || !CLIENT_NAME.test(name)))
    return usage();
  if (group === "deliveries" && action === undefined) return usage();

  const admin = await openAdmin(config);
  try {
    if (group === "deliveries" && action !== undefined) {
      const found = await admin.deliveries(action);
      if (found.length === 0) {
        out(`no notifications for session ${action}`);
        return 1;
      }
      for (const n of found) {
        out(`${n.id}  ${n.state}  attempts=${n.attempts.length}  sink=${n.sink}  created=${n.createdAt}`);
        for (const a of n.attempts) {
          out(
            `  ${a.attemptedAt}  ${a.outcome}  status=${a.statusCode ?? "-"}  ${a.durationMs} ms${a.error ? `  ${a.error}` : ""}`,
          );
        }
      }
      return 0;
    }
    switch (action) {
      case "list":
        for (const c of await admin.clients.list()) {
          out(
            `${c.name}\t${c.id}\tcreated ${new Date(c.createdAt).toISOString()}${c.revokedAt ? "\tREVOKED" : ""}`,
          );
        }
        return 0;
      case "create":
      case "rotate":
        try {
          if (action === "rotate") out(await admin.clients.rotate(name!));
          else {
            const { key, clientId } = await admin.clients.create(name!);
            out(`client ${name} (${clientId}) created. Its API key, shown only now:\n${key}`);
          }
          return 0;
        } catch (error) {
          if (!(error instanceof AdminError)) throw error;
          process.stderr.write(`${error.message}\n`);
          return 1;
        }
      default: {
        const revoked = await admin.clients.revoke(name!);
        if (!revoked) process.stderr.write(`no active client ${name}\n`);
        else out(`client ${name} revoked`);
        return revoked ? 0 : 1;
      }
    }
  } finally {
    await admin.close();
  }
}
