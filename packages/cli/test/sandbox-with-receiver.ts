import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerProcess, startServerProcess } from "../../server/test/helpers/process.ts";
import { TestReceiver } from "../../server/test/helpers/receiver.ts";

/** A real server process on its own data folder, a receiver on loopback, and the CLI's env for them. */
export interface SandboxWithReceiver {
  dataDir: string;
  server: ServerProcess;
  receiver: TestReceiver;
  /** OPENQOD_URL and OPENQOD_TOKEN for the CLI. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts a sandbox server with `key` and one attempt per notification (a refused one is `failed` at
 * once), and a receiver; `close` stops the server, the receiver and removes the data folder.
 */
export async function sandboxWithReceiver(name: string, key: string): Promise<SandboxWithReceiver> {
  const dataDir = await mkdtemp(join(tmpdir(), `openqod-cli-${name}-`));
  const receiver = await TestReceiver.start();
  const server = await startServerProcess({
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_SANDBOX_KEY: key,
    OPENQOD_RETRY_SCHEDULE: "0",
  });
  return {
    dataDir,
    server,
    receiver,
    env: { OPENQOD_URL: server.url, OPENQOD_TOKEN: key },
    async close() {
      server.child.kill("SIGTERM");
      await server.exited;
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
