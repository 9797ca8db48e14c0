import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { databaseEnv, dropDatabase } from "./helpers/engine.ts";
import { createHarness, type Harness, sessionBody } from "./helpers/harness.ts";

const BASE = "/quality-on-demand/v1";
const INSTANCES = 3;
const DEVICES = 4;
const ROUNDS = 12;

type Op = "create" | "extend" | "delete";

/** What each operation may answer when others race it; anything else (a 5xx above all) is a failure. */
const ALLOWED: Record<Op, ReadonlySet<string>> = {
  create: new Set(["201", "409 CONFLICT"]),
  extend: new Set(["200", "404 NOT_FOUND", "409 QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED"]),
  delete: new Set(["204", "404 NOT_FOUND"]),
};

const phone = (d: number) => `+3670990000${d}`;

/** A small deterministic PRNG (mulberry32): the same interleaving every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe("three instances on one PostgreSQL database, racing creates, extends and deletes of the same devices", () => {
  const instances: Harness[] = [];
  const dirs: string[] = [];
  let closed = false;
  let url: string;
  let database: string;

  before(async () => {
    for (let i = 0; i < INSTANCES; i++) dirs.push(await mkdtemp(join(tmpdir(), "openqod-deadlock-")));
    const shared = (await databaseEnv(dirs[0] as string)).OPENQOD_DATABASE_URL;
    assert.ok(shared);
    url = shared;
    database = new URL(url).pathname.slice(1);
    // A deadlock is found after deadlock_timeout (1 s by default): a short one keeps the test quick
    // when there are any, without changing whether there are.
    await query(url, `alter database ${database} set deadlock_timeout = '50ms'`);
    for (const dir of dirs) instances.push(await createHarness({ OPENQOD_DATABASE_URL: url }, dir));
  });
  after(async () => {
    if (!closed) for (const h of instances) await h.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    await dropDatabase(dirs[0] as string);
  });

  test("every answer is a success or a 404/409, no transaction is aborted as a deadlock, and no device has two sessions", async () => {
    const random = prng(12);
    const answers = new Map<string, number>();
    const unexpected: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const requests: Array<{ op: Op; run: () => Promise<{ statusCode: number; json(): unknown }> }> = [];
      for (let d = 0; d < DEVICES; d++) {
        const existing = (
          await query<{ id: string }>(url, "select id from sessions where device_key = $1", [
            `tel:${phone(d)}`,
          ])
        )[0]?.id;
        for (const h of instances) {
          const body = sessionBody({ device: { phoneNumber: phone(d) } });
          requests.push({ op: "create", run: () => h.request("POST", `${BASE}/sessions`, body) });
          requests.push({ op: "create", run: () => h.request("POST", `${BASE}/sessions`, body) });
          if (existing === undefined) continue;
          const extend = { requestedAdditionalDuration: 60 };
          requests.push({
            op: "extend",
            run: () => h.request("POST", `${BASE}/sessions/${existing}/extend`, extend),
          });
          requests.push({
            op: "extend",
            run: () => h.request("POST", `${BASE}/sessions/${existing}/extend`, extend),
          });
          if (random() < 0.5)
            requests.push({ op: "delete", run: () => h.request("DELETE", `${BASE}/sessions/${existing}`) });
        }
      }
      // Shuffled, then all sent at once: each instance's units of different devices share batches in
      // whatever order they arrive.
      for (let i = requests.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [requests[i], requests[j]] = [
          requests[j] as (typeof requests)[number],
          requests[i] as (typeof requests)[number],
        ];
      }
      const results = await Promise.all(requests.map((r) => r.run()));
      results.forEach((res, i) => {
        const op = (requests[i] as (typeof requests)[number]).op;
        const code = res.statusCode < 300 ? "" : ` ${(res.json() as { code?: string }).code}`;
        const answer = `${res.statusCode}${code}`;
        answers.set(`${op} ${answer}`, (answers.get(`${op} ${answer}`) ?? 0) + 1);
        if (!ALLOWED[op].has(answer)) unexpected.push(`${op}: ${answer}`);
      });
    }
    assert.deepEqual(unexpected, [], `answers: ${JSON.stringify(Object.fromEntries(answers))}`);
    assert.ok(
      (answers.get("create 201") ?? 0) > 0 && (answers.get("delete 204") ?? 0) > 0,
      "the race did run",
    );

    const perDevice = await query<{ device_key: string; n: string }>(
      url,
      "select device_key, count(*) as n from sessions group by device_key having count(*) > 1",
    );
    assert.deepEqual(perDevice, [], "no device has two sessions (all creates ask for the same flow)");

    // Each backend reports its deadlocks to the statistics when it ends: close the instances' pools
    // first, then read the count once every backend is gone.
    closed = true;
    for (const h of instances) await h.close();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const [open] = await query<{ n: string }>(
        url,
        "select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
        [database],
      );
      if (Number(open?.n) === 0) break;
      await sleep(50);
    }
    await sleep(500);
    const [stats] = await query<{ deadlocks: string }>(
      url,
      "select deadlocks from pg_stat_database where datname = $1",
      [database],
    );
    assert.equal(Number(stats?.deadlocks), 0, "transactions PostgreSQL aborted as deadlocked");
  });
});
