/**
 * Outbox retention under steady load: sessions of one second, created at a steady rate, each with a
 * loopback sink answering 204 (two notifications per session: AVAILABLE, then UNAVAILABLE at expiry).
 * The database is sampled every few seconds; with a short OPENQOD_DELIVERY_RETENTION its size levels
 * off, and the same load with retention off (`0`), run next as the baseline, keeps growing.
 *
 * SQLite: the file plus its WAL after a `wal_checkpoint(TRUNCATE)`, and the pages of the outbox and
 * delivery_attempts (with their indexes) from `dbstat`. PostgreSQL (a throwaway server): the
 * `pg_total_relation_size` of outbox, delivery_attempts and sessions.
 *
 * Ended sessions are removed after 10 s here instead of OPENQOD_RETENTION's 360 s minimum (set past
 * loadConfig, bench only), so the sessions table levels off within the run too; that changes how soon,
 * not whether, and the outbox's figures do not depend on it.
 * Usage: npm run bench:retention [-- --seconds 90 --warmup 30 --rate 100 --retention 20s --engines sqlite,postgres]
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import pg from "pg";
import { loadConfig } from "../packages/server/src/config.ts";
import { createOpenQod, type OpenQod } from "../packages/server/src/openqod.ts";
import { type PostgresServer, startPostgres } from "../packages/server/test/helpers/postgres-server.ts";
import { UNTHROTTLED } from "./harness.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "90" },
    warmup: { type: "string", default: "30" },
    rate: { type: "string", default: "100" },
    retention: { type: "string", default: "20s" },
    sample: { type: "string", default: "10" },
    engines: { type: "string", default: "sqlite,postgres" },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const RATE = Number(values.rate);
const SAMPLE_S = Number(values.sample);
const ENGINES = (values.engines ?? "").split(",").filter((e) => e === "sqlite" || e === "postgres");
const SESSION_RETENTION_MS = 10_000;
const KEY = "bench-retention-sandbox-key-0123456789";
const MB = 1024 * 1024;

interface Sample {
  at: number;
  bytes: number;
  /** SQLite: outbox and delivery_attempts pages; PostgreSQL: the same as `bytes` less sessions. */
  outboxBytes: number;
  outbox: number;
  attempts: number;
  sessions: number;
}

async function sizeOf(openqod: OpenQod, engine: string, dataDir: string): Promise<Sample> {
  const db = openqod.store.db;
  const count = async (table: "outbox" | "delivery_attempts" | "sessions") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const rows = {
    outbox: await count("outbox"),
    attempts: await count("delivery_attempts"),
    sessions: await count("sessions"),
  };
  if (engine === "sqlite") {
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
    const file = join(dataDir, "openqod.db");
    const wal = await stat(`${file}-wal`).then(
      (s) => s.size,
      () => 0,
    );
    const { rows: pages } = await sql<{ bytes: number }>`
      select coalesce(sum(pgsize), 0) as bytes from dbstat
      where name in (select name from sqlite_schema where tbl_name in ('outbox', 'delivery_attempts'))`.execute(
      db,
    );
    return {
      at: Date.now(),
      bytes: (await stat(file)).size + wal,
      outboxBytes: Number(pages[0]?.bytes ?? 0),
      ...rows,
    };
  }
  const { rows: sizes } = await sql<{ outbox: string; sessions: string }>`
    select pg_total_relation_size('outbox') + pg_total_relation_size('delivery_attempts') as outbox,
           pg_total_relation_size('sessions') as sessions`.execute(db);
  const outboxBytes = Number(sizes[0]?.outbox ?? 0);
  return { at: Date.now(), bytes: outboxBytes + Number(sizes[0]?.sessions ?? 0), outboxBytes, ...rows };
}

