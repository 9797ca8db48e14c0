import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { uuidv7 } from "../src/ids.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { Store } from "../src/store/store.ts";
import { databaseEnv, dropDatabase, TEST_ENGINE } from "./helpers/engine.ts";
import { sessionRecord as session } from "./helpers/session-record.ts";

/** The stores this run tests: SQLite with and without its session cache, or PostgreSQL. */
const VARIANTS: Array<{ name: string; open(dir: string): Promise<Store> }> =
  TEST_ENGINE === "postgres"
    ? [
        {
          name: "PostgreSQL store",
          async open(dir) {
            const url = (await databaseEnv(dir)).OPENQOD_DATABASE_URL;
            assert.ok(url);
            return openPostgresStore(url, { poolSize: 4 });
          },
        },
      ]
    : [0, 1000].map((cache) => ({
        name: `SQLite store (session cache ${cache === 0 ? "off" : "on"})`,
        open: (dir: string) => openSqliteStore(join(dir, "openqod.db"), { sessionCacheEntries: cache }),
      }));

for (const variant of VARIANTS) {
  describe(variant.name, () => {
    async function withDir(fn: (dir: string) => Promise<void>) {
      const dir = await mkdtemp(join(tmpdir(), "openqod-store-"));
      try {
        await fn(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
        await dropDatabase(dir);
      }
    }

    async function withStore(fn: (store: Store, clientId: string) => Promise<void>) {
      await withDir(async (dir) => {
        const store = await variant.open(dir);
        try {
          await store.insertClient({ id: "c1", name: "c1", keyHash: "h", createdAt: 0 });
          await fn(store, "c1");
        } finally {
          await store.close();
        }
      });
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

    test("many concurrent reads each get their own session, or undefined", async () => {
      await withStore(async (store, client) => {
        await store.write(async (tx) => {
          for (let i = 0; i < 300; i++)
            await tx.insertSession({ ...session(`r${i}`, client), duration: i + 1 });
        });
        // On PostgreSQL these share queries (reads in one turn are coalesced); each must still get its own.
        const reads = await Promise.all(
          Array.from({ length: 600 }, (_, i) => store.getSession(i % 2 === 0 ? `r${i / 2}` : `none${i}`)),
        );
        reads.forEach((read, i) => {
          if (i % 2 === 0) assert.equal(read?.duration, i / 2 + 1);
          else assert.equal(read, undefined);
        });
      });
    });

    test("a session written by another store on the same database is read back after reopening", async () => {
      await withDir(async (dir) => {
        const first = await variant.open(dir);
        await first.insertClient({ id: "c1", name: "c1", keyHash: "h", createdAt: 0 });
        await first.write((tx) => tx.insertSession(session("kept", "c1")));
        await first.close();
        const second = await variant.open(dir);
        assert.equal((await second.getSession("kept"))?.duration, 60);
        await second.close();
      });
    });

    /** Two stores on one database, as two instances would have. */
    async function withTwoStores(fn: (a: Store, b: Store) => Promise<void>) {
      await withDir(async (dir) => {
        const a = await variant.open(dir);
        const b = await variant.open(dir);
        try {
          await a.insertClient({ id: "c1", name: "c1", keyHash: "h", createdAt: 0 });
          await fn(a, b);
        } finally {
          await a.close();
          await b.close();
        }
      });
    }

    function event(eventId: string, sessionId: string, createdAt = 1) {
      return {
        eventId,
        sessionId,
        sink: "https://example.com/n",
        headers: {},
        body: "{}",
        tokenExpiresAt: null,
        createdAt,
      };
    }

    test("two stores never claim the same delivery, and a session's later event waits for its earlier one", async () => {
      await withTwoStores(async (a, b) => {
        await a.write(async (tx) => {
          for (let i = 0; i < 40; i++) await tx.enqueue(event(`e${i}`, `s${i % 10}`, 1));
        });
        const [fromA, fromB] = await Promise.all([
          a.claimDeliveries(10, 40, 1000),
          b.claimDeliveries(10, 40, 1000),
        ]);
        const ids = [...fromA, ...fromB].map((d) => d.eventId);
        assert.equal(new Set(ids).size, ids.length, "no event claimed twice");
        // Only each session's first event is due: the other 30 wait behind it.
        assert.deepEqual(ids.sort(), ["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]);
        assert.deepEqual(await b.claimDeliveries(500, 40, 1000), [], "leases hold until they run out");
        const takenOver = await b.claimDeliveries(1010, 40, 1000);
        assert.equal(takenOver.length, 10, "expired leases are taken over");
      });
    });

    test("two stores processing due sessions at once take each session once", async () => {
      await withTwoStores(async (a, b) => {
        await a.write(async (tx) => {
          for (let i = 0; i < 50; i++) await tx.insertSession({ ...session(`s${i}`, "c1"), dueAt: 100 + i });
        });
        const take = (store: Store) =>
          store.write(async (tx) => {
            const due = await tx.dueSessions(1000, 30);
            for (const s of due) await tx.updateSession({ ...s, dueAt: null });
            return due.map((s) => s.id);
          });
        const [x, y] = await Promise.all([take(a), take(b)]);
        const [x2, y2] = await Promise.all([take(a), take(b)]);
        const all = [...x, ...y, ...x2, ...y2];
        assert.equal(all.length, 50);
        assert.equal(new Set(all).size, 50, "no session handled twice");
      });
    });

    test("creates for one device on two stores take turns, so only one passes a conflict check", async () => {
      await withTwoStores(async (a, b) => {
        const createIfFree = (store: Store, id: string) =>
          store.write(async (tx) => {
            if ((await tx.deviceSessionsLocked("c1", "tel:+3670")).length > 0) throw new Error("conflict");
            await tx.insertSession({ ...session(id, "c1"), deviceKey: "tel:+3670" });
          });
        const results = await Promise.allSettled([createIfFree(a, "x"), createIfFree(b, "y")]);
        assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
        assert.equal((await a.sessionsOfDevice("c1", "tel:+3670")).length, 1);
      });
    });

    if (TEST_ENGINE === "postgres") {
      test("a commit with new work on one store wakes the other's workers (LISTEN/NOTIFY)", async () => {
        await withTwoStores(async (a, b) => {
          const woken = new Promise<{ outboxChanged: boolean; earliestDueAt: number | null }>((resolve) =>
            b.onCommit(resolve),
          );
          await a.write((tx) => tx.insertSession({ ...session("n", "c1"), dueAt: 4242 }));
          const info = await woken;
          assert.equal(info.earliestDueAt, 4242);
          assert.equal(info.outboxChanged, false);
        });
      });

      test("a dropped LISTEN connection reconnects, wakes the workers once, and hears news again", async () => {
        await withTwoStores(async (a, b) => {
          const wakes: Array<{ outboxChanged: boolean; earliestDueAt: number | null }> = [];
          b.onCommit((info) => wakes.push(info));
          const until = async (what: string, ok: () => boolean) => {
            const deadline = Date.now() + 10_000;
            while (!ok()) {
              assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
              await new Promise((r) => setTimeout(r, 20));
            }
          };
          // What an operator restarting a PgBouncer or a failover does to the listening connections.
          const { rows } = await sql<{ n: number }>`select count(pg_terminate_backend(pid))::int as n
            from pg_stat_activity where query = 'listen openqod_work'`.execute(a.db);
          assert.ok((rows[0]?.n ?? 0) >= 1);
          await until("the wake-up after reconnecting", () =>
            wakes.some((w) => w.outboxChanged && w.earliestDueAt === 0),
          );
          await a.write((tx) => tx.insertSession({ ...session("after", "c1"), dueAt: 777 }));
          await until("news after reconnecting", () => wakes.some((w) => w.earliestDueAt === 777));
        });
      });
    }
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
