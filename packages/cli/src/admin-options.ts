import type { Admin } from "@openqod/server/admin";
import { type Command, Option } from "commander";
import { CliError } from "./errors.ts";

export interface AdminFlags {
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
}

/**
 * Adds the database options of the operator commands, which open the server's database directly (beside
 * a running server, or with none): the SQLite data folder, or a PostgreSQL URL.
 */
export function withDatabaseOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--data-dir <dir>", "the server's data folder (SQLite)")
        .env("OPENQOD_DATA_DIR")
        .default("./data"),
    )
    .addOption(
      new Option("--database-url <url>", "the server's PostgreSQL database instead").env(
        "OPENQOD_DATABASE_URL",
      ),
    )
    .option("--json", "print JSON");
}

/** Every scope a client may be given, as the server knows them (only with `withAdmin`'s module loaded). */
export interface AdminContext {
  allScopes: readonly string[];
}

/** Runs `work` with the database named by the command's options, closing it whatever happens. */
export async function withAdmin<T>(
  command: Command,
  work: (admin: Admin, context: AdminContext) => Promise<T>,
): Promise<T> {
  const flags = command.opts<AdminFlags>();
  const args = [
    "--data-dir",
    flags.dataDir ?? "./data",
    ...(flags.databaseUrl === undefined ? [] : ["--database-url", flags.databaseUrl]),
  ];
  // Loaded only here, and only the database part: the other commands start without the server's
  // dependencies, and these without its HTTP stack.
  const [{ openAdmin, ALL_SCOPES, KNOWN_SCOPES }, { loadConfig }] = await Promise.all([
    import("@openqod/server/admin"),
    import("@openqod/server/config"),
  ]);
  // The database settings, and the one other setting an operator command follows as the server does (a
  // rotation's default grace); the server's other variables are checked when it starts.
  const env = { OPENQOD_WEBHOOK_SECRET_GRACE: process.env.OPENQOD_WEBHOOK_SECRET_GRACE };
  const admin = await Promise.resolve()
    .then(() => openAdmin(loadConfig(args, env)))
    .catch((error: unknown) => {
      throw asCliError(error, KNOWN_SCOPES);
    });
  try {
    return await work(admin, { allScopes: ALL_SCOPES }).catch((error: unknown) => {
      throw asCliError(error, KNOWN_SCOPES);
    });
  } finally {
    await admin.close();
  }
}

/**
 * The server's own start-up errors are expected failures: an invalid setting (usage, exit 2) or a
 * database that cannot be reached (exit 1). Matched by name so this module need not load the server.
 */
function asCliError(error: unknown, allScopes: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === "ConfigError") {
    const problems = (error as Error & { problems?: readonly string[] }).problems ?? [error.message];
    return new CliError(`invalid setting: ${problems.join("; ")}`, 2);
  }
  if (error.name === "DatabaseStartError") return new CliError(error.message, 1);
  const code = (error as { code?: unknown }).code;
  if (code === "INVALID_CLIENT_NAME") return new CliError(error.message, 2);
  if (code === "INVALID_GRACE") return new CliError(`--grace: ${error.message}`, 2);
  if (code === "CLIENT_EXISTS" || code === "CLIENT_NOT_FOUND") return new CliError(error.message, 1);
  if (code === "INVALID_SCOPES")
    return new CliError(`--scopes: ${error.message}; known scopes: ${allScopes.join(" ")}`, 2);
  if (code === "INVALID_CLIENT_KEYS")
    return new CliError(
      `${/JWKS URL/.test(error.message) ? "--jwks-uri" : "--jwks-file"}: ${error.message}`,
      2,
    );
  return error;
}
