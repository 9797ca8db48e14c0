/**
 * Scale-out benchmark: OpenQoD on PostgreSQL with 1, 2 and 3 instances against 1 instance on SQLite,
 * in one run, on one machine:
 *   GET /sessions/{id} and POST /sessions throughput (autocannon, 32 connections split across the
 *   instances, as a load balancer would), and CPU per request (servers + PostgreSQL, from /proc);
 *   notification delivery throughput with 1 and 3 instances (and SQLite), CPU per notification.
 * PostgreSQL is a throwaway server started here (durable: fsync and synchronous_commit on, like
 * SQLite's synchronous=FULL). Nothing is pinned: servers, database and load share the cores.
 * Usage: npm run bench:scale [-- --rounds 3 --seconds 3 --sessions 100000 --deliveries 6000 --only http,delivery]
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { startPostgres } from "../packages/server/test/helpers/postgres-server.ts";
import { median, type Proc, peekPort, start, UNTHROTTLED } from "./harness.ts";
import { BENCH_KEY, seedSessions } from "./seed.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    sessions: { type: "string", default: "100000" },
    deliveries: { type: "string", default: "6000" },
    only: { type: "string", default: "http,delivery" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
const DELIVERIES = Number(values.deliveries);
const ONLY = new Set(values.only.split(","));
/** /proc/PID/stat counts CPU time in clock ticks; Linux reports 100 a second to user space. */
const TICKS_PER_SECOND = 100;

interface Setup {
  name: string;
  engine: "sqlite" | "postgres";
  instances: number;
}
const HTTP_SETUPS: Setup[] = [
  { name: "SQLite, 1 instance", engine: "sqlite", instances: 1 },
  { name: "PostgreSQL, 1 instance", engine: "postgres", instances: 1 },
  { name: "PostgreSQL, 2 instances", engine: "postgres", instances: 2 },
  { name: "PostgreSQL, 3 instances", engine: "postgres", instances: 3 },
];
const DELIVERY_SETUPS = HTTP_SETUPS.filter((s) => s.instances !== 2);

/** The fields of /proc/PID/stat after the command name (state first), or null if the process is gone. */
function procStat(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The name is in parentheses and may hold spaces: split after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** User + system CPU seconds used so far by these processes (one that ended counts 0: an undercount). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = procStat(pid);
    if (fields !== null) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** The postmaster and every backend it forked. */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const pids = [postmaster];
  for (const entry of readdirSync("/proc")) {
    if (/^\d+$/.test(entry) && Number(procStat(entry)?.[1]) === postmaster) pids.push(Number(entry));
  }
  return pids;
}

