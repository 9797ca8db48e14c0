/**
 * What logging costs: GET /sessions/{id} throughput of the same server at the default level (info:
 * no line for a successful request) against logging off (`silent`), target >= 0.9x; for information,
 * at `debug` (one line per request) in JSON and in the readable format; and `silent` once more, an
 * A/A row that shows how far apart two equal servers measure on this machine at this time. Also the
 * server's CPU time per request (user + system, from /proc/PID/stat). Each server's stdout goes to a
 * file, as under a process manager. Servers are pinned to core 0, load to core 1; each round starts a
 * fresh process per setting, in a rotating order; ratios are taken within a round, then their median.
 * Usage: npm run bench:logging [-- --rounds 5 --seconds 3 --sessions 10000]
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { median, pinned, ROOT, UNTHROTTLED } from "./harness.ts";
import { BENCH_KEY, seedSessions } from "./seed.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    sessions: { type: "string", default: "10000" },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
if (pinned) execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });

interface Setting {
  name: string;
  env: Record<string, string>;
  target?: number;
}
const SETTINGS: Setting[] = [
  { name: "silent (logging off)", env: { OPENQOD_LOG_LEVEL: "silent" } },
  { name: "info (the default)", env: {}, target: 0.9 },
  { name: "debug, JSON lines", env: { OPENQOD_LOG_LEVEL: "debug", OPENQOD_LOG_FORMAT: "json" } },
  { name: "debug, pretty lines", env: { OPENQOD_LOG_LEVEL: "debug", OPENQOD_LOG_FORMAT: "pretty" } },
  // The same setting as the baseline in another process: how far apart two equal servers measure here.
  { name: "silent again (A/A)", env: { OPENQOD_LOG_LEVEL: "silent" } },
];

let nextPort = 19_400;

/** /proc/PID/stat counts CPU time in clock ticks; Linux reports 100 a second to user space. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The name is in parentheses and may hold spaces: split after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Starts the server with stdout and stderr appended to `logFile`; resolves once /ready answers. */
async function startServer(dataDir: string, logFile: string, env: Record<string, string>) {
  const port = nextPort++;
  const fd = openSync(logFile, "a");
  const args = ["--import", "tsx", join(ROOT, "packages/server/src/main.ts")];
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    OPENQOD_DATA_DIR: dataDir,
    OPENQOD_PORT: String(port),
    ...UNTHROTTLED,
    ...env,
  };
  if (env.OPENQOD_LOG_LEVEL === undefined) delete childEnv.OPENQOD_LOG_LEVEL;
  const options = { env: childEnv, stdio: ["ignore", fd, fd] as ["ignore", number, number] };
  const child: ChildProcess = pinned
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], options)
    : spawn(process.execPath, args, options);
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not start:\n${readFileSync(logFile, "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    // taskset execs node: the same process id.
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "openqod-bench-logging-"));
  try {
    process.stdout.write(
      `OpenQoD logging benchmark: GET /sessions/{id} over ${SESSIONS} live sessions, ${ROUNDS} rounds x ${SECONDS} s (after 1 s of warm-up), server on core 0, load on core 1${pinned ? "" : " (NOT pinned: fewer than 2 cores)"}\n`,
    );
    const ids = await seedSessions(dataDir, {
      count: SESSIONS,
      expiresAt: Date.now() + 23 * 3_600_000,
      phonePrefix: "+3630",
    });
    let i = 0;
    const load = async (url: string, seconds: number) => {
      const result = await autocannon({
        url,
        connections: 32,
        duration: seconds,
        headers: { authorization: `Bearer ${BENCH_KEY}` },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/quality-on-demand/v1/sessions/${ids[(i++ * 7919) % ids.length]}`,
            }),
          },
        ],
      });
      const bad = result.non2xx + result.errors + result.timeouts;
      if (bad > 0) throw new Error(`${bad} failed requests: ${JSON.stringify(result.statusCodeStats)}`);
      return { rate: result.requests.average, total: result.requests.total };
    };

    const rates = SETTINGS.map(() => [] as number[]);
    const cpuPerRequest = SETTINGS.map(() => [] as number[]);
    const logBytesPerRequest = SETTINGS.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < SETTINGS.length; k++) {
        // Rotating the order spreads any drift over the round (thermal, other load) across settings.
        const index = (k + round) % SETTINGS.length;
        const setting = SETTINGS[index] as Setting;
        const logFile = join(dataDir, `server-${round}-${index}.log`);
        const server = await startServer(dataDir, logFile, setting.env);
        try {
          await load(server.url, 1);
          const bytesBefore = readFileSync(logFile).length;
          const cpuBefore = cpuSeconds(server.pid);
          const { rate, total } = await load(server.url, SECONDS);
          cpuPerRequest[index]?.push(((cpuSeconds(server.pid) - cpuBefore) / total) * 1e6);
          logBytesPerRequest[index]?.push((readFileSync(logFile).length - bytesBefore) / total);
          rates[index]?.push(rate);
        } finally {
          await server.stop();
        }
      }
    }

    /** The median over rounds of each round's value for `index` divided by its value for silent. */
    const pairedRatio = (series: number[][], index: number) =>
      median((series[index] ?? []).map((v, round) => v / (series[0]?.[round] ?? v)));
    SETTINGS.forEach((setting, index) => {
      process.stdout.write(
        `${setting.name.padEnd(22)} ${median(rates[index] ?? [])
          .toFixed(0)
          .padStart(
            6,
          )} req/s (${pairedRatio(rates, index).toFixed(2)}x silent${setting.target === undefined ? "" : `, target >= ${setting.target}x`})   CPU ${median(
          cpuPerRequest[index] ?? [],
        )
          .toFixed(1)
          .padStart(5)} µs/request (${pairedRatio(cpuPerRequest, index).toFixed(2)}x)   log ${median(
          logBytesPerRequest[index] ?? [],
        )
          .toFixed(0)
          .padStart(
            3,
          )} bytes/request   req/s by round: ${(rates[index] ?? []).map((r) => r.toFixed(0)).join(" ")}\n`,
      );
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
