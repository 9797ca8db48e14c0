/**
 * A healthy sink's delivery latency alone, then beside a sink that accepts connections and never answers
 * with 10^4 events pending for it (`npm run bench:hung-sink`). One process: the server (SQLite, real
 * clock, the default 10 s attempt timeout and caps), both sinks and the load. Each round starts a fresh
 * server for each setup; latency is from an event's creation to its delivered attempt.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../packages/server/src/config.ts";
import { createOpenQod } from "../packages/server/src/openqod.ts";
import { openSqliteStore } from "../packages/server/src/store/sqlite.ts";
import type { OutboxEvent } from "../packages/server/src/store/types.ts";
import { median, percentile, UNTHROTTLED } from "./harness.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    backlog: { type: "string", default: "10000" },
    events: { type: "string", default: "3000" },
    rate: { type: "string", default: "200" },
  },
});
const ROUNDS = Number(values.rounds);
const BACKLOG = Number(values.backlog);
const EVENTS = Number(values.events);
const RATE = Number(values.rate);

function event(eventId: string, sink: string): OutboxEvent {
  const createdAt = Date.now();
  return { eventId, sessionId: eventId, sink, headers: {}, body: "{}", tokenExpiresAt: null, createdAt };
}

async function listen(server: {
  listen(port: number, host: string, cb: () => void): unknown;
  address(): unknown;
}) {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** One setup, one fresh server: the healthy sink's latencies (ms) and the claim's cost meanwhile. */
async function measure(withHungSink: boolean): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), "openqod-hung-"));
  const healthy = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  const healthyUrl = `http://127.0.0.1:${await listen(healthy)}/n`;
  const sockets = new Set<Socket>();
  const hung = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  const hungUrl = `http://127.0.0.1:${await listen(hung)}/n`;
  const config = loadConfig([], {
    OPENQOD_DATA_DIR: dir,
    OPENQOD_SANDBOX_KEY: "bench-hung-sink-key-0123456789",
    ...UNTHROTTLED,
  });
  const openqod = await createOpenQod({ config });
  const latencies: number[] = [];
  openqod.events.on("delivery:attempt", (a) => {
    if (a.sink === healthyUrl && a.outcome === "delivered") latencies.push(a.latencyMs);
  });
  try {
    if (withHungSink) {
      await openqod.store.write(async (tx) => {
        for (let i = 0; i < BACKLOG; i++) await tx.enqueue(event(`hung-${i}`, hungUrl));
      });
    }
    openqod.startWorkers();
    // Let the hung sink take its slots before the healthy load starts.
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await openqod.store.write((tx) => tx.enqueue(event(`ok-${i}`, healthyUrl)));
    }
    const deadline = Date.now() + 30_000;
    while (latencies.length < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (latencies.length < EVENTS) throw new Error(`only ${latencies.length} of ${EVENTS} delivered in 30 s`);
    return latencies;
  } finally {
    // Ending the hung connections ends the attempts stuck on them, so the server closes at once.
    for (const socket of sockets) socket.destroy();
    await openqod.close();
    hung.close();
    healthy.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The claim alone (SQLite store, no HTTP): median ms per claim of 48 slots with 100 healthy events due,
 * without a backlog, then with BACKLOG due events of an origin at its cap ahead of them.
 */
async function claimCost(backlog: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "openqod-claim-"));
  const store = await openSqliteStore(join(dir, "openqod.db"), { sessionCacheEntries: 0 });
  try {
    await store.write(async (tx) => {
      for (let i = 0; i < backlog; i++)
        await tx.enqueue({ ...event(`h${i}`, "http://hung.example/n"), createdAt: i });
      for (let i = 0; i < 100; i++)
        await tx.enqueue({ ...event(`g${i}`, "http://ok.example/n"), createdAt: 1e6 + i });
    });
    const fair = { perOrigin: 48, inFlight: new Map([["http://hung.example", 48]]) };
    const times: number[] = [];
    // A 1 ms lease and a clock 2 ms on per claim: the same events are due again each time.
    for (let i = 0, now = 2e6; i < 200; i++, now += 2) {
      const t0 = performance.now();
      await store.claimDeliveries(now, 48, 1, fair);
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
console.log(
  `hung-sink benchmark: ${ROUNDS} rounds; ${EVENTS} events at ${RATE}/s to a healthy sink, alone and beside a sink that never answers with ${BACKLOG} events pending (attempt timeout 10 s, 64 slots, 48 per sink)`,
);
const rows: Array<{ alone: [number, number]; hung: [number, number] }> = [];
for (let round = 1; round <= ROUNDS; round++) {
  const alone = await measure(false);
  const hung = await measure(true);
  const row = {
    alone: [percentile(alone, 50), percentile(alone, 99)] as [number, number],
    hung: [percentile(hung, 50), percentile(hung, 99)] as [number, number],
  };
  rows.push(row);
  console.log(
    `round ${round}: alone p50 ${fmt(row.alone[0])} p99 ${fmt(row.alone[1])}; beside the hung sink p50 ${fmt(row.hung[0])} p99 ${fmt(row.hung[1])}`,
  );
}
const m = (pick: (r: (typeof rows)[number]) => number) => median(rows.map(pick));
const p99Alone = m((r) => r.alone[1]);
const p99Hung = m((r) => r.hung[1]);
console.log(
  `median of rounds: alone p50 ${fmt(m((r) => r.alone[0]))} p99 ${fmt(p99Alone)}; beside the hung sink p50 ${fmt(m((r) => r.hung[0]))} p99 ${fmt(p99Hung)}; p99 ratio ${(p99Hung / Math.max(1, p99Alone)).toFixed(2)}x (target <= 2x)`,
);
const claimAlone = await claimCost(0);
const claimBehind = await claimCost(BACKLOG);
console.log(
  `claim (SQLite, 48 slots): ${claimAlone.toFixed(2)} ms without a backlog, ${claimBehind.toFixed(2)} ms with ${BACKLOG} due for a full origin (${(claimBehind / claimAlone).toFixed(2)}x)`,
);
