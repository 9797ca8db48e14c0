import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, readdirSync, realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./process.ts";

const run = promisify(execFile);

/** A throwaway PostgreSQL server on 127.0.0.1, in a temporary folder. */
export interface PostgresServer {
  /** Superuser URL of its `postgres` database. */
  url: string;
  /** Where initdb and pg_ctl were found. */
  binDir: string;
  version: string;
  /** Its data folder (postmaster.pid names the server's process). */
  dataDir: string;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * The folder holding initdb and pg_ctl: OPENQOD_TEST_PG_BINDIR, else the newest Debian
 * /usr/lib/postgresql/N/bin, else the folder of a pg_ctl on PATH. Null when there is none.
 */
export function findPostgresBinDir(env = process.env): string | null {
  const has = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
  if (env.OPENQOD_TEST_PG_BINDIR) return has(env.OPENQOD_TEST_PG_BINDIR) ? env.OPENQOD_TEST_PG_BINDIR : null;
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, "bin"))) return join(debian, v, "bin");
  }
  for (const dir of (env.PATH ?? "").split(":")) {
    const pgCtl = join(dir, "pg_ctl");
    if (dir !== "" && existsSync(pgCtl)) {
      const real = dirname(realpathSync(pgCtl));
      if (has(real)) return real;
    }
  }
  return null;
}

/**
 * initdb + pg_ctl start on a free port, listening on 127.0.0.1 only, trust auth for the local
 * superuser. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (which
 * Debian's package creates). `durable: false` turns fsync off, for tests that never lose power.
 */
export async function startPostgres(
  options: { durable?: boolean; binDir?: string } = {},
): Promise<PostgresServer> {
  const binDir = options.binDir ?? findPostgresBinDir();
  if (binDir === null) throw new Error("no PostgreSQL server binaries (initdb, pg_ctl) found");
  const root = await mkdtemp(join(tmpdir(), "openqod-pg-"));
  const asRoot = process.getuid?.() === 0;
  const prefix: string[] = [];
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    chownSync(root, uid, gid);
    prefix.push("runuser", "-u", "postgres", "--");
  }
  const as = (command: string, args: string[]) => {
    const argv = [...prefix, join(binDir, command), ...args];
    return run(argv[0] as string, argv.slice(1), { timeout: 120_000 });
  };
  const dataDir = join(root, "data");
  await as("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "-N"]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${root}`,
    "-c listen_addresses=127.0.0.1",
    "-c max_connections=200",
    ...(options.durable === false
      ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
      : []),
  ];
  await as("pg_ctl", [
    "-D",
    dataDir,
    "-l",
    join(root, "server.log"),
    "-w",
    "-t",
    "60",
    "-o",
    settings.join(" "),
    "start",
  ]);
  const { stdout } = await as("pg_ctl", ["--version"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    binDir,
    version: stdout.trim(),
    dataDir,
    async stop() {
      await as("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
