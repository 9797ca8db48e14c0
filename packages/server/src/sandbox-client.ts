import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ApiKeys, hashKey } from "./auth/api-keys.ts";
import { ALL_SCOPES, KNOWN_SCOPES } from "./auth/scopes.ts";
import type { Clock } from "./clock.ts";
import { type Config, ConfigError } from "./config.ts";
import { isLoopbackHost } from "./domain/ip.ts";
import type { SandboxSignIn } from "./http/sandbox-sign-in.ts";
import type { Store } from "./store/store.ts";

const SANDBOX_CLIENT = "sandbox";

/** The sandbox client's credentials, for the quickstart. */
export interface SandboxClient {
  clientId: string;
  key: string;
  /** Its OAuth2 client secret; null when instances share a database and no OPENQOD_SANDBOX_SECRET says which. */
  secret: string | null;
  /** What it may do: every scope, the operator role included, on a loopback-bound sandbox; else null (all but operator). */
  scopes: string[] | null;
}

/**
 * On a sandbox only its own machine can reach, the sandbox client is an operator, so the dashboard's
 * one-click sign-in sees the operations page; anywhere else it must not be.
 */
export function sandboxScopes(config: Pick<Config, "host">): string[] | null {
  return isLoopbackHost(config.host) ? [...KNOWN_SCOPES] : null;
}

/** What the dashboard's one-click sign-in hands out (http/sandbox-sign-in.ts). */
export function sandboxSignIn(client: SandboxClient, config: Pick<Config, "host">): SandboxSignIn {
  return {
    clientId: client.clientId,
    apiKey: client.key,
    scopes: client.scopes ?? ALL_SCOPES,
    boundToLoopback: isLoopbackHost(config.host),
  };
}

/**
 * The sandbox API client: its key comes from OPENQOD_SANDBOX_KEY, or is generated on first start and
 * kept in DATA_DIR/sandbox-key (mode 0600) so the quickstart can print it on every start; its client
 * secret likewise from OPENQOD_SANDBOX_SECRET or DATA_DIR/sandbox-secret.
 */
export async function ensureSandboxClient(
  apiKeys: ApiKeys,
  store: Store,
  config: Config,
  clock: Clock,
): Promise<SandboxClient> {
  const { key, secret } = await ensureKey(apiKeys, store, config, clock);
  const client = await store.clientByName(SANDBOX_CLIENT);
  if (client === undefined) throw new Error("the sandbox client is missing right after it was made");
  // Set at every start: the same data folder may be served on 0.0.0.0 next time.
  const scopes = sandboxScopes(config);
  await apiKeys.setScopes(SANDBOX_CLIENT, scopes);
  return {
    scopes,
    clientId: client.id,
    key,
    secret: await ensureSecret(apiKeys, store, config, { clientId: client.id, made: secret }),
  };
}

/** The sandbox key, and the secret of the client when this call made it. */
async function ensureKey(
  apiKeys: ApiKeys,
  store: Store,
  config: Config,
  clock: Clock,
): Promise<{ key: string; secret: string | null }> {
  const keyFile = join(config.dataDir, "sandbox-key");
  const existing = await store.clientByName(SANDBOX_CLIENT);
  if (config.sandboxKey !== null) {
    let secret: string | null = null;
    if (existing === undefined) {
      // Instances sharing a database may start together: one creates, the other finds it created.
      secret = await apiKeys.create(SANDBOX_CLIENT, clock.now(), { key: config.sandboxKey }).then(
        (made) => made.secret,
        async (error: unknown) => {
          if ((await store.clientByName(SANDBOX_CLIENT)) === undefined) throw error;
          await apiKeys.rotate(SANDBOX_CLIENT, config.sandboxKey ?? undefined);
          return null;
        },
      );
    } else await apiKeys.rotate(SANDBOX_CLIENT, config.sandboxKey);
    return { key: config.sandboxKey, secret };
  }
  const saved = await readSaved(keyFile);
  if (existing !== undefined && saved !== null && (await apiKeys.verify(saved)) !== null)
    return { key: saved, secret: null };
  if (existing !== undefined && config.databaseUrl !== null) {
    // A new key would lock out every other instance's sandbox users.
    throw new ConfigError([
      `the shared database already has a sandbox client, and ${keyFile} holds no valid key for it: give every instance the same OPENQOD_SANDBOX_KEY`,
    ]);
  }
  const made = existing === undefined ? await apiKeys.create(SANDBOX_CLIENT, clock.now()) : null;
  const key = made?.key ?? (await apiKeys.rotate(SANDBOX_CLIENT));
  await save(keyFile, key);
  return { key, secret: made?.secret ?? null };
}

async function ensureSecret(
  apiKeys: ApiKeys,
  store: Store,
  config: Config,
  client: { clientId: string; made: string | null },
): Promise<string | null> {
  const secretFile = join(config.dataDir, "sandbox-secret");
  const hash = (await store.clientCredentials(client.clientId))?.secretHash ?? null;
  if (config.sandboxSecret !== null) {
    if (hash !== hashKey(config.sandboxSecret))
      await apiKeys.rotateSecret(SANDBOX_CLIENT, config.sandboxSecret);
    return config.sandboxSecret;
  }
  if (client.made !== null) {
    await save(secretFile, client.made);
    return client.made;
  }
  const saved = await readSaved(secretFile);
  if (saved !== null && hash === hashKey(saved)) return saved;
  // Another instance made it: a new secret would break that instance's sandbox users.
  if (config.databaseUrl !== null && hash !== null) return null;
  const secret = await apiKeys.rotateSecret(SANDBOX_CLIENT);
  await save(secretFile, secret);
  return secret;
}

function readSaved(file: string): Promise<string | null> {
  return readFile(file, "utf8").then(
    (text) => text.trim(),
    () => null,
  );
}

async function save(file: string, value: string): Promise<void> {
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
