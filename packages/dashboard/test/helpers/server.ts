import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../server/src/config.ts";
import { createOpenQod } from "../../../server/src/openqod.ts";
import { bearer, sessionBody } from "../../../server/test/helpers/harness.ts";
import { TestReceiver } from "../../../server/test/helpers/receiver.ts";

export const SANDBOX_KEY = "dashboard-test-key-0123456789";
export const QOD = "/quality-on-demand/v1";

/** A port nobody listens on now, so the server's public URL can name it before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** A real sandbox server on 127.0.0.1 (SQLite in a temp folder, simulator, real clock) and a real sink. */
export interface Sandbox {
  url: string;
  receiver: TestReceiver;
  /** Calls the server's public HTTP API as the sandbox client (or with `key`). */
  api(method: string, path: string, body?: unknown, key?: string): Promise<ApiAnswer>;
  /** Creates a session through the API (not the page) whose notifications go to the receiver. */
  createSession(overrides?: Record<string, unknown>): Promise<{ sessionId: string; qosStatus: string }>;
  /** Cuts every open HTTP connection to the server (the dashboard's live stream among them). */
  dropConnections(): void;
  close(): Promise<void>;
}

let phone = 36_700_000_000;

export async function startSandbox(env: Record<string, string> = {}): Promise<Sandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-dashboard-"));
  const receiver = await TestReceiver.start();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const openqod = await createOpenQod({
    config: loadConfig([], {
      OPENQOD_DATA_DIR: dataDir,
      OPENQOD_SANDBOX_KEY: SANDBOX_KEY,
      OPENQOD_RETRY_SCHEDULE: "0,100ms,200ms",
      OPENQOD_PUBLIC_URL: url,
      OPENQOD_LOG_LEVEL: "warn",
      ...env,
    }),
  });
  try {
    await openqod.app.listen({ host: "127.0.0.1", port });
    openqod.startWorkers();
  } catch (error) {
    await openqod.close();
    await receiver.close();
    throw error;
  }
  async function api(method: string, path: string, body?: unknown, key = SANDBOX_KEY): Promise<ApiAnswer> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
  }
  return {
    url,
    receiver,
    api,
    async createSession(overrides = {}) {
      const res = await api(
        "POST",
        `${QOD}/sessions`,
        sessionBody({
          device: { phoneNumber: `+${++phone}` },
          sink: receiver.url,
          sinkCredential: bearer("dashboard-sink-token"),
          ...overrides,
        }),
      );
      if (res.status !== 201) throw new Error(`createSession: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { sessionId: string; qosStatus: string };
    },
    dropConnections() {
      openqod.app.server.closeAllConnections();
    },
    async close() {
      await openqod.close();
      await receiver.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
