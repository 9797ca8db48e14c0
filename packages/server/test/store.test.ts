import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { SessionRecord } from "../src/domain/types.ts";
import { uuidv7 } from "../src/ids.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { Store } from "../src/store/store.ts";

function session(id: string, clientId: string): SessionRecord {
  return {
    id,
    clientId,
    dialect: "v1",
    device: { phoneNumber: "+3670123456" },
    deviceKey: `tel:${id}`,
    applicationServer: { ipv4Address: "198.51.100.1" },
    devicePorts: null,
    applicationServerPorts: null,
    qosProfile: "QOS_E",
    sink: null,
    sinkToken: null,
    sinkTokenExpiresAt: null,
    duration: 60,
    qosStatus: "AVAILABLE",
    statusInfo: null,
    createdAt: 1,
    startedAt: 1,
    expiresAt: 60_001,
    dueAt: 60_001,
    networkVerdict: null,
  };
}

for (const cache of [0, 1000]) {
  describe(`SQLite store (session cache ${cache === 0 ? "off" : "on"})`, () => {
    async function withStore(fn: (store: Store, clientId: string) => Promise<void>) {
      const dir = await mkdtemp(join(tmpdir(), "openqod-store-"));
      const store = await openSqliteStore(join(dir, "openqod.db"), { sessionCacheEntries: cache });
      try {
        await store.insertClient({ id: "c1", name: "c1", keyHash: "h", createdAt: 0 });
        await fn(store, "c1");
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    }

    test("units queued together commit together; one failing before it writes does not undo the others", async () => {
      await withStore(async (store, client) => {
        const results = await Promise.allSettled([
          store.write((tx) => tx.insertSession(session("a", client))),
          store.write(async () => {
            throw new Error("refused before writing");
          }),
          store.write((tx) => tx.insertSession(session("b", client))),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ["fulfilled", "rejected", "fulfilled"],
        );
        assert.ok(await store.getSession("a"));
        assert.ok(await store.getSession("b"));
      });
    });

    test("a unit failing after a write is rolled back alone; the others are retried and kept", async () => {
      await withStore(async (store, client) => {
        const results = await Promise.allSettled([
          store.write((tx) => tx.insertSession(session("a", client))),
          store.write(async (tx) => {
            await tx.insertSession(session("half", client));
            throw new Error("failed after writing");
          }),
          store.write((tx) => tx.insertSession(session("b", client))),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ["fulfilled", "rejected", "fulfilled"],
        );
        assert.equal((results[1] as PromiseRejectedResult).reason.message, "failed after writing");
        assert.ok(await store.getSession("a"));
        assert.ok(await store.getSession("b"));
        assert.equal(await store.getSession("half"), undefined, "neither the database nor the cache has it");
        const rows = await store.db.selectFrom("sessions").select("id").execute();
        assert.deepEqual(rows.map((r) => r.id).sort(), ["a", "b"]);
      });
    });

    test("reads after a committed update or delete see the new state", async () => {
      await withStore(async (store, client) => {
        await store.write((tx) => tx.insertSession(session("a", client)));
        assert.equal((await store.getSession("a"))?.qosStatus, "AVAILABLE");
        await store.write(async (tx) =>
          tx.updateSession({
            ...session("a", client),
            qosStatus: "UNAVAILABLE",
            statusInfo: "DELETE_REQUESTED",
          }),
        );
        assert.equal((await store.getSession("a"))?.statusInfo, "DELETE_REQUESTED");
        await store.write((tx) => tx.deleteSession("a"));
        assert.equal(await store.getSession("a"), undefined);
      });
    });

    test("a session written by another store on the same file is read back after reopening", async () => {
      const dir = await mkdtemp(join(tmpdir(), "openqod-store-"));
      try {
        const first = await openSqliteStore(join(dir, "openqod.db"), { sessionCacheEntries: cache });
        await first.insertClient({ id: "c1", name: "c1", keyHash: "h", createdAt: 0 });
        await first.write((tx) => tx.insertSession(session("kept", "c1")));
        await first.close();
        const second = await openSqliteStore(join(dir, "openqod.db"), { sessionCacheEntries: cache });
        assert.equal((await second.getSession("kept"))?.duration, 60);
        await second.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

describe("UUIDv7 ids", () => {
  test("are RFC 9562 version 7 UUIDs, ordered by time", () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(a.replaceAll("-", "").slice(0, 12), (1_700_000_000_000).toString(16).padStart(12, "0"));
    assert.ok(a < b);
    assert.notEqual(uuidv7(5), uuidv7(5));
  });
});
