import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedSessions } from "./seed.ts";

const dir = await mkdtemp(join(tmpdir(), "probe-"));
await seedSessions(dir, { count: 100000, expiresAt: Date.now() + 3600_000 * 20, phonePrefix: "+3630" });
console.log(dir);
