import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedSessions } from "./seed.ts";
const dir = await mkdtemp(join(tmpdir(), "probe-"));
await seedSessions(dir, { count: 20000, expiresAt: Date.now() + 3600_000, phonePrefix: "+3630", sink: "http://127.0.0.1:19801/qod", withPendingEvents: true });
console.log(dir);
