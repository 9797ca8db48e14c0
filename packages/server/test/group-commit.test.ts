import assert from "node:assert/strict";
import { createHook } from "node:async_hooks";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openPostgresStore } from "../src/store/postgres.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";
import type { Store } from "../src/store/store.ts";
import { databaseEnv, dropDatabase, TEST_ENGINE } from "./helpers/engine.ts";
import { sessionRecord as session } from "./helpers/session-record.ts";

async function withStore(fn: (store: Store, errors: Error[]) => Promise<void>, close = true): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "openqod-group-commit-"));
  const errors: Error[] = [];
  const onError = (error: Error) => errors.push(error);
  try {
    let store: Store;
    if (TEST_ENGINE === "postgres") {
      const url = (await databaseEnv(dir)).OPENQOD_DATABASE_URL;
      assert.ok(url);
      store = await openPostgresStore(url, { poolSize: 4, onError });
    } else {
      store = await openSqliteStore(join(dir, "openqod.db"), { onError });
    }
    try {
      await store.insertClient({ id: "c1", name: "c1", keyHash: "h", createdAt: 0 });
      await fn(store, errors);
    } finally {
      if (close) await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await dropDatabase(dir);
  }
}

describe(`group commit (${TEST_ENGINE})`, () => {
  test("a commit listener that throws is reported; every unit ran once and every caller has its result", async () => {
    await withStore(async (store, errors) => {
      store.onCommit(() => {
        throw new Error("listener failed");
      });
      const heard: number[] = [];
      store.onCommit((info) => heard.push(info.earliestDueAt ?? -1));
      const runs = new Map<string, number>();
      const ids = ["a", "b", "c", "d", "e"];
      const results = await Promise.all(
        ids.map((id) =>
          store.write(async (tx) => {
            runs.set(id, (runs.get(id) ?? 0) + 1);
            await tx.insertSession(session(id));
            return id;
          }),
        ),
      );
      assert.deepEqual(results, ids, "every caller resolved with its own result");
      const rows = await store.db.selectFrom("sessions").select("id").orderBy("id").execute();
      assert.deepEqual(
        rows.map((r) => r.id),
        ids,
      );
      // Whatever the store would still do about these commits is done once it has closed.
      await store.close();
      assert.deepEqual(Object.fromEntries(runs), { a: 1, b: 1, c: 1, d: 1, e: 1 }, "no unit ran twice");
      assert.ok(errors.length > 0, "the listener's failure was reported");
      assert.ok(errors.every((e) => e.message === "listener failed"));
      assert.ok(heard.length > 0, "the other listener still heard of the commits");
    }, false);
  });

  test("close waits for the queued writes without spinning, then refuses new ones", async () => {
    await withStore(async (store) => {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const order: string[] = [];
      const first = store
        .write(async (tx) => {
          await held;
          await tx.insertSession(session("a"));
        })
        .then(() => order.push("first committed"));
      const second = store
        .write((tx) => tx.insertSession(session("b")))
        .then(() => order.push("second committed"));
      // Let the batch start and block on `held`.
      await sleep(5);
      let immediates = 0;
      const hook = createHook({
        init(_id, type) {
          if (type === "Immediate") immediates++;
        },
      }).enable();
      const closing = store.close().then(() => order.push("closed"));
      await assert.rejects(
        store.write((tx) => tx.insertSession(session("late"))),
        /store is closed/,
      );
      await sleep(30);
      hook.disable();
      assert.ok(!order.includes("closed"), "close waits while a write is being committed");
      assert.ok(immediates < 10, `close waited without polling the event loop (${immediates} setImmediate)`);
      release();
      await Promise.all([first, second, closing]);
      assert.equal(order.at(-1), "closed", "close resolved after both writes committed");
      assert.deepEqual(order.slice(0, 2).sort(), ["first committed", "second committed"]);
    }, false);
  });
});
