import assert from "node:assert/strict";
import { describe, test } from "node:test";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { NamedQuery } from "../src/store/named-query.ts";

interface Tables {
  t: { a: number; b: number; c: number };
}

function database(): Kysely<Tables> {
  const sqlite = new SQLite(":memory:");
  sqlite.exec("create table t (a integer, b integer, c integer)");
  return new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
}

describe("named queries", () => {
  test("each value lands in the column its name is at, whatever order the values come in", async () => {
    const db = database();
    const insert = NamedQuery.build<"a" | "b" | "c">((p) =>
      db
        .insertInto("t")
        .values({ c: p("c"), a: p("a"), b: p("b") })
        .compile(),
    );
    // SET before WHERE, and the columns swapped: none of this order is in the caller's values.
    const swap = NamedQuery.build<"a" | "b" | "c">((p) =>
      db
        .updateTable("t")
        .set({ b: p("a"), a: p("b") })
        .where("c", "=", p("c"))
        .compile(),
    );
    await db.executeQuery(insert.bind({ b: 2, c: 3, a: 1 }));
    assert.deepEqual(await db.selectFrom("t").selectAll().execute(), [{ a: 1, b: 2, c: 3 }]);
    await db.executeQuery(swap.bind({ c: 3, b: 2, a: 1 }));
    assert.deepEqual(await db.selectFrom("t").selectAll().execute(), [{ a: 2, b: 1, c: 3 }]);
    await db.destroy();
  });

  test("a name used twice binds the same value at both places", async () => {
    const db = database();
    const insert = NamedQuery.build<"x" | "c">((p) =>
      db
        .insertInto("t")
        .values({ a: p("x"), b: p("x"), c: p("c") })
        .compile(),
    );
    assert.deepEqual(insert.parameters({ x: 7, c: 9 }).sort(), [7, 7, 9]);
    await db.executeQuery(insert.bind({ x: 7, c: 9 }));
    assert.deepEqual(await db.selectFrom("t").selectAll().execute(), [{ a: 7, b: 7, c: 9 }]);
    await db.destroy();
  });

  test("a statement with a literal parameter is refused when built, not sent with a stale value", async () => {
    const db = database();
    assert.throws(
      () =>
        NamedQuery.build<"a">((p) =>
          db
            .updateTable("t")
            .set({ a: p("a") })
            .where("c", "=", 3)
            .compile(),
        ),
      /parameter 2 of a named query is not named/,
    );
    await db.destroy();
  });

  test("a hot path may pass a single value only where that name is the statement's one parameter", () => {
    const db = database();
    const byC = NamedQuery.build<"c">((p) =>
      db.selectFrom("t").selectAll().where("c", "=", p("c")).compile(),
    );
    byC.assertOnlyParameter("c");
    const twice = NamedQuery.build<"c">((p) =>
      db.selectFrom("t").selectAll().where("c", "=", p("c")).where("a", "=", p("c")).compile(),
    );
    assert.throws(() => twice.assertOnlyParameter("c"), /expected c as the only parameter/);
  });
});
