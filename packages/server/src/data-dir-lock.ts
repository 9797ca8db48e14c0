import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { ConfigError } from "./config.ts";

/**
 * Claims a data folder for this process: one server per SQLite database, because the server caches
 * sessions and frees delivery claims at start.
 * @returns a function that releases the claim (idempotent).
 * @throws ConfigError when another live process holds the folder.
 */
export function lockDataDir(dataDir: string): () => void {
  return claimExclusive(
    join(dataDir, "server.lock"),
    join(dataDir, "server.pid"),
    (holder) =>
      `another OpenQoD server${holder === null ? "" : ` (pid ${holder})`} is using ${dataDir}; stop it or choose another --data-dir`,
  );
}

/**
 * Claims something for this process alone (a data folder, an interface OpenQoD shapes).
 *
 * The claim is an exclusive SQLite lock on `lockFile`, held by an open transaction for as long as the
 * process runs: the same kernel lock (fcntl) SQLite already relies on for the database, taken
 * atomically, and released by the kernel when the process dies, so a crashed holder leaves nothing to
 * take over and two processes starting at the same instant can never both win. (A pid file alone cannot
 * do this: "it is stale, remove it" races with a rival that removed it and wrote its own meanwhile.)
 * `pidFile` only names the holder for the message a rival prints.
 * @returns a function that releases the claim (idempotent).
 * @throws ConfigError with `busy(holder pid)` when another live process holds it.
 */
export function claimExclusive(
  lockFile: string,
  pidFile: string,
  busy: (holder: number | null) => string,
): () => void {
  // timeout 0: a held lock is an answer, not something to wait for.
  const lock = new SQLite(lockFile, { timeout: 0 });
  try {
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code !== "SQLITE_BUSY") throw error;
    throw new ConfigError([busy(livePid(pidFile))]);
  }
  try {
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch (error) {
    lock.close();
    throw error;
  }
  return () => {
    if (!lock.open) return;
    // The pid file first: once the lock is free, the next holder writes its own.
    rmSync(pidFile, { force: true });
    lock.close();
  };
}

/**
 * The pid in the holder's pid file. The holder writes it just after taking the lock, so a rival that
 * lost the race may briefly read nothing or a dead predecessor's pid: it waits a little for a live one.
 */
function livePid(pidFile: string): number | null {
  const deadline = Date.now() + 200;
  for (;;) {
    const pid = Number(readPidFile(pidFile));
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    if (Date.now() > deadline) return null;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

function readPidFile(pidFile: string): string {
  try {
    return readFileSync(pidFile, "utf8").trim();
  } catch {
    return "";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
