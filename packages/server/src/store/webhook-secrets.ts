import type { Kysely, Selectable } from "kysely";
import type { Database, WebhookSecretsTable } from "./schema.ts";

/** A client's Standard Webhooks signing secret, as stored. */
export interface WebhookSecretRecord {
  id: string;
  /** `whsec_` and the base64 of the key's bytes. */
  secret: string;
  createdAt: number;
  /** When it stops signing (ms); null for the current secret. */
  retiresAt: number | null;
}

/**
 * Secrets still retiring that a rotation keeps, besides the new current one: each signs every attempt
 * (one signature apiece), so a burst of rotations must not make every notification carry dozens.
 */
export const MAX_RETIRING = 4;

/** How often a rotation tries again when another rotation of the same client committed meanwhile. */
const ROTATE_TRIES = 10;

/** Thrown inside a rotation's transaction to roll it back when another rotation won. */
const LOST_RACE = new Error("another rotation of this client committed first");

/**
 * Each API client's webhook signing secrets (`webhook_secrets`). Rare writes (a client rotating), so
 * they commit on their own, outside the group commit; the signer reads them through a short cache
 * (delivery/webhook-signer.ts).
 */
export class WebhookSecretRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The client's secrets that still sign at `now` (ms): the current one first, then newest first. */
  async list(clientId: string, now: number): Promise<WebhookSecretRecord[]> {
    const rows = await this.#db
      .selectFrom("webhook_secrets")
      .selectAll()
      .where("client_id", "=", clientId)
      .where((eb) => eb.or([eb("retires_at", "is", null), eb("retires_at", ">", now)]))
      .execute();
    return rows.map(toRecord).sort(currentFirst);
  }

  /**
   * Makes `secret` the client's current secret; the current one before it keeps signing until
   * `now + graceMs`, and secrets already retiring keep their own time (but only the MAX_RETIRING newest
   * of them; retired ones are deleted). On PostgreSQL, of two rotations at once the second waits on the
   * first's row, then its insert meets the first's new secret in the unique index of current secrets
   * and does nothing: it rolls back and tries again, on top of it. Either way one secret is current.
   * @returns the client's secrets afterwards, as list() gives them.
   */
  async rotate(
    clientId: string,
    secret: Pick<WebhookSecretRecord, "id" | "secret">,
    now: number,
    graceMs: number,
  ): Promise<WebhookSecretRecord[]> {
    for (let tries = 0; tries < ROTATE_TRIES; tries++) {
      const rotated = await this.#db
        .transaction()
        .execute(async (trx) => {
          await trx
            .updateTable("webhook_secrets")
            .set({ retires_at: now + graceMs })
            .where("client_id", "=", clientId)
            .where("retires_at", "is", null)
            .execute();
          const inserted = await trx
            .insertInto("webhook_secrets")
            .values({
              id: secret.id,
              client_id: clientId,
              secret: secret.secret,
              created_at: now,
              retires_at: null,
            })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          // Lost to another rotation: roll back what this one retired, and try again on top of it.
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) throw LOST_RACE;
          await dropRetired(trx, clientId, now);
          return true;
        })
        .catch((error: unknown) => {
          if (error === LOST_RACE) return false;
          throw error;
        });
      if (rotated) return this.list(clientId, now);
    }
    throw new Error(`webhook secret rotation for client ${clientId} lost ${ROTATE_TRIES} races in a row`);
  }

  /** Deletes every secret of the client: its notifications go out unsigned. @returns how many. */
  async deleteAll(clientId: string): Promise<number> {
    const result = await this.#db
      .deleteFrom("webhook_secrets")
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** Deletes the client's secrets retired by `now`, and the retiring ones past the MAX_RETIRING newest. */
async function dropRetired(db: Kysely<Database>, clientId: string, now: number): Promise<void> {
  await db
    .deleteFrom("webhook_secrets")
    .where("client_id", "=", clientId)
    .where("retires_at", "<=", now)
    .execute();
  const extra = await db
    .selectFrom("webhook_secrets")
    .select("id")
    .where("client_id", "=", clientId)
    .where("retires_at", "is not", null)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .offset(MAX_RETIRING)
    .limit(1_000)
    .execute();
  if (extra.length > 0) {
    await db
      .deleteFrom("webhook_secrets")
      .where(
        "id",
        "in",
        extra.map((r) => r.id),
      )
      .execute();
  }
}

const currentFirst = (a: WebhookSecretRecord, b: WebhookSecretRecord): number =>
  (a.retiresAt === null ? 0 : 1) - (b.retiresAt === null ? 0 : 1) || b.createdAt - a.createdAt;

function toRecord(row: Selectable<WebhookSecretsTable>): WebhookSecretRecord {
  return {
    id: row.id,
    secret: row.secret,
    createdAt: Number(row.created_at),
    retiresAt: row.retires_at === null ? null : Number(row.retires_at),
  };
}