/** One run: steady load for WARMUP + SECONDS, sampled; returns the samples. */
async function run(engine: string, retention: string, pgServer: PostgresServer | null): Promise<Sample[]> {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-bench-retention-"));
  const env: Record<string, string> = {
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_SANDBOX_KEY: KEY,
    OPENQOD_DELIVERY_RETENTION: retention,
    OPENQOD_LOG_LEVEL: "silent",
    ...UNTHROTTLED,
  };
  const database = `openqod_bench_retention_${retention === "0" ? "off" : "on"}`;
  if (pgServer !== null) {
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.query(`create database ${database}`);
    await admin.end();
    const url = new URL(pgServer.url);
    url.pathname = `/${database}`;
    env.OPENQOD_DATABASE_URL = url.href;
  }
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/notifications`;
  const config = { ...loadConfig([], env), retentionMs: SESSION_RETENTION_MS };
  const openqod = await createOpenQod({ config });
  openqod.startWorkers();

  const started = Date.now();
  const end = started + (WARMUP + SECONDS) * 1000;
  const samples: Sample[] = [];
  let created = 0;
  let refused = 0;
  let nextSample = started;
  const label = `${engine}, delivery retention ${retention === "0" ? "off" : retention}`;
  console.log(`\n${label}: ${RATE} sessions/s of 1 s for ${WARMUP} s warm-up + ${SECONDS} s`);
  try {
    // Ten ticks a second, each creating its share; the loop ends at `end` whatever the server's pace.
    for (let tick = 0; Date.now() < end; tick++) {
      const due = started + tick * 100;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const batch = Math.round(((tick + 1) * RATE) / 10) - Math.round((tick * RATE) / 10);
      const answers = await Promise.all(
        Array.from({ length: batch }, () =>
          openqod.app.inject({
            method: "POST",
            url: "/quality-on-demand/v1/sessions",
            headers: { authorization: `Bearer ${KEY}` },
            payload: {
              device: { phoneNumber: `+36${String(1_000_000_000 + created++)}` },
              applicationServer: { ipv4Address: "233.252.0.2" },
              qosProfile: "QOS_L",
              duration: 1,
              sink: sinkUrl,
              sinkCredential: {
                credentialType: "ACCESSTOKEN",
                accessToken: "bench-sink-token",
                accessTokenExpiresUtc: "2030-01-01T00:00:00Z",
                accessTokenType: "bearer",
              },
            },
          }),
        ),
      );
      refused += answers.filter((a) => a.statusCode !== 201).length;
      if (Date.now() >= nextSample) {
        const s = await sizeOf(openqod, engine, dataDir);
        samples.push(s);
        console.log(
          `  t=${String(Math.round((s.at - started) / 1000)).padStart(4)} s  ${(s.bytes / MB).toFixed(2).padStart(7)} MB` +
            `  (outbox+attempts ${(s.outboxBytes / MB).toFixed(2)} MB; rows: outbox ${s.outbox}, attempts ${s.attempts}, sessions ${s.sessions})`,
        );
        nextSample += SAMPLE_S * 1000;
      }
    }
  } finally {
    await openqod.close();
    await new Promise((resolve) => sink.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
  if (refused > 0) console.log(`  ${refused} of ${created} creates were not 201`);
  return samples.map((s) => ({ ...s, at: s.at - started }));
}

let pgServer: PostgresServer | null = null;
const summary: string[] = [];
try {
  for (const engine of ENGINES) {
    if (engine === "postgres") pgServer = await startPostgres({ durable: true });
    for (const retention of [values.retention ?? "20s", "0"]) {
      const samples = await run(engine, retention, engine === "postgres" ? pgServer : null);
      const warm = samples.find((s) => s.at >= WARMUP * 1000) ?? samples[0];
      const last = samples.at(-1);
      if (warm === undefined || last === undefined) continue;
      // PostgreSQL's size is a sawtooth (dead rows until autovacuum, which may also truncate): the peak
      // after warm-up says whether it is bounded, the last sample where it happens to be.
      const peak = Math.max(...samples.filter((s) => s.at >= warm.at).map((s) => s.bytes));
      const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;
      summary.push(
        `| ${engine} | ${retention === "0" ? "off (baseline)" : retention} | ${mb(warm.bytes)} | ${mb(last.bytes)} | ${(last.bytes / warm.bytes).toFixed(2)}x | ${(peak / warm.bytes).toFixed(2)}x | ${(last.outboxBytes / warm.outboxBytes).toFixed(2)}x | ${last.outbox} |`,
      );
    }
    await pgServer?.stop();
    pgServer = null;
  }
} finally {
  await pgServer?.stop();
}
console.log(
  "\n| engine | delivery retention | size after warm-up | last sample | last / warm-up | peak / warm-up | outbox+attempts last / warm-up | outbox rows at the end |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const line of summary) console.log(line);
