/**
 * The server's test command: the whole suite on SQLite, then the engine-dependent files again on
 * PostgreSQL (one suite, parametrised by OPENQOD_TEST_ENGINE; `*.pg.test.ts` files run only there).
 *
 * Then the lifecycle part (NEF_SUITE) runs once more on each engine with OPENQOD_TEST_NETWORK=nef: every
 * harness is then in front of a NEF emulator of its own instead of the simulator (helpers/nef-network.ts).
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
  "excerpt.test.ts",
  "dashboard.test.ts",
  "session-event-feed.test.ts",
  "config.test.ts",
  "oauth-external-settings.test.ts",
  "oauth-external-claims.test.ts",
  "logging.test.ts",
  "layout.test.ts",
  "simulator.test.ts",
  "nef-mapping.test.ts",
  "nef-adapter.test.ts",
  "nef-client.test.ts",
  "nef-wire.test.ts",
  "nef-emulator.test.ts",
  "nef-emulator-faults.test.ts",
  "lab.test.ts",
  "linux-tc-plan.test.ts",
  "linux-tc-kernel.test.ts",
  "linux-tc-sessions.test.ts",
  "lab-traffic.test.ts",
  "tc-proof.test.ts",
]);
/**
 * The files that run again in front of the NEF emulator: sessions over both API dialects, their
 * notifications and deliveries, retention, the sandbox and the test identifiers. Tests about the simulator itself skip
 * there, each saying why.
 */
const NEF_SUITE = [
  "lifecycle.test.ts",
  "sessions-v1.test.ts",
  "nac-v0.test.ts",
  "notifications-v1.test.ts",
  "delivery.test.ts",
  "retention.test.ts",
  "sandbox.test.ts",
  "ops.test.ts",
  "test-identifiers.test.ts",
];
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

/** The NEF_SUITE pass on one engine; `env` names the engine (and its database). */
async function nefPass(engine: string, env: Record<string, string>): Promise<void> {
  const list = pick(NEF_SUITE);
  if (list.length === 0) return;
  say(`OpenQoD server tests in front of a NEF (the emulator), on ${engine}`);
  const code = await runTests(list, { ...env, OPENQOD_TEST_NETWORK: "nef" });
  failed ||= code !== 0;
}

say("OpenQoD server tests on SQLite");
// Every pass runs even after one failed (`failed ||= await …` would skip the rest).
const sqliteCode = await runTests(pick(files.filter((f) => !f.endsWith(".pg.test.ts"))), {
  OPENQOD_TEST_ENGINE: "sqlite",
  OPENQOD_TEST_NETWORK: "simulator",
});
failed ||= sqliteCode !== 0;

let adminUrl = process.env.OPENQOD_TEST_DATABASE_URL ?? "";
let server: PostgresServer | null = null;
const required = process.env.OPENQOD_TEST_REQUIRE_POSTGRES === "1";
if (adminUrl === "") {
  if (findPostgresBinDir() === null) {
    const why =
      "PostgreSQL tests SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl) were found and OPENQOD_TEST_DATABASE_URL is not set. " +
      "Install them (Debian: apt-get install postgresql) or point OPENQOD_TEST_DATABASE_URL at a server's superuser URL.";
    say(why);
    await nefPass("SQLite", { OPENQOD_TEST_ENGINE: "sqlite" });
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
  const postgresCode = await runTests(list, {
    OPENQOD_TEST_ENGINE: "postgres",
    OPENQOD_TEST_DATABASE_URL: adminUrl,
    OPENQOD_TEST_NETWORK: "simulator",
  });
  failed ||= postgresCode !== 0;
  await nefPass("SQLite", { OPENQOD_TEST_ENGINE: "sqlite" });
  await nefPass("PostgreSQL", { OPENQOD_TEST_ENGINE: "postgres", OPENQOD_TEST_DATABASE_URL: adminUrl });
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
