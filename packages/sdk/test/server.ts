import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../server/src/config.ts";
import { createOpenQod, type OpenQod } from "../../server/src/openqod.ts";

export const KEY = "sdk-test-key-0123456789";

/** A port nobody listens on now, so the server's public URL (its OAuth2 issuer) can name it before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A real OpenQoD sandbox on 127.0.0.1 (real SQLite file, real clock), for the SDK to talk to. Its public
 * URL is where it listens, so its authorization server's issuer and token URL are the ones the SDK uses.
 */
export async function startOpenQod(
  env: Record<string, string> = {},
): Promise<{ url: string; openqod: OpenQod; close(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-sdk-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const openqod = await createOpenQod({
    config: loadConfig([], {
      OPENQOD_DATA_DIR: dataDir,
      OPENQOD_SANDBOX_KEY: KEY,
      OPENQOD_RETRY_SCHEDULE: "0,100ms,200ms",
      OPENQOD_PUBLIC_URL: url,
      ...env,
    }),
  });
  await openqod.app.listen({ host: "127.0.0.1", port });
  openqod.startWorkers();
  return {
    url,
    openqod,
    async close() {
      await openqod.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
