import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import { claimFile } from "./claim.ts";
import { namespacesOf } from "./netns.ts";

/** A running watcher; stop() it once the lab has been torn down cleanly. */
export interface LabReaper {
  /** Ends the watcher without it touching the lab. Idempotent. */
  stop(): void;
}

/*
 * The watcher reads its stdin, a pipe whose only writer is the process that started it. The kernel
 * closes that end however the process ends: also on SIGKILL, an out-of-memory kill or a crash of Node,
 * where no exit handler of ours runs. End of file is therefore the one sure sign of our death, and the
 * watcher then deletes the lab's namespaces (never others) and our claim on them (claim.ts), and exits.
 * CommonJS for `node -e`, no dependencies: it must run the same from src/ under tsx and from dist/.
 */
const WATCHER = `
const { spawnSync } = require("node:child_process");
const { readFileSync, rmSync } = require("node:fs");
// The owner's pid comes as an argument: process.ppid is 1 already if the owner died while Node was starting.
const [owner, claim, ...names] = process.argv.slice(1);
const reap = () => {
  for (const name of names) spawnSync("ip", ["netns", "delete", name], { stdio: "ignore", timeout: 5000 });
  try {
    if (readFileSync(claim, "utf8").trim() === owner) rmSync(claim);
  } catch {}
  process.exit(0);
};
process.stdin.once("end", reap);
process.stdin.once("error", reap);
process.stdin.resume();
`;

/**
 * Starts a detached process that removes the lab of `prefix` once this process has died, however it died.
 * Detached (a session of its own) so that the Ctrl-C or hang-up that kills us does not kill it too; it
 * does not keep this process alive.
 * @throws Error for an invalid prefix
 */
export function startLabReaper(prefix: string): LabReaper {
  const ns = namespacesOf(prefix);
  const watcher = spawn(
    process.execPath,
    ["-e", WATCHER, String(process.pid), claimFile(prefix), ns.device, ns.router, ns.server],
    {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    },
  );
  watcher.unref();
  // A child's stdio pipe is a net.Socket: unref'd, it no longer holds our event loop open.
  (watcher.stdin as Socket | null)?.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      // By its pid, before our end of the pipe closes: SIGTERM ends it before it reads end of file.
      watcher.kill("SIGTERM");
    },
  };
}
