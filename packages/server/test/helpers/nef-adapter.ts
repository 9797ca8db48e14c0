import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config.ts";
import { WorkerEvents } from "../../src/events.ts";
import type { NefAttempt } from "../../src/network/nef/client.ts";
import { createNefAdapter } from "../../src/network/nef/create.ts";
import type { NefAdapter } from "../../src/network/nef/nef-adapter.ts";

/** A port nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address !== null ? address.port : 0;
}

/**
 * A NEF adapter made as the server makes it (createNefAdapter from loadConfig), with the attempts it
 * reports collected.
 */
export async function nefAdapterFor(
  apiRoot: string,
  env: Record<string, string> = {},
  options: { clock?: Clock; dataDir?: string } = {},
): Promise<{ adapter: NefAdapter; attempts: NefAttempt[]; events: WorkerEvents; dataDir: string }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "openqod-nef-")));
  const config = loadConfig([], {
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_NETWORK: "nef",
    OPENQOD_NEF_URL: apiRoot,
    OPENQOD_NEF_SCS_AS_ID: "openqod",
    OPENQOD_NEF_CALLBACK_URL: "http://127.0.0.1:9",
    OPENQOD_NEF_TIMEOUT: "2s",
    ...env,
  });
  const events = new WorkerEvents();
  const attempts: NefAttempt[] = [];
  events.on("nef:request", (a) => attempts.push(a));
  const adapter = await createNefAdapter(config, {
    profileNames: ["QOS_E", "QOS_S", "QOS_M", "QOS_L"],
    events,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return { adapter, attempts, events, dataDir };
}