const report = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const pgServer = await startPostgres({ durable: true });
  const sqliteDir = await mkdtemp(join(tmpdir(), "openqod-scale-sqlite-"));
  const pgDir = await mkdtemp(join(tmpdir(), "openqod-scale-pg-"));
  try {
    const admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    await admin.query("create database openqod_bench");
    await admin.end();
    const databaseUrl = pgServer.url.replace(/\/postgres$/, "/openqod_bench");
    report(
      `OpenQoD scale-out benchmark: ${cpus().length} cores, ${pgServer.version}, ${SESSIONS} live sessions, ${ROUNDS} rounds x ${SECONDS} s; servers, PostgreSQL and load generator unpinned`,
    );
    const ids = {
      sqlite: await seedSessions(sqliteDir, {
        count: SESSIONS,
        expiresAt: Date.now() + 23 * 3_600_000,
        phonePrefix: "+3630",
      }),
      postgres: await seedSessions(pgDir, {
        count: SESSIONS,
        expiresAt: Date.now() + 23 * 3_600_000,
        phonePrefix: "+3630",
        databaseUrl,
      }),
    };
    report(`seeded ${SESSIONS} sessions into each database`);

    const startInstances = (setup: Setup, env: Record<string, string> = {}): Promise<Proc[]> =>
      Promise.all(
        Array.from({ length: setup.instances }, () =>
          start("packages/server/src/main.ts", null, {
            OPENQOD_PORT: String(peekPort()),
            OPENQOD_LOG_LEVEL: "silent",
            ...UNTHROTTLED,
            OPENQOD_SANDBOX_KEY: "scale-bench-sandbox-key-0123",
            ...(setup.engine === "sqlite"
              ? { OPENQOD_DATA_DIR: sqliteDir }
              : { OPENQOD_DATA_DIR: pgDir, OPENQOD_DATABASE_URL: databaseUrl }),
            ...env,
          }),
        ),
      );
    /**
     * CPU seconds of the servers and (on PostgreSQL) the database so far. Backends are listed anew at
     * each reading, since pools open connections lazily; a new one counts from zero.
     */
    const cpuMeter = (setup: Setup, procs: Proc[]) => {
      const servers = procs.map((p) => p.child.pid ?? 0);
      const before = new Map<number, number>();
      const read = () => {
        const pids = [...servers, ...(setup.engine === "postgres" ? postgresPids(pgServer.dataDir) : [])];
        return new Map(pids.map((pid) => [pid, cpuSeconds([pid])]));
      };
      for (const [pid, cpu] of read()) before.set(pid, cpu);
      return () => [...read()].reduce((sum, [pid, cpu]) => sum + cpu - (before.get(pid) ?? 0), 0);
    };

    /** Load split across the instances; returns the summed rate and CPU microseconds per request. */
    const measure = async (setup: Setup, procs: Proc[], options: Omit<autocannon.Options, "url">) => {
      const cpuUsed = cpuMeter(setup, procs);
      const results = await Promise.all(
        procs.map((p) =>
          autocannon({
            connections: Math.floor(32 / procs.length),
            duration: SECONDS,
            ...options,
            url: `http://127.0.0.1:${p.port}`,
          }),
        ),
      );
      const cpu = cpuUsed();
      const bad = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
      if (bad > 0) throw new Error(`${setup.name}: ${bad} failed requests`);
      const total = results.reduce((n, r) => n + r.requests.total, 0);
      return { rate: results.reduce((n, r) => n + r.requests.average, 0), cpuUs: (cpu / total) * 1e6 };
    };

    const headers = { authorization: `Bearer ${BENCH_KEY}` };
    let phone = 0;
    let pick = 0;
    const table = new Map<string, { get: number[]; getCpu: number[]; post: number[]; postCpu: number[] }>();
    for (let round = 0; round < (ONLY.has("http") ? ROUNDS : 0); round++) {
      for (const setup of HTTP_SETUPS) {
        const row = table.get(setup.name) ?? { get: [], getCpu: [], post: [], postCpu: [] };
        table.set(setup.name, row);
        const procs = await startInstances(setup);
        try {
          const list = ids[setup.engine];
          const get = await measure(setup, procs, {
            headers,
            requests: [
              {
                setupRequest: (req) => ({
                  ...req,
                  path: `/quality-on-demand/v1/sessions/${list[(pick++ * 7919) % list.length]}`,
                }),
              },
            ],
          });
          row.get.push(get.rate);
          row.getCpu.push(get.cpuUs);
          const post = await measure(setup, procs, {
            headers: { ...headers, "content-type": "application/json" },
            method: "POST",
            requests: [
              {
                method: "POST",
                path: "/quality-on-demand/v1/sessions",
                setupRequest: (req) => ({
                  ...req,
                  body: JSON.stringify({
                    device: { phoneNumber: `+3620${String(++phone).padStart(8, "0")}` },
                    applicationServer: { ipv4Address: "233.252.0.2" },
                    qosProfile: "QOS_L",
                    duration: 3600,
                  }),
                }),
              },
            ],
          });
          row.post.push(post.rate);
          row.postCpu.push(post.cpuUs);
        } finally {
          await Promise.all(procs.map((p) => p.stop()));
        }
      }
    }
    const base = table.get(HTTP_SETUPS[0]?.name ?? "");
    for (const [name, row] of table) {
      const ratio = (xs: number[], ys: number[] | undefined) => (median(xs) / median(ys ?? xs)).toFixed(2);
      report(
        `${name.padEnd(24)} GET ${median(row.get).toFixed(0).padStart(6)} req/s (${ratio(row.get, base?.get)}x SQLite), ${median(row.getCpu).toFixed(0).padStart(4)} µs CPU/req   ` +
          `POST ${median(row.post).toFixed(0).padStart(6)} req/s (${ratio(row.post, base?.post)}x SQLite), ${median(row.postCpu).toFixed(0).padStart(4)} µs CPU/req`,
      );
    }

    if (!ONLY.has("delivery")) return;
    const receiver = await start("bench/receiver-server.ts", null);
    const sink = `http://127.0.0.1:${receiver.port}/qod`;
    const drain = async () =>
      ((await (await fetch(`http://127.0.0.1:${receiver.port}/stats`)).json()) as { arrivals: number[] })
        .arrivals;
    const deliveries = new Map<string, { rate: number[]; cpu: number[] }>();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const [k, setup] of DELIVERY_SETUPS.entries()) {
          await seedSessions(setup.engine === "sqlite" ? sqliteDir : pgDir, {
            count: DELIVERIES,
            expiresAt: Date.now() + 20 * 3_600_000,
            sink,
            withPendingEvents: true,
            phonePrefix: `+38${round}${k}`,
            ...(setup.engine === "postgres" ? { databaseUrl } : {}),
          });
          await drain();
          const procs = await startInstances(setup);
          const cpuUsed = cpuMeter(setup, procs);
          try {
            const arrivals: number[] = [];
            const deadline = Date.now() + 120_000;
            while (arrivals.length < DELIVERIES && Date.now() < deadline) {
              arrivals.push(...(await drain()));
              await new Promise((r) => setTimeout(r, 50));
            }
            const cpu = cpuUsed();
            const s = arrivals.sort((a, b) => a - b);
            const row = deliveries.get(setup.name) ?? { rate: [], cpu: [] };
            deliveries.set(setup.name, row);
            row.rate.push((s.length - 1) / (((s.at(-1) ?? 0) - (s[0] ?? 0)) / 1000));
            row.cpu.push((cpu / s.length) * 1e6);
          } finally {
            await Promise.all(procs.map((p) => p.stop()));
          }
        }
      }
    } finally {
      await receiver.stop();
    }
    const first = deliveries.get(DELIVERY_SETUPS[0]?.name ?? "");
    for (const [name, row] of deliveries) {
      report(
        `${name.padEnd(24)} delivery ${median(row.rate).toFixed(0).padStart(6)} ev/s (${(median(row.rate) / median(first?.rate ?? row.rate)).toFixed(2)}x SQLite), ${median(row.cpu).toFixed(0).padStart(4)} µs CPU/event (servers + database)`,
      );
    }
  } finally {
    await pgServer.stop();
    await rm(sqliteDir, { recursive: true, force: true });
    await rm(pgDir, { recursive: true, force: true });
  }
}

await main();
