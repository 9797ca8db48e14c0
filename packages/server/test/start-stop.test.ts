import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { ManualClock } from "../src/clock.ts";
import { loadConfig } from "../src/config.ts";
import { UndiciSender } from "../src/delivery/sender.ts";
import { createOpenQod, type OpenQodOptions } from "../src/openqod.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { bearer, createHarness, SANDBOX_KEY, sessionBody } from "./helpers/harness.ts";
import { freePort, runServerCommand, startServerProcess } from "./helpers/process.ts";
import { TestReceiver } from "./helpers/receiver.ts";

/** A real sender whose close() fails after closing: a shutdown step that throws. */
class FailingCloseSender extends UndiciSender {
  override async close(): Promise<void> {
    await super.close();
    throw new Error("the sender failed to close");
  }
}

async function openOn(
  dataDir: string,
  extra: Partial<OpenQodOptions> = {},
  env: Record<string, string> = {},
) {
  const config = loadConfig([], {
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_SANDBOX_KEY: SANDBOX_KEY,
    ...(await databaseEnv(dataDir)),
    ...env,
  });
  return createOpenQod({ config, clock: new ManualClock(Date.UTC(2026, 5, 1)), ...extra });
}

/** Connections open to the data folder's PostgreSQL database (0 on SQLite). */
async function connectionsTo(dataDir: string): Promise<number> {
  const url = (await databaseEnv(dataDir)).OPENQOD_DATABASE_URL;
  if (url === undefined) return 0;
  const admin = new pg.Client({ connectionString: process.env.OPENQOD_TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = $1",
      [new URL(url).pathname.slice(1)],
    );
    return rows[0]?.n ?? -1;
  } finally {
    await admin.end();
  }
}

describe("starting and stopping an OpenQoD", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-startstop-"));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase(dataDir);
  });

  test("close() called twice at once, and again later, shares one shutdown and resolves every time", async () => {
    const openqod = await openOn(dataDir);
    openqod.startWorkers();
    const first = openqod.close();
    assert.equal(openqod.close(), first, "the same promise");
    await Promise.all([first, openqod.close()]);
    await openqod.close();
    await assert.rejects(openqod.store.ping(), "the store is closed");
    // The data folder is free again.
    await (await openOn(dataDir)).close();
  });

  test("a shutdown step that fails still closes the store and frees the data folder; close() rejects with that failure", async () => {
    const openqod = await openOn(dataDir, { sender: new FailingCloseSender({ publicOnly: false }) });
    openqod.startWorkers();
    await assert.rejects(openqod.close(), /the sender failed to close/);
    await assert.rejects(openqod.store.ping(), "the store is closed");
    const again = await openOn(dataDir);
    assert.equal((await again.app.inject({ method: "GET", url: "/ready" })).statusCode, 200);
    await again.close();
  });

  test("a start that fails after the store opened closes it: the data folder can be served again", async () => {
    const folder = join(dataDir, "bad-sandbox-key");
    // The sandbox key file cannot be written (a folder is in its place), after the store opened.
    await mkdir(join(folder, "sandbox-key"), { recursive: true });
    try {
      await assert.rejects(openOn(folder, {}, { OPENQOD_SANDBOX_KEY: "" }), { code: "EISDIR" });
      assert.equal(await connectionsTo(folder), 0, "no database connection left open");
      await rm(join(folder, "sandbox-key"), { recursive: true });
      const openqod = await openOn(folder);
      assert.equal(openqod.sandboxKey, SANDBOX_KEY);
      await openqod.close();
    } finally {
      await dropDatabase(folder);
    }
  });

  test("/ready is 503 UNAVAILABLE once close() has begun", async () => {
    const openqod = await openOn(dataDir);
    assert.equal((await openqod.app.inject({ method: "GET", url: "/ready" })).statusCode, 200);
    const closing = openqod.close();
    const res = await openqod.app.inject({ method: "GET", url: "/ready" });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, "UNAVAILABLE");
    await closing;
  });
});

describe("workers", () => {
  let receiver: TestReceiver;
  before(async () => {
    receiver = await TestReceiver.start();
  });
  after(() => receiver.close());

  test("startWorkers() twice starts one dispatcher: OPENQOD_DELIVERY_CONCURRENCY=1 holds", async () => {
    const h = await createHarness({ OPENQOD_DELIVERY_CONCURRENCY: "1", OPENQOD_DELIVERY_TIMEOUT: "1s" });
    try {
      receiver.respond = () => "hang";
      for (const n of [1, 2]) {
        const res = await h.request(
          "POST",
          "/quality-on-demand/v1/sessions",
          sessionBody({
            device: { phoneNumber: `+3670000000${n}` },
            sink: receiver.url,
            sinkCredential: bearer("t"),
          }),
        );
        assert.equal(res.statusCode, 201, res.body);
      }
      await h.openqod.scheduler.runOnce();
      h.openqod.startWorkers();
      h.openqod.startWorkers();
      await receiver.waitFor(1);
      // Two loops would each send one of the two events at once; one loop waits for the hung attempt.
      await assert.rejects(receiver.waitFor(2, 500));
      assert.equal(receiver.requests.length, 1);
    } finally {
      await h.close();
    }
  });
});

describe("openqod serve on a port already in use", () => {
  let holder: Server;
  let port: number;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-port-"));
    port = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  });
  after(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase(dataDir);
  });

  test("exits 1 naming the port, and leaves the data folder free for the next start", async () => {
    const env = { OPENQOD_DATA_DIR: dataDir, ...(await databaseEnv(dataDir)) };
    const failed = await runServerCommand(["serve"], { ...env, OPENQOD_PORT: String(port) });
    assert.equal(failed.code, 1, failed.output);
    assert.match(
      failed.output,
      new RegExp(`openqod: port ${port} on 127\\.0\\.0\\.1 is already in use \\(EADDRINUSE\\)`),
    );
    const next = await startServerProcess(env);
    next.child.kill("SIGTERM");
    assert.equal(await next.exited, 0);
  });
});
