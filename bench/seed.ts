import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { ApiKeys } from "../packages/server/src/auth/api-keys.ts";
import { renderV1Notification } from "../packages/server/src/delivery/envelope-v1.ts";
import type { SessionRecord } from "../packages/server/src/domain/types.ts";
import { openPostgresStore } from "../packages/server/src/store/postgres.ts";
import { openSqliteStore } from "../packages/server/src/store/sqlite.ts";

export const BENCH_KEY = "bench-key-0123456789abcdef";

export interface SeedOptions {
  count: number;
  /** When every seeded session expires (ms). */
  expiresAt: number;
  sink?: string;
  /** Also queue one pending notification per session (for the delivery benchmark). */
  withPendingEvents?: boolean;
  phonePrefix: string;
  /** Seed this PostgreSQL database instead of the data folder's SQLite file. */
  databaseUrl?: string;
}

/** Writes AVAILABLE sessions straight into the store, in large transactions, and returns their ids. */
export async function seedSessions(dataDir: string, options: SeedOptions): Promise<string[]> {
  const store =
    options.databaseUrl === undefined
      ? await openSqliteStore(join(dataDir, "openqod.db"))
      : await openPostgresStore(options.databaseUrl);
  try {
    const keys = new ApiKeys(store);
    let client = await store.clientByName("bench");
    if (client === undefined) {
      await keys.create("bench", Date.now(), { key: BENCH_KEY });
      client = await store.clientByName("bench");
    }
    const ids: string[] = [];
    const now = Date.now();
    const chunk = 2_000;
    for (let start = 0; start < options.count; start += chunk) {
      const sessions: SessionRecord[] = [];
      for (let i = start; i < Math.min(options.count, start + chunk); i++) {
        const duration = Math.max(1, Math.round((options.expiresAt - now) / 1000));
        sessions.push({
          id: randomUUID(),
          clientId: client!.id,
          dialect: "v1",
          device: { phoneNumber: `${options.phonePrefix}${String(i).padStart(7, "0")}` },
          deviceKey: `tel:${options.phonePrefix}${String(i).padStart(7, "0")}`,
          applicationServer: { ipv4Address: "233.252.0.2" },
          devicePorts: null,
          applicationServerPorts: null,
          qosProfile: "QOS_L",
          sink: options.sink ?? null,
          sinkToken: options.sink ? "bench-token" : null,
          sinkTokenExpiresAt: options.sink ? now + 86_400_000 : null,
          duration,
          qosStatus: "AVAILABLE",
          statusInfo: null,
          createdAt: now,
          startedAt: options.expiresAt - duration * 1000,
          expiresAt: options.expiresAt,
          dueAt: options.expiresAt,
          networkVerdict: null,
          networkRef: null,
        });
      }
      await store.write(async (tx) => {
        // 20 columns a row; SQLite allows 32 766 bound variables a statement, PostgreSQL 65 535.
        for (let i = 0; i < sessions.length; i += 1_000)
          await tx.insertSessions(sessions.slice(i, i + 1_000));
        if (options.withPendingEvents) {
          for (const s of sessions) {
            const event = renderV1Notification(s, { qosStatus: "AVAILABLE" }, now, "http://127.0.0.1");
            if (event) await tx.enqueue(event);
          }
        }
      });
      ids.push(...sessions.map((s) => s.id));
    }
    return ids;
  } finally {
    await store.close();
  }
}
