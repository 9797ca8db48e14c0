import { spawn } from "node:child_process";

export interface Ran {
  /** The exit code; null when the process was killed (see `timedOut`). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
}

export interface RunOptions {
  cwd: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long, in ms. */
  timeoutMs: number;
}

/** Runs a command to completion, capturing its output; never rejects for a failing command. */
export function run(command: string, args: string[], options: RunOptions): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** What a failed command said, for an assertion message: the command, exit and the last lines of output. */
export function describeRun(what: string, ran: Ran): string {
  const tail = (text: string) => text.trimEnd().split("\n").slice(-25).join("\n");
  const how = ran.timedOut ? "was stopped (timed out)" : `exited with code ${ran.code}`;
  return `${what} ${how} after ${ran.seconds.toFixed(1)} s\n--- stdout\n${tail(ran.stdout)}\n--- stderr\n${tail(ran.stderr)}`;
}
