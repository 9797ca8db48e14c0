import { mkdir, readFile } from "node:fs/promises";
import { Agent } from "undici";
import type { Clock } from "../../clock.ts";
import { type Config, ConfigError } from "../../config.ts";
import type { WorkerEvents } from "../../events.ts";
import { callbackSecret } from "./callback-secret.ts";
import { CallbackUrls } from "./callback-url.ts";
import { NefClient } from "./client.ts";
import { NefAdapter } from "./nef-adapter.ts";
import { loadQosReferences } from "./qos-references.ts";
import { ClientCredentialsTokens, staticToken, type TokenSource } from "./token-source.ts";

/**
 * The NEF adapter from the configuration (`--network nef`): the CA file read, the QoS references checked
 * against the profile catalogue, the callback secret loaded or made, one connection pool for the NEF and
 * its token endpoint. Every call is reported as `nef:request` (metrics, logs).
 * @throws ConfigError for an unreadable CA or QoS references file, or one naming unknown profiles.
 */
export async function createNefAdapter(
  config: Readonly<Config>,
  deps: { profileNames: readonly string[]; events: WorkerEvents; clock?: Clock },
): Promise<NefAdapter> {
  const { nefUrl, nefScsAsId } = config;
  if (nefUrl === null || nefScsAsId === null)
    throw new ConfigError(["OPENQOD_NETWORK=nef needs OPENQOD_NEF_URL and OPENQOD_NEF_SCS_AS_ID"]);
  let ca: string | undefined;
  if (config.nefCaFile !== null) {
    try {
      ca = await readFile(config.nefCaFile, "utf8");
    } catch (error) {
      throw new ConfigError([
        `cannot read the NEF CA file (OPENQOD_NEF_CA_FILE) ${config.nefCaFile}: ${(error as Error).message}`,
      ]);
    }
    if (!ca.includes("-----BEGIN CERTIFICATE-----"))
      throw new ConfigError([`the NEF CA file ${config.nefCaFile} holds no PEM certificate`]);
  }
  const qosReferences =
    config.nefQosReferencesFile === null
      ? new Map<string, string>()
      : await loadQosReferences(config.nefQosReferencesFile, deps.profileNames);
  await mkdir(config.dataDir, { recursive: true });
  const key = await callbackSecret(config.nefCallbackSecret, config.dataDir);
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connect: { timeout: config.nefTimeoutMs, ...(ca === undefined ? {} : { ca }) },
  });
  const { events } = deps;
  let tokens: TokenSource | null = null;
  if (config.nefToken !== null) tokens = staticToken(config.nefToken);
  else if (
    config.nefOauthTokenUrl !== null &&
    config.nefOauthClientId !== null &&
    config.nefOauthClientSecret !== null
  ) {
    tokens = new ClientCredentialsTokens({
      tokenUrl: config.nefOauthTokenUrl,
      clientId: config.nefOauthClientId,
      clientSecret: config.nefOauthClientSecret,
      timeoutMs: config.nefTimeoutMs,
      dispatcher: agent,
      ...(deps.clock === undefined ? {} : { clock: deps.clock }),
      onCall: (call) =>
        events.emit("nef:request", {
          operation: "token",
          method: "POST",
          status: call.status,
          outcome:
            call.status !== null
              ? `${Math.floor(call.status / 100)}xx`
              : call.error === "timed out"
                ? "timeout"
                : "connection_error",
          durationMs: call.durationMs,
          attempt: 1,
          retried: false,
          error: call.error,
        }),
    });
  }
  const client = new NefClient({
    timeoutMs: config.nefTimeoutMs,
    tokens,
    dispatcher: agent,
    onAttempt: (attempt) => events.emit("nef:request", attempt),
  });
  return new NefAdapter({
    apiRoot: nefUrl,
    scsAsId: nefScsAsId,
    client,
    callbacks: new CallbackUrls({ base: config.nefCallbackUrl ?? config.publicUrl, key }),
    qosReferences,
    createTimeoutMs: createTimeoutMs(config.nefTimeoutMs),
    close: () => agent.close(),
  });
}

/**
 * The longest a create can take with a per-attempt timeout `t`: two token fetches (the first, and one after a
 * 401), three POSTs (the first, the one after the 401, one after a refused connection), each within `t`, and
 * the backoff (100 ms) between; a second rounded up.
 */
export function createTimeoutMs(timeoutMs: number): number {
  return 5 * timeoutMs + 1_000;
}
