import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./config.ts";

/**
 * Claims a data folder for this process: one server per SQLite database, because the server caches
 * sessions and frees delivery claims at start. A pid file left by a crashed server (its process is
 * gone) is taken over.
 * @returns a function that releases the claim.
 * @throws ConfigError when a live process holds the folder.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, "server.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new ConfigError([
          `another OpenQoD server (pid ${pid}) is using ${dataDir}; stop it or choose another --data-dir`,
        ]);
      }
      rmSync(file, { force: true });
    }
  }
  throw new ConfigError([`cannot claim ${dataDir} (server.pid keeps reappearing)`]);
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
