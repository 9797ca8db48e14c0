import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError } from "../src/config.ts";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness } from "./helpers/harness.ts";
import { runOpenqod, type ServerProcess, startServerProcess } from "./helpers/process.ts";
import { TestReceiver } from "./helpers/receiver.ts";

const KEY = "multi-instance-key-0123456789";
const SESSIONS = 2000;
const EXPIRING_DURATION_S = 6;

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

describe("three server processes on one PostgreSQL database", () => {
  let root: string;
  let receiver: TestReceiver;
  let servers: ServerProcess[] = [];
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "openqod-multi-"));
    receiver = await TestReceiver.start();
  });
  after(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill("SIGKILL");
    await Promise.all(servers.map((s) => s.exited));
    await receiver.close();
    await rm(root, { recursive: true, force: true });
    await dropDatabase(root);
  });

  test("2 000 sessions, half deleted, the rest expiring while one process is SIGKILLed: every notification arrives, in order per session", async (t) => {
    const shared = {
      ...(await databaseEnv(root)),
      OPENQOD_SANDBOX_KEY: KEY,
      // A dead process's claims are taken over when their leases run out.
      OPENQOD_DELIVERY_LEASE: "3s",
      OPENQOD_DELIVERY_TIMEOUT: "2s",
      OPENQOD_DELIVERY_CONCURRENCY: "16",
    };
    // Started together: the migrations and the sandbox client must survive the race.
    servers = await Promise.all(
      ["a", "b", "c"].map((name) => startServerProcess({ ...shared, OPENQOD_DATA_DIR: join(root, name) })),
    );
    // A little latency keeps attempts in flight, so the kill interrupts some.
    receiver.respond = () => ({ status: 204, delayMs: 40 });

    const ids: string[] = new Array(SESSIONS);
    const deleted = (i: number) => i % 2 === 0;
    await pool([...Array(SESSIONS).keys()], 24, async (i) => {
      const server = servers[i % 3] as ServerProcess;
      const res = await fetch(`${server.url}/quality-on-demand/v1/sessions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          device: { phoneNumber: `+3670${String(i).padStart(7, "0")}` },
          applicationServer: { ipv4Address: "233.252.0.2" },
          qosProfile: "QOS_E",
          duration: deleted(i) ? 3600 : EXPIRING_DURATION_S,
          sink: receiver.url,
          sinkCredential: {
            credentialType: "ACCESSTOKEN",
            accessToken: "tok",
            accessTokenExpiresUtc: "2099-01-01T00:00:00Z",
            accessTokenType: "bearer",
          },
        }),
      });
      assert.equal(res.status, 201);
      ids[i] = ((await res.json()) as { sessionId: string }).sessionId;
    });
    await pool([...Array(SESSIONS).keys()].filter(deleted), 24, async (i) => {
      // Deleted through another instance than the one that created it.
      const server = servers[(i + 1) % 3] as ServerProcess;
      const res = await fetch(`${server.url}/quality-on-demand/v1/sessions/${ids[i]}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${KEY}` },
      });
      assert.equal(res.status, 204);
    });

    const expired = () => receiver.events.filter((e) => e.data.statusInfo === "DURATION_EXPIRED").length;
    const killAfter = Date.now() + 30_000;
    while (expired() < SESSIONS / 8 && Date.now() < killAfter) await new Promise((r) => setTimeout(r, 20));
    const victim = servers[1] as ServerProcess;
    victim.child.kill("SIGKILL");
    await victim.exited;
    t.diagnostic(`SIGKILLed one process after ${receiver.requests.length} notifications had arrived`);

    // Expected: AVAILABLE then UNAVAILABLE (DELETE_REQUESTED or DURATION_EXPIRED) for every session.
    const expected = new Map<string, string[]>();
    ids.forEach((id, i) => {
      expected.set(id, ["AVAILABLE", deleted(i) ? "DELETE_REQUESTED" : "DURATION_EXPIRED"]);
    });
    const label = (e: { data: { qosStatus: string; statusInfo?: string } }) =>
      e.data.qosStatus === "UNAVAILABLE" ? (e.data.statusInfo ?? "") : e.data.qosStatus;
    const missing = () => {
      const seen = new Set(receiver.events.map((e) => `${e.data.sessionId} ${label(e)}`));
      let n = 0;
      for (const [id, labels] of expected) for (const l of labels) if (!seen.has(`${id} ${l}`)) n++;
      return n;
    };
    const deadline = Date.now() + 60_000;
    while (missing() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    assert.equal(missing(), 0, "every expected notification arrived");
    const bySession = new Map<string, string[]>();
    for (const e of receiver.events) {
      const list = bySession.get(e.data.sessionId) ?? [];
      list.push(label(e));
      bySession.set(e.data.sessionId, list);
    }
    assert.deepEqual(new Set(bySession.keys()), new Set(expected.keys()), "nothing for unknown sessions");
    for (const [id, received] of bySession) {
      const ended = received.findIndex((l) => l !== "AVAILABLE");
      assert.ok(
        ended >= 0 && received.slice(ended).every((l) => l === expected.get(id)?.[1]),
        `session ${id} received ${received.join(", ")}: never AVAILABLE after UNAVAILABLE, one end reason`,
      );
    }
    const duplicates = receiver.requests.length - 2 * SESSIONS;
    const distinctIds = new Set(receiver.events.map((e) => e.id)).size;
    assert.equal(distinctIds, 2 * SESSIONS, "a redelivery carries the same event id");
    t.diagnostic(
      `notifications received: ${receiver.requests.length}, expected ${2 * SESSIONS}, duplicates ${duplicates}`,
    );
  });

  test("a server that finds the shared sandbox client without its key refuses to start rather than lock the others out", async () => {
    const database = await databaseEnv(join(root, "sandbox"));
    const first = await createHarness({ ...database, OPENQOD_SANDBOX_KEY: "" }, join(root, "first"));
    try {
      await assert.rejects(
        createHarness({ ...database, OPENQOD_SANDBOX_KEY: "" }, join(root, "second")),
        (error: unknown) =>
          error instanceof ConfigError &&
          /give every instance the same OPENQOD_SANDBOX_KEY/.test(error.message),
      );
      // The operator's commands reach the same database.
      const list = await runOpenqod(
        ["clients", "list", "--database-url", database.OPENQOD_DATABASE_URL ?? ""],
        {},
      );
      assert.equal(list.code, 0, list.output);
      assert.match(list.output, /^sandbox\t/m);
      // The first server's key still works.
      const res = await first.request("GET", "/qos-profiles/v1/qos-profiles/QOS_E", undefined, {
        key: first.openqod.sandboxKey,
      });
      assert.equal(res.statusCode, 200);
    } finally {
      await first.close();
      await dropDatabase(join(root, "sandbox"));
    }
  });
});
