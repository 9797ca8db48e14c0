import type { Kysely, Selectable } from "kysely";
import type { DeviceRule } from "../network/device-registry.ts";
import type { Database, SandboxDevicesTable } from "./schema.ts";

export type IdentifierKind = SandboxDevicesTable["identifier_kind"];
export type SandboxOutcome = SandboxDevicesTable["outcome"];

/** One client's rule for one device in the sandbox, as stored. */
export interface SandboxDeviceRecord {
  id: string;
  clientId: string;
  kind: IdentifierKind;
  /** The identifier's value; for ipv4Address the public address. */
  identifier: string;
  outcome: SandboxOutcome;
  activationDelayMs: number | null;
  createdAt: number;
}

/**
 * Each client's own device registry in the sandbox (`sandbox_devices`). Rare writes from a person at
 * the dashboard, so they commit on their own, outside the group commit.
 */
/** How long a client's rules are reused (ms), and for how many clients at most. */
const RULES_TTL_MS = 1_000;
const RULES_CACHE_SIZE = 10_000;

export class SandboxDeviceRepository {
  readonly #db: Kysely<Database>;
  /**
   * Each client's rules as the simulator read them last, for RULES_TTL_MS: every create asks, and a
   * read per create queued behind the writes cut creates per second by almost half (bench/run.ts).
   * This instance's own writes drop the entry at once; another instance's apply within the TTL.
   */
  readonly #cached = new Map<string, { rules: DeviceRule[]; until: number }>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The client's rules, oldest first. */
  async list(clientId: string): Promise<SandboxDeviceRecord[]> {
    const rows = await this.#db
      .selectFrom("sandbox_devices")
      .selectAll()
      .where("client_id", "=", clientId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toRecord);
  }

  /**
   * The client's rule for the record's identifier becomes this one (the unique index on client, kind
   * and identifier makes a second rule for it replace the first, id and all).
   */
  async set(record: SandboxDeviceRecord): Promise<SandboxDeviceRecord> {
    this.#cached.delete(record.clientId);
    const values = {
      id: record.id,
      client_id: record.clientId,
      identifier_kind: record.kind,
      identifier: record.identifier,
      outcome: record.outcome,
      activation_delay_ms: record.activationDelayMs,
      created_at: record.createdAt,
    };
    await this.#db
      .insertInto("sandbox_devices")
      .values(values)
      .onConflict((oc) =>
        oc.columns(["client_id", "identifier_kind", "identifier"]).doUpdateSet({
          id: values.id,
          outcome: values.outcome,
          activation_delay_ms: values.activation_delay_ms,
          created_at: values.created_at,
        }),
      )
      .execute();
    return record;
  }

  /** @returns whether the client had a rule with that id (another client's is not touched). */
  async delete(clientId: string, id: string): Promise<boolean> {
    this.#cached.delete(clientId);
    const result = await this.#db
      .deleteFrom("sandbox_devices")
      .where("id", "=", id)
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The client's rules in the simulator's shape (network/device-registry.ts). */
  async rulesOf(clientId: string): Promise<DeviceRule[]> {
    const now = performance.now();
    const hit = this.#cached.get(clientId);
    if (hit !== undefined && hit.until > now) return hit.rules;
    const rules = (await this.list(clientId)).map(toRule);
    if (this.#cached.size >= RULES_CACHE_SIZE) this.#cached.clear();
    this.#cached.set(clientId, { rules, until: now + RULES_TTL_MS });
    return rules;
  }
}

const RULE_KEY = {
  phoneNumber: "phoneNumber",
  networkAccessIdentifier: "networkAccessIdentifier",
  ipv4Address: "ipv4PublicAddress",
  ipv6Address: "ipv6Address",
} as const satisfies Record<IdentifierKind, keyof DeviceRule>;

function toRule(record: SandboxDeviceRecord): DeviceRule {
  return {
    [RULE_KEY[record.kind]]: record.identifier,
    outcome: record.outcome,
    ...(record.activationDelayMs === null ? {} : { activationDelayMs: record.activationDelayMs }),
  };
}

function toRecord(row: Selectable<SandboxDevicesTable>): SandboxDeviceRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    kind: row.identifier_kind,
    identifier: row.identifier,
    outcome: row.outcome,
    activationDelayMs: row.activation_delay_ms === null ? null : Number(row.activation_delay_ms),
    createdAt: Number(row.created_at),
  };
}
