import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../server/src/config.ts";
import { createOpenQod, type OpenQod } from "../../server/src/openqod.ts";

export const KEY = "sdk-test-key-0123456789";

/** A real OpenQoD sandbox on 127.0.0.1 (real SQLite file, real clock), for the SDK to talk to. */
export async function startOpenQod(): Promise<{ url: string; openqod: OpenQod; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-sdk-"));
  const openqod = await createOpenQod({
    config: loadConfig([], {
      OPENQOD_DATA_DIR: dataDir,
      OPENQOD_SANDBOX_KEY: KEY,
      OPENQOD_RETRY_SCHEDULE: "0,100ms,200ms",
    }),
  });
  await openqod.app.listen({ host: "127.0.0.1", port: 0 });
  openqod.startWorkers();
  const { port } = openqod.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openqod,
    async close() {
      await openqod.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
