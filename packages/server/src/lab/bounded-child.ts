import { spawn } from "node:child_process";

/** How a bounded child ended and what it printed. */
export interface ChildOutcome {
  /** The exit code; null when a signal ended it (the time limit, or stop()). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the time limit killed it. */
  timedOut: boolean;
}

/** A running child process that cannot outlive its time limit. */
export interface BoundedChild {
  readonly pid: number | undefined;
  /** Settles once the process has exited and been reaped (never rejects: a missing program is code 127). */
  readonly done: Promise<ChildOutcome>;
  /** Resolves with the first stdout text matching `pattern`; rejects when the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Ends it (SIGTERM, SIGKILL after 2 s) and waits until it is reaped. Idempotent. */
  stop(): Promise<ChildOutcome>;
}

/** Output past this is dropped: iperf3's -J report is well under it, and a runaway child cannot fill memory. */
const MAX_OUTPUT = 4 << 20;
const KILL_GRACE_MS = 2_000;

/**
 * Starts `file args` inside the network namespace `netns` (`ip netns exec`, which execs the program:
 * the pid is the program's own, so killing it ends the program itself).
 * @param timeoutMs killed with SIGKILL after this long, whatever happens
 */
export function startInNetns(
  netns: string,
  file: string,
  args: readonly string[],
  timeoutMs: number,
): BoundedChild {
  const child = spawn("ip", ["netns", "exec", netns, file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  const watchers: { pattern: RegExp; resolve: (text: string) => void; reject: (e: Error) => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    if (stdout.length < MAX_OUTPUT) stdout += chunk;
    for (const w of watchers.splice(0)) {
      const hit = w.pattern.exec(stdout);
      if (hit === null) watchers.push(w);
      else w.resolve(hit[0]);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    if (stderr.length < MAX_OUTPUT) stderr += chunk;
  });
  const limit = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const done = new Promise<ChildOutcome>((resolve) => {
    const finish = (code: number | null, extra = "") => {
      clearTimeout(limit);
      const outcome = { code, stdout, stderr: stderr + extra, timedOut };
      for (const w of watchers.splice(0))
        w.reject(new Error(`${file} ended before printing ${w.pattern}: ${outcome.stderr.trim()}`));
      resolve(outcome);
    };
    child.once("error", (error) => finish(127, error.message));
    child.once("close", (code) => finish(code));
  });
  let stopping: Promise<ChildOutcome> | null = null;
  return {
    pid: child.pid,
    done,
    waitFor(pattern) {
      const hit = pattern.exec(stdout);
      if (hit !== null) return Promise.resolve(hit[0]);
      return new Promise((resolve, reject) => {
        watchers.push({ pattern, resolve, reject });
        // Already ended: the close handler ran before this watcher existed.
        if (child.exitCode !== null || child.signalCode !== null)
          void done.then((o) => reject(new Error(`${file} ended before printing ${pattern}: ${o.stderr}`)));
      });
    },
    stop() {
      if (stopping !== null) return stopping;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const kill = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        stopping = done.finally(() => clearTimeout(kill));
      } else stopping = done;
      return stopping;
    },
  };
}
