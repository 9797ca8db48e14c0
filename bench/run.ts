/**
 * OpenQoD server benchmarks, each against a baseline measured in the same run:
 *   GET  /sessions/{id}  vs a bare Fastify GET returning the same JSON         (target >= 0.6x)
 *   POST /sessions       vs a bare Fastify POST validating the same body        (target >= 0.4x)
 *   notification delivery vs plain undici POSTs of the same body, same receiver (target >= 0.5x)
 *   expiry lateness of 10^4 sessions due in the same second (p50, p99, max at the receiver)
 * with 10^5 live sessions in the database. Servers are pinned to core 0, load to core 1.
 * Usage: npm run bench [-- --rounds 5 --seconds 3 --sessions 100000]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { median, peekPort, percentile, pinned, start, UNTHROTTLED } from "./harness.ts";
import { BENCH_KEY, seedSessions } from "./seed.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    sessions: { type: "string", default: "100000" },
    deliveries: { type: "string", default: "5000" },
    expiring: { type: "string", default: "10000" },
    only: { type: "string", default: "http,delivery,expiry" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
const DELIVERIES = Number(values.deliveries);
const EXPIRING = Number(values.expiring);
const ONLY = new Set(values.only.split(","));
if (pinned) execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });

function startOpenQod(dataDir: string, env: Record<string, string> = {}) {
  const port = peekPort();
  return start("packages/server/src/main.ts", 0, {
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_PORT: String(port),
    OPENQOD_LOG_LEVEL: "silent",
    ...UNTHROTTLED,
    ...env,
  });
}

async function load(opts: autocannon.Options): Promise<number> {
  const result = await autocannon({ connections: 32, duration: SECONDS, ...opts });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0)
    throw new Error(
      `${opts.url}: ${bad} failed requests of ${result.requests.total}: ${JSON.stringify(result.statusCodeStats)} errors=${result.errors}`,
    );
  return result.requests.average;
}

let phone = 0;
function createBody(): string {
  phone++;
  return JSON.stringify({
    device: { phoneNumber: `+3620${String(phone).padStart(8, "0")}` },
    applicationServer: { ipv4Address: "233.252.0.2" },
    qosProfile: "QOS_L",
    duration: 3600,
  });
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-bench-"));
  const lines: string[] = [];
  const report = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    report(
      `OpenQoD benchmark: ${SESSIONS} live sessions, ${ROUNDS} rounds x ${SECONDS} s, server on core 0, load on core 1${pinned ? "" : " (NOT pinned: fewer than 2 cores)"}`,
    );
    const t0 = Date.now();
    const ids = await seedSessions(dataDir, {
      count: SESSIONS,
      expiresAt: Date.now() + 23 * 3_600_000,
      phonePrefix: "+3630",
    });
    report(`seeded ${ids.length} sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // ---- GET and POST ---------------------------------------------------------------------------
    // GET first, so it reads a database of exactly the seeded sessions; POST rounds add to it after.
    const headers = { authorization: `Bearer ${BENCH_KEY}` };
    const postHeaders = { ...headers, "content-type": "application/json" };
    let i = 0;
    const getRequests = [
      {
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          path: `/quality-on-demand/v1/sessions/${ids[(i++ * 7919) % ids.length]}`,
        }),
      },
    ];
    const postRequests = [
      {
        method: "POST" as const,
        path: "/quality-on-demand/v1/sessions",
        setupRequest: (req: autocannon.Request) => ({ ...req, body: createBody() }),
      },
    ];
    /** Alternates baseline and OpenQoD, a fresh process each, and returns the per-round rates. */
    const compare = async (options: Omit<autocannon.Options, "url">, oqEnv: Record<string, string> = {}) => {
      const bareRates: number[] = [];
      const oqRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const bare = await start("bench/bare-server.ts", 0);
        try {
          bareRates.push(await load({ ...options, url: `http://127.0.0.1:${bare.port}` }));
        } finally {
          await bare.stop();
        }
        const oq = await startOpenQod(dataDir, oqEnv);
        try {
          oqRates.push(await load({ ...options, url: `http://127.0.0.1:${oq.port}` }));
        } finally {
          await oq.stop();
        }
      }
      return { bareRates, oqRates };
    };
    const row = (name: string, oq: number[], bare: number[], target: number | null, unit = "req/s") => {
      const ratio = median(oq) / median(bare);
      report(
        `${name.padEnd(34)} OpenQoD ${median(oq).toFixed(0).padStart(6)} ${unit}   baseline ${median(bare).toFixed(0).padStart(6)} ${unit}   ratio ${ratio.toFixed(2)}x${target === null ? "" : ` (target >= ${target}x)`}`,
      );
    };
    if (ONLY.has("http")) {
      const get = await compare({ headers, requests: getRequests });
      row("GET /sessions/{id}", get.oqRates, get.bareRates, 0.6);
      const uncached = await compare({ headers, requests: getRequests }, { OPENQOD_SESSION_CACHE: "0" });
      row("GET /sessions/{id}, cache off", uncached.oqRates, uncached.bareRates, null);
      const post = await compare({ headers: postHeaders, method: "POST", requests: postRequests });
      row("POST /sessions (no sink)", post.oqRates, post.bareRates, 0.4);
    }

    // ---- delivery ---------------------------------------------------------------------------------
    const receiver = await start("bench/receiver-server.ts", 1);
    const sink = `http://127.0.0.1:${receiver.port}/qod`;
    const stats = async () =>
      (await (await fetch(`http://127.0.0.1:${receiver.port}/stats`)).json()) as {
        count: number;
        arrivals: number[];
      };
    const waitFor = async (count: number, timeoutMs: number) => {
      const arrivals: number[] = [];
      const deadline = Date.now() + timeoutMs;
      while (arrivals.length < count && Date.now() < deadline) {
        arrivals.push(...(await stats()).arrivals);
        if (arrivals.length < count) await new Promise((r) => setTimeout(r, 100));
      }
      return arrivals;
    };
    const rate = (arrivals: number[]) => {
      const s = [...arrivals].sort((a, b) => a - b);
      return (s.length - 1) / (((s.at(-1) ?? 0) - (s[0] ?? 0)) / 1000);
    };
    const sampleBody = JSON.stringify({
      id: "83a0d986-0866-4f38-b8c0-fc65bfcda452",
      source: "http://127.0.0.1:9091/quality-on-demand/v1/sessions/123e4567-e89b-12d3-a456-426614174000",
      type: "org.camaraproject.quality-on-demand.v1.qos-status-changed",
      specversion: "1.0",
      datacontenttype: "application/json",
      time: new Date().toISOString(),
      data: { sessionId: "123e4567-e89b-12d3-a456-426614174000", qosStatus: "AVAILABLE" },
    });
    const deliveryOq: number[] = [];
    const deliveryBare: number[] = [];
    try {
      for (let round = 0; round < (ONLY.has("delivery") ? ROUNDS : 0); round++) {
        await stats();
        const sender = await start("bench/undici-sender.ts", 0, {
          TARGET: sink,
          COUNT: String(DELIVERIES),
          BODY: sampleBody,
          CONCURRENCY: "64",
        }).catch((e) => {
          throw e;
        });
        deliveryBare.push(rate(await waitFor(DELIVERIES, 60_000)));
        await sender.stop();

        await seedSessions(dataDir, {
          count: DELIVERIES,
          expiresAt: Date.now() + 20 * 3_600_000,
          sink,
          withPendingEvents: true,
          phonePrefix: `+37${round}`,
        });
        await stats();
        const oq = await startOpenQod(dataDir);
        try {
          deliveryOq.push(rate(await waitFor(DELIVERIES, 120_000)));
        } finally {
          await oq.stop();
        }
      }
      if (ONLY.has("delivery")) row("notification delivery", deliveryOq, deliveryBare, 0.5, "ev/s ");
      if (!ONLY.has("expiry")) return;

      // ---- expiry lateness ------------------------------------------------------------------------
      await stats();
      const due = Math.ceil((Date.now() + 10_000) / 1000) * 1000;
      await seedSessions(dataDir, { count: EXPIRING, expiresAt: due, sink, phonePrefix: "+3890" });
      const oq = await startOpenQod(dataDir);
      try {
        const arrivals = await waitFor(EXPIRING, 120_000);
        const lateness = arrivals.map((a) => a - due);
        report(
          `expiry of ${EXPIRING} sessions due at the same second: DURATION_EXPIRED lateness at the receiver p50 ${percentile(lateness, 50)} ms, p99 ${percentile(lateness, 99)} ms, max ${Math.max(...lateness)} ms (${arrivals.length} received)`,
        );
      } finally {
        await oq.stop();
      }
    } finally {
      await receiver.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
