import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config.ts";
import type { NefEmulator } from "../../src/nef-emulator/index.ts";
import { createOpenQod, type OpenQod, type OpenQodOptions } from "../../src/openqod.ts";
import { databaseEnv, dropDatabase } from "./engine.ts";
import { NETWORK, type NefNetwork, startNefNetwork } from "./nef-network.ts";

export { NETWORK } from "./nef-network.ts";

export const SANDBOX_KEY = "test-sandbox-key-0123456789";

export interface Harness {
  openqod: OpenQod;
  clock: ManualClock;
  dataDir: string;
  /** The NEF this OpenQoD is in front of (OPENQOD_TEST_NETWORK=nef), else null (the simulator). */
  emulator: NefEmulator | null;
  /** Sends a request as the sandbox client (or with `key`). */
  request(
    method: string,
    url: string,
    body?: unknown,
    options?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Creates another API client and returns its key. */
  newClient(name: string): Promise<string>;
  /**
   * Lets the scheduler, the network worker, then the dispatcher do everything due at the clock's time;
   * in front of a NEF, first lets the notifications it has under way land.
   */
  tick(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A full OpenQoD (manual clock) driven through `inject()`, on this run's engine: a real SQLite file
 * in a temp dir, or a database of its own on the test PostgreSQL server. With OPENQOD_TEST_NETWORK=nef
 * (and neither `parts.network` nor OPENQOD_NETWORK given) it is in front of a NEF emulator of its own,
 * on the same manual clock, and listens on 127.0.0.1 for the emulator's notifications.
 */
export async function createHarness(
  env: Record<string, string> = {},
  dataDir?: string,
  parts: Pick<OpenQodOptions, "network" | "externalIdp"> = {},
): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "openqod-test-")));
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const nef: NefNetwork | null =
    NETWORK === "nef" && parts.network === undefined && env.OPENQOD_NETWORK === undefined
      ? await startNefNetwork(clock)
      : null;
  let openqod: OpenQod;
  try {
    const config = loadConfig([], {
      OPENQOD_DATA_DIR: dir,
      OPENQOD_SANDBOX_KEY: SANDBOX_KEY,
      // Not bound to loopback, so the sandbox client is not an operator: tests of "another client's"
      // answers use it. sandbox-sign-in.test.ts binds to 127.0.0.1.
      OPENQOD_HOST: "0.0.0.0",
      // Off unless a test sets them: on a manual clock that seldom moves, a suite's 201st request or
      // 31st 401 would be refused. rate-limits.test.ts turns them on.
      OPENQOD_RATE_LIMIT: "0",
      OPENQOD_AUTH_FAILURE_LIMIT: "0",
      OPENQOD_TOKEN_RATE_LIMIT: "0",
      ...(await databaseEnv(dir)),
      ...nef?.env,
      ...env,
    });
    openqod = await createOpenQod({ config, clock, random: () => 0.5, ...parts });
  } catch (error) {
    // A test of a start-up failure must not leave the emulator listening.
    await nef?.emulator.close();
    throw error;
  }
  if (nef !== null) {
    await openqod.app.listen({ host: "127.0.0.1", port: nef.callbackPort }).catch(async (error: unknown) => {
      await openqod.close();
      await nef.emulator.close();
      throw error;
    });
  }
  return {
    openqod,
    clock,
    dataDir: dir,
    emulator: nef?.emulator ?? null,
    request(method, url, body, options = {}) {
      const key = options.key === undefined ? SANDBOX_KEY : options.key;
      const headers: Record<string, string> = {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...options.headers,
      };
      return openqod.app.inject({
        method: method as "GET",
        url,
        headers,
        ...(body === undefined
          ? {}
          : typeof body === "string"
            ? { payload: body }
            : { payload: body as object }),
      });
    },
    async newClient(name) {
      return (await openqod.apiKeys.create(name, clock.now())).key;
    },
    async tick() {
      await nef?.settle();
      await openqod.scheduler.runOnce();
      await openqod.networkWorker.runOnce();
      await openqod.dispatcher.runOnce();
    },
    async close() {
      await openqod.close();
      await nef?.emulator.close();
      if (dataDir === undefined) {
        await rm(dir, { recursive: true, force: true });
        await dropDatabase(dir);
      }
    },
  };
}

/** A valid create-session body; `overrides` replace top-level fields. */
export function sessionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device: { phoneNumber: "+36721601234567" },
    applicationServer: { ipv4Address: "233.252.0.2" },
    qosProfile: "QOS_L",
    duration: 3600,
    ...overrides,
  };
}

/** A sinkCredential that stays valid for the test's whole (manual) time. */
export function bearer(token: string, expires = "2030-01-01T00:00:00Z"): Record<string, string> {
  return {
    credentialType: "ACCESSTOKEN",
    accessToken: token,
    accessTokenExpiresUtc: expires,
    accessTokenType: "bearer",
  };
}
