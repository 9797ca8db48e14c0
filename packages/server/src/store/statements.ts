import type { CompiledQuery, Kysely } from "kysely";
import type { SessionRecord } from "../domain/types.ts";
import { sessionToRow } from "./rows.ts";
import type { Database } from "./schema.ts";
import type { OutboxEvent } from "./types.ts";

/**
 * The hot path's queries, compiled once per store. Building a Kysely query costs more than SQLite
 * takes to run it; these are built from a sample and reused with new parameters, which Kysely
 * emits in the order the columns are given (so `Object.values` of a row lines up with them).
 */
export class Statements {
  readonly #insertSession: CompiledQuery;
  readonly #updateSession: CompiledQuery;
  readonly #deleteSession: CompiledQuery;
  readonly #sessionById: CompiledQuery;
  readonly #sessionsOfDevice: CompiledQuery;
  readonly #insertOutbox: CompiledQuery;

  constructor(db: Kysely<Database>) {
    const row = sessionToRow(SAMPLE);
    const { id: _id, ...rest } = row;
    this.#insertSession = db.insertInto("sessions").values(row).compile();
    this.#updateSession = db.updateTable("sessions").set(rest).where("id", "=", "").compile();
    this.#deleteSession = db.deleteFrom("sessions").where("id", "=", "").compile();
    this.#sessionById = db.selectFrom("sessions").selectAll().where("id", "=", "").compile();
    this.#sessionsOfDevice = db
      .selectFrom("sessions")
      .selectAll()
      .where("client_id", "=", "")
      .where("device_key", "=", "")
      .orderBy("created_at")
      .compile();
    this.#insertOutbox = db.insertInto("outbox").values(outboxRow(SAMPLE_EVENT)).compile();
  }

  insertSession(session: SessionRecord): CompiledQuery {
    return { ...this.#insertSession, parameters: Object.values(sessionToRow(session)) };
  }

  updateSession(session: SessionRecord): CompiledQuery {
    const { id, ...rest } = sessionToRow(session);
    return { ...this.#updateSession, parameters: [...Object.values(rest), id] };
  }

  deleteSession(id: string): CompiledQuery {
    return { ...this.#deleteSession, parameters: [id] };
  }

  sessionById(id: string): CompiledQuery {
    return { ...this.#sessionById, parameters: [id] };
  }

  sessionsOfDevice(clientId: string, deviceKey: string): CompiledQuery {
    return { ...this.#sessionsOfDevice, parameters: [clientId, deviceKey] };
  }

  insertOutbox(event: OutboxEvent): CompiledQuery {
    return { ...this.#insertOutbox, parameters: Object.values(outboxRow(event)) };
  }
}

function outboxRow(event: OutboxEvent) {
  return {
    event_id: event.eventId,
    session_id: event.sessionId,
    sink: event.sink,
    headers: JSON.stringify(event.headers),
    body: event.body,
    token_expires_at: event.tokenExpiresAt,
    state: "pending",
    attempts: 0,
    next_attempt_at: event.createdAt,
    lease_until: null,
    created_at: event.createdAt,
    settled_at: null,
    last_error: null,
  };
}

const SAMPLE: SessionRecord = {
  id: "",
  clientId: "",
  dialect: "v1",
  device: {},
  deviceKey: "",
  applicationServer: {},
  devicePorts: null,
  applicationServerPorts: null,
  qosProfile: "",
  sink: null,
  sinkToken: null,
  sinkTokenExpiresAt: null,
  duration: 0,
  qosStatus: "REQUESTED",
  statusInfo: null,
  createdAt: 0,
  startedAt: null,
  expiresAt: null,
  dueAt: null,
  networkVerdict: null,
};

const SAMPLE_EVENT: OutboxEvent = {
  eventId: "",
  sessionId: "",
  sink: "",
  headers: {},
  body: "",
  tokenExpiresAt: null,
  createdAt: 0,
};
