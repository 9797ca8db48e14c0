import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./delivery/retry-policy.ts";

/** Everything an OpenQoD server is configured with. Read once at start, validated, frozen. */
export interface Config {
  /** OPENQOD_HOST / --host. @default "127.0.0.1" */
  host: string;
  /** OPENQOD_PORT / --port. @default 9091 */
  port: number;
  /** OPENQOD_DATA_DIR / --data-dir: holds openqod.db (and the sandbox key). @default "./data" */
  dataDir: string;
  /** OPENQOD_PUBLIC_URL / --public-url: how clients reach this server; used in event `source`. @default http://HOST:PORT */
  publicUrl: string;
  /** OPENQOD_SANDBOX / --sandbox, --no-sandbox: loopback http sinks and simulator controls. @default true */
  sandbox: boolean;
  /** OPENQOD_SANDBOX_KEY / --sandbox-key: the sandbox client's API key instead of a generated one. */
  sandboxKey: string | null;
  /** OPENQOD_STRICT_PROPERTIES / --strict-properties: unknown request properties are a 400 (else ignored). @default true */
  strictProperties: boolean;
  /** OPENQOD_SIMULATOR_ACTIVATION_DELAY / --simulator-activation-delay: time until the network grants a session (ms). @default 0 */
  activationDelayMs: number;
  /** OPENQOD_DEVICES_FILE / --devices-file: the simulator's device registry (JSON). */
  devicesFile: string | null;
  /** OPENQOD_PROFILES_FILE / --profiles-file: a QoS profile catalogue (JSON array) replacing the built-in one. */
  profilesFile: string | null;
  /** OPENQOD_RETRY_SCHEDULE / --retry-schedule: delivery attempts' delays, e.g. "0,5s,5m,30m,2h,5h,10h,10h" (ms). */
  retryScheduleMs: readonly number[];
  /** OPENQOD_DELIVERY_TIMEOUT / --delivery-timeout: per-attempt timeout (ms). @default 10_000 */
  deliveryTimeoutMs: number;
  /** OPENQOD_DELIVERY_CONCURRENCY / --delivery-concurrency: attempts in flight at once. @default 64 */
  deliveryConcurrency: number;
  /** OPENQOD_RETENTION / --retention: how long UNAVAILABLE sessions stay readable (ms; at least 360 s). @default 360_000 */
  retentionMs: number;
  /** OPENQOD_SESSION_CACHE / --session-cache: sessions kept in memory for reads (SQLite only; 0 disables). @default 100_000 */
  sessionCacheEntries: number;
  /** OPENQOD_SQLITE_SYNCHRONOUS / --sqlite-synchronous: FULL (survives power loss) or NORMAL (survives a process crash). @default "FULL" */
  sqliteSynchronous: "FULL" | "NORMAL";
  /**
   * OPENQOD_DATABASE_URL / --database-url: a `postgres://` URL selects PostgreSQL, shared by any number
   * of instances; unset, the embedded SQLite file in the data directory. @default null
   */
  databaseUrl: string | null;
  /** OPENQOD_DATABASE_POOL / --database-pool: PostgreSQL connections per instance. @default 10 */
  databasePoolSize: number;
  /** OPENQOD_DATABASE_STATEMENT_TIMEOUT / --database-statement-timeout: PostgreSQL cancels a statement after this (ms). @default 10_000 */
  databaseStatementTimeoutMs: number;
  /** OPENQOD_DATABASE_CONNECT_TIMEOUT / --database-connect-timeout: how long to wait for a PostgreSQL connection (ms). @default 5_000 */
  databaseConnectTimeoutMs: number;
  /**
   * OPENQOD_DELIVERY_LEASE / --delivery-lease: how long an instance's claim on a notification lasts; a
   * dead instance's claims are taken over after it (ms; longer than the delivery timeout). @default 30_000
   */
  deliveryLeaseMs: number;
  /** OPENQOD_LOG_LEVEL / --log-level. @default "info" */
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

/** Every problem found in the configuration, reported together. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const OPTIONS = {
  host: { type: "string" },
  port: { type: "string" },
  "data-dir": { type: "string" },
  "public-url": { type: "string" },
  sandbox: { type: "boolean" },
  "no-sandbox": { type: "boolean" },
  "sandbox-key": { type: "string" },
  "strict-properties": { type: "string" },
  "simulator-activation-delay": { type: "string" },
  "devices-file": { type: "string" },
  "profiles-file": { type: "string" },
  "retry-schedule": { type: "string" },
  "delivery-timeout": { type: "string" },
  "delivery-concurrency": { type: "string" },
  retention: { type: "string" },
  "session-cache": { type: "string" },
  "sqlite-synchronous": { type: "string" },
  "log-level": { type: "string" },
  "database-url": { type: "string" },
  "database-pool": { type: "string" },
  "database-statement-timeout": { type: "string" },
  "database-connect-timeout": { type: "string" },
  "delivery-lease": { type: "string" },
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "5s", "5m", "2h" or a bare number of seconds into milliseconds; null if malformed. */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match?.[1]) return null;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? "s"] ?? 1000));
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Reads flags (which win) and OPENQOD_* variables. The only reader of the environment.
 * @throws ConfigError listing every invalid or unknown setting.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Config> {
  const problems: string[] = [];
  let flags: Partial<Record<keyof typeof OPTIONS, string | boolean>> = {};
  try {
    flags = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError([error instanceof Error ? error.message : String(error)]);
  }
  const setting = (
    flag: keyof typeof OPTIONS,
    variable: string,
  ): { value: string; name: string } | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === "string") return { value: fromFlag, name: `--${flag}` };
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === "" ? undefined : { value: fromEnv, name: variable };
  };
  const integer = (
    flag: keyof typeof OPTIONS,
    variable: string,
    fallback: number,
    min: number,
    max: number,
  ) => {
    const s = setting(flag, variable);
    if (s === undefined) return fallback;
    const n = Number(s.value);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${s.name}="${s.value}" must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const duration = (flag: keyof typeof OPTIONS, variable: string, fallback: number, min: number) => {
    const s = setting(flag, variable);
    if (s === undefined) return fallback;
    const ms = parseDurationMs(s.value);
    if (ms === null || ms < min) {
      problems.push(`${s.name}="${s.value}" must be a duration like 250ms, 5s, 5m or 2h, at least ${min} ms`);
      return fallback;
    }
    return ms;
  };
  const boolean = (s: { value: string; name: string } | undefined, fallback: boolean) => {
    if (s === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(s.value.toLowerCase())) return true;
    if (["0", "false", "no", "off"].includes(s.value.toLowerCase())) return false;
    problems.push(`${s.name}="${s.value}" must be true or false`);
    return fallback;
  };

  const host = setting("host", "OPENQOD_HOST")?.value ?? "127.0.0.1";
  const port = integer("port", "OPENQOD_PORT", 9091, 0, 65_535);
  const dataDir = resolve(setting("data-dir", "OPENQOD_DATA_DIR")?.value ?? "data");
  const publicUrlSetting = setting("public-url", "OPENQOD_PUBLIC_URL");
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  let publicUrl = `http://${urlHost}:${port}`;
  if (publicUrlSetting !== undefined) {
    try {
      publicUrl = new URL(publicUrlSetting.value).href.replace(/\/$/, "");
    } catch {
      problems.push(`${publicUrlSetting.name}="${publicUrlSetting.value}" must be an absolute URL`);
    }
  }
  const sandbox =
    flags["no-sandbox"] === true
      ? false
      : flags.sandbox === true
        ? true
        : boolean(setting("sandbox", "OPENQOD_SANDBOX"), true);
  const sandboxKeySetting = setting("sandbox-key", "OPENQOD_SANDBOX_KEY");
  if (sandboxKeySetting !== undefined && !/^[\x21-\x7e]{16,512}$/.test(sandboxKeySetting.value)) {
    problems.push(`${sandboxKeySetting.name} must be 16 to 512 printable characters without spaces`);
  }
  let retryScheduleMs: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS;
  const retry = setting("retry-schedule", "OPENQOD_RETRY_SCHEDULE");
  if (retry !== undefined) {
    const parsed = retry.value.split(",").map(parseDurationMs);
    if (parsed.length === 0 || parsed.some((v) => v === null)) {
      problems.push(
        `${retry.name}="${retry.value}" must be a comma-separated list of durations like 0,5s,5m,2h`,
      );
    } else {
      retryScheduleMs = parsed as number[];
    }
  }
  const syncSetting = setting("sqlite-synchronous", "OPENQOD_SQLITE_SYNCHRONOUS");
  const sqliteSynchronous = (syncSetting?.value ?? "FULL").toUpperCase();
  if (sqliteSynchronous !== "FULL" && sqliteSynchronous !== "NORMAL") {
    problems.push(`${syncSetting?.name}="${syncSetting?.value}" must be FULL or NORMAL`);
  }
  const databaseSetting = setting("database-url", "OPENQOD_DATABASE_URL");
  let databaseUrl: string | null = null;
  if (databaseSetting !== undefined) {
    databaseUrl = databaseSetting.value;
    if (!isPostgresUrl(databaseSetting.value)) {
      // Not echoed: the URL may carry a password.
      problems.push(`${databaseSetting.name} must be a postgres:// or postgresql:// URL`);
    }
  }
  const deliveryTimeoutMs = duration("delivery-timeout", "OPENQOD_DELIVERY_TIMEOUT", 10_000, 100);
  const deliveryLeaseMs = duration("delivery-lease", "OPENQOD_DELIVERY_LEASE", 30_000, 1_000);
  if (deliveryLeaseMs <= deliveryTimeoutMs) {
    // A lease running out while its attempt is still waiting would let a second instance send it too.
    problems.push(
      `the delivery lease (${deliveryLeaseMs} ms) must be longer than the delivery timeout (${deliveryTimeoutMs} ms)`,
    );
  }
  const logLevel = setting("log-level", "OPENQOD_LOG_LEVEL")?.value ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`log level "${logLevel}" must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const known = new Set([
    "OPENQOD_HOST",
    "OPENQOD_PORT",
    "OPENQOD_DATA_DIR",
    "OPENQOD_PUBLIC_URL",
    "OPENQOD_SANDBOX",
    "OPENQOD_SANDBOX_KEY",
    "OPENQOD_STRICT_PROPERTIES",
    "OPENQOD_SIMULATOR_ACTIVATION_DELAY",
    "OPENQOD_DEVICES_FILE",
    "OPENQOD_PROFILES_FILE",
    "OPENQOD_RETRY_SCHEDULE",
    "OPENQOD_DELIVERY_TIMEOUT",
    "OPENQOD_DELIVERY_CONCURRENCY",
    "OPENQOD_RETENTION",
    "OPENQOD_LOG_LEVEL",
    "OPENQOD_SESSION_CACHE",
    "OPENQOD_SQLITE_SYNCHRONOUS",
    "OPENQOD_DATABASE_URL",
    "OPENQOD_DATABASE_POOL",
    "OPENQOD_DATABASE_STATEMENT_TIMEOUT",
    "OPENQOD_DATABASE_CONNECT_TIMEOUT",
    "OPENQOD_DELIVERY_LEASE",
    // The openqod CLI's client settings: one shell may set them and start a server.
    "OPENQOD_URL",
    "OPENQOD_TOKEN",
  ]);
  for (const name of Object.keys(env)) {
    // A misspelt variable would otherwise be silently ignored.
    if (name.startsWith("OPENQOD_") && !known.has(name) && !name.startsWith("OPENQOD_TEST_")) {
      problems.push(`unknown setting ${name}`);
    }
  }

  const config: Config = {
    host,
    port,
    dataDir,
    publicUrl,
    sandbox,
    sandboxKey: sandboxKeySetting?.value ?? null,
    strictProperties: boolean(setting("strict-properties", "OPENQOD_STRICT_PROPERTIES"), true),
    activationDelayMs: duration("simulator-activation-delay", "OPENQOD_SIMULATOR_ACTIVATION_DELAY", 0, 0),
    devicesFile: setting("devices-file", "OPENQOD_DEVICES_FILE")?.value ?? null,
    profilesFile: setting("profiles-file", "OPENQOD_PROFILES_FILE")?.value ?? null,
    retryScheduleMs,
    deliveryTimeoutMs,
    deliveryLeaseMs,
    deliveryConcurrency: integer("delivery-concurrency", "OPENQOD_DELIVERY_CONCURRENCY", 64, 1, 10_000),
    retentionMs: duration("retention", "OPENQOD_RETENTION", 360_000, 360_000),
    sqliteSynchronous: sqliteSynchronous === "NORMAL" ? "NORMAL" : "FULL",
    sessionCacheEntries: integer("session-cache", "OPENQOD_SESSION_CACHE", 100_000, 0, 10_000_000),
    databaseUrl,
    databasePoolSize: integer("database-pool", "OPENQOD_DATABASE_POOL", 10, 2, 1_000),
    databaseStatementTimeoutMs: duration(
      "database-statement-timeout",
      "OPENQOD_DATABASE_STATEMENT_TIMEOUT",
      10_000,
      100,
    ),
    databaseConnectTimeoutMs: duration(
      "database-connect-timeout",
      "OPENQOD_DATABASE_CONNECT_TIMEOUT",
      5_000,
      100,
    ),
    logLevel: logLevel as Config["logLevel"],
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "postgres:" || url.protocol === "postgresql:";
  } catch {
    return false;
  }
}
