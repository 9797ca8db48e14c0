/**
 * Receiver throughput: @openqod/receiver's node:http adapter against a bare node:http handler that
 * parses the JSON and checks the header (target >= 0.85x), and against the seed's FastAPI receiver
 * under uvicorn (Debian python3-fastapi, python3-uvicorn). Same Network-as-Code notification, a new
 * event id per request (so dedupe never short-cuts), servers on core 0, autocannon on core 1.
 * Usage: npm run bench:receiver [-- --rounds 5 --seconds 3]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, seconds: { type: "string", default: "3" } },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const ROOT = new URL("..", import.meta.url).pathname;
const PYTHON = "/usr/bin/python3";
const pinned = cpus().length >= 2;
if (pinned) execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });
let nextPort = 19_900;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function start(command: string[]): Promise<{ child: ChildProcess; port: number }> {
  const port = nextPort++;
  const args = command.map((a) => a.replace("$PORT", String(port)));
  const child = spawn(pinned ? "taskset" : (args[0] ?? ""), pinned ? ["-c", "0", ...args] : args.slice(1), {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (
    !(
      out.includes("ready") &&
      (await fetch(`http://127.0.0.1:${port}/qod`, { method: "POST" }).then(
        () => true,
        () => false,
      ))
    )
  ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${args.join(" ")} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

let n = 0;
function notification(): string {
  const id = `${Date.now().toString(16)}-${(n++).toString(16)}`;
  const detail = {
    sessionId: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    qosStatus: "AVAILABLE",
    statusInfo: "SESSION_AVAILABLE",
  };
  const time = new Date().toISOString();
  return JSON.stringify({
    id,
    source: "http://127.0.0.1:9091/qod/v0/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6",
    type: "org.camaraproject.qod.v0.qos-status-changed",
    specversion: "1.0",
    datacontenttype: "application/json",
    time,
    event: { eventType: "QOS_STATUS_CHANGED", eventTime: time, eventDetail: detail },
    data: detail,
  });
}

// Bodies built before the run, so the load generator spends its time sending, not serialising.
const BODIES = Array.from({ length: 200_000 }, notification);
let next = 0;

async function load(port: number, seconds = SECONDS): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/qod`,
    connections: 32,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer my-token" },
    requests: [
      {
        method: "POST",
        setupRequest: (req: autocannon.Request) => ({ ...req, body: BODIES[next++ % BODIES.length] }),
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0)
    throw new Error(
      `port ${port}: ${bad} failed of ${result.requests.total}: ${JSON.stringify(result.statusCodeStats)}`,
    );
  return result.requests.average;
}

const tsx = (file: string) => [process.execPath, "--import", "tsx", join(ROOT, file)];
const servers: Record<string, string[]> = {
  bare: tsx("bench/receiver-bare.ts"),
  openqod: tsx("bench/receiver-openqod.ts"),
};
const hasFastApi = spawnSync(PYTHON, ["-c", "import fastapi, uvicorn"], { stdio: "ignore" }).status === 0;
if (hasFastApi) {
  servers.fastapi = [
    PYTHON,
    join(ROOT, "packages/server/test/fixtures/seed_receiver.py"),
    "$PORT",
    "--no-record",
  ];
}

const rates: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, command] of Object.entries(servers)) {
    const { child, port } = await start(command);
    try {
      // One second of warm-up for every server alike, so the JIT has compiled the hot path.
      await load(port, 1);
      const rate = await load(port);
      rates[name] = [...(rates[name] ?? []), rate];
    } finally {
      await stop(child);
    }
  }
}
const bare = median(rates.bare ?? []);
process.stdout.write(
  `receiver benchmark: ${ROUNDS} rounds x ${SECONDS} s, 32 connections, servers on core 0${pinned ? "" : " (NOT pinned)"}\n`,
);
for (const [name, list] of Object.entries(rates)) {
  const target = name === "openqod" ? " (target >= 0.85x)" : "";
  process.stdout.write(
    `${name.padEnd(8)} ${median(list).toFixed(0).padStart(7)} req/s   ratio to bare node:http ${(median(list) / bare).toFixed(2)}x${target}\n`,
  );
}
if (!hasFastApi) process.stdout.write("fastapi  skipped: apt-get install python3-fastapi python3-uvicorn\n");
