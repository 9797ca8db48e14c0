/**
 * How soon a receiver that was down has everything it missed (`npm run bench:outage`): N sessions' events
 * (two each, so order is checked too) queued for one sink that answers 503 for the outage, then 204. One
 * process: the server (SQLite, real clock), the receiver and the load. Each round starts a fresh server
 * for each setup: the circuit breaker off (the baseline: every event waits for its own next retry), then
 * on (the defaults: paused after 5 failures, probed from 5 s on, the backlog due at once on the first
 * success). The retry schedule is the default one compressed (`--schedule`), so a round takes about a
 * minute instead of five; what is measured is from the receiver's return to the last event's arrival.
 * With the real schedule: `--schedule 0,5s,5m,30m,2h,5h,10h,10h --outage 60 --rounds 1` (about 7 min).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../packages/server/src/config.ts";
import { createOpenQod } from "../packages/server/src/openqod.ts";
import type { OutboxEvent } from "../packages/server/src/store/types.ts";
import { median, UNTHROTTLED } from "./harness.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    sessions: { type: "string", default: "50" },
    outage: { type: "string", default: "20" },
    schedule: { type: "string", default: "0,2s,60s,5m" },
    /** Seconds after the return before a setup is called failed. */
    deadline: { type: "string", default: "420" },
  },
});
const ROUNDS = Number(values.rounds);
const SESSIONS = Number(values.sessions);
const OUTAGE_MS = Number(values.outage) * 1000;
/** The most a setup may take after the return before the round is called failed (ms). */
const DEADLINE_MS = Number(values.deadline) * 1000;

function event(sessionId: string, n: number, sink: string): OutboxEvent {
  const eventId = `${sessionId}-${n}`;
  return {
    eventId,
    sessionId,
    sink,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: eventId }),
    tokenExpiresAt: null,
    createdAt: Date.now(),
  };
}

/** One setup: ms from the receiver's return to the last event's arrival, and whether order held. */
async function measure(breaker: boolean): Promise<{ ms: number; inOrder: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), "openqod-outage-"));
  const upAt = Date.now() + OUTAGE_MS;
  const arrived: string[] = [];
  let last = 0;
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      if (Date.now() < upAt) {
        res.writeHead(503).end();
        return;
      }
      const { id } = JSON.parse(body) as { id: string };
      if (!arrived.includes(id)) arrived.push(id);
      last = Date.now();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const sink = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/n`;
  const config = loadConfig([], {
    OPENQOD_DATA_DIR: dir,
    OPENQOD_SANDBOX_KEY: "bench-outage-key-0123456789abcdef",
    OPENQOD_RETRY_SCHEDULE: values.schedule,
    ...(breaker ? {} : { OPENQOD_SINK_BREAKER_FAILURES: "0" }),
    ...UNTHROTTLED,
  });
  const openqod = await createOpenQod({ config });
  try {
    await openqod.store.write(async (tx) => {
      for (let s = 0; s < SESSIONS; s++) {
        for (const n of [1, 2]) await tx.enqueue(event(`s${s}`, n, sink));
      }
    });
    openqod.startWorkers();
    const deadline = upAt + DEADLINE_MS;
    while (arrived.length < SESSIONS * 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    if (arrived.length < SESSIONS * 2)
      throw new Error(
        `only ${arrived.length} of ${SESSIONS * 2} arrived ${DEADLINE_MS / 1000} s after the return`,
      );
    const inOrder = [...Array(SESSIONS).keys()].every(
      (s) => arrived.indexOf(`s${s}-1`) < arrived.indexOf(`s${s}-2`),
    );
    return { ms: last - upAt, inOrder };
  } finally {
    await openqod.close();
    receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(
  `outage benchmark: ${ROUNDS} rounds; ${SESSIONS} sessions x 2 events to one sink that answers 503 for ${s(OUTAGE_MS)}; retry schedule ${values.schedule}; time from the sink's return to its last event`,
);
const off: number[] = [];
const on: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const a = await measure(false);
  const b = await measure(true);
  off.push(a.ms);
  on.push(b.ms);
  console.log(
    `round ${round}: breaker off ${s(a.ms)} (order ${a.inOrder ? "kept" : "BROKEN"}); breaker on ${s(b.ms)} (order ${b.inOrder ? "kept" : "BROKEN"})`,
  );
}
const mOff = median(off);
const mOn = median(on);
console.log(
  `median of rounds: breaker off ${s(mOff)}, on ${s(mOn)}: everything back ${(mOff / Math.max(1, mOn)).toFixed(1)}x sooner`,
);
