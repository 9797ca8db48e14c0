import { type ChildProcess, spawn } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";

/** Shared by the benchmark scripts: process start/stop, medians, percentiles. */
export const ROOT = new URL("..", import.meta.url).pathname;
/** With two cores or more, servers go to core 0 and load to core 1, so they do not share a core. */
export const pinned = cpus().length >= 2;

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
/**
 * The per-client rate limit on but out of reach: one client sends every request of a run, far above
 * the default 100 a second, and the run measures what the limiter costs, not what it refuses.
 */
export const UNTHROTTLED = { OPENQOD_RATE_LIMIT: "1000000" } as const;

let nextPort = 19_300;
/** The port the next `start` will give its process. */
export const peekPort = () => nextPort;

export interface Proc {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a TypeScript entry point (pinned to `core` when given and the machine has two), waiting
 * until it prints "ready" or answers /ready.
 */
export async function start(
  entry: string,
  core: number | null,
  env: Record<string, string> = {},
): Promise<Proc> {
  const port = nextPort++;
  const args = ["--import", "tsx", join(ROOT, entry)];
  const options = {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "inherit"] as ("ignore" | "pipe" | "inherit")[],
  };
  const child =
    pinned && core !== null
      ? spawn("taskset", ["-c", String(core), process.execPath, ...args], options)
      : spawn(process.execPath, args, options);
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (out.includes("ready") || out.includes("done") || out.includes("OpenQoD sandbox is running")) break;
    if (
      env.OPENQOD_PORT &&
      (await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${entry} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
