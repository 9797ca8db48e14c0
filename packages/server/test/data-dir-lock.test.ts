import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../src/config.ts";
import { lockDataDir } from "../src/data-dir-lock.ts";
import { TEST_ENGINE } from "./helpers/engine.ts";

const RACER = fileURLToPath(new URL("./fixtures/lock-racer.ts", import.meta.url));
const ROUNDS = 12;
const CONTENDERS = 6;

interface Racer {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startRacer(dataDir: string): Racer {
  const child = spawn(process.execPath, ["--import", "tsx", RACER, dataDir], { stdio: "pipe" });
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on("line", (line) => {
    const take = waiting.shift();
    if (take === undefined) queue.push(line);
    else take(line);
  });
  return {
    child,
    next: () => {
      const line = queue.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("a racer did not answer within 30 s")), 30_000);
        waiting.push((l) => {
          clearTimeout(timer);
          resolve(l);
        });
      });
    },
  };
}

/** The pid of a process that has exited, as a crashed server leaves in its pid file. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

// The lock guards the SQLite data folder; the PostgreSQL pass has nothing new to prove here.
describe("the data folder's lock", { skip: TEST_ENGINE === "postgres" }, () => {
  test(`${CONTENDERS} processes claiming one folder at the same instant: exactly one wins, ${ROUNDS} rounds out of ${ROUNDS}, with or without a dead server's pid file`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dataDir = await mkdtemp(join(tmpdir(), "openqod-race-"));
      if (round % 2 === 0) await writeFile(join(dataDir, "server.pid"), `${await deadPid()}\n`);
      const racers = Array.from({ length: CONTENDERS }, () => startRacer(dataDir));
      try {
        for (const racer of racers) assert.equal(await racer.next(), "ready");
        const at = Date.now() + 150;
        for (const racer of racers) racer.child.stdin.write(`${at}\n`);
        const outcomes = await Promise.all(racers.map((r) => r.next()));
        const winners = outcomes.filter((o) => o === "won");
        assert.equal(winners.length, 1, `round ${round}: ${outcomes.join(" | ")}`);
        const winner = racers[outcomes.indexOf("won")];
        assert.equal((await readFile(join(dataDir, "server.pid"), "utf8")).trim(), String(winner?.child.pid));
        for (const lost of outcomes.filter((o) => o !== "won")) {
          assert.match(lost, /^lost .*another OpenQoD server (\(pid \d+\) )?is using /);
        }
      } finally {
        for (const racer of racers) racer.child.stdin.end();
        await Promise.all(racers.map((r) => new Promise((resolve) => r.child.once("exit", resolve))));
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  });

  test("a released claim can be taken again, and releasing twice is harmless", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "openqod-lock-"));
    try {
      const release = lockDataDir(dataDir);
      assert.throws(
        () => lockDataDir(dataDir),
        (error) => error instanceof ConfigError && /another OpenQoD server/.test(error.message),
      );
      release();
      release();
      lockDataDir(dataDir)();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
