import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "../src/config.ts";
import { type Admin, AdminError, ClientExistsError, ClientNotFoundError, openAdmin } from "../src/index.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { type ServerProcess, startServerProcess } from "./helpers/process.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const KEY = "admin-test-sandbox-key-0123456789";

/**
 * The operator functions the `openqod` CLI calls, on the database of a server running in another
 * process, as an operator would use them.
 */
describe("admin functions beside a running server", () => {
  let dataDir: string;
  let server: ServerProcess;
  let receiver: TestReceiver;
  let admin: Admin;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "openqod-admin-"));
    receiver = await TestReceiver.start();
    server = await startServerProcess({
      OPENQOD_DATA_DIR: dataDir,
      OPENQOD_SANDBOX_KEY: KEY,
      // One retry, an hour later: only a redelivery can bring a failed first attempt sooner.
      OPENQOD_RETRY_SCHEDULE: "0,1h",
    });
    admin = await openAdmin(loadConfig(["--data-dir", dataDir], await databaseEnv(dataDir)));
  });
  after(async () => {
    await admin.close();
    server.child.kill("SIGTERM");
    await server.exited;
    await receiver.close();
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase(dataDir);
  });

  const api = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? "GET",
      headers: {
        authorization: `Bearer ${init.key ?? KEY}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  test("deliveries shows what the API shows; redeliver makes the running server send at once", async () => {
    receiver.respond = () => ({ status: 500 });
    const created = await api("/quality-on-demand/v1/sessions", {
      method: "POST",
      body: {
        device: { phoneNumber: "+36721601230001" },
        applicationServer: { ipv4Address: "233.252.0.2" },
        qosProfile: "QOS_L",
        duration: 3600,
        sink: receiver.url,
        sinkCredential: {
          credentialType: "ACCESSTOKEN",
          accessToken: "admin-sink-token",
          accessTokenExpiresUtc: "2030-01-01T00:00:00Z",
          accessTokenType: "bearer",
        },
      },
    });
    assert.equal(created.status, 201);
    const { sessionId } = (await created.json()) as { sessionId: string };
    await receiver.waitFor(1, 10_000);

    let found = await admin.deliveries(sessionId);
    const deadline = Date.now() + 5_000;
    // Settled once the attempt and the rescheduled retry are both visible: the two are read by two queries.
    const settled = () => found[0]?.attempts.length === 1 && found[0].nextAttemptAt !== found[0].createdAt;
    while (!settled() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      found = await admin.deliveries(sessionId);
    }
    const [n] = found;
    assert.equal(n?.state, "pending");
    assert.equal(n?.id, receiver.events[0]?.id);
    assert.deepEqual(
      n?.attempts.map((a) => [a.outcome, a.statusCode]),
      [["retry", 500]],
    );
    const viaApi = await api(`/notifications/v1/sessions/${sessionId}/notifications`);
    assert.deepEqual(
      ((await viaApi.json()) as { notifications: unknown }).notifications,
      found,
      "the same shape",
    );

    receiver.respond = () => ({ status: 204 });
    const started = Date.now();
    const queued = await admin.redeliver(n?.id ?? "");
    assert.equal(queued?.state, "pending");
    await receiver.waitFor(2, 5_000);
    assert.ok(Date.now() - started < 5_000, "not the hour the schedule said");
    assert.equal(receiver.events[1]?.id, n?.id, "the same CloudEvent id");
    assert.equal(receiver.requests[1]?.headers.authorization, "Bearer admin-sink-token");

    assert.deepEqual(await admin.deliveries("0190a0f0-0000-7000-8000-000000000000"), []);
    assert.equal(await admin.redeliver("0190a0f0-0000-7000-8000-000000000000"), undefined);
  });

  test("clients: create (once), list, rotate, revoke; the key works against the running server", async () => {
    const { clientId, key } = await admin.clients.create("acme");
    assert.match(key, /^oqd_/);
    assert.equal((await api("/qos-profiles/v1/qos-profiles/QOS_E", { key })).status, 200);

    await assert.rejects(admin.clients.create("acme"), (error: unknown) => {
      assert.ok(error instanceof ClientExistsError && error instanceof AdminError);
      assert.equal(error.code, "CLIENT_EXISTS");
      assert.equal(error.message, "client acme already exists; rotate its key for a new one");
      return true;
    });
    await assert.rejects(admin.clients.create("no spaces"), {
      name: "AdminError",
      code: "INVALID_CLIENT_NAME",
    });
    await assert.rejects(admin.clients.rotate("nobody"), (error: unknown) => {
      assert.ok(error instanceof ClientNotFoundError);
      assert.equal(error.message, "no client nobody");
      return true;
    });

    const listed = await admin.clients.list();
    assert.deepEqual(
      listed.map((c) => c.name),
      ["sandbox", "acme"],
    );
    assert.equal(listed[1]?.id, clientId);
    assert.equal(listed[1]?.revokedAt, null);

    const rotated = await admin.clients.rotate("acme");
    assert.notEqual(rotated, key);
    assert.equal((await api("/qos-profiles/v1/qos-profiles/QOS_E", { key: rotated })).status, 200);
    assert.equal(await admin.clients.revoke("acme"), true);
    assert.equal(await admin.clients.revoke("acme"), false, "already revoked");
    assert.equal(typeof (await admin.clients.list())[1]?.revokedAt, "number");
  });
});
