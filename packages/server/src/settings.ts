import { CIBA_SETTINGS } from "./auth/ciba-settings.ts";
import { EXTERNAL_IDP_SETTINGS } from "./auth/external-settings.ts";
import { AUTH_SETTINGS } from "./auth/settings.ts";
import { BREAKER_SETTINGS } from "./delivery/breaker-settings.ts";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./delivery/retry-policy.ts";
import { RATE_LIMIT_SETTINGS } from "./http/rate-limit-settings.ts";
import { TC_SETTINGS } from "./network/linux-tc/settings.ts";
import { NETWORK_SETTINGS } from "./network/nef/settings.ts";
import {
  absoluteUrl,
  apiKey,
  boolean,
  derivedUnlessGiven,
  duration,
  durationList,
  integer,
  type Kind,
  oneOf,
  path,
  postgresUrl,
  text,
} from "./setting-kinds.ts";

export { Invalid, type Kind, parseDurationMs } from "./setting-kinds.ts";

/** One setting, declared once: parsing, validation, `openqod serve --help` and the README table use it. */
export interface Setting<T> {
  /** The command-line flag, without `--`. */
  flag: string;
  /** The environment variable. */
  variable: string;
  kind: Kind<T>;
  /** The value when neither the flag nor the variable is given. */
  fallback: T;
  /** The default as the README and --help show it (some are derived, e.g. from the host and port). */
  defaultText: string;
  doc: string;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Every server setting, each declared once. Flags win over variables. The order is the order of
 * `openqod serve --help` and of the README's configuration table (a test keeps the README in step).
 */
export const SETTINGS = {
  host: {
    flag: "host",
    variable: "OPENQOD_HOST",
    kind: text("host"),
    fallback: "127.0.0.1",
    defaultText: "`127.0.0.1`",
    doc: "address to listen on",
  },
  port: {
    flag: "port",
    variable: "OPENQOD_PORT",
    kind: integer(0, 65_535),
    fallback: 9091,
    defaultText: "`9091`",
    doc: "port to listen on (0: any free port)",
  },
  dataDir: {
    flag: "data-dir",
    variable: "OPENQOD_DATA_DIR",
    kind: text("dir"),
    fallback: "data",
    defaultText: "`./data` (created)",
    doc: "folder of the SQLite database and the sandbox key",
  },
  publicUrl: {
    flag: "public-url",
    variable: "OPENQOD_PUBLIC_URL",
    kind: absoluteUrl,
    fallback: null,
    defaultText: "`http://HOST:PORT`",
    doc: "how clients reach this server; used in events' `source`",
  },
  sandbox: {
    flag: "sandbox",
    variable: "OPENQOD_SANDBOX",
    kind: boolean,
    fallback: true,
    defaultText: "on (`--no-sandbox` turns it off)",
    doc: "sandbox key, loopback `http://` sinks, `/sandbox/v1`",
  },
  sandboxKey: {
    flag: "sandbox-key",
    variable: "OPENQOD_SANDBOX_KEY",
    kind: apiKey,
    fallback: null,
    defaultText: "generated on first start, kept in `DATA_DIR/sandbox-key` (0600)",
    doc: "the sandbox client's API key",
  },
  strictProperties: {
    flag: "strict-properties",
    variable: "OPENQOD_STRICT_PROPERTIES",
    kind: boolean,
    fallback: true,
    defaultText: "`true`",
    doc: "unknown request properties are a 400 (else ignored)",
  },
  ...AUTH_SETTINGS,
  ...CIBA_SETTINGS,
  ...RATE_LIMIT_SETTINGS,
  ...NETWORK_SETTINGS,
  ...TC_SETTINGS,
  activationDelayMs: {
    flag: "simulator-activation-delay",
    variable: "OPENQOD_SIMULATOR_ACTIVATION_DELAY",
    kind: duration(0),
    fallback: 0,
    defaultText: "`0`",
    doc: "time until the simulated network grants a session, e.g. `2s`",
  },
  networkGrantTimeoutMs: {
    flag: "network-grant-timeout",
    variable: "OPENQOD_NETWORK_GRANT_TIMEOUT",
    kind: duration(1000),
    fallback: 300_000,
    defaultText: "`5m`",
    doc: "how long a session may stay `REQUESTED` without the network's answer before it ends (`NETWORK_TERMINATED`)",
  },
  networkReconcileIntervalMs: {
    flag: "network-reconcile-interval",
    variable: "OPENQOD_NETWORK_RECONCILE_INTERVAL",
    kind: duration(0),
    fallback: 300_000,
    defaultText: "`5m`",
    doc: "time between reconciliations of the sessions with the network's reservations (`0`: only at start)",
  },
  devicesFile: {
    flag: "devices-file",
    variable: "OPENQOD_DEVICES_FILE",
    kind: path,
    fallback: null,
    defaultText: "none",
    doc: "the simulator's device registry (JSON)",
  },
  profilesFile: {
    flag: "profiles-file",
    variable: "OPENQOD_PROFILES_FILE",
    kind: path,
    fallback: null,
    defaultText: "built-in catalogue",
    doc: "QoS profiles (a JSON array) replacing the built-in ones",
  },
  retryScheduleMs: {
    flag: "retry-schedule",
    variable: "OPENQOD_RETRY_SCHEDULE",
    kind: durationList,
    fallback: DEFAULT_RETRY_SCHEDULE_MS,
    defaultText: "`0,5s,5m,30m,2h,5h,10h,10h`",
    doc: "when each delivery attempt is made, after the previous one failed",
  },
  deliveryTimeoutMs: {
    flag: "delivery-timeout",
    variable: "OPENQOD_DELIVERY_TIMEOUT",
    kind: duration(100),
    fallback: 10_000,
    defaultText: "`10s`",
    doc: "how long one delivery attempt may take",
  },
  deliveryConcurrency: {
    flag: "delivery-concurrency",
    variable: "OPENQOD_DELIVERY_CONCURRENCY",
    kind: integer(1, 10_000),
    fallback: 64,
    defaultText: "`64`",
    doc: "delivery attempts in flight at once",
  },
  deliverySinkConcurrency: {
    flag: "delivery-sink-concurrency",
    variable: "OPENQOD_DELIVERY_SINK_CONCURRENCY",
    kind: derivedUnlessGiven(integer(1, 10_000)),
    // null: derived from the delivery concurrency (defaultSinkConcurrency in delivery/dispatcher.ts).
    fallback: null,
    defaultText: "three quarters of `--delivery-concurrency` (`48`)",
    doc: "of those, at most this many to one sink origin (per server), so a hung sink holds only its share",
  },
  retentionMs: {
    flag: "retention",
    variable: "OPENQOD_RETENTION",
    kind: duration(360_000),
    fallback: 360_000,
    defaultText: "`360s` (at least 360 s, as CAMARA requires)",
    doc: "how long ended sessions stay readable",
  },
  deliveryRetentionMs: {
    flag: "delivery-retention",
    variable: "OPENQOD_DELIVERY_RETENTION",
    kind: duration(0),
    // A week past settling: a failing event settles ~28 h after it was queued (the retry schedule), so
    // its history and a redelivery stay at hand for days after that, a weekend included.
    fallback: 168 * 3_600_000,
    defaultText: "`168h` (7 days)",
    doc: "how long settled notifications and their attempts are kept (`0`: forever)",
  },
  deliveryLeaseMs: {
    flag: "delivery-lease",
    variable: "OPENQOD_DELIVERY_LEASE",
    kind: duration(1_000),
    fallback: 30_000,
    defaultText: "`30s`",
    doc: "a dead server's delivery claims are taken over after it (longer than the timeout)",
  },
  webhookSecretGraceMs: {
    flag: "webhook-secret-grace",
    variable: "OPENQOD_WEBHOOK_SECRET_GRACE",
    kind: duration(0),
    fallback: 24 * 3_600_000,
    defaultText: "`24h`",
    doc: "after a webhook secret rotation, how long the previous secret still signs (a rotation may give its own)",
  },
  ...BREAKER_SETTINGS,
  sessionCacheEntries: {
    flag: "session-cache",
    variable: "OPENQOD_SESSION_CACHE",
    kind: integer(0, 10_000_000),
    fallback: 100_000,
    defaultText: "`100000`",
    doc: "sessions kept in memory for reads (SQLite only; 0 turns it off)",
  },
  sqliteSynchronous: {
    flag: "sqlite-synchronous",
    variable: "OPENQOD_SQLITE_SYNCHRONOUS",
    kind: oneOf(["FULL", "NORMAL"], { upperCase: true }),
    fallback: "FULL",
    defaultText: "`FULL`",
    doc: "`FULL` survives power loss, `NORMAL` a process crash (SQLite only)",
  },
  databaseUrl: {
    flag: "database-url",
    variable: "OPENQOD_DATABASE_URL",
    kind: postgresUrl,
    fallback: null,
    defaultText: "none: SQLite in the data folder",
    doc: "a `postgres://` URL selects PostgreSQL, shared by many servers",
  },
  databasePoolSize: {
    flag: "database-pool",
    variable: "OPENQOD_DATABASE_POOL",
    kind: integer(2, 1_000),
    fallback: 10,
    defaultText: "`10`",
    doc: "PostgreSQL connections per server (+1 for LISTEN)",
  },
  databaseStatementTimeoutMs: {
    flag: "database-statement-timeout",
    variable: "OPENQOD_DATABASE_STATEMENT_TIMEOUT",
    kind: duration(100),
    fallback: 10_000,
    defaultText: "`10s`",
    doc: "PostgreSQL cancels longer statements",
  },
  databaseConnectTimeoutMs: {
    flag: "database-connect-timeout",
    variable: "OPENQOD_DATABASE_CONNECT_TIMEOUT",
    kind: duration(100),
    fallback: 5_000,
    defaultText: "`5s`",
    doc: "how long to wait for a PostgreSQL connection",
  },
  ...EXTERNAL_IDP_SETTINGS,
  logLevel: {
    flag: "log-level",
    variable: "OPENQOD_LOG_LEVEL",
    kind: oneOf(LOG_LEVELS),
    fallback: "info",
    defaultText: "`info`",
    doc: "least severe log records written",
  },
  logFormat: {
    flag: "log-format",
    variable: "OPENQOD_LOG_FORMAT",
    kind: oneOf(["auto", "pretty", "json"]),
    fallback: "auto",
    defaultText: "`auto`: readable on a terminal, JSON lines otherwise",
    doc: "`pretty`, `json` or `auto`",
  },
} as const satisfies Record<string, Setting<unknown>>;

export type SettingKey = keyof typeof SETTINGS;
/** Each setting's value type, from its declaration. */
export type SettingValues = {
  -readonly [K in SettingKey]: (typeof SETTINGS)[K]["kind"] extends Kind<infer T> ? T : never;
};

/**
 * Variables that are not server settings but may be set in the same shell: the `openqod` CLI's own
 * (a server must not refuse to start because of them).
 */
export const CLIENT_VARIABLES = ["OPENQOD_URL", "OPENQOD_TOKEN"] as const;
