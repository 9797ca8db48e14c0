import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { databaseEnv } from "./engine.ts";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
/** The `openqod` command (packages/cli), which runs the compiled packages: `npm test` builds them first. */
const OPENQOD = fileURLToPath(new URL("../../../cli/bin/openqod.js", import.meta.url));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts `openqod-server` as a user would (a separate process) and waits until /ready answers. On
 * the PostgreSQL pass, a server given a data folder (and no database) gets that folder's database.
 */
export async function startServerProcess(
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServerProcess> {
  const port = env.OPENQOD_PORT ?? String(await freePort());
  const database =
    env.OPENQOD_DATA_DIR !== undefined && env.OPENQOD_DATABASE_URL === undefined
      ? await databaseEnv(env.OPENQOD_DATA_DIR)
      : {};
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...process.env, OPENQOD_LOG_LEVEL: "warn", ...database, ...env, OPENQOD_PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => output, exited };
}

/** Runs the server's entry point (`openqod serve` from source) with arguments to completion. */
export function runServerCommand(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return runToCompletion(["--import", "tsx", MAIN, ...args], env);
}

/** Runs `openqod …` (the CLI, e.g. its operator commands `clients`, `deliveries`) to completion. */
export function runOpenqod(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return runToCompletion([OPENQOD, ...args], { NO_COLOR: "1", ...env });
}

function runToCompletion(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.once("exit", (code) => resolve({ code, output }));
  });
}
