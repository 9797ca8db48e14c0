import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ApiKeys } from "./auth/api-keys.ts";
import type { Clock } from "./clock.ts";
import { type Config, ConfigError } from "./config.ts";
import type { Store } from "./store/store.ts";

const SANDBOX_CLIENT = "sandbox";

/**
 * The sandbox API client: its key comes from OPENQOD_SANDBOX_KEY, or is generated on first start and
 * kept in DATA_DIR/sandbox-key (mode 0600) so the quickstart can print it on every start.
 */
export async function ensureSandboxClient(
  apiKeys: ApiKeys,
  store: Store,
  config: Config,
  clock: Clock,
): Promise<string> {
  const keyFile = join(config.dataDir, "sandbox-key");
  const existing = await store.clientByName(SANDBOX_CLIENT);
  if (config.sandboxKey !== null) {
    if (existing === undefined) {
      // Instances sharing a database may start together: one creates, the other finds it created.
      await apiKeys
        .create(SANDBOX_CLIENT, clock.now(), { key: config.sandboxKey })
        .catch(async (error: unknown) => {
          if ((await store.clientByName(SANDBOX_CLIENT)) === undefined) throw error;
          await apiKeys.rotate(SANDBOX_CLIENT, config.sandboxKey ?? undefined);
        });
    } else await apiKeys.rotate(SANDBOX_CLIENT, config.sandboxKey);
    return config.sandboxKey;
  }
  const saved = await readFile(keyFile, "utf8").then(
    (text) => text.trim(),
    () => null,
  );
  if (existing !== undefined && saved !== null && (await apiKeys.verify(saved)) !== null) return saved;
  if (existing !== undefined && config.databaseUrl !== null) {
    // A new key would lock out every other instance's sandbox users.
    throw new ConfigError([
      `the shared database already has a sandbox client, and ${keyFile} holds no valid key for it: give every instance the same OPENQOD_SANDBOX_KEY`,
    ]);
  }
  const key =
    existing === undefined
      ? (await apiKeys.create(SANDBOX_CLIENT, clock.now())).key
      : await apiKeys.rotate(SANDBOX_CLIENT);
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  return key;
}
