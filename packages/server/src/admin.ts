import { parseArgs } from "node:util";
import { ApiKeys } from "./api-keys.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { openStore } from "./store/open-store.ts";

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
 * Operator commands that work on the database directly (the data folder's SQLite file, or PostgreSQL),
 * so no database tool is needed.
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
  if (group === "clients" && action !== "list" && (name === undefined || !/^[\w.-]{1,64}$/.test(name)))
    return usage();
  if (group === "deliveries" && action === undefined) return usage();

  const { store, release } = await openStore(config, { asServer: false });
  try {
    const keys = new ApiKeys(store);
    if (group === "deliveries" && action !== undefined) {
      const events = await store.outboxOfSession(action);
      if (events.length === 0) {
        out(`no notifications for session ${action}`);
        return 1;
      }
      for (const e of events) {
        out(
          `${e.eventId}  ${e.state}  attempts=${e.attempts}  sink=${e.sink}  created=${new Date(e.createdAt).toISOString()}`,
        );
        for (const a of await store.attemptsOf(e.eventId)) {
          out(
            `  ${new Date(a.attemptedAt).toISOString()}  ${a.outcome}  status=${a.statusCode ?? "-"}  ${a.durationMs} ms${a.error ? `  ${a.error}` : ""}`,
          );
        }
      }
      return 0;
    }
    switch (action) {
      case "list":
        for (const c of await store.listClients()) {
          out(
            `${c.name}\t${c.id}\tcreated ${new Date(c.createdAt).toISOString()}${c.revokedAt ? "\tREVOKED" : ""}`,
          );
        }
        return 0;
      case "create": {
        if (await store.clientByName(name!)) {
          process.stderr.write(`client ${name} already exists; use "clients rotate ${name}" for a new key\n`);
          return 1;
        }
        const { key, clientId } = await keys.create(name!, Date.now());
        out(`client ${name} (${clientId}) created. Its API key, shown only now:\n${key}`);
        return 0;
      }
      case "rotate": {
        if (!(await store.clientByName(name!))) {
          process.stderr.write(`no client ${name}\n`);
          return 1;
        }
        out(await keys.rotate(name!));
        return 0;
      }
      default: {
        const revoked = await store.revokeClient(name!, Date.now());
        if (!revoked) process.stderr.write(`no active client ${name}\n`);
        else out(`client ${name} revoked`);
        return revoked ? 0 : 1;
      }
    }
  } finally {
    await store.close();
    release();
  }
}
