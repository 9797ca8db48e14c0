/**
 * The server's test command: the whole suite on SQLite, then the engine-dependent files again on
 * PostgreSQL (one suite, parametrised by OPENQOD_TEST_ENGINE; `*.pg.test.ts` files run only there).
 *
 * PostgreSQL comes from OPENQOD_TEST_DATABASE_URL (a superuser URL of a server you run), else a
 * throwaway server this script starts from the installed binaries (Debian's `postgresql` package)
 * and stops at the end. Without either, the PostgreSQL pass is skipped with a notice, unless
 * OPENQOD_TEST_REQUIRE_POSTGRES=1 (CI) makes that a failure.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findPostgresBinDir, type PostgresServer, startPostgres } from "./helpers/postgres-server.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
/** Files that never touch a database, or test SQLite-only behaviour (the data-folder lock). */
const SQLITE_ONLY = new Set([
  "domain.test.ts",
  "config.test.ts",
  "logging.test.ts",
  "layout.test.ts",
  "simulator.test.ts",
  "nef-mapping.test.ts",
  "nef-adapter.test.ts",
  "nef-client.test.ts",
  "nef-wire.test.ts",
  "nef-emulator.test.ts",
  "nef-emulator-faults.test.ts",
]);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".test.ts"))
  .sort();
const onlyArgs = process.argv.slice(2);
const pick = (list: string[]) => (onlyArgs.length === 0 ? list : list.filter((f) => onlyArgs.includes(f)));

function runTests(list: string[], env: Record<string, string>): Promise<number> {
  if (list.length === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--test", "--test-concurrency=1", ...list.map((f) => `${here}${f}`)],
      { stdio: "inherit", env: { ...process.env, ...env } },
    );
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

const say = (line: string) => process.stdout.write(`\n# ${line}\n`);
let failed = false;

say("OpenQoD server tests on SQLite");
failed ||=
  (await runTests(pick(files.filter((f) => !f.endsWith(".pg.test.ts"))), {
    OPENQOD_TEST_ENGINE: "sqlite",
  })) !== 0;

let adminUrl = process.env.OPENQOD_TEST_DATABASE_URL ?? "";
let server: PostgresServer | null = null;
const required = process.env.OPENQOD_TEST_REQUIRE_POSTGRES === "1";
if (adminUrl === "") {
  if (findPostgresBinDir() === null) {
    const why =
      "PostgreSQL tests SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl) were found and OPENQOD_TEST_DATABASE_URL is not set. " +
      "Install them (Debian: apt-get install postgresql) or point OPENQOD_TEST_DATABASE_URL at a server's superuser URL.";
    say(why);
    process.exit(failed || required ? 1 : 0);
  }
  server = await startPostgres({ durable: false });
  adminUrl = server.url;
  say(`started ${server.version} for the tests at ${adminUrl} (stopped at the end)`);
}
const stop = () => server?.stop();
process.once("SIGINT", () => void stop()?.then(() => process.exit(130)));
process.once("SIGTERM", () => void stop()?.then(() => process.exit(143)));
try {
  say("OpenQoD server tests on PostgreSQL");
  const list = pick(files.filter((f) => !SQLITE_ONLY.has(f)));
  failed ||=
    (await runTests(list, { OPENQOD_TEST_ENGINE: "postgres", OPENQOD_TEST_DATABASE_URL: adminUrl })) !== 0;
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
