import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../packages/server/src/config.ts";
import { createOpenQod } from "../packages/server/src/openqod.ts";
const dir = await mkdtemp(join(tmpdir(), "probe-"));
const oq = await createOpenQod({ config: loadConfig([], { OPENQOD_DATA_DIR: dir }) });
const client = await oq.apiKeys.create("c", Date.now());
let n = 0;
const body = () => ({ device: { phoneNumber: `+3620${String(++n).padStart(8, "0")}` }, applicationServer: { ipv4Address: "233.252.0.2" }, qosProfile: "QOS_L", duration: 3600 });
for (const round of [1, 2, 3]) {
  const t = performance.now();
  let done = 0;
  await Promise.all(Array.from({ length: 32 }, async () => { while (done < 5000) { done++; await oq.sessions.create(client.clientId, body(), "v1"); } }));
  console.log(process.env.SYNCMODE, "creates/s", (5000 / ((performance.now() - t) / 1000)).toFixed(0));
}
await oq.close();
