import { Pool } from "undici";

/** The delivery baseline: POST the same CloudEvent N times to the receiver with a keep-alive pool. */
const url = new URL(process.env.TARGET ?? "");
const total = Number(process.env.COUNT);
const concurrency = Number(process.env.CONCURRENCY ?? 64);
const body = process.env.BODY ?? "{}";
const pool = new Pool(url.origin, { connections: 32 });
let next = 0;
async function worker(): Promise<void> {
  while (next < total) {
    next++;
    const res = await pool.request({
      method: "POST",
      path: url.pathname,
      headers: { "content-type": "application/cloudevents+json", authorization: "Bearer bench-token" },
      body,
    });
    await res.body.dump();
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await pool.close();
process.stdout.write("done\n");
