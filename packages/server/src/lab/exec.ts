import { spawn } from "node:child_process";

/** What a finished command printed, and how it ended. */
export interface CommandResult {
  /** The exit code; null when a signal (the time limit) ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A lab command that failed: the message names the command line and carries its stderr. */
export class LabCommandError extends Error {
  override name = "LabCommandError";
  readonly command: string;
  readonly result: CommandResult | null;
  constructor(command: string, reason: string, result: CommandResult | null) {
    super(`\`${command}\` failed: ${reason}`);
    this.command = command;
    this.result = result;
  }
}

export interface RunOptions {
  /** Killed (SIGKILL) after this long: no lab command may hang a build or a teardown. @default 10000 (ms) */
  timeoutMs?: number;
}

/** Runs a command to completion, never through a shell. Never throws: a missing binary is code 127. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      stderr += `(killed after ${options.timeoutMs ?? 10_000} ms)`;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 10_000);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: error.code === "ENOENT" ? 127 : 126, stdout, stderr: `${stderr}${error.message}` });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs a command that must succeed.
 * @throws LabCommandError naming the command line, with its exit code and stderr
 */
export async function mustRun(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) {
    const reason = `exit ${result.code ?? "by signal"}: ${result.stderr.trim() || "(no output)"}`;
    throw new LabCommandError([file, ...args].join(" "), reason, result);
  }
  return result.stdout;
}
